"""Score-based generative models: denoising score matching and annealed Langevin dynamics (NCSN).

The lecture's model (Song & Ermon, 2019; techniques of Song & Ermon, 2020):

- noise levels ``σ_1 > … > σ_L``, geometric between σ_max and σ_min;
- a noise-conditional network ``s_θ(x, σ) ≈ ∇ₓ log p_σ(x)``, where p_σ is the data blurred by
  ``N(0, σ² I)``; here ``s_θ(x, σ) = f_θ(x, log σ)/σ`` (the output scaled by 1/σ, NCSNv2);
- denoising score matching with the weight ``λ(σ) = σ²``:
  ``L(θ) = 1/(2L) Σ_i σ_i² E ‖s_θ(x + σ_i z, σ_i) + z/σ_i‖²``, whose minimiser is the score;
- annealed Langevin sampling: for each level i, ``α_i = ε·σ_i²/σ_L²`` and T steps of
  ``x ← x + (α_i/2)·s_θ(x, σ_i) + √α_i·z``; then one denoising step ``x ← x + σ_L² s_θ(x, σ_L)``
  (Tweedie's formula), as in NCSNv2.

σ is measured in units of the data's standard deviation (data are standardised inside the model
with one scale for both axes, see core/noise_conditional.DataPool); samples come back in data units. The
learned score is compared with the exact score of the blurred target where the target is a
Gaussian mixture (core/gmm_exact.score with a = 1, s = σ), both in standardised units.
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
from core.gmm_exact import score as exact_score
from core.nets import cosine_lr, parameter_count, set_lr
from core.noise_conditional import check_training, report, report_arrays, start
from core.replay import REPLAY_POINTS
from core.targets2d import Target2D, plot_grid

FIELD_GRID = 15  # arrows per side of a drawn score field
PATH_STATES_PER_LEVEL = 1  # trajectories keep this many states per noise level (the last is the level's end)


def noise_levels(n_levels: int, sigma_max: float, sigma_min: float) -> np.ndarray:
    """(L,) σ_1 > … > σ_L, geometric: σ_i = σ_max·(σ_min/σ_max)^((i-1)/(L-1))."""
    if not 1 <= n_levels <= 100:
        raise ConfigError("Use 1 to 100 noise levels.")
    if not (0 < sigma_min < sigma_max and math.isfinite(sigma_max)):
        raise ConfigError("Need 0 < σ_min < σ_max.")
    if n_levels == 1:
        return np.asarray([sigma_max], dtype=float)
    return np.geomspace(sigma_max, sigma_min, n_levels)


@dataclass(frozen=True)
class ScoreConfig:
    data: str = "ring"  # a name of core.targets2d, or the path of a CSV of points
    spread: float = 0.05
    n_levels: int = 10  # L
    sigma_max: float = 3.0  # σ_1, in units of the data's std
    sigma_min: float = 0.01  # σ_L
    hidden: tuple[int, ...] = (128, 128, 128)
    fourier: int = 4  # Fourier features 2^k·x, k < fourier, of the network's input (0: none)
    lr: float = 3e-3
    lr_decay_steps: int = 8000
    batch_size: int = 256
    ema: float = 0.995
    seed: int = 0
    step_size: float = 5e-5  # ε of annealed Langevin (α_i = ε σ_i²/σ_L²)
    steps_per_level: int = 30  # T of annealed Langevin
    denoise: bool = True  # the final Tweedie step x + σ_L² s_θ(x, σ_L)
    n_samples: int = 2000  # the CLI's final samples
    view_samples: int = 300  # samples in each snapshot
    view_paths: int = 8  # trajectories in each snapshot

    def validate(self) -> None:
        noise_levels(self.n_levels, self.sigma_max, self.sigma_min)
        if not (0 < self.step_size <= 1 and math.isfinite(self.step_size)):
            raise ConfigError("The Langevin step size ε must lie in (0, 1].")
        if not 1 <= self.steps_per_level <= 10_000:
            raise ConfigError("Use 1 to 10,000 Langevin steps per level.")
        check_training(self.lr, self.batch_size, self.hidden, self.ema, self.fourier, self.n_samples,
                       self.view_samples)


class ScoreTrainer:
    divergence_advice = "Lower the learning rate, or raise σ_min, and press Reset."

    def __init__(self, cfg: ScoreConfig, target: Target2D | None = None):
        cfg.validate()
        self.cfg = cfg
        self.target, self.pool, self.gen, self.model, self.ema, self.opt = start(cfg, target)
        self.sigmas = noise_levels(cfg.n_levels, cfg.sigma_max, cfg.sigma_min)  # (L,)
        self._sig = torch.tensor(self.sigmas, dtype=torch.float32)
        self._log_max, self._log_min = math.log(cfg.sigma_max), math.log(cfg.sigma_min)
        self.lr = cfg.lr
        self.steps = 0
        self.last_nfe = 0
        self.reference = self.target.sample(2000, seed=cfg.seed + 1)
        self._grid = plot_grid(self.pool.data, FIELD_GRID, clip=0.5, pad=0.15, pad_of_largest=True)[2]  # (G², 2)
        self._exact = self._exact_fields()

    # ------------------------------------------------------------------ the network

    def _cond(self, sigma: torch.Tensor) -> torch.Tensor:
        """log σ mapped to [0, 1]: 0 at σ_max, 1 at σ_min."""
        span = self._log_max - self._log_min
        return (self._log_max - torch.log(sigma)) / span

    def score_std(self, x: torch.Tensor, sigma: torch.Tensor, model=None) -> torch.Tensor:
        """s_θ(x, σ) = f_θ(x, c(σ))/σ at standardised points x (B, 2), σ (B,)."""
        return (model or self.model)(x, self._cond(sigma)) / sigma[:, None]

    @torch.inference_mode()
    def score(self, x_std: np.ndarray, sigma: float, ema: bool = True) -> np.ndarray:
        """(n, 2) learned score at standardised points and noise level σ (standardised units)."""
        x = torch.as_tensor(np.asarray(x_std), dtype=torch.float32)
        s = torch.full((len(x),), float(sigma))
        return self.score_std(x, s, self.ema.model if ema else self.model).double().numpy()

    # ------------------------------------------------------------------ training

    def set_lr(self, lr: float) -> None:
        self.lr = lr

    def set_sampling(self, step_size: float | None = None, steps_per_level: int | None = None,
                     denoise: bool | None = None) -> None:
        """Annealed Langevin settings of the shown samples and trajectories, without retraining (None: kept)."""
        cfg = self.cfg
        cfg = dataclasses.replace(
            cfg, step_size=cfg.step_size if step_size is None else float(step_size),
            steps_per_level=cfg.steps_per_level if steps_per_level is None else int(steps_per_level),
            denoise=cfg.denoise if denoise is None else bool(denoise))
        cfg.validate()
        self.cfg = cfg

    def set_live(self, lr: float | None = None, step_size: float | None = None, steps_per_level: int | None = None,
                 denoise: bool | None = None) -> None:
        """The settings a page changes without a reset: the learning rate and the Langevin sampling."""
        if lr is not None:
            self.set_lr(lr)
        self.set_sampling(step_size, steps_per_level, denoise)

    def step(self) -> dict[str, float]:
        x = self.pool.batch(self.cfg.batch_size, self.gen)  # (B, 2)
        idx = torch.randint(0, len(self.sigmas), (len(x),), generator=self.gen)  # (B,) level of each
        sigma = self._sig[idx]  # (B,)
        z = torch.randn(x.shape, generator=self.gen)
        s = self.score_std(x + sigma[:, None] * z, sigma)  # (B, 2)
        # λ(σ)·‖s_θ(x̃, σ) + z/σ‖² with λ = σ²  ==  ‖σ s_θ + z‖²
        loss = 0.5 * ((sigma[:, None] * s + z) ** 2).sum(1).mean()
        set_lr(self.opt, cosine_lr(self.steps, self.lr, self.cfg.lr_decay_steps))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.ema.update(self.model)
        self.steps += 1
        return {"loss": loss.item()}

    # ------------------------------------------------------------------ sampling

    @torch.inference_mode()
    def sample(self, n: int, steps_per_level: int | None = None, step_size: float | None = None,
               seed: int = 0, return_paths: bool = False, denoise: bool | None = None):
        """Annealed Langevin dynamics from N(0, σ_1² I): ``n`` samples in data units.

        L·T network evaluations, plus one for the final denoising step (``self.last_nfe``).
        With ``return_paths`` also the states in data units: the start, PATH_STATES_PER_LEVEL per
        level (the last at the level's end) and the denoised end, (1 + L·k [+ 1], n, 2).
        """
        cfg = self.cfg
        T = cfg.steps_per_level if steps_per_level is None else int(steps_per_level)
        eps = cfg.step_size if step_size is None else float(step_size)
        denoise = cfg.denoise if denoise is None else denoise
        gen = torch.Generator().manual_seed(int(seed))
        model, bound = self.ema.model, 4 * self.pool.bound + 3 * float(self.sigmas[0])
        x = float(self.sigmas[0]) * torch.randn((int(n), 2), generator=gen)  # (n, 2)
        total = len(self.sigmas) * T
        marks = {T - 1 - (T * j) // PATH_STATES_PER_LEVEL for j in range(PATH_STATES_PER_LEVEL)}  # kept steps
        paths = [x.clone()] if return_paths else None
        for sigma in self.sigmas:
            alpha = eps * (sigma / self.sigmas[-1]) ** 2
            sig = torch.full((len(x),), float(sigma))
            for k in range(T):
                s = self.score_std(x, sig, model)
                x = x + 0.5 * alpha * s + math.sqrt(alpha) * torch.randn(x.shape, generator=gen)
                x = x.clamp_(-bound, bound)  # a too large ε must not send particles to infinity
                if return_paths and k in marks:
                    paths.append(x.clone())
        if denoise:
            sig = torch.full((len(x),), float(self.sigmas[-1]))
            x = x + float(self.sigmas[-1]) ** 2 * self.score_std(x, sig, model)
            if return_paths:
                paths.append(x.clone())
        self.last_nfe = total + int(denoise)
        out = self.pool.std.to_data(x.numpy())
        if return_paths:
            return out, self.pool.std.to_data(torch.stack(paths).numpy())
        return out

    # ------------------------------------------------------------------ views

    def _exact_fields(self) -> np.ndarray | None:
        """(L, G², 2) exact score of the blurred mixture at each level, standardised units."""
        if not self.target.is_mixture:
            return None
        xs = self.pool.std.to_model(self._grid)
        mix = self.pool.std.mixture(self.target)
        return np.stack([exact_score(xs, mix, 1.0, float(s)) for s in self.sigmas])

    @torch.inference_mode()
    def learned_fields(self) -> np.ndarray:
        """(L, G², 2) learned score s_θ at each level on the grid, standardised units."""
        xs = torch.as_tensor(self.pool.std.to_model(self._grid), dtype=torch.float32)  # (G², 2)
        L, G = len(self.sigmas), len(xs)
        x = xs.repeat(L, 1)  # (L·G², 2)
        sig = self._sig.repeat_interleave(G)  # (L·G²,)
        return self.score_std(x, sig, self.ema.model).double().numpy().reshape(L, G, 2)

    def score_error(self, level: int, n: int = 1000, seed: int = 0) -> float:
        """Relative error E‖s_θ - s‖ / E‖s‖ at noisy data points x + σ z of level ``level`` (mixtures)."""
        if not self.target.is_mixture:
            raise ConfigError("The exact score is known for Gaussian-mixture targets only.")
        sigma = float(self.sigmas[level])
        rng = np.random.default_rng(seed)
        x = self.pool.std.to_model(self.target.sample(n, rng=rng)) + sigma * rng.standard_normal((n, 2))
        exact = exact_score(x, self.pool.std.mixture(self.target), 1.0, sigma)
        diff = np.linalg.norm(self.score(x, sigma) - exact, axis=1).mean()
        return float(diff / np.linalg.norm(exact, axis=1).mean())

    QUERIES = ("trajectory",)

    @torch.no_grad()
    def trajectory(self, n: int = REPLAY_POINTS) -> dict[str, Any]:
        """Annealed Langevin from σ_1 down to σ_L (and the denoised end), for a replay."""
        _, paths = self.sample(n, seed=21, return_paths=True)
        times = [float(self.sigmas[0])] + [float(s) for s in self.sigmas for _ in range(PATH_STATES_PER_LEVEL)]
        times += [0.0] * (len(paths) - len(times))  # the denoised end
        return replay.frames(paths, np.asarray(times), "σ", self.pool.data)

    def snapshot(self) -> dict[str, Any]:
        cfg = self.cfg
        # the trajectories are those of the first shown samples: one sampling pass, not two (a quarter less time)
        samples, paths = self.sample(max(cfg.view_samples, cfg.view_paths), seed=7, return_paths=True)
        samples, paths = samples[:cfg.view_samples], paths[:, :cfg.view_paths].copy()
        snap = {
            **report_arrays(samples, self.target, self.reference),
            "samples": samples,  # (n, 2) data units
            "paths": paths,  # (states, view_paths, 2) data units
            "data": self.pool.data[:1000].copy(),
            "sigmas": self.sigmas.copy(),  # (L,) std units
            "grid": self._grid.copy(),  # (G², 2) data units
            "field_learned": self.learned_fields(),  # (L, G², 2) std units
            "steps_per_level": cfg.steps_per_level,  # T of the shown samples
        }
        if self._exact is not None:
            snap["field_exact"] = self._exact.copy()
            snap["modes"] = self.target.modes.copy()  # (K, 2) data units, mixtures only
        return snap

    def final_metrics(self) -> dict[str, float]:
        cfg = self.cfg
        t0 = time.perf_counter()
        x = self.sample(cfg.n_samples, seed=cfg.seed)
        seconds = time.perf_counter() - t0
        out = {**report(x, self.target, self.reference), "sample_seconds": round(seconds, 3),
               "nfe": len(self.sigmas) * cfg.steps_per_level + int(cfg.denoise)}
        if self.target.is_mixture:
            out["score_error_mid"] = self.score_error(len(self.sigmas) // 2)
        return out

    def parameter_count(self) -> int:
        return parameter_count(self.model)


# =============================================================================== CLI


def _cli_arrays(trainer: ScoreTrainer) -> dict[str, np.ndarray]:
    cfg = trainer.cfg
    x = trainer.sample(cfg.n_samples, seed=cfg.seed)
    _, paths = trainer.sample(cfg.view_paths, seed=cfg.seed + 1, return_paths=True)
    return {"samples": x, "paths": paths, "sigmas": trainer.sigmas}


def _cli_models():
    from core.cli import CliModel

    return {
        "score": CliModel(
            config=ScoreConfig,
            make_trainer=ScoreTrainer,
            final_metrics=ScoreTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=8000,
            help="noise-conditional score network (denoising score matching), annealed Langevin sampling",
        )
    }


CLI_MODELS = _cli_models()
