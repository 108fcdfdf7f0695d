"""Denoising diffusion on 2D targets: DDPM (Ho et al., 2020) and DDIM (Song, Meng & Ermon, 2021).

The lecture's model, "a long sequence of small denoisers":

- forward process ``q(x_t | x_0) = N(√ᾱ_t x_0, (1 - ᾱ_t) I)`` with ``ᾱ_t = Π_{s≤t} (1 - β_s)``
  for a β schedule (``linear``: Ho et al.; ``cosine``: Nichol & Dhariwal, 2021) over T steps;
- an ε-prediction network ``ε_θ(x_t, t)`` trained on ``L = E ‖ε - ε_θ(√ᾱ_t x_0 + √(1-ᾱ_t) ε, t)‖²``;
- reverse sampling over a subsequence τ of the T steps. With ``x̂_0 = (x_t - √(1-ᾱ_t) ε_θ)/√ᾱ_t``,
  ``x_prev = √ᾱ_prev x̂_0 + √(1 - ᾱ_prev - σ²) ε_θ + σ z`` where
  ``σ = η √((1-ᾱ_prev)/(1-ᾱ_t)) √(1 - ᾱ_t/ᾱ_prev)``: η = 1 is DDPM (ancestral sampling; with all
  T steps exactly Ho et al.'s sampler with variance β̃_t), η = 0 is the deterministic DDIM.

Data are standardised inside the model (one shift per coordinate, ONE scale for both, so a
Gaussian mixture stays isotropic and core/gmm_exact applies); samples come back in data units.

Sampling API (core/flow_vs_diffusion.py races it against flow matching)::

    trainer = DiffusionTrainer(DiffusionConfig(data="ring"))
    for _ in range(5000): trainer.step()
    x = trainer.sample(2000, steps=50, method="ddim", seed=0)          # (2000, 2), data units
    x, paths = trainer.sample(8, 50, "ddpm", seed=1, return_paths=True)  # paths (51, 8, 2)
    trainer.last_nfe   # network evaluations of the last call: min(steps, T)

Sampling uses the exponential moving average (EMA) of the weights, which steadies sample
quality from one checkpoint to the next; the learning rate follows a cosine decay. The network
also sees sin and cos of 2^k·x (k < 4, Fourier features): on the 25-mode grid, after 15 CPU
seconds of training, they lift the share of high-quality samples from about 0.6 to 0.99 (and after
60 s from 0.92 to 0.99; bench/bench_diffusion.py).

The data pool and the noise-conditional MLP are shared with core/score.py
(core/noise_conditional.py).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from core import replay
from core.errors import ConfigError
from core.nets import cosine_lr, parameter_count, set_lr
from core.noise_conditional import check_training, report, report_arrays, start
from core.replay import REPLAY_POINTS
from core.targets2d import Target2D

SCHEDULES = ("linear", "cosine")
METHODS = ("ddpm", "ddim")
QUALITY_STEPS = (1, 2, 5, 10, 20, 50, 100)  # sampling steps of the quality-vs-steps curve
FORWARD_FRACTIONS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)  # t/T of the forward-process panels


# =============================================================================== noise schedule


def make_betas(kind: str, T: int) -> np.ndarray:
    """(T,) β_1..β_T. linear: 1e-4 to 0.02 rescaled by 1000/T; cosine: ᾱ(t) = cos²((t/T + s)/(1 + s)·π/2)."""
    if kind == "linear":
        scale = 1000.0 / T
        return np.linspace(1e-4 * scale, min(0.02 * scale, 0.999), T)
    if kind == "cosine":
        s = 0.008
        t = np.arange(T + 1) / T
        f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2
        return np.clip(1 - f[1:] / f[:-1], 0.0, 0.999)
    raise ConfigError(f"Unknown β schedule {kind!r}: choose {' or '.join(SCHEDULES)}.")


class NoiseSchedule:
    """β_t, α_t = 1 - β_t, ᾱ_t for t = 0..T-1 (index t is the lecture's step t + 1)."""

    def __init__(self, kind: str, T: int):
        if not 2 <= T <= 5000:
            raise ConfigError("The number of diffusion steps T must lie between 2 and 5,000.")
        self.kind, self.T = kind, T
        self.betas = make_betas(kind, T)  # (T,)
        self.alpha_bars = np.cumprod(1.0 - self.betas)  # (T,) forward: x_t = √ᾱ x_0 + √(1-ᾱ) ε
        self.sqrt_ab = torch.tensor(np.sqrt(self.alpha_bars), dtype=torch.float32)  # training: signal
        self.sqrt_1mab = torch.tensor(np.sqrt(1 - self.alpha_bars), dtype=torch.float32)  # training: noise

    def timesteps(self, steps: int) -> np.ndarray:
        """``steps`` distinct indices from T-1 down to 0, evenly spaced (all T when steps = T)."""
        steps = int(min(max(steps, 1), self.T))
        return np.unique(np.round(np.linspace(self.T - 1, 0, steps)).astype(int))[::-1].copy()

    def noise(self, x0: np.ndarray, t: int, rng: np.random.Generator) -> np.ndarray:
        """A draw of x_t given x_0 (n, 2)."""
        ab = self.alpha_bars[t]
        return math.sqrt(ab) * x0 + math.sqrt(1 - ab) * rng.standard_normal(x0.shape)


def reverse_step(x: torch.Tensor, eps: torch.Tensor, ab_t: float, ab_prev: float, eta: float,
                 bound: float = math.inf) -> tuple[torch.Tensor, float]:
    """One reverse step from ᾱ_t to ᾱ_prev: (mean of x_prev, σ); x_prev = mean + σ z.

    x̂_0 = (x - √(1-ᾱ_t) ε)/√ᾱ_t, clipped to ±bound (then ε recomputed from it);
    mean = √ᾱ_prev x̂_0 + √(1 - ᾱ_prev - σ²) ε, σ = η √((1-ᾱ_prev)/(1-ᾱ_t)) √(1 - ᾱ_t/ᾱ_prev).
    """
    x0 = ((x - math.sqrt(1 - ab_t) * eps) / math.sqrt(ab_t)).clamp(-bound, bound)  # x̂_0
    eps = (x - math.sqrt(ab_t) * x0) / math.sqrt(1 - ab_t)  # ε consistent with the clipped x̂_0
    sigma = eta * math.sqrt(max((1 - ab_prev) / (1 - ab_t) * (1 - ab_t / ab_prev), 0.0))
    return math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps, sigma


# =============================================================================== trainer


@dataclass(frozen=True)
class DiffusionConfig:
    data: str = "ring"  # a name of core.targets2d, or the path of a CSV of points
    spread: float = 0.05  # std of each mode (mixtures) or of the noise (curves)
    schedule: str = "cosine"
    T: int = 200
    hidden: tuple[int, ...] = (128, 128, 128)
    fourier: int = 4  # Fourier features 2^k·x, k < fourier, of the network's input (0: none)
    lr: float = 3e-3
    lr_decay_steps: int = 8000  # cosine decay of the learning rate over these steps
    batch_size: int = 256
    ema: float = 0.995
    seed: int = 0
    sampler: str = "ddpm"  # for the shown samples and the CLI's samples
    sample_steps: int = 100
    n_samples: int = 2000  # the CLI's final samples
    view_samples: int = 500  # samples in each snapshot
    view_paths: int = 12  # trajectories in each snapshot
    quality_every: int = 5000  # steps between two measures of quality against sampling steps (one costs five
    # pictures: at 1,000 the page drew new samples every 6 s, not every 1-2)

    def validate(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"Unknown β schedule {self.schedule!r}: choose {' or '.join(SCHEDULES)}.")
        if self.sampler not in METHODS:
            raise ConfigError(f"Unknown sampler {self.sampler!r}: choose {' or '.join(METHODS)}.")
        if not 1 <= self.sample_steps <= 5000:
            raise ConfigError("Use 1 to 5,000 sampling steps.")
        check_training(self.lr, self.batch_size, self.hidden, self.ema, self.fourier, self.n_samples,
                       self.view_samples)


class DiffusionTrainer:
    divergence_advice = "Lower the learning rate and press Reset."

    def __init__(self, cfg: DiffusionConfig, target: Target2D | None = None):
        cfg.validate()
        self.cfg = cfg
        self.target, self.pool, self.gen, self.model, self.ema, self.opt = start(cfg, target)
        self.sched = NoiseSchedule(cfg.schedule, cfg.T)
        self.lr = cfg.lr
        self.steps = 0
        self.last_nfe = 0
        self.reference = self.target.sample(2000, seed=cfg.seed + 1)  # (2000, 2) for the metrics
        self.quality: dict[str, np.ndarray] = {}
        self._quality_step = -1
        self._forward = self._forward_panels()

    # ------------------------------------------------------------------ training

    def set_lr(self, lr: float) -> None:
        self.lr = lr

    def set_sampling(self, sampler: str | None = None, sample_steps: int | None = None) -> None:
        """The sampler of the shown samples and trajectories, without retraining (None: kept)."""
        cfg = self.cfg
        cfg = dataclasses.replace(cfg, sampler=cfg.sampler if sampler is None else sampler,
                                  sample_steps=cfg.sample_steps if sample_steps is None else int(sample_steps))
        cfg.validate()
        self.cfg = cfg

    def set_live(self, lr: float | None = None, sampler: str | None = None, sample_steps: int | None = None) -> None:
        """The settings a page changes without a reset: the learning rate and the sampler."""
        if lr is not None:
            self.set_lr(lr)
        self.set_sampling(sampler, sample_steps)

    def step(self) -> dict[str, float]:
        x0 = self.pool.batch(self.cfg.batch_size, self.gen)  # (B, 2)
        t = torch.randint(0, self.sched.T, (len(x0),), generator=self.gen)  # (B,)
        eps = torch.randn(x0.shape, generator=self.gen)  # (B, 2)
        xt = self.sched.sqrt_ab[t, None] * x0 + self.sched.sqrt_1mab[t, None] * eps  # (B, 2)
        loss = ((self.model(xt, self._cond(t)) - eps) ** 2).sum(1).mean()
        set_lr(self.opt, cosine_lr(self.steps, self.lr, self.cfg.lr_decay_steps))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.ema.update(self.model)
        self.steps += 1
        return {"loss": loss.item()}

    def _cond(self, t) -> torch.Tensor:
        return torch.as_tensor(t, dtype=torch.float32).reshape(-1) / max(self.sched.T - 1, 1)

    # ------------------------------------------------------------------ sampling

    @torch.no_grad()
    def eps(self, x_std: np.ndarray, t: int, ema: bool = True) -> np.ndarray:
        """ε_θ(x, t) at standardised points (n, 2)."""
        model = self.ema.model if ema else self.model
        x = torch.as_tensor(np.asarray(x_std), dtype=torch.float32)
        return model(x, self._cond(torch.full((len(x),), t))).double().numpy()

    @torch.inference_mode()
    def sample(self, n: int, steps: int | None = None, method: str = "ddpm", seed: int = 0,
               return_paths: bool = False, eta: float | None = None):
        """``n`` samples in data units, ``steps`` network evaluations (``self.last_nfe``).

        ``method`` "ddpm" (η = 1, stochastic) or "ddim" (η = 0, deterministic given ``seed``);
        ``steps`` ≤ T reverse steps on an evenly spaced subsequence of 0..T-1 (default T).
        With ``return_paths`` also the states (steps + 1, n, 2) in data units, x_T first.
        """
        if method not in METHODS:
            raise ConfigError(f"Unknown sampler {method!r}: choose {' or '.join(METHODS)}.")
        eta = (1.0 if method == "ddpm" else 0.0) if eta is None else float(eta)
        taus = self.sched.timesteps(self.sched.T if steps is None else steps)
        gen = torch.Generator().manual_seed(int(seed))
        model, bound = self.ema.model, self.pool.bound
        ab = self.sched.alpha_bars
        x = torch.randn((int(n), 2), generator=gen)  # x_T ~ N(0, I), (n, 2)
        paths = [x.clone()] if return_paths else None
        for i, t in enumerate(taus):
            ab_prev = float(ab[taus[i + 1]]) if i + 1 < len(taus) else 1.0
            e = model(x, torch.full((len(x),), float(self._cond(int(t)))))  # ε_θ(x_t, t), (n, 2)
            x, sigma = reverse_step(x, e, float(ab[t]), ab_prev, eta, bound)
            if sigma > 0:
                x = x + sigma * torch.randn(x.shape, generator=gen)
            if return_paths:
                paths.append(x.clone())
        self.last_nfe = len(taus)
        out = self.pool.std.to_data(x.numpy())
        if return_paths:
            return out, self.pool.std.to_data(torch.stack(paths).numpy())
        return out

    # ------------------------------------------------------------------ views

    def _forward_panels(self) -> np.ndarray:
        """(len(FORWARD_FRACTIONS), 400, 2) x_t of the same 400 data points, data units."""
        rng = np.random.default_rng(self.cfg.seed + 2)
        x0 = self.pool.x[:400].double().numpy()
        ts = [min(int(round(f * (self.sched.T - 1))), self.sched.T - 1) for f in FORWARD_FRACTIONS]
        panels = [x0 if f == 0 else self.sched.noise(x0, t, rng) for f, t in zip(FORWARD_FRACTIONS, ts)]
        return self.pool.std.to_data(np.stack(panels))

    def measure_quality(self, n: int = 500, steps: tuple[int, ...] = QUALITY_STEPS) -> dict[str, np.ndarray]:
        """Sample quality against sampling steps for DDPM and DDIM (n samples each)."""
        steps = tuple(s for s in steps if s <= self.sched.T) or (self.sched.T,)
        out: dict[str, np.ndarray] = {"quality_steps": np.asarray(steps, dtype=float)}
        for method in METHODS:
            rows = [report(self.sample(n, s, method, seed=123), self.target, self.reference) for s in steps]
            for key in ("energy", "high_quality", "modes_captured"):
                if key in rows[0]:
                    out[f"quality_{method}_{key}"] = np.asarray([r[key] for r in rows], dtype=float)
        self.quality, self._quality_step = out, self.steps
        return out

    QUERIES = ("trajectory",)

    @torch.no_grad()
    def trajectory(self, n: int = REPLAY_POINTS) -> dict[str, Any]:
        """The page's sampler from noise (t = T) to data (t = 0), for a replay."""
        cfg = self.cfg
        _, paths = self.sample(n, cfg.sample_steps, cfg.sampler, seed=21, return_paths=True)
        times = np.concatenate([[self.sched.T], self.sched.timesteps(cfg.sample_steps)])  # x_T, then each x_t
        return replay.frames(paths, times, "t", self.pool.data)

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        cfg = self.cfg
        # the trajectories are those of the first shown samples: one sampling pass, not two
        samples, paths = self.sample(max(cfg.view_samples, cfg.view_paths), cfg.sample_steps, cfg.sampler, seed=7,
                                     return_paths=True)
        samples, paths = samples[:cfg.view_samples], paths[:, :cfg.view_paths].copy()
        if self.steps and (self._quality_step < 0 or self.steps - self._quality_step >= cfg.quality_every):
            self.measure_quality()
        snap = {
            **report_arrays(samples, self.target, self.reference),
            "samples": samples,  # (n, 2) data units
            "paths": paths,  # (steps + 1, view_paths, 2)
            "data": self.pool.data[:1000].copy(),
            "forward": self._forward.copy(),  # (F, 400, 2)
            "forward_t": np.asarray(FORWARD_FRACTIONS) * self.sched.T,
            "alpha_bar": self.sched.alpha_bars.copy(),  # (T,)
            "betas": self.sched.betas.copy(),
            "data_mean": self.pool.std.mean.copy(),  # (2,) x_std = (x - data_mean) / data_scale
            "data_scale": self.pool.std.scale,
            "sampler": cfg.sampler,  # of the shown samples and trajectories
            "sample_steps": cfg.sample_steps,
            **{k: v.copy() for k, v in self.quality.items()},
        }
        if self.target.is_mixture:
            snap["modes"] = self.target.modes.copy()  # (K, 2) data units
        return snap

    def final_metrics(self) -> dict[str, float]:
        cfg = self.cfg
        t0 = time.perf_counter()
        x = self.sample(cfg.n_samples, cfg.sample_steps, cfg.sampler, seed=cfg.seed)
        seconds = time.perf_counter() - t0
        return {**report(x, self.target, self.reference), "sample_seconds": round(seconds, 3),
                "nfe": len(self.sched.timesteps(cfg.sample_steps))}

    def parameter_count(self) -> int:
        return parameter_count(self.model)


# =============================================================================== CLI


def _cli_arrays(trainer: DiffusionTrainer) -> dict[str, np.ndarray]:
    cfg = trainer.cfg
    x = trainer.sample(cfg.n_samples, cfg.sample_steps, cfg.sampler, seed=cfg.seed)
    _, paths = trainer.sample(cfg.view_paths, cfg.sample_steps, cfg.sampler, seed=cfg.seed + 1, return_paths=True)
    return {"samples": x, "paths": paths}


def _cli_models():
    from core.cli import CliModel

    return {
        "ddpm": CliModel(
            config=DiffusionConfig,
            make_trainer=DiffusionTrainer,
            final_metrics=DiffusionTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=8000,
            help="denoising diffusion (ε-prediction), DDPM or DDIM sampling, on a 2D target",
        )
    }


CLI_MODELS = _cli_models()
