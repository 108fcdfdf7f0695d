"""Other architectures: a small CNN against an MLP on scikit-learn's 8x8 digits, side by side.

"Other neural networks are models suited to some specific data." A convolutional layer applies the
same small filter ``w`` (3x3) at every position of the image,
``h_{c,i,j} = φ(b_c + Σ_{c',u,v} w_{c,c',u,v} x_{c', i+u, j+v})``, so it needs few parameters and
responds to a stroke wherever it is; max-pooling then keeps the strongest response of each 2x2
block. The MLP sees the 64 pixels as an unordered vector: a digit moved by one pixel is, to it,
a different input. ``CnnVsMlpTrainer.step()`` takes one minibatch Adam step for both models on
the same batch; every ``eval_every`` steps it measures train and test accuracy of both, and the
test accuracy on the test digits shifted right by one pixel (``core.digits.shift``), which neither
model ever sees in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core import digits
from core.digits import SIDE
from core.errors import ConfigError
from core.nets import adam, mlp, parameter_count, set_lr

MAX_WRONG = 12  # misclassified examples in a snapshot
MODEL_NAMES = ("cnn", "mlp")


@dataclass(frozen=True)
class CnnConfig:
    channels: int = 8  # filters of the first convolution (the second has twice as many)
    mlp_hidden: int = 64  # units of the MLP's hidden layer
    lr: float = 0.003
    batch_size: int = 64
    seed: int = 0
    eval_every: int = 25
    shift_dx: int = 1  # the robustness test: pixels to the right (negative: left)
    shift_dy: int = 0

    def validate(self) -> None:
        if not 1 <= self.channels <= 64:
            raise ConfigError("Use 1 to 64 convolution filters.")
        if not 1 <= self.mlp_hidden <= 1024:
            raise ConfigError("Use 1 to 1,024 hidden units in the MLP.")
        if not (self.lr > 0 and np.isfinite(self.lr)) or self.batch_size < 1 or self.eval_every < 1:
            raise ConfigError("The learning rate, batch size and evaluation interval must be positive.")
        if max(abs(self.shift_dx), abs(self.shift_dy)) > 3:
            raise ConfigError("Shift the test digits by at most 3 pixels.")


class SmallCNN(nn.Module):
    """(B, 1, 8, 8) -> conv3x3(c) -> ReLU -> maxpool 2 -> conv3x3(2c) -> ReLU -> maxpool 2 -> linear 10."""

    def __init__(self, channels: int = 8):
        super().__init__()
        c = channels
        self.conv1 = nn.Conv2d(1, c, 3, padding=1)  # (B, c, 8, 8)
        self.conv2 = nn.Conv2d(c, 2 * c, 3, padding=1)  # (B, 2c, 4, 4)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(2 * c * 2 * 2, 10)  # from (B, 2c, 2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.view(-1, 1, SIDE, SIDE)
        h = self.pool(torch.relu(self.conv1(h)))  # (B, c, 4, 4)
        h = self.pool(torch.relu(self.conv2(h)))  # (B, 2c, 2, 2)
        return self.head(h.flatten(1))  # (B, 10)


def make_mlp(hidden: int) -> nn.Sequential:
    """64 pixels -> ``hidden`` ReLU units -> 10 classes."""
    return mlp((SIDE * SIDE, hidden, 10), "relu")


class CnnVsMlpTrainer:
    divergence_advice = "Lower the learning rate and press Reset."

    def __init__(self, cfg: CnnConfig):
        cfg.validate()
        self.cfg = cfg
        data = digits.load(seed=cfg.seed)
        self.x_train = torch.from_numpy(data.x_train)  # (n, 64)
        self.y_train = torch.from_numpy(data.y_train)
        self.x_test = torch.from_numpy(data.x_test)
        self.y_test = torch.from_numpy(data.y_test)
        self.x_shifted = torch.from_numpy(digits.shift(data.x_test, cfg.shift_dx, cfg.shift_dy))
        torch.manual_seed(cfg.seed)
        self.models: dict[str, nn.Module] = {"cnn": SmallCNN(cfg.channels), "mlp": make_mlp(cfg.mlp_hidden)}
        self.opts = {k: adam(m.parameters(), cfg.lr) for k, m in self.models.items()}
        self.loss_fn = nn.CrossEntropyLoss()
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.steps = 0
        self.evaluation: dict[str, float] = {}

    def set_lr(self, lr: float) -> None:
        set_lr(self.opts.values(), lr)

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate of both models."""
        if lr is not None:
            self.set_lr(lr)

    def parameter_counts(self) -> dict[str, int]:
        return {k: parameter_count(m) for k, m in self.models.items()}

    def parameter_metrics(self) -> dict[str, int]:
        """{'cnn_parameters': ..., 'mlp_parameters': ...}: in the snapshot and the CLI's summary."""
        return {f"{k}_parameters": v for k, v in self.parameter_counts().items()}

    def step(self) -> dict[str, float]:
        n = len(self.y_train)
        idx = torch.randint(0, n, (min(self.cfg.batch_size, n),), generator=self.gen)
        xb, yb = self.x_train[idx], self.y_train[idx]  # the same batch for both models
        out = {}
        for name, model in self.models.items():
            loss = self.loss_fn(model(xb), yb)
            self.opts[name].zero_grad(set_to_none=True)
            loss.backward()
            self.opts[name].step()
            out[f"{name}_loss"] = loss.item()
        self.steps += 1
        if not self.evaluation or self.steps % self.cfg.eval_every == 0:  # the first step (also from a checkpoint)
            self.evaluation = self.evaluate()
        return {**out, **self.evaluation}

    def measure(self) -> dict[str, float]:
        """The accuracies of the model as it is, without a step (a run from a checkpoint starts with them)."""
        return self.evaluate()

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        out = {}
        for name, model in self.models.items():
            for part, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test),
                               ("shifted", self.x_shifted, self.y_test)):
                out[f"{name}_{part}_accuracy"] = (model(x).argmax(1) == y).float().mean().item()
        return out

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        snap: dict[str, Any] = {
            "filters": self.models["cnn"].conv1.weight[:, 0].numpy().copy(),  # (c, 3, 3)
            **self.parameter_metrics(),
        }
        for part, x in (("test", self.x_test), ("shifted", self.x_shifted)):
            for name, model in self.models.items():
                pred = model(x).argmax(1)
                wrong = torch.nonzero(pred != self.y_test)[:, 0][:MAX_WRONG]
                snap[f"{name}_{part}_wrong_images"] = x[wrong].numpy().reshape(-1, SIDE, SIDE).copy()
                snap[f"{name}_{part}_wrong_pred"] = pred[wrong].numpy().copy()
                snap[f"{name}_{part}_wrong_true"] = self.y_test[wrong].numpy().copy()
                snap[f"{name}_{part}_accuracy"] = np.asarray((pred == self.y_test).float().mean().item())
        snap["shifted_example"] = self.x_shifted[:1].numpy().reshape(SIDE, SIDE).copy()
        snap["test_example"] = self.x_test[:1].numpy().reshape(SIDE, SIDE).copy()
        return snap

    def final_metrics(self) -> dict[str, float]:
        out: dict[str, float] = dict(self.evaluate())
        out.update(self.parameter_metrics())
        return out


# --------------------------------------------------------------------------- CLI


def _cli_models():
    from core.cli import CliModel

    def arrays(t: CnnVsMlpTrainer) -> dict[str, np.ndarray]:
        s = t.snapshot()
        return {"filters": s["filters"]}

    return {
        "cnn": CliModel(
            config=CnnConfig, make_trainer=CnnVsMlpTrainer, final_metrics=CnnVsMlpTrainer.final_metrics,
            arrays=arrays, default_steps=1500,
            help="a small CNN against an MLP on 8x8 digits, with test accuracy on digits shifted by a pixel",
        )
    }


CLI_MODELS = _cli_models()
