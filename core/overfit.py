"""Taming an MLP that over-fits: L2 weight decay and early stopping, against a linear model.

Few noisy points of a 2D classification set (XOR by default), and three classifiers trained side by
side on them, one full-batch Adam step each per ``step()``, on inputs standardised by the training
set:

- **under**: a linear classifier, too simple for XOR (under-fit);
- **over**: a large MLP left alone, which learns the noise of the few points (over-fit): its
  training loss goes to 0 while its validation and test losses rise;
- **tamed**: the same MLP from the same initial weights, with L2 weight decay (the loss plus
  ``λ/2 ‖W‖²`` on the weights, not the biases: Adam's ``weight_decay``) and early stopping: training stops when the validation
  loss has not improved for ``patience`` steps, and the weights of the best validation loss are
  restored (Prechelt 1998, "Early stopping, but when?").

Train, validation and test sets are three independent draws of the same distribution; the test
set is only measured, never used to decide. ``snapshot()`` holds each model's class probability on
a grid over the data, for the three decision boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.classify import make_optimizer
from core.datasets import DATASET_NAMES, make_dataset
from core.errors import ConfigError
from core.nets import check_hidden, mlp


@dataclass(frozen=True)
class OverfitConfig:
    data: str = "xor"
    n_train: int = 50
    noise: float = 0.3
    hidden: tuple[int, ...] = (64, 64)
    l2: float = 0.03
    early_stopping: bool = True
    patience: int = 150
    lr: float = 0.003
    seed: int = 0
    n_val: int = 200
    n_test: int = 1000
    eval_every: int = 5

    def validate(self) -> None:
        if self.data not in DATASET_NAMES:
            raise ConfigError(f"The dataset must be one of {', '.join(DATASET_NAMES)}.")
        if not 4 <= self.n_train <= 5000:
            raise ConfigError("Take between 4 and 5,000 training points.")
        if not 0.0 <= self.noise <= 2.0:
            raise ConfigError("The noise must lie between 0 and 2.")
        check_hidden(self.hidden, 4, 256, min_layers=1)
        if self.l2 < 0 or not self.lr > 0 or self.patience < 1 or self.eval_every < 1:
            raise ConfigError("L2 must be non-negative; learning rate, patience and eval interval positive.")
        if self.n_val < 4 or self.n_test < 4:
            raise ConfigError("Use at least 4 validation and 4 test points.")


OVERFIT_GRID = 60
PANELS = ("under", "tamed", "over")  # linear model, regularised MLP, MLP left alone


class OverfitTrainer:
    """Three classifiers on the same few points, one full-batch Adam step each per ``step()``."""

    divergence_advice = "Lower the learning rate and press Reset."

    def __init__(self, cfg: OverfitConfig):
        cfg.validate()
        self.cfg = cfg
        # three independent draws of the same distribution: train, validation, test
        sets = [make_dataset(cfg.data, n, cfg.noise, cfg.seed * 3 + k)
                for k, n in enumerate((cfg.n_train, cfg.n_val, cfg.n_test))]
        self.train, self.val, self.test = sets
        t = lambda d: (torch.from_numpy(d.X), torch.from_numpy(d.Y))  # noqa: E731
        self.Xtr, self.Ytr = t(self.train)
        self.Xva, self.Yva = t(self.val)
        self.Xte, self.Yte = t(self.test)
        self.mean, self.std = self.Xtr.mean(0), self.Xtr.std(0).clamp_min(1e-3)
        torch.manual_seed(cfg.seed)
        over = mlp((2, *cfg.hidden, 2), "relu")
        tamed = mlp((2, *cfg.hidden, 2), "relu")
        tamed.load_state_dict(over.state_dict())  # the same start: only the taming differs
        self.models = {"under": mlp((2, 2), "relu"), "tamed": tamed, "over": over}
        l2 = {"under": 0.0, "tamed": cfg.l2, "over": 0.0}
        self.opts = {k: make_optimizer("adam", list(m.parameters()), cfg.lr, l2[k]) for k, m in self.models.items()}
        self.loss_fn = nn.CrossEntropyLoss()
        self.steps = 0
        self.best_val = float("inf")
        self.best_step = 0
        self.best_state = {k: v.clone() for k, v in tamed.state_dict().items()}
        self.stopped_at: int | None = None  # step at which early stopping ended the tamed model's training
        self.evaluation: dict[str, float] = {}
        lo = np.minimum(self.train.X.min(0), self.test.X.min(0))
        hi = np.maximum(self.train.X.max(0), self.test.X.max(0))
        pad = 0.1 * (hi - lo) + 1e-3
        self.gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], OVERFIT_GRID, dtype=np.float32)
        self.gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], OVERFIT_GRID, dtype=np.float32)
        self._grid = torch.from_numpy(np.stack(np.meshgrid(self.gx, self.gy), -1).reshape(-1, 2))

    def _in(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def step(self) -> dict[str, float]:
        self.steps += 1
        out = {}
        for name, model in self.models.items():
            if name == "tamed" and self.stopped_at is not None:
                continue  # early stopping: this model trains no more
            loss = self.loss_fn(model(self._in(self.Xtr)), self.Ytr)
            self.opts[name].zero_grad(set_to_none=True)
            loss.backward()
            self.opts[name].step()
            out[f"{name}_loss"] = loss.item()
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
            self._early_stopping()
        return {**out, **self.evaluation}

    def _early_stopping(self) -> None:
        if self.stopped_at is not None:
            return
        val = self.evaluation["tamed_val_loss"]
        if val < self.best_val - 1e-6:
            self.best_val, self.best_step = val, self.steps
            self.best_state = {k: v.clone() for k, v in self.models["tamed"].state_dict().items()}
        elif self.cfg.early_stopping and self.steps - self.best_step >= self.cfg.patience:
            self.stopped_at = self.steps
            self.models["tamed"].load_state_dict(self.best_state)  # back to the best validation loss
            self.evaluation = self.evaluate()

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        out = {}
        for name, model in self.models.items():
            for part, X, Y in (("train", self.Xtr, self.Ytr), ("val", self.Xva, self.Yva), ("test", self.Xte, self.Yte)):
                logits = model(self._in(X))
                out[f"{name}_{part}_loss"] = self.loss_fn(logits, Y).item()
                out[f"{name}_{part}_accuracy"] = (logits.argmax(1) == Y).float().mean().item()
        return out

    @torch.no_grad()
    def snapshot(self) -> dict[str, np.ndarray]:
        snap = {"grid_x": self.gx, "grid_y": self.gy, "X_train": self.train.X, "Y_train": self.train.Y,
                "X_test": self.test.X[:300], "Y_test": self.test.Y[:300],
                "stopped_at": np.asarray(-1 if self.stopped_at is None else self.stopped_at),
                "best_step": np.asarray(self.best_step)}
        for name, model in self.models.items():
            p = torch.softmax(model(self._in(self._grid)), dim=1)  # (G², 2)
            snap[f"proba_{name}"] = p.T.reshape(2, OVERFIT_GRID, OVERFIT_GRID).numpy().copy()
        return snap

    def final_metrics(self) -> dict[str, float]:
        ev = self.evaluate()
        out = {f"{k}_test_accuracy": ev[f"{k}_test_accuracy"] for k in PANELS}
        out.update({f"{k}_train_accuracy": ev[f"{k}_train_accuracy"] for k in PANELS})
        out["stopped_at"] = -1 if self.stopped_at is None else self.stopped_at
        out["best_step"] = self.best_step
        return out


# --------------------------------------------------------------------------- CLI


def _cli_models():
    from core.cli import CliModel

    return {
        "overfit": CliModel(
            config=OverfitConfig, make_trainer=OverfitTrainer, final_metrics=OverfitTrainer.final_metrics,
            default_steps=2000,
            help="few noisy points: a linear model, an MLP that over-fits, and the MLP with L2 + early stopping",
        ),
    }


CLI_MODELS = _cli_models()
