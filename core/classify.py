"""A multilayer perceptron that classifies 2D points, as TensorFlow Playground does, in torch.

The model of the lecture: input features ``h^(0) = (x1, x2, x1², …)``, hidden layers
``h^(k+1) = φ(W^(k) h^(k) + b^(k))``, class probabilities ``softmax(W^(K) h^(K) + b^(K))``; ``θ`` is
every ``W`` and ``b``, chosen by minimising the cross-entropy ``L(θ)`` on the training set (plus
``λ/2 ‖W‖²`` with L2 weight decay) with SGD, momentum or Adam on minibatches.

``ClassifyTrainer.step()`` takes one minibatch step and, every ``eval_every`` steps, measures
loss and accuracy on the whole training and test sets; ``snapshot()`` evaluates the model on a grid
over the plane (the decision boundary) and what each unit of the first hidden layers computes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.datasets import DATASET_NAMES, LabelledData, labelled_from_csv, make_dataset
from core.errors import ConfigError
from core.nets import adam, check_activation, check_hidden, mlp, parameter_count, positive, set_lr
from core.targets2d import grid_points, plot_grid

FEATURES = {  # name -> (label in the lecture's notation, function of the (n, 2) inputs)
    "x1": ("x_1", lambda x: x[:, 0]),
    "x2": ("x_2", lambda x: x[:, 1]),
    "x1^2": ("x_1^2", lambda x: x[:, 0] ** 2),
    "x2^2": ("x_2^2", lambda x: x[:, 1] ** 2),
    "x1*x2": ("x_1 x_2", lambda x: x[:, 0] * x[:, 1]),
    "sin_x1": (r"\sin x_1", lambda x: torch.sin(x[:, 0])),
    "sin_x2": (r"\sin x_2", lambda x: torch.sin(x[:, 1])),
}
OPTIMIZERS = ("sgd", "momentum", "adam")
GRID = 80  # decision-boundary resolution (GRID x GRID)
UNIT_GRID = 28  # resolution of the small per-unit heatmaps
UNIT_LAYERS = 2  # hidden layers whose units are drawn


@dataclass(frozen=True)
class ClassifyConfig:
    data: str = "moons"  # a name of core.datasets, or the path of a CSV (x1, x2, label)
    noise: float = 0.1
    n_points: int = 400
    train_ratio: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float = 0.03
    l2: float = 0.0
    batch_size: int = 32
    seed: int = 0
    eval_every: int = 20

    def validate(self) -> None:
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown or not self.features:
            raise ConfigError(f"Choose at least one input feature among {', '.join(FEATURES)}.")
        check_hidden(self.hidden, 6, 64)
        check_activation(self.activation)
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"Unknown optimiser '{self.optimizer}'.")
        if not positive(self.lr) or self.l2 < 0 or self.batch_size < 1:
            raise ConfigError("The learning rate must be positive, L2 and batch size non-negative.")
        if not 0.05 <= self.train_ratio <= 0.95:
            raise ConfigError("Keep the training share between 5 % and 95 %.")


def load_data(cfg: ClassifyConfig) -> LabelledData:
    if cfg.data in DATASET_NAMES:
        return make_dataset(cfg.data, cfg.n_points, cfg.noise, cfg.seed)
    if os.path.isfile(cfg.data):
        return labelled_from_csv(cfg.data)
    raise ConfigError(f"--data must be one of {', '.join(DATASET_NAMES)} or the path of a CSV file.")


def make_optimizer(name: str, params, lr: float, l2: float) -> torch.optim.Optimizer:
    """SGD, SGD with momentum 0.9, or Adam; L2 decay applies to the weights, not the biases. Without decay all
    parameters form one group: each group is one fused update per step, and two groups made the page's default
    classifier 2-9 % slower a step (the same numbers: the parameters agree bit for bit after 5,000 steps)."""
    params = list(params)
    if l2:
        groups = [{"params": [p for p in params if p.dim() > 1], "weight_decay": l2},
                  {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0}]
    else:
        groups = [{"params": params, "weight_decay": 0.0}]
    if name == "adam":
        return adam(groups, lr)
    return torch.optim.SGD(groups, lr=lr, momentum=0.9 if name == "momentum" else 0.0)


@torch.no_grad()
def evaluate_parts(model: nn.Module, loss_fn, parts) -> dict[str, float]:
    """``<name>_loss`` and ``<name>_accuracy`` of a classifier on each (name, inputs, labels) of ``parts``."""
    out = {}
    for part, F, Y in parts:
        logits = model(F)
        out[f"{part}_loss"] = loss_fn(logits, Y).item()
        out[f"{part}_accuracy"] = (logits.argmax(1) == Y).float().mean().item()
    return out


class ClassifyTrainer:
    divergence_advice = (
        "The learning rate is too large for this model: lower it (it applies at once) and press Reset."
    )

    def __init__(self, cfg: ClassifyConfig, data: LabelledData | None = None):
        cfg.validate()
        self.cfg = cfg
        self.data = data if data is not None else load_data(cfg)
        self.train, self.test = self.data.split(cfg.train_ratio, cfg.seed)
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)

        self.X_train = torch.from_numpy(self.train.X)  # (n, 2)
        self.Y_train = torch.from_numpy(self.train.Y)  # (n,)
        self.X_test = torch.from_numpy(self.test.X)
        self.Y_test = torch.from_numpy(self.test.Y)
        # features are standardised with the training set's statistics
        raw = self._raw_features(self.X_train)
        self.f_mean, self.f_std = raw.mean(0), raw.std(0).clamp_min(1e-6)
        self.F_train = self.features(self.X_train)  # (n, F)
        self.F_test = self.features(self.X_test)

        self.model = mlp((len(cfg.features), *cfg.hidden, self.data.n_classes), cfg.activation)
        self.opt = make_optimizer(cfg.optimizer, list(self.model.parameters()), cfg.lr, cfg.l2)
        self.loss_fn = nn.CrossEntropyLoss()
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        self._grid = self._make_grid()

    # ------------------------------------------------------------------ model

    def _raw_features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([FEATURES[f][1](x) for f in self.cfg.features], dim=1)  # (n, F)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return (self._raw_features(x) - self.f_mean) / self.f_std

    def set_lr(self, lr: float) -> None:
        """Applied between two steps, without a reset (as in TensorFlow Playground)."""
        set_lr(self.opt, lr)

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate."""
        if lr is not None:
            self.set_lr(lr)

    # ------------------------------------------------------------------ Trainer

    def step(self) -> dict[str, float]:
        n = len(self.Y_train)
        if self.cfg.batch_size >= n:
            fb, yb = self.F_train, self.Y_train
        else:
            idx = torch.randint(0, n, (self.cfg.batch_size,), generator=self.gen)
            fb, yb = self.F_train[idx], self.Y_train[idx]  # (B, F), (B,)
        loss = self.loss_fn(self.model(fb), yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
        return {"loss": loss.item(), **self.evaluation}

    def evaluate(self) -> dict[str, float]:
        return evaluate_parts(self.model, self.loss_fn,
                              (("train", self.F_train, self.Y_train), ("test", self.F_test, self.Y_test)))

    def _make_grid(self) -> dict[str, np.ndarray]:
        gx, gy, pts = plot_grid(self.data.X, GRID, pad=0.1, pad_abs=1e-3, dtype=np.float32)
        ux = np.linspace(gx[0], gx[-1], UNIT_GRID, dtype=np.float32)  # the same box, coarser
        uy = np.linspace(gy[0], gy[-1], UNIT_GRID, dtype=np.float32)
        return {"gx": gx, "gy": gy, "ux": ux, "uy": uy, "grid": torch.from_numpy(pts),
                "units": torch.from_numpy(grid_points(ux, uy))}

    @torch.no_grad()
    def snapshot(self) -> dict[str, np.ndarray]:
        g = self._grid
        proba = torch.softmax(self.model(self.features(g["grid"])), dim=1)  # (GRID², C)
        snap = {
            "grid_x": g["gx"],
            "grid_y": g["gy"],
            "proba": proba.T.reshape(-1, GRID, GRID).numpy().copy(),  # (C, GRID, GRID)
            "unit_x": g["ux"],
            "unit_y": g["uy"],
            "X_train": self.train.X,
            "Y_train": self.train.Y,
            "X_test": self.test.X,
            "Y_test": self.test.Y,
            "class_names": list(self.data.class_names),
            "parameter_count": self.parameter_count(),
        }
        h = self.features(g["units"])  # (UNIT_GRID², F)
        linear_layers = [m for m in self.model if isinstance(m, nn.Linear)][:-1]
        acts = [m for m in self.model if not isinstance(m, nn.Linear)]
        for k, (lin, act) in enumerate(zip(linear_layers[:UNIT_LAYERS], acts)):
            h = act(lin(h))
            snap[f"units_{k}"] = h.T.reshape(-1, UNIT_GRID, UNIT_GRID).numpy().copy()  # (units, g, g)
        return snap

    def final_metrics(self) -> dict[str, float]:
        return self.evaluate()

    def parameter_count(self) -> int:
        return parameter_count(self.model)


# --------------------------------------------------------------------------- CLI


def _cli_arrays(trainer: ClassifyTrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    return {k: snap[k] for k in ("grid_x", "grid_y", "proba", "X_train", "Y_train", "X_test", "Y_test")}


def _cli_models():
    from core.cli import CliModel

    return {
        "classify": CliModel(
            config=ClassifyConfig,
            make_trainer=ClassifyTrainer,
            final_metrics=ClassifyTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=1500,
            help="MLP classifier on 2D points (TensorFlow Playground's model)",
        )
    }


CLI_MODELS = _cli_models()
