"""What the two denoising models of 2D data share: their data, their network, their checks.

Diffusion (core/diffusion.py: DDPM, Ho et al. 2020; DDIM, Song, Meng & Ermon 2021) and score-based
models (core/score.py: NCSN, Song & Ermon 2019, 2020) both learn a field of the noisy data from
the same pieces:

- :class:`DataPool`: a large sample of the target in model units (core/targets2d.Standardiser:
  ``x_model = (x - mean) / scale``, ONE scale for both axes, so a Gaussian mixture stays isotropic
  and core/gmm_exact applies), its random batches, and a bound for clipping denoised estimates;
- :class:`ConditionalMLP`: ``f(x, c)``, a SiLU MLP of x, Fourier features ``sin(2^k x), cos(2^k x)``
  (Tancik et al. 2020) and a sinusoidal embedding of the noise condition c (t/T for diffusion, the
  position of log σ for score models);
- the checks of their training settings and the sample report against a fixed reference set.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from core.errors import ConfigError
from core.nets import EMA, adam
from core.sample_metrics import sample_report
from core.targets2d import Standardiser, Target2D, load_target


class DataPool:
    """A large sample of the target in model units (``self.std``), its batches and a clipping bound."""

    def __init__(self, target: Target2D, seed: int, size: int = 20_000):
        pts = target.points if target.points is not None else target.sample(size, seed=seed)  # (N, 2)
        self.target = target
        self.data = np.asarray(pts, dtype=np.float64)  # (N, 2) data units
        self.std = Standardiser.fit(self.data)  # one scale for both axes: mixtures stay isotropic
        self.x = torch.from_numpy(self.std.to_model(self.data)).float()  # (N, 2) model units
        self.bound = float(self.x.abs().max()) * 1.2 + 1.0  # clip for denoised estimates

    def batch(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return self.x[torch.randint(0, len(self.x), (n,), generator=gen)]  # (n, 2)


def sinusoidal(c: torch.Tensor, dim: int = 16) -> torch.Tensor:
    """(B,) condition in about [0, 1] -> (B, 2·dim + 1): c, sin(π 2^k c), cos(π 2^k c) (k < dim)."""
    freqs = math.pi * 2.0 ** torch.arange(dim, dtype=torch.float32) / 2 ** (dim / 2)  # (dim,) low to high
    ang = c[:, None] * freqs[None] * 8  # (B, dim)
    return torch.cat([c[:, None], torch.sin(ang), torch.cos(ang)], 1)


class ConditionalMLP(nn.Module):
    """f(x, c): a SiLU MLP on [x, Fourier features of x, embedding(c)] -> (B, 2).

    c is t/T (diffusion) or a position of log σ (score). ``fourier`` > 0 adds sin and cos of
    2^k·x (k < fourier) for each coordinate: sharp, high-frequency fields (many narrow modes)
    become easy for a small MLP (Tancik et al., 2020).
    """

    def __init__(self, hidden: tuple[int, ...] = (128, 128, 128), emb: int = 8, fourier: int = 0):
        super().__init__()
        self.emb = emb
        self.register_buffer("freqs", 2.0 ** torch.arange(fourier, dtype=torch.float32))  # (F,)
        layers: list[nn.Module] = []
        n_in = 2 + 4 * fourier + 2 * emb + 1
        for width in hidden:
            layers += [nn.Linear(n_in, width), nn.SiLU()]
            n_in = width
        layers.append(nn.Linear(n_in, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:  # (B, 2), (B,) -> (B, 2)
        parts = [x]
        if len(self.freqs):
            ang = (x[:, :, None] * self.freqs).reshape(len(x), -1)  # (B, 2F)
            parts += [torch.sin(ang), torch.cos(ang)]
        return self.net(torch.cat([*parts, sinusoidal(c, self.emb)], 1))


def check_training(lr: float, batch_size: int, hidden: tuple[int, ...], ema: float, fourier: int = 0,
                   n_samples: int = 1, view_samples: int = 1) -> None:
    """The checks the diffusion and score configs share, each with its message, in this order."""
    if not 1 <= n_samples <= 100_000 or not 1 <= view_samples <= 10_000:
        raise ConfigError("Draw between 1 and 100,000 samples.")
    if not (lr > 0 and math.isfinite(lr)) or not 1 <= batch_size <= 8192:
        raise ConfigError("The learning rate must be positive and the batch size between 1 and 8192.")
    if not hidden or len(hidden) > 6 or any(not 1 <= h <= 512 for h in hidden):
        raise ConfigError("Use 1 to 6 hidden layers of 1 to 512 units each.")
    if not 0 <= ema < 1:
        raise ConfigError("The EMA decay must lie in [0, 1).")
    if not 0 <= fourier <= 12:
        raise ConfigError("Use 0 to 12 Fourier feature frequencies.")


def report(samples: np.ndarray, target: Target2D, reference: np.ndarray) -> dict[str, float]:
    """sample_report against a fixed reference set."""
    return sample_report(samples, target, reference=reference)


def report_arrays(samples: np.ndarray, target: Target2D, reference: np.ndarray) -> dict[str, np.ndarray]:
    """The report as ``metric_<name>`` 0-d arrays for a snapshot (capped, so always finite)."""
    return {f"metric_{k}": np.float64(min(v, 1e9)) for k, v in report(samples, target, reference).items()}


def start(cfg: Any, target: Target2D | None) -> tuple[Target2D, DataPool, torch.Generator, ConditionalMLP, EMA,
                                                       torch.optim.Optimizer]:
    """What a diffusion or score trainer starts from, built in this order so that a seed gives the same
    run: the target (``cfg.data`` unless given), its data pool, the trainer's generator, the network
    (initialised from torch's generator seeded with ``cfg.seed``), its weight average, and Adam."""
    target = target if target is not None else load_target(cfg.data, cfg.spread)
    pool = DataPool(target, cfg.seed)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = ConditionalMLP(cfg.hidden, fourier=cfg.fourier)
    ema = EMA(model, cfg.ema)
    return target, pool, gen, model, ema, adam(model.parameters(), cfg.lr)
