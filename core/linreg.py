"""Choosing θ: fit ``y = a·x + b`` to noisy points by descending the loss landscape ``L(a, b)``.

The model has two parameters, θ = (a, b), so its loss can be drawn: ``landscape()`` evaluates

    L(a, b) = 1/n Σ (y_i − a·x_i − b)²      (mean squared error)
    L(a, b) = 1/n Σ |y_i − a·x_i − b|       (mean absolute error, robust to an outlier)

on a grid, and ``LinRegTrainer`` walks θ across it with a torch optimiser, one step at a time:
gradient descent (all points), stochastic gradient descent on minibatches of ``batch_size``
points, SGD with momentum 0.9, or Adam. Its snapshot holds the path of (a, b) so far.

Parameters are float32, as in any network: a learning rate too large for the landscape's
curvature (for MSE, above 2/λ_max of the Hessian 2·E[(x, 1)(x, 1)ᵀ]) makes every step overshoot
further, a and b grow geometrically, the loss overflows to inf within a few dozen steps, and the
Job stops the run as *diverged*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from core.classify import make_optimizer
from core.errors import ConfigError
from core.nets import set_lr

TRUE_A, TRUE_B = 1.5, -0.5  # the line the data are drawn around
X_RANGE = (-1.0, 3.0)
A_RANGE, B_RANGE = (-2.5, 4.5), (-4.0, 4.0)  # the drawn part of the (a, b) plane
GRID = 61  # landscape resolution (GRID x GRID)
OUTLIER = (2.6, -7.0)  # one point far below the line (x, y)
LOSSES = ("mse", "mae")
OPTIMIZERS = ("gd", "sgd", "momentum", "adam")
MAX_PATH = 1500  # points of the path in a snapshot (thinned beyond, the last one always kept)


@dataclass(frozen=True)
class LinRegConfig:
    n_points: int = 30
    noise: float = 0.5
    outlier: bool = False
    loss: str = "mse"
    optimizer: str = "gd"
    batch_size: int = 5  # SGD, momentum and Adam; GD always uses every point
    lr: float = 0.1
    a0: float = -1.5  # where θ starts
    b0: float = 3.0
    seed: int = 0

    def validate(self) -> None:
        if not 2 <= self.n_points <= 1000:
            raise ConfigError("Use 2 to 1,000 points.")
        if not (0 <= self.noise <= 10 and np.isfinite(self.noise)):
            raise ConfigError("Keep the noise between 0 and 10.")
        if self.loss not in LOSSES:
            raise ConfigError(f"Unknown loss '{self.loss}': choose mse or mae.")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"Unknown optimiser '{self.optimizer}': choose among {', '.join(OPTIMIZERS)}.")
        if self.batch_size < 1:
            raise ConfigError("The batch size must be at least 1.")
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise ConfigError("The learning rate must be positive.")
        if not (np.isfinite(self.a0) and np.isfinite(self.b0)):
            raise ConfigError("The starting point must be finite.")


def make_line_data(n_points: int, noise: float, outlier: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x (n,), y (n,) float32: y = TRUE_A·x + TRUE_B + noise·ε; the outlier replaces the last point."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(*X_RANGE, n_points)
    y = TRUE_A * x + TRUE_B + noise * rng.standard_normal(n_points)
    if outlier:
        x[-1], y[-1] = OUTLIER
    return x.astype(np.float32), y.astype(np.float32)


def loss_values(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray, loss: str) -> np.ndarray:
    """L(a, b) for arrays a, b of one shape (float64): the mean over the points of the residual's
    square (mse) or absolute value (mae)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    r = y.astype(float) - a[..., None] * x.astype(float) - b[..., None]  # (..., n)
    return np.mean(r * r, -1) if loss == "mse" else np.mean(np.abs(r), -1)


def landscape(x: np.ndarray, y: np.ndarray, loss: str, grid: int = GRID,
              around: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """grid_a (G,), grid_b (G,), L (G, G) with rows over b and columns over a.

    The grid covers A_RANGE x B_RANGE (every starting point), widened to keep ``around`` (the
    minimum, with few noisy points far from the true line) at least 1 inside the edge."""
    (a_lo, a_hi), (b_lo, b_hi) = A_RANGE, B_RANGE
    if around is not None and np.isfinite(around).all():
        a_lo, a_hi = min(a_lo, around[0] - 1), max(a_hi, around[0] + 1)
        b_lo, b_hi = min(b_lo, around[1] - 1), max(b_hi, around[1] + 1)
    ga, gb = np.linspace(a_lo, a_hi, grid), np.linspace(b_lo, b_hi, grid)
    A, B = np.meshgrid(ga, gb)
    return ga, gb, loss_values(x, y, A, B, loss)


def best_fit(x: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """The exact minimiser (a*, b*). MSE: least squares. MAE: some line through two of the points
    is optimal (the minimum of a piecewise-linear convex function sits at a vertex), so try them all."""
    x, y = x.astype(float), y.astype(float)
    if loss == "mse" or len(x) < 2:
        if np.ptp(x) == 0:
            return np.array([0.0, float(np.mean(y))])
        a, b = np.polyfit(x, y, 1)
        return np.array([a, b])
    i, j = np.triu_indices(len(x), 1)
    ok = x[i] != x[j]
    i, j = i[ok], j[ok]
    if len(i) == 0:
        return np.array([0.0, float(np.median(y))])
    a = (y[j] - y[i]) / (x[j] - x[i])
    b = y[i] - a * x[i]
    best = int(np.argmin(loss_values(x, y, a, b, "mae")))
    return np.array([a[best], b[best]])


class LinRegTrainer:
    divergence_advice = (
        "The learning rate is too large for this landscape: each step overshoots the valley further. "
        "Lower it and press Reset."
    )

    def __init__(self, cfg: LinRegConfig):
        cfg.validate()
        self.cfg = cfg
        self.x, self.y = make_line_data(cfg.n_points, cfg.noise, cfg.outlier, cfg.seed)
        self.X, self.Y = torch.from_numpy(self.x), torch.from_numpy(self.y)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.theta = torch.tensor([cfg.a0, cfg.b0], dtype=torch.float32, requires_grad=True)  # θ = (a, b)
        self.opt = make_optimizer("sgd" if cfg.optimizer == "gd" else cfg.optimizer, [self.theta], cfg.lr, 0.0)
        self.best = best_fit(self.x, self.y, cfg.loss)
        self.grid_a, self.grid_b, self.L = landscape(self.x, self.y, cfg.loss, around=self.best)
        self.path: list[tuple[float, float]] = [(cfg.a0, cfg.b0)]
        self.steps = 0

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate."""
        if lr is not None:
            set_lr(self.opt, lr)

    def max_stable_lr(self) -> float | None:
        """For MSE, gradient descent converges iff η < 2/λ_max, λ_max the largest eigenvalue of the
        (constant) Hessian H = 2/n Σ (x_i, 1)(x_i, 1)ᵀ. None for MAE (its curvature is not defined)."""
        if self.cfg.loss != "mse":
            return None
        x = self.x.astype(float)
        H = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
        return float(2 / np.linalg.eigvalsh(H).max())

    def _loss(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        r = Y - (self.theta[0] * X + self.theta[1])  # (B,)
        return (r * r).mean() if self.cfg.loss == "mse" else r.abs().mean()

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        n = len(self.Y)
        if self.cfg.optimizer == "gd" or self.cfg.batch_size >= n:
            return self.X, self.Y
        idx = torch.randperm(n, generator=self.gen)[: self.cfg.batch_size]  # without replacement
        return self.X[idx], self.Y[idx]

    def step(self) -> dict[str, float]:
        loss = self._loss(*self._batch())
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        a, b = (float(v) for v in self.theta.detach())
        self.path.append((a, b))
        with torch.no_grad():
            full = self._loss(self.X, self.Y).item()
        return {"batch_loss": loss.item(), "loss": full, "a": a, "b": b}

    def snapshot(self) -> dict[str, Any]:
        """The data, the landscape, the exact minimum and the path of θ; and for the page's words the
        loss's kind ``loss_kind`` ("mse" or "mae") and ``max_stable_lr`` (None for MAE)."""
        path = np.asarray(self.path, dtype=np.float64)  # (k, 2)
        if len(path) > MAX_PATH:
            keep = np.unique(np.r_[np.linspace(0, len(path) - 1, MAX_PATH).astype(int), len(path) - 1])
            path = path[keep]
        return {
            "x": self.x.copy(),
            "y": self.y.copy(),
            "grid_a": self.grid_a.copy(),
            "grid_b": self.grid_b.copy(),
            "landscape": self.L.copy(),  # (G, G): rows b, columns a
            "best": self.best.copy(),  # (2,) the exact minimiser (a*, b*)
            "path": path,
            "theta": path[-1].copy(),  # (2,) the current (a, b)
            "loss_kind": self.cfg.loss,
            "max_stable_lr": self.max_stable_lr(),
        }

    def final_metrics(self) -> dict[str, float]:
        a, b = (float(v) for v in self.theta.detach())
        best_loss = float(loss_values(self.x, self.y, self.best[0], self.best[1], self.cfg.loss))
        with torch.no_grad():
            full = self._loss(self.X, self.Y).item()
        return {"a": a, "b": b, "loss": full, "best_a": float(self.best[0]), "best_b": float(self.best[1]),
                "best_loss": best_loss, "distance_to_best": float(np.hypot(a - self.best[0], b - self.best[1]))}


# --------------------------------------------------------------------------- CLI


def _cli_arrays(trainer: LinRegTrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    return {k: snap[k] for k in ("x", "y", "grid_a", "grid_b", "landscape", "best", "path")}


def _cli_models():
    from core.cli import CliModel

    return {
        "linreg": CliModel(
            config=LinRegConfig,
            make_trainer=LinRegTrainer,
            final_metrics=LinRegTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=300,
            help="y = a·x + b by GD, SGD, momentum or Adam on the loss landscape L(a, b)",
        )
    }


CLI_MODELS = _cli_models()
