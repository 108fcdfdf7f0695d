"""Densities as e^{f_θ}/Z(θ): an energy network, Z by quadrature on a grid, and Langevin sampling.

The lecture: any network ``f_θ : R^d → R`` defines a density ``p_θ(x) = e^{f_θ(x)} / Z(θ)`` once it is
normalised by ``Z(θ) = ∫ e^{f_θ(x)} dx``. Maximum likelihood then minimises

    L(θ) = -(1/n) Σ_i f_θ(x_i) + log Z(θ),      ∇L = -E_data[∇f_θ] + E_{p_θ}[∇f_θ].

In 2D, Z is a sum over a G×G grid of cells of area ΔA: ``log Z ≈ logsumexp_g f_θ(x_g) + log ΔA``
(midpoint quadrature on a box around the data, where p_θ lives). Autograd through that sum gives the
exact gradient of the quadrature likelihood, so training is plain maximum likelihood. The same grid
in d dimensions has G^d cells: 64² = 4,096 here, 64^784 ≈ 10^1416 for a 28×28 image. Hence score
matching, contrastive divergence, noise-contrastive estimation and the rest of the lecture.

Sampling needs no Z: Langevin dynamics ``x ← x + (η/2) ∇_x f_θ(x) + √η ε``, ``ε ~ N(0, I)``, whose
stationary law is p_θ as η → 0 (Roberts & Tweedie 1996). Particles are reflected at the box's walls.

Models train on standardised data (core/targets2d.standardise); densities, log-likelihoods and
samples are reported in data units (the log-likelihood gains -Σ log std_j from the change of variables).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core.errors import ConfigError
from core.sample_metrics import normalised_energy_distance
from core.targets2d import Target2D, make_target, standardise
from core.nets import adam, mlp, set_lr

GRIDS = (32, 48, 64, 96, 128)
IMAGE_DIMS = {"this page (2D)": 2, "8×8 digit": 64, "MNIST 28×28": 784, "CIFAR-10 32×32×3": 3072}


# --------------------------------------------------------------------------- quadrature


def box_grid(half: float, g: int) -> tuple[torch.Tensor, np.ndarray, float]:
    """Cell centres of a g×g grid on [-half, half]²: (points (g², 2) float32, axis (g,), cell area ΔA)."""
    h = 2 * half / g
    axis = -half + h * (np.arange(g) + 0.5)  # (g,) midpoints
    pts = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)  # (g², 2), row = y, column = x
    return torch.from_numpy(pts.astype(np.float32)), axis, h * h


def log_partition(f, points: torch.Tensor, cell_area: float) -> torch.Tensor:
    """log Z ≈ log Σ_g e^{f(x_g)} ΔA (midpoint rule), differentiable in f's parameters."""
    return torch.logsumexp(f(points).squeeze(-1), 0) + math.log(cell_area)


def grid_cells(d: np.ndarray | int, per_axis: int) -> np.ndarray:
    """log10 of the cells a grid with ``per_axis`` points per axis needs in d dimensions (G^d overflows)."""
    return np.asarray(d, dtype=float) * np.log10(per_axis)


# --------------------------------------------------------------------------- the energy network


def energy_mlp(hidden: int, layers: int) -> nn.Sequential:
    """f_θ : R² → R, an MLP with SiLU (smooth, so ∇_x f_θ is smooth for Langevin)."""
    return mlp((2, *(hidden,) * layers, 1), nn.SiLU)


@dataclass(frozen=True)
class EnergyConfig:
    target: str = "ring"  # a target of core/targets2d.py
    spread: float = 0.1
    n_points: int = 2000
    grid: int = 64  # G: Z is a sum over G×G cells
    hidden: int = 32
    layers: int = 2
    lr: float = 0.01
    batch: int = 256
    seed: int = 0
    eval_every: int = 10
    langevin_steps: int = 300  # CLI: Langevin steps for the samples in --out
    particles: int = 1000
    step_size: float = 0.002  # Langevin η in standardised units

    def validate(self) -> None:
        if not 8 <= self.grid <= 256:
            raise ConfigError("Use a grid of 8 to 256 cells per axis.")
        if not (1 <= self.layers <= 4 and 4 <= self.hidden <= 256):
            raise ConfigError("Use 1 to 4 hidden layers of 4 to 256 units.")
        if not (self.lr > 0 and math.isfinite(self.lr)) or self.batch < 1 or self.n_points < 10:
            raise ConfigError("The learning rate must be positive, the batch >= 1 and the data >= 10 points.")
        if not (self.step_size > 0 and math.isfinite(self.step_size)) or self.particles < 1:
            raise ConfigError("Langevin needs a positive step size and at least one particle.")


class EnergyTrainer:
    """Maximum likelihood for p_θ = e^{f_θ}/Z(θ), with Z(θ) by quadrature on a G×G grid."""

    divergence_advice = "The learning rate is too large: the energy blew up. Lower it and press Reset."

    def __init__(self, cfg: EnergyConfig, target: Target2D | None = None):
        cfg.validate()
        self.cfg = cfg
        self.target = target if target is not None else make_target(cfg.target, cfg.spread)
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        data = self.target.sample(cfg.n_points, seed=cfg.seed)  # (n, 2) data units
        xs, self.mean, self.std = standardise(data)
        self.data = data
        self.X = torch.from_numpy(xs.astype(np.float32))  # (n, 2) standardised
        self.half = float(np.ceil((np.abs(xs).max() * 1.1 + 0.3) * 4) / 4)  # the box [-half, half]²
        self.points, self.axis, self.cell = box_grid(self.half, cfg.grid)
        self.log_jac = float(np.log(self.std).sum())  # log p_data-units = log p_std - Σ log std_j
        self.model = energy_mlp(cfg.hidden, cfg.layers)
        self.opt = adam(self.model.parameters(), cfg.lr)
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        self.cells_per_s = 0.0

    def set_lr(self, lr: float) -> None:
        set_lr(self.opt, lr)

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate."""
        if lr is not None:
            self.set_lr(lr)

    def weights(self) -> dict[str, np.ndarray]:
        """f_θ's parameters as numpy copies (a sampler in another process rebuilds f_θ from them)."""
        return {k: v.detach().numpy().copy() for k, v in self.model.state_dict().items()}

    def load_weights(self, weights: dict[str, np.ndarray]) -> None:
        self.model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in weights.items()})

    def step(self) -> dict[str, float]:
        n = len(self.X)
        xb = self.X if self.cfg.batch >= n else self.X[torch.randint(0, n, (self.cfg.batch,), generator=self.gen)]
        t0 = time.perf_counter()
        log_z = log_partition(self.model, self.points, self.cell)
        loss = -self.model(xb).mean() + log_z  # (1/B) Σ -log p_θ(x_b), standardised units
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        dt = time.perf_counter() - t0
        self.cells_per_s = len(self.points) / max(dt, 1e-9) if not self.cells_per_s else \
            0.9 * self.cells_per_s + 0.1 * len(self.points) / max(dt, 1e-9)
        self.steps += 1
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
        return {"loss": loss.item() + self.log_jac, **self.evaluation}

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """NLL per point of all the data in data units, and log Z."""
        log_z = log_partition(self.model, self.points, self.cell).item()
        mean_f = self.model(self.X).mean().item()
        return {"nll": -mean_f + log_z + self.log_jac, "log_z": log_z}

    @torch.no_grad()
    def log_z_on(self, g: int) -> float:
        """log Z on a g×g grid (a finer grid checks the quadrature)."""
        pts, _, cell = box_grid(self.half, g)
        return log_partition(self.model, pts, cell).item()

    def frozen_energy(self) -> nn.Module:
        """A copy of f_θ as it is now, for a sampler running beside the training."""
        model = copy.deepcopy(self.model)
        for p in model.parameters():
            p.requires_grad_(False)
        return model

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        f = self.model(self.points).squeeze(-1)  # (G²,)
        log_p = f - torch.logsumexp(f, 0) - math.log(self.cell) - self.log_jac  # data units
        g = self.cfg.grid
        return {
            "grid_x": self.axis * self.std[0] + self.mean[0],  # (G,) data units
            "grid_y": self.axis * self.std[1] + self.mean[1],
            "density": np.exp(log_p.numpy()).reshape(g, g),  # (G, G) p_θ, rows = y
            "data": self.data[:1000].copy(),
            "cells_per_s": np.array(self.cells_per_s),
            "weights": self.weights(),  # f_θ's state dict: LangevinTrainer.from_weights samples from it
        }

    def final_metrics(self) -> dict[str, float]:
        out = self.evaluate()
        out["log_z_fine"] = self.log_z_on(2 * self.cfg.grid)
        sampler = LangevinTrainer(self, n=self.cfg.particles, step_size=self.cfg.step_size, seed=self.cfg.seed)
        for _ in range(self.cfg.langevin_steps):
            sampler.step()
        out["langevin_energy_distance"] = sampler.quality()
        return out


# --------------------------------------------------------------------------- Langevin


class LangevinTrainer:
    """Particles following x ← x + (η/2)∇f_θ(x) + √η ε inside the box, for a frozen copy of f_θ.

    Starts from uniform points in the box. ``snapshot()`` has the particles, the last ``trail``
    positions of a few of them and the data, in data units.
    """

    def __init__(self, energy: EnergyTrainer, *, n: int = 500, step_size: float = 0.002, seed: int = 0,
                 trail: int = 25, tracked: int = 24):
        if not (step_size > 0 and math.isfinite(step_size)) or n < 1:
            raise ConfigError("Langevin needs a positive step size and at least one particle.")
        self.f = energy.frozen_energy()
        self.half, self.mean, self.std = energy.half, energy.mean, energy.std
        self.reference = energy.data
        self.eta = step_size
        self.gen = torch.Generator().manual_seed(seed)
        self.x = (torch.rand(n, 2, generator=self.gen) * 2 - 1) * self.half  # (n, 2) standardised
        self.tracked = min(tracked, n)
        self.paths = [self.x[: self.tracked].clone()]
        self.trail = trail
        self.steps = 0
        self.quality_every = 25
        self.last_quality = float("nan")

    @classmethod
    def from_weights(cls, cfg: EnergyConfig, target: Target2D | None, weights: dict[str, np.ndarray],
                     **options: Any) -> "LangevinTrainer":
        """A sampler for the energy model of ``cfg`` and ``target`` with the weights ``weights`` (an
        EnergyTrainer's ``snapshot()["weights"]``): a page builds it in a worker from plain data."""
        energy = EnergyTrainer(cfg, target)  # the same data, standardisation and box
        energy.load_weights(weights)
        return cls(energy, **options)

    def grad_f(self, x: torch.Tensor) -> torch.Tensor:
        x = x.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(self.f(x).sum(), x)
        return g  # (n, 2) ∇_x f_θ

    def move(self) -> None:
        """One Langevin step of every particle, reflected at the box's walls (one gradient of f_θ)."""
        g = self.grad_f(self.x)
        x = self.x + 0.5 * self.eta * g + math.sqrt(self.eta) * torch.randn(self.x.shape, generator=self.gen)
        x = torch.where(x > self.half, 2 * self.half - x, x)  # reflect at the walls
        x = torch.where(x < -self.half, -2 * self.half - x, x)
        self.x = x.clamp(-self.half, self.half)
        self.paths = (self.paths + [self.x[: self.tracked].clone()])[-self.trail:]
        self.steps += 1

    def step(self) -> dict[str, float]:
        self.move()
        with torch.no_grad():
            mean_f = self.f(self.x).mean().item()
        if self.steps == 1 or self.steps % self.quality_every == 0:
            self.last_quality = self.quality()
        return {"mean_f": mean_f, "energy_distance": self.last_quality}

    def samples(self) -> np.ndarray:
        return self.x.numpy() * self.std + self.mean  # (n, 2) data units

    def quality(self) -> float:
        """Normalised energy distance of the particles to the data (0 = like the data, 1 = like noise)."""
        return normalised_energy_distance(self.samples(), self.reference)

    def snapshot(self) -> dict[str, np.ndarray]:
        paths = torch.stack(self.paths).numpy() * self.std + self.mean  # (T, m, 2)
        return {"particles": self.samples(), "paths": paths, "data": np.array(self.reference, copy=True)}


# --------------------------------------------------------------------------- CLI


def _cli_arrays(trainer: EnergyTrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    sampler = LangevinTrainer(trainer, n=trainer.cfg.particles, step_size=trainer.cfg.step_size, seed=trainer.cfg.seed)
    for _ in range(trainer.cfg.langevin_steps):
        sampler.step()
    return {"grid_x": snap["grid_x"], "grid_y": snap["grid_y"], "density": snap["density"],
            "samples": sampler.samples(), "data": trainer.data}


def _cli_models():
    from core.cli import CliModel

    return {
        "energy": CliModel(
            config=EnergyConfig,
            make_trainer=EnergyTrainer,
            final_metrics=EnergyTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=1500,
            help="energy model p = e^f/Z on a 2D target, Z by quadrature on a grid; Langevin samples",
        )
    }


CLI_MODELS = _cli_models()
