"""Text generation as next-character prediction: from bigram counts to a tiny Transformer.

"Texts are time series." A text is a sequence of characters ``x_1 … x_N`` from a vocabulary of
``V`` characters; a model gives the next character's distribution ``p_θ(x_{t+1} | x_{≤t})`` and is
trained by minimising the negative log-likelihood per character (nats), on the training part of
the text, while the held-out validation part tells whether it generalises. Sampling draws one
character at a time from ``softmax(logits / temperature)`` restricted to the ``k`` most likely.

Four models behind one interface (``forward(idx (B, T)) -> logits (B, T, V)``, position ``t``
predicting character ``t+1`` from characters ``≤ t``), as in makemore:

- **bigram**: a Markov chain, ``p(x_{t+1} | x_t)`` = counts of the pair / counts of ``x_t``
  (add-α smoothing). Training is counting: each step counts the next chunk of the training text.
- **ngram**: an MLP on the learned embeddings of the last ``n`` characters (Bengio et al. 2003).
- **gru**: a recurrent network carrying a hidden state ``h_t = GRU(h_{t-1}, e(x_t))``.
- **transformer**: causal self-attention over the last ``T`` characters, a few layers and heads
  (pre-LayerNorm blocks, learned positions; nanoGPT's shape, much smaller).

Two reference lines: the uniform model (``log V`` nats) and the counted bigram on the whole
training text. ``TextTrainer.snapshot()`` holds a sample, the next-character probabilities after
the student's prompt and the character embeddings projected to 2D by PCA.
"""

from __future__ import annotations

import math
import os
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import ConfigError, DataError
from core.nets import mlp, parameter_count, set_lr

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CORPORA = {"persuasion": ("Persuasion (Jane Austen, 1818), chapters 1-16", ASSETS / "persuasion.txt")}
MODELS = ("bigram", "ngram", "gru", "transformer")
MODEL_LABELS = {"bigram": "Bigram counts (Markov chain)", "ngram": "n-gram MLP", "gru": "GRU (recurrent)",
                "transformer": "Transformer (attention)"}
MIN_CHARS = 200  # a pasted text shorter than this has too little to learn from and to validate on
MAX_CHARS = 400_000  # a text file (the shipped corpus has 274k)
MAX_PASTE = 200_000  # a pasted text: also the text box's max_chars
MAX_VOCAB = 256
BIGRAM_ALPHA = 0.1  # add-α smoothing of the bigram counts
BIGRAM_CHUNK = 4096  # characters counted per bigram "training" step
SAMPLE_CHARS = 200
SAMPLE_EVERY_S = 1.0  # while training, a new sample at most this often


# =========================================================================== text and vocabulary


def check_text(text: str | bytes, what: str = "The pasted text", max_chars: int = MAX_PASTE) -> str:
    """The text, normalised (\\r\\n -> \\n), or a DataError saying in one line why it cannot be used.

    The length is checked first, before any scan of the characters.
    """
    too_long = DataError(f"{what} has more than {max_chars:,} characters: paste at most {max_chars:,}.")
    if len(text) > max_chars * (4 if isinstance(text, (bytes, bytearray)) else 1):  # UTF-8: 1 to 4 bytes each
        raise too_long
    if isinstance(text, (bytes, bytearray)):
        if b"\x00" in text[:4096]:
            raise DataError(f"{what} looks binary (it contains NUL bytes), not text.")
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"{what} is not UTF-8 text: it looks binary.") from None
    if len(text) > max_chars:
        raise too_long
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DataError(f"{what} is empty: paste some text (at least {MIN_CHARS} characters).")
    control = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\n\t")
    if "\x00" in text or control > max(2, 0.01 * len(text)):
        raise DataError(f"{what} looks binary: {control:,} of its {len(text):,} characters are control "
                        "codes. Paste plain text.")
    if len(set(text)) < 2:
        raise DataError(f"{what} repeats one character only: there is nothing to predict. Paste real text.")
    if len(text) < MIN_CHARS:
        raise DataError(f"{what} has {len(text):,} characters: paste at least {MIN_CHARS} so that there is "
                        "something to learn from and something to validate on.")
    if len(set(text)) > MAX_VOCAB:
        raise DataError(f"{what} uses {len(set(text)):,} different characters: at most {MAX_VOCAB} fit "
                        "a character model this small.")
    return text


@lru_cache(maxsize=4)
def load_corpus(name: str) -> str:
    """A shipped corpus by name, or a text file by path."""
    if name in CORPORA:
        path = CORPORA[name][1]
    elif os.path.isfile(name):
        path = Path(name)
    else:
        raise ConfigError(f"The corpus must be one of {', '.join(CORPORA)} or the path of a text file.")
    return check_text(path.read_bytes()[:MAX_CHARS * 4], f"The file {path.name}", MAX_CHARS)


@dataclass(frozen=True)
class Vocab:
    chars: str  # the V characters, sorted

    @classmethod
    def of(cls, text: str) -> "Vocab":
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.chars)}
        return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def unknown(self, text: str) -> str:
        """The characters of ``text`` the vocabulary lacks (each once, in order)."""
        return "".join(dict.fromkeys(c for c in text if c not in self.chars))


def split(ids: np.ndarray, val_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """The first (1 - val_ratio) of the text to train on, the rest to validate on (no shuffling:
    neighbouring characters are not independent, so a random split would leak)."""
    n_val = max(MIN_CHARS // 10, int(round(len(ids) * val_ratio)))
    return ids[:-n_val], ids[-n_val:]


def bigram_counts(ids: np.ndarray, V: int) -> np.ndarray:
    """(V, V) counts of each pair (previous, next)."""
    return np.bincount(ids[:-1] * V + ids[1:], minlength=V * V).reshape(V, V).astype(np.float64)


def bigram_log_probs(counts: np.ndarray, alpha: float = BIGRAM_ALPHA) -> np.ndarray:
    smoothed = counts + alpha
    return np.log(smoothed / smoothed.sum(1, keepdims=True))


def bigram_nll(log_probs: np.ndarray, ids: np.ndarray) -> float:
    """Mean negative log-likelihood (nats per character) of ``ids[1:]`` given ``ids[:-1]``."""
    return float(-log_probs[ids[:-1], ids[1:]].mean())


# =========================================================================== models
# Each maps idx (B, T) of character ids to logits (B, T, V); position t sees only idx[:, :t+1].


class Bigram(nn.Module):
    """p(x_{t+1} | x_t) from counts: the table is a buffer filled by counting, not by gradients."""

    def __init__(self, V: int):
        super().__init__()
        self.register_buffer("counts", torch.zeros(V, V, dtype=torch.float64))
        self.register_buffer("log_probs", torch.full((V, V), -math.log(V)))

    def add_counts(self, ids: np.ndarray) -> None:
        self.counts += torch.from_numpy(bigram_counts(ids, self.counts.shape[0]))
        self.log_probs.copy_(torch.from_numpy(bigram_log_probs(self.counts.numpy())).float())

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.log_probs[idx]  # (B, T, V)

    def embedding(self) -> torch.Tensor:
        return self.log_probs  # each character's row of next-character log-probabilities


class NGramMLP(nn.Module):
    """Concatenate the embeddings of the last n characters (padded at the start), then an MLP."""

    def __init__(self, V: int, n: int, width: int, depth: int):
        super().__init__()
        self.n, self.V = n, V
        self.embed = nn.Embedding(V + 1, width)  # row V is the padding "before the text"
        self.mlp = mlp((n * width, *(2 * width,) * depth, V), "tanh")

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        B, T = idx.shape
        padded = F.pad(idx, (self.n - 1, 0), value=self.V)  # (B, T + n - 1)
        windows = padded.unfold(1, self.n, 1)  # (B, T, n): the n characters up to and including t
        return self.mlp(self.embed(windows).reshape(B, T, -1))  # (B, T, V)

    def embedding(self) -> torch.Tensor:
        return self.embed.weight[: self.V]


class GRUModel(nn.Module):
    def __init__(self, V: int, width: int, depth: int):
        super().__init__()
        self.embed = nn.Embedding(V, width)
        self.rnn = nn.GRU(width, width, num_layers=depth, batch_first=True)
        self.head = nn.Linear(width, V)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(self.embed(idx))  # (B, T, width)
        return self.head(h)

    def embedding(self) -> torch.Tensor:
        return self.embed.weight


class Block(nn.Module):
    """x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = mlp((width, 4 * width, width), nn.GELU)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)  # each (B, T, C)
        q, k, v = (z.view(B, T, self.heads, C // self.heads).transpose(1, 2) for z in (q, k, v))  # (B, H, T, C/H)
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # softmax(q kᵀ/√d + mask) v
        x = x + self.proj(att.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    def __init__(self, V: int, context: int, width: int, depth: int, heads: int):
        super().__init__()
        self.embed = nn.Embedding(V, width)
        self.pos = nn.Embedding(context, width)
        self.blocks = nn.Sequential(*(Block(width, heads) for _ in range(depth)))
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, V)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        T = idx.shape[1]
        x = self.embed(idx) + self.pos(torch.arange(T))  # (B, T, width)
        return self.head(self.ln(self.blocks(x)))

    def embedding(self) -> torch.Tensor:
        return self.embed.weight


def pick(logits: torch.Tensor, temperature: float, top_k: int, gen: torch.Generator) -> int:
    """One character id from softmax(logits / temperature) over the top_k largest logits (0: all);
    temperature 0 is the most likely character."""
    if temperature <= 0:
        return int(logits.argmax())
    logits = logits / temperature
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, -math.inf)
    return int(torch.multinomial(torch.softmax(logits, -1), 1, generator=gen))


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
        if not (self.lr > 0 and math.isfinite(self.lr)) or self.batch_size < 1:
            raise ConfigError("The learning rate and the batch size must be positive.")
        if not 0.02 <= self.val_ratio <= 0.5:
            raise ConfigError("Keep the validation share between 2 % and 50 %.")


def build_model(cfg: TextConfig, V: int, context: int) -> nn.Module:
    if cfg.model == "bigram":
        return Bigram(V)
    if cfg.model == "ngram":
        return NGramMLP(V, context, cfg.width, cfg.depth)
    if cfg.model == "gru":
        return GRUModel(V, cfg.width, cfg.depth)
    return TinyTransformer(V, context, cfg.width, cfg.depth, cfg.heads)


def pca_2d(E: torch.Tensor) -> np.ndarray:
    """Rows of E (V, d) projected on their two main directions, signs fixed so the picture does not
    flip between snapshots (each direction's largest coordinate is positive)."""
    X = E.detach().double()
    X = X - X.mean(0, keepdim=True)
    if X.shape[1] < 2 or not torch.isfinite(X).all():
        return np.zeros((X.shape[0], 2))
    _, _, Vh = torch.linalg.svd(X, full_matrices=False)
    axes = Vh[:2].T  # (d, 2)
    sign = torch.sign(axes.gather(0, axes.abs().argmax(0, keepdim=True)))
    return (X @ (axes * sign)).numpy()


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
        self.opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01) if params else None

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
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
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
            self._sample_settings, self._sample_step = settings, self.steps
            self._sample_time = time.monotonic()
            self._sample_cost = self._sample_time - now
        return self._sample

    def snapshot(self) -> dict[str, Any]:
        sample = self._current_sample()
        return {
            "sample": np.array(sample),
            "sample_step": np.array(self._sample_step),
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
