"""Choosing θ for a tiny MLP on 1D data: the same descent as for ``y = a·x + b``, many more parameters.

``f_θ(x)`` is an MLP with one input and one output, ``h^(k+1) = φ(W^(k) h^(k) + b^(k))``; θ is all
its weights and biases (a few hundred numbers), chosen by minimising the mean squared error
``L(θ) = 1/n Σ (y_i − f_θ(x_i))²`` with SGD, momentum or Adam on minibatches. ``L`` is a surface
over a space of as many dimensions as θ has numbers, so unlike the line's ``L(a, b)`` it cannot be
drawn: the page shows the loss curve along the path and the fitted curve instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core.classify import make_optimizer
from core.errors import ConfigError
from core.nets import ACTIVATIONS, mlp, parameter_count, set_lr

TARGETS = {  # name -> (label, function of x in [-2, 2])
    "sine": ("sin(2x)", lambda x: np.sin(2 * x)),
    "abs": ("|x| − 1", lambda x: np.abs(x) - 1),
    "step": ("a step", lambda x: np.where(x < 0, -0.8, 0.8)),
    "cubic": ("x³/4 − x", lambda x: x**3 / 4 - x),
}
X_RANGE = (-2.0, 2.0)
OPTIMIZERS = ("sgd", "momentum", "adam")
CURVE = 200  # points of the drawn fitted curve


@dataclass(frozen=True)
class Mlp1dConfig:
    target: str = "sine"
    n_points: int = 40
    noise: float = 0.1
    width: int = 16
    depth: int = 2
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int = 40
    seed: int = 0

    def validate(self) -> None:
        if self.target not in TARGETS:
            raise ConfigError(f"Unknown target '{self.target}': choose among {', '.join(TARGETS)}.")
        if not 2 <= self.n_points <= 2000:
            raise ConfigError("Use 2 to 2,000 points.")
        if not (0 <= self.noise <= 5 and np.isfinite(self.noise)):
            raise ConfigError("Keep the noise between 0 and 5.")
        if not (1 <= self.width <= 64 and 1 <= self.depth <= 4):
            raise ConfigError("Use 1 to 4 hidden layers of 1 to 64 units.")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"Unknown activation '{self.activation}'.")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"Unknown optimiser '{self.optimizer}'.")
        if not (self.lr > 0 and np.isfinite(self.lr)) or self.batch_size < 1:
            raise ConfigError("The learning rate must be positive and the batch size at least 1.")


def make_curve_data(target: str, n_points: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(*X_RANGE, n_points))
    y = TARGETS[target][1](x) + noise * rng.standard_normal(n_points)
    return x.astype(np.float32), y.astype(np.float32)


class Mlp1dTrainer:
    divergence_advice = "The learning rate is too large: lower it (it applies at once) and press Reset."

    def __init__(self, cfg: Mlp1dConfig):
        cfg.validate()
        self.cfg = cfg
        self.x, self.y = make_curve_data(cfg.target, cfg.n_points, cfg.noise, cfg.seed)
        self.X, self.Y = torch.from_numpy(self.x)[:, None], torch.from_numpy(self.y)[:, None]  # (n, 1)
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.model = mlp((1, *(cfg.width,) * cfg.depth, 1), cfg.activation)
        self.opt = make_optimizer(cfg.optimizer, list(self.model.parameters()), cfg.lr, 0.0)
        self.loss_fn = nn.MSELoss()
        self.grid = np.linspace(X_RANGE[0] - 0.25, X_RANGE[1] + 0.25, CURVE, dtype=np.float32)
        self.steps = 0

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate."""
        if lr is not None:
            set_lr(self.opt, lr)

    def step(self) -> dict[str, float]:
        n = len(self.Y)
        if self.cfg.batch_size >= n:
            xb, yb = self.X, self.Y
        else:
            idx = torch.randperm(n, generator=self.gen)[: self.cfg.batch_size]
            xb, yb = self.X[idx], self.Y[idx]  # (B, 1)
        loss = self.loss_fn(self.model(xb), yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        with torch.no_grad():
            full = self.loss_fn(self.model(self.X), self.Y).item()
        return {"batch_loss": loss.item(), "loss": full}

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        """The data, the fitted and the target curve, and the number of parameters ``parameter_count``."""
        fit = self.model(torch.from_numpy(self.grid)[:, None])[:, 0].numpy().copy()
        return {"x": self.x.copy(), "y": self.y.copy(), "curve_x": self.grid.copy(), "curve_y": fit,
                "target_y": TARGETS[self.cfg.target][1](self.grid).astype(np.float32),
                "parameter_count": self.parameter_count()}

    @torch.no_grad()
    def final_metrics(self) -> dict[str, float]:
        return {"loss": self.loss_fn(self.model(self.X), self.Y).item(), "parameters": self.parameter_count()}

    def parameter_count(self) -> int:
        return parameter_count(self.model)


def _cli_models():
    from core.cli import CliModel

    return {
        "mlp1d": CliModel(
            config=Mlp1dConfig,
            make_trainer=Mlp1dTrainer,
            final_metrics=Mlp1dTrainer.final_metrics,
            arrays=lambda t: {k: v for k, v in t.snapshot().items() if isinstance(v, np.ndarray)},
            default_steps=2000,
            help="A tiny MLP fitted to noisy 1D data (its loss landscape has too many dimensions to draw)",
        )
    }


CLI_MODELS = _cli_models()
