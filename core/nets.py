"""Pieces every model's training shares: learning rates, weight averages, parameter counts.

- ``adam(params, lr, ...)``: Adam (or AdamW) as every model builds it, with PyTorch's fused update.
- ``set_lr(optimisers, lr)``: a new learning rate, applied between two steps without a reset (as in
  TensorFlow Playground's slider).
- ``cosine_lr(step, lr, decay_steps)``: the cosine schedule
  ``lr · (floor + (1 - floor)·(1 + cos(π·step/decay_steps))/2)``, then ``lr · floor``.
- ``EMA``: an exponential moving average of a model's weights, ``θ_ema ← d·θ_ema + (1 - d)·θ``, which
  the diffusion, score and flow models sample with (Song & Ermon 2020, "Improved techniques").
- ``parameter_count(*modules)``: the number of trained numbers.
- ``mlp(sizes, activation, final, norm)``: the plain multilayer perceptron the models build,
  ``h^(k+1) = φ(W^(k) h^(k) + b^(k))`` through the hidden layers, then ``out = W^(K) h^(K) + b^(K)``.
- ``FourierFeatures(dim, n, scale, seed, keep_input)``: random Fourier features ``sin(Bx + b), cos(Bx + b)``
  (Tancik et al., 2020) with B and b drawn once from ``seed``: a network on them resolves details far
  finer than the data's scale (the GAN's sharp modes, DRS's ratio).
- ``check_hidden``, ``check_activation``, ``positive``: the checks every network config's
  ``validate()`` makes, each with the one message a student reads.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from core.errors import ConfigError


def training_thread() -> None:
    """Set up the calling thread as GenLab trains: torch on one thread (tiny models are fastest so, and a
    worker is one core's worth of training), and denormal floats flushed to zero. Without the flush a
    long run slows down as optimiser moments and gradients decay into the denormal range, which the CPU
    computes on slowly: a 3x64 classifier at batch 256 took 779, 790, 840, 933 µs a step over
    successive 3,000-step stretches, and a steady 740 µs with the flush (``bench/bench_runner.py``
    trains its bare torch loop the same way). Numbers below 1e-38 become 0; nothing GenLab shows can
    tell. The flag belongs to the thread (x86's MXCSR): the worker's and the CLI's training thread call this.
    """
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)


def adam(params, lr: float, *, decoupled: bool = False, **options) -> torch.optim.Optimizer:
    """Adam (``decoupled``: AdamW, Loshchilov & Hutter 2019) with the fused update: one call updates every
    parameter, where the default implementation loops over them in Python, a dozen tensor ops each. Our
    models are small, so that loop was a large share of a step: the classification page's 2x8 network took
    360 µs a step and takes 256 µs fused, a 3x64 at batch 256 753 and 559 µs. The same algorithm: the
    results agree to float32 rounding (the CLI's metrics in their 5th-7th digit)."""
    kind = torch.optim.AdamW if decoupled else torch.optim.Adam
    return kind(params, lr=lr, fused=True, **options)


def set_lr(optimisers: torch.optim.Optimizer | Iterable[torch.optim.Optimizer], lr: float) -> None:
    """Set the learning rate of every parameter group of one optimiser or several."""
    for opt in [optimisers] if isinstance(optimisers, torch.optim.Optimizer) else optimisers:
        for group in opt.param_groups:
            group["lr"] = lr


def cosine_lr(step: int, lr: float, decay_steps: int, floor: float = 0.05) -> float:
    """lr · (floor + (1 - floor)·(1 + cos(π·step/decay_steps))/2), then constant lr·floor (0 steps: lr)."""
    if decay_steps <= 0:
        return lr
    frac = min(step / decay_steps, 1.0)
    return lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * frac)))


class EMA:
    """Exponential moving average of a model's weights: θ_ema ← d·θ_ema + (1 - d)·θ (buffers are copied).

    With ``warmup`` the decay starts small, d = min(decay, (1 + t)/(10 + t)) at step t, so that the
    average forgets the random initial weights quickly.
    """

    def __init__(self, model: nn.Module, decay: float, warmup: bool = False):
        self.decay, self.warmup = decay, warmup
        self.model = copy.deepcopy(model).requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, step: int = 0) -> None:
        decay = min(self.decay, (1 + step) / (10 + step)) if self.warmup else self.decay
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p, 1.0 - decay)
        for e, b in zip(self.model.buffers(), model.buffers()):  # batch norm's running statistics: copied
            e.copy_(b)


def parameter_count(*modules: nn.Module) -> int:
    """How many numbers training sets, over all ``modules``."""
    return sum(p.numel() for m in modules for p in m.parameters())


# --------------------------------------------------------------------------- the multilayer perceptron

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}


def check_hidden(hidden: Sequence[int], max_layers: int, max_units: int, min_layers: int = 0) -> None:
    """``min_layers`` to ``max_layers`` hidden layers of 1 to ``max_units`` units each."""
    if not min_layers <= len(hidden) <= max_layers or any(not 1 <= h <= max_units for h in hidden):
        raise ConfigError(f"Use {min_layers} to {max_layers} hidden layers of 1 to {max_units} units each.")


def check_activation(name: str) -> None:
    if name not in ACTIVATIONS:
        raise ConfigError(f"Unknown activation '{name}'.")


def positive(x: float) -> bool:
    """A positive, finite number (a learning rate, say)."""
    return x > 0 and math.isfinite(x)


def mlp(sizes: Sequence[int], activation: str | Callable[[], nn.Module] = "relu",
        final: Callable[[], nn.Module] | None = None, norm: Callable[[int], nn.Module] | None = None) -> nn.Sequential:
    """``sizes = (n_in, hidden..., n_out)``: a Linear layer between each two consecutive sizes.

    After each hidden Linear layer ``norm(width)`` if given (e.g. ``nn.BatchNorm1d``), then the
    activation φ (a name of ``ACTIVATIONS`` or a module class); after the output layer ``final()``
    if given (e.g. ``nn.Sigmoid``), otherwise nothing. The modules are created in that order, so
    the same torch seed gives the same weights.
    """
    act = ACTIVATIONS[activation] if isinstance(activation, str) else activation
    layers: list[nn.Module] = []
    for n_in, width in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, width), *([norm(width)] if norm else []), act()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    if final is not None:
        layers.append(final())
    return nn.Sequential(*layers)


class FourierFeatures(nn.Module):
    """x (n, dim) -> [x,] sin(xB + b), cos(xB + b): (n, [dim +] 2·n_features), B ~ N(0, scale²) and b ~ U[0, 2π)
    fixed (buffers), drawn from their own generator seeded ``seed`` (torch's global stream is untouched)."""

    def __init__(self, dim: int, n_features: int, scale: float, seed: int, keep_input: bool = False):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("B", torch.randn(dim, n_features, generator=g) * scale)  # (dim, F)
        self.register_buffer("phase", torch.rand(n_features, generator=g) * 2 * math.pi)  # (F,)
        self.keep_input = keep_input
        self.out_dim = (dim if keep_input else 0) + 2 * n_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x @ self.B + self.phase  # (n, F)
        return torch.cat([x, torch.sin(h), torch.cos(h)] if self.keep_input else [torch.sin(h), torch.cos(h)], 1)
