"""The four next-character networks of core/text.py, one interface: ``forward(idx (B, T)) -> logits (B, T, V)``.

Position ``t`` of the output predicts character ``t+1`` from characters ``≤ t`` only (causal), as in
makemore; ``embedding()`` is each character's vector, which the page projects to 2D.

- :class:`Bigram`: ``p(x_{t+1} | x_t)`` read from a table of counts (core/corpus.py), filled by
  counting, not by gradients.
- :class:`NGramMLP`: an MLP on the concatenated embeddings of the last ``n`` characters
  (Bengio, Ducharme, Vincent & Jauvin 2003, "A neural probabilistic language model").
- :class:`GRUModel`: a recurrent network, ``h_t = GRU(h_{t-1}, e(x_t))``, logits ``W h_t + b``
  (Cho et al. 2014).
- :class:`TinyTransformer`: learned token and position embeddings, pre-LayerNorm blocks (:class:`Block`)
  of causal self-attention ``softmax(q kᵀ / √d + mask) v`` and an MLP (Vaswani et al. 2017; nanoGPT's
  shape, much smaller).

And how the page reads them: :func:`pick` draws one character at a temperature and top-k, and
:func:`pca_2d` projects the embeddings to a plane.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.corpus import bigram_counts, bigram_log_probs
from core.nets import mlp

if TYPE_CHECKING:
    from core.text import TextConfig

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


def build_model(cfg: TextConfig, V: int, context: int) -> nn.Module:
    """The network ``cfg.model`` names, for a vocabulary of V characters and a context of ``context``."""
    if cfg.model == "bigram":
        return Bigram(V)
    if cfg.model == "ngram":
        return NGramMLP(V, context, cfg.width, cfg.depth)
    if cfg.model == "gru":
        return GRUModel(V, cfg.width, cfg.depth)
    return TinyTransformer(V, context, cfg.width, cfg.depth, cfg.heads)


# =========================================================================== reading a model


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
