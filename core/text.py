"""Text generation as next-character prediction: from bigram counts to a tiny Transformer.

"Texts are time series." A text is a sequence of characters ``x_1 … x_N`` from a vocabulary of
``V`` characters (core/corpus.py: the corpus, the vocabulary, the bigram baseline). By the chain
rule, ``p(x_1 … x_N) = Π_t p(x_{t+1} | x_{≤t})``: a model of the text is a model of the next
character given the past, ``p_θ(x_{t+1} | x_{≤t}) = softmax(logits_t)``. It is trained by minimising
the negative log-likelihood per character (nats), ``-(1/N) Σ_t log p_θ(x_{t+1} | x_{≤t})``, on the
training part of the text, while the held-out validation part tells whether it generalises.
Sampling draws one character at a time from ``softmax(logits / temperature)`` restricted to the
``k`` most likely, and feeds it back as the next input.

Four models behind one interface (``forward(idx (B, T)) -> logits (B, T, V)``, position ``t``
predicting character ``t+1`` from characters ``≤ t``; the networks are in core/text_models.py), as
in makemore:

- **bigram**: a Markov chain, ``p(x_{t+1} | x_t)`` = counts of the pair / counts of ``x_t``
  (add-α smoothing). Training is counting: each step counts the next chunk of the training text.
- **ngram**: an MLP on the learned embeddings of the last ``n`` characters (Bengio et al. 2003).
- **gru**: a recurrent network carrying a hidden state ``h_t = GRU(h_{t-1}, e(x_t))``.
- **transformer**: causal self-attention over the last ``T`` characters, a few layers and heads
  (pre-LayerNorm blocks, learned positions; nanoGPT's shape, much smaller).

Two reference lines: the uniform model (``log V`` nats) and the counted bigram on the whole
training text. ``TextTrainer.snapshot()`` holds a sample with its memorisation check (the share of
its 12-character strings found verbatim in the training text and its longest copied span, beside the
same for held-out text: core/memorisation.py), the next-character probabilities after the student's
prompt and the character embeddings projected to 2D by PCA.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.corpus import Vocab, bigram_counts, bigram_log_probs, bigram_nll, check_text, load_corpus, split
from core.errors import ConfigError
from core.memorisation import CopyIndex
from core.nets import adam, parameter_count, positive, set_lr
from core.text_models import GRUModel, build_model, pca_2d, pick

MODELS = ("bigram", "ngram", "gru", "transformer")
MODEL_LABELS = {"bigram": "Bigram counts (Markov chain)", "ngram": "n-gram MLP", "gru": "GRU (recurrent)",
                "transformer": "Transformer (attention)"}
BIGRAM_CHUNK = 4096  # characters counted per bigram "training" step
SAMPLE_CHARS = 200
SAMPLE_EVERY_S = 1.0  # while training, a new sample at most this often
REFERENCE_WINDOWS = 5  # held-out windows of SAMPLE_CHARS whose longest copied span is the reference


# =========================================================================== training


@dataclass(frozen=True)
class TextConfig:
    model: str = "gru"  # bigram, ngram, gru or transformer
    corpus: str = "persuasion"  # a shipped corpus, or the path of a UTF-8 text file
    context: int = 32  # characters the model sees (n for the n-gram MLP, T for the others)
    width: int = 64  # embedding and hidden size
    depth: int = 1  # layers
    heads: int = 4  # attention heads (Transformer)
    lr: float = 0.003
    batch_size: int = 32
    val_ratio: float = 0.1
    seed: int = 0
    eval_every: int = 25

    def validate(self) -> None:
        if self.model not in MODELS:
            raise ConfigError(f"Unknown model '{self.model}': choose among {', '.join(MODELS)}.")
        if not 1 <= self.context <= 256:
            raise ConfigError("Use a context of 1 to 256 characters.")
        if not 4 <= self.width <= 512 or not 1 <= self.depth <= 8:
            raise ConfigError("Use a width of 4 to 512 and 1 to 8 layers.")
        if self.model == "transformer" and (self.heads < 1 or self.width % self.heads):
            raise ConfigError(f"The width ({self.width}) must be a multiple of the number of heads ({self.heads}).")
        if not positive(self.lr) or self.batch_size < 1:
            raise ConfigError("The learning rate and the batch size must be positive.")
        if not 0.02 <= self.val_ratio <= 0.5:
            raise ConfigError("Keep the validation share between 2 % and 50 %.")


class TextTrainer:
    divergence_advice = "The learning rate is too large: lower it (it applies at once) and press Reset."

    def __init__(self, cfg: TextConfig, text: str | None = None):
        cfg.validate()
        self.cfg = cfg
        self.text = check_text(text) if text is not None else load_corpus(cfg.corpus)
        self.vocab = Vocab.of(self.text)
        V = self.V = self.vocab.size
        ids = self.vocab.encode(self.text)
        self.train_ids, self.val_ids = split(ids, cfg.val_ratio)
        # a window needs T + 1 characters; a short pasted text shortens the context
        self.context = max(1, min(cfg.context, len(self.val_ids) - 1, len(self.train_ids) - 1))
        self.T = 1 if cfg.model == "bigram" else self.context  # training window length
        self.train_t = torch.from_numpy(self.train_ids)
        self.val_t = torch.from_numpy(self.val_ids)

        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.model = build_model(cfg, V, self.context)
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = adam(params, cfg.lr, decoupled=True, weight_decay=0.01) if params else None

        counted = bigram_log_probs(bigram_counts(self.train_ids, V))
        self.baselines = {"uniform": math.log(V), "bigram": bigram_nll(counted, self.val_ids)}
        # fixed evaluation windows, so the curves move only when the model does
        eval_gen = torch.Generator().manual_seed(10_000 + cfg.seed)
        T_eval = 32 if cfg.model == "bigram" else self.T
        n_eval = max(8, 2048 // T_eval)  # about 2,000 characters each
        self._eval_train = self._windows(self.train_t, n_eval, T_eval, eval_gen)
        self._eval_val = self._windows(self.val_t, n_eval, T_eval, eval_gen)
        self._counted = 0  # bigram: characters of the training text counted so far
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        self.temperature, self.top_k, self.prompt = 1.0, 0, ""
        self._sample: str | None = None
        self._sample_settings: tuple = ()
        self._sample_step, self._sample_time, self._sample_cost = -1, -math.inf, 0.0
        self._run_start = 0  # steps a checkpoint had already made (see after_load)
        self._copy_index: CopyIndex | None = None  # the training text's n-grams, built at the first sample
        self._copy: dict[str, Any] = {}

    # ------------------------------------------------------------------ data

    def _windows(self, ids: torch.Tensor, n: int, T: int, gen: torch.Generator) -> torch.Tensor:
        """(n, T + 1) random windows of ``ids`` (T shortened to fit)."""
        T = min(T, len(ids) - 1)
        starts = torch.randint(0, len(ids) - T, (n,), generator=gen)
        return torch.stack([ids[s:s + T + 1] for s in starts.tolist()])

    def nll(self, windows: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy (nats per character) of each window's characters 1..T given the past."""
        x, y = windows[:, :-1], windows[:, 1:]
        logits = self.model(x)  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, self.V), y.reshape(-1))

    # ------------------------------------------------------------------ live settings

    def set_lr(self, lr: float) -> None:
        if self.opt is not None:
            set_lr(self.opt, lr)

    def set_sampling(self, temperature: float, top_k: int, prompt: str) -> None:
        """Temperature, top-k (0 = all characters) and prompt for the next snapshots."""
        self.temperature, self.top_k = float(temperature), int(top_k)
        self.prompt = "".join(c for c in prompt if c in self.vocab.chars)

    def set_live(self, lr: float | None = None, temperature: float | None = None, top_k: int | None = None,
                 prompt: str | None = None, refresh_sample: bool = False) -> None:
        """The settings a page changes without a reset: learning rate, temperature, top-k and prompt;
        ``refresh_sample`` makes the next snapshot draw a sample of the model as it is now."""
        if lr is not None:
            self.set_lr(lr)
        if (temperature, top_k, prompt) != (None, None, None):
            self.set_sampling(self.temperature if temperature is None else temperature,
                              self.top_k if top_k is None else top_k, self.prompt if prompt is None else prompt)
        if refresh_sample:
            self.refresh_sample()

    # ------------------------------------------------------------------ Trainer

    def step(self) -> dict[str, float]:
        if self.cfg.model == "bigram":
            loss = self._count_step()
        else:
            batch = self._windows(self.train_t, self.cfg.batch_size, self.T, self.gen)  # (B, T + 1)
            self.model.train()
            loss_t = self.nll(batch)
            self.opt.zero_grad(set_to_none=True)
            loss_t.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            loss = loss_t.item()
        self.steps += 1
        if not self.evaluation or self.steps % self.cfg.eval_every == 0:  # the first step (also from a checkpoint)
            self.evaluation = self.evaluate()
        return {"loss": loss, **self.evaluation}

    def _count_step(self) -> float:
        """Count the next chunk of training text; the loss is that chunk's NLL before counting it."""
        n = len(self.train_ids)
        if self._counted >= n - 1:
            return self.evaluation.get("train_loss", math.log(self.V))
        lo, hi = max(0, self._counted - 1), min(n, self._counted + BIGRAM_CHUNK)
        chunk = self.train_ids[lo:hi]
        loss = bigram_nll(self.model.log_probs.double().numpy(), chunk)
        self.model.add_counts(chunk)
        self._counted = hi
        return loss

    def measure(self) -> dict[str, float]:
        """The losses of the model as it is, without a step (a run from a checkpoint starts with them)."""
        return self.evaluate()

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        self.model.eval()
        return {"train_loss": self.nll(self._eval_train).item(), "val_loss": self.nll(self._eval_val).item()}

    @torch.no_grad()
    def full_validation_loss(self, max_chars: int = 50_000) -> float:
        """NLL over the validation text in consecutive windows (the benchmark's number)."""
        self.model.eval()
        ids = self.val_t[: max_chars + 1]
        T = min(64 if self.cfg.model == "bigram" else self.T, len(ids) - 1)
        total, count = 0.0, 0
        for s in range(0, len(ids) - 1, T):
            w = ids[s:s + T + 1]
            if len(w) < 2:
                break
            logits = self.model(w[None, :-1])
            total += F.cross_entropy(logits[0], w[1:], reduction="sum").item()
            count += len(w) - 1
        return total / count

    # ------------------------------------------------------------------ reading the model

    @torch.no_grad()
    def next_probs(self, prompt: str) -> np.ndarray:
        """p(next character | prompt) as (V,); the empty prompt counts as a new line."""
        self.model.eval()
        ids = self.vocab.encode(prompt[-self.context:]) if prompt else self._start()
        logits = self.model(torch.from_numpy(ids)[None])[0, -1]
        return torch.softmax(logits.float(), -1).numpy().astype(np.float64)

    def _start(self) -> np.ndarray:
        return self.vocab.encode("\n" if "\n" in self.vocab.chars else self.vocab.chars[0])

    @torch.no_grad()
    def sample(self, n: int, prompt: str = "", temperature: float = 1.0, top_k: int = 0,
               seed: int = 0) -> str:
        """``n`` characters drawn one at a time after ``prompt``, from softmax(logits / temperature)
        over the ``top_k`` most likely characters (0: all). Temperature 0 takes the most likely."""
        self.model.eval()
        gen = torch.Generator().manual_seed(seed)
        ids = list(self.vocab.encode(prompt[-self.context:])) if prompt else list(self._start())
        out: list[int] = []
        state = None  # the GRU carries its hidden state instead of re-reading the context
        for _ in range(n):
            if isinstance(self.model, GRUModel):
                x = torch.tensor(ids if state is None else ids[-1:])[None]
                h, state = self.model.rnn(self.model.embed(x), state)
                logits = self.model.head(h[0, -1])
            else:
                logits = self.model(torch.tensor(ids[-self.context:])[None])[0, -1]
            nxt = pick(logits.float(), temperature, top_k, gen)
            ids.append(nxt)
            out.append(nxt)
        return self.vocab.decode(out)

    def after_load(self) -> None:
        """After a checkpoint set ``steps``: snapshots count this run's steps, as the page's status line does."""
        self._run_start = self.steps

    def refresh_sample(self) -> None:
        """Make the next snapshot draw a new sample (the page asks for it after a step or a pause)."""
        self._sample_time = -math.inf

    def _current_sample(self) -> str:
        """A sample for the current settings, redrawn at most every SAMPLE_EVERY_S while training
        (drawing 200 characters costs as much as several training steps)."""
        settings = (self.prompt, self.temperature, self.top_k)
        now = time.monotonic()
        wait = max(SAMPLE_EVERY_S, 9 * self._sample_cost)  # sampling takes at most a tenth of the time
        stale = self._sample_step != self.steps and now - self._sample_time >= wait
        if self._sample is None or settings != self._sample_settings or stale:
            self._sample = self.sample(SAMPLE_CHARS, self.prompt, self.temperature, self.top_k,
                                       seed=self.cfg.seed * 100_003 + self.steps)
            self._copy = self.copy_check(self._sample)
            self._sample_settings, self._sample_step = settings, self.steps
            self._sample_time = time.monotonic()
            self._sample_cost = self._sample_time - now
        return self._sample

    def copy_check(self, sample: str) -> dict[str, Any]:
        """How much of ``sample`` is copied verbatim from the training text (core/memorisation.py),
        beside the same measures of held-out text of the same length, which no model has seen."""
        if self._copy_index is None:
            train_text, val_text = self.text[:len(self.train_ids)], self.text[len(self.train_ids):]
            self._copy_index = index = CopyIndex(train_text)
            starts = np.linspace(0, max(len(val_text) - SAMPLE_CHARS, 0), REFERENCE_WINDOWS).astype(int)
            self._copy_reference = {
                "ref_share": index.ngram_share(val_text),
                "ref_longest": float(np.median([index.report(val_text[a:a + SAMPLE_CHARS])["longest"]
                                                for a in np.unique(starts)])),
            }
        return {"n": self._copy_index.n, **self._copy_index.report(sample), **self._copy_reference}

    def snapshot(self) -> dict[str, Any]:
        sample = self._current_sample()
        return {
            "sample": np.array(sample),
            "copy": dict(self._copy),  # n, share, longest, longest_text; ref_share, ref_longest (held out)
            "sample_step": np.array(self._sample_step - self._run_start),  # in this run's steps
            "prompt": np.array(self.prompt),
            "next_probs": self.next_probs(self.prompt),  # (V,)
            "embedding_2d": pca_2d(self.model.embedding()),  # (V, 2)
            "chars": np.array(list(self.vocab.chars)),  # (V,)
            "char_counts": np.bincount(self.train_ids, minlength=self.V).astype(np.float64),  # (V,)
            "vocab": self.vocab.chars,  # the V characters as one string
            "temperature": self.temperature,
            "top_k": self.top_k,
            "model": self.cfg.model,
            "context": self.context,  # the context used (a short text shortens it)
            "requested_context": self.cfg.context,
            "train_chars": len(self.train_ids),
            "val_chars": len(self.val_ids),
            "baselines": dict(self.baselines),  # {"uniform": log V, "bigram": counted bigram's validation loss}
            "parameter_count": self.parameter_count(),
        }

    def final_metrics(self) -> dict[str, float | str]:
        return {
            "architecture": self.cfg.model,
            "val_loss": round(self.full_validation_loss(), 4),
            "train_loss": round(self.evaluate()["train_loss"], 4),
            "bigram_val_loss": round(self.baselines["bigram"], 4),
            "uniform_loss": round(self.baselines["uniform"], 4),
            "vocab_size": self.V,
            "sample": self.sample(SAMPLE_CHARS, "", 0.8, 0, seed=self.cfg.seed),
        }

    def parameter_count(self) -> int:
        if self.cfg.model == "bigram":
            return self.V * self.V  # the table of counts
        return parameter_count(self.model)


# =========================================================================== CLI
# ``python -m core train text --model gru --seconds 60``. The CLI's sub-command is stored under the
# argparse name "model", which the config's ``--model`` option overwrites: each model name is
# therefore also registered (same config and trainer), so that the overwritten name still finds it.


def _cli_arrays(trainer: TextTrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    return {k: snap[k] for k in ("next_probs", "embedding_2d", "chars")}


def _cli_models():
    from core.cli import CliModel

    return {"text": CliModel(config=TextConfig, make_trainer=TextTrainer, final_metrics=TextTrainer.final_metrics,
                             arrays=_cli_arrays, default_steps=2000,
                             help="character-level text model: --model bigram, ngram, gru or transformer")}


CLI_MODELS = _cli_models()
