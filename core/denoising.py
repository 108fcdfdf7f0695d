"""Denoising digits with an auto-encoder: learn what a damaged image should have looked like.

The idea (a denoising auto-encoder, Vincent, Larochelle, Bengio & Manzagol 2008, "Extracting and
composing robust features with denoising autoencoders"): corrupt each clean training digit ``x``
into ``x̃ = corrupt(x)`` and train an encoder ``E`` and a decoder ``D`` to map it back,

    min_θ  E_x E_x̃ ‖D(E(x̃)) − x‖²,

so the network learns what digits look like (the data's manifold) and projects a damaged image back
onto it. For comparison, a plain auto-encoder trains on clean digits only, ``min ‖D(E(x)) − x‖²``,
and is then asked to restore corrupted ones it never saw during training.

- Corruptions of the 8x8 digits in [0, 1]: Gaussian noise ``x + σ ε`` clipped to [0, 1], missing
  pixels (each set to 0 with probability ``level``), or an erased square of side ``level · 8``.
- Network: ``E``: 64 → hidden (ReLU) → latent; ``D``: latent → hidden (ReLU) → 64 → sigmoid.
- Measure: on test digits it never saw, with one fixed corruption, the error before
  ``‖x̃ − x‖²`` and after ``‖D(E(x̃)) − x‖²`` (summed over the 64 pixels, averaged over digits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core import digits as digit_data
from core.errors import ConfigError
from core.nets import adam, mlp, positive, set_lr

CORRUPTIONS = {
    "noise": "Gaussian noise (level = σ)",
    "pixels": "Missing pixels (level = share)",
    "block": "Erased square (level = side / 8)",
}
N_SHOWN = 8


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class DenoiseConfig:
    corruption: str = "noise"  # noise | pixels | block
    level: float = 0.4
    train_on: str = "corrupted"  # corrupted (a denoising auto-encoder) | clean (a plain auto-encoder)
    latent: int = 16
    hidden: int = 128
    lr: float = 0.003
    batch_size: int = 64
    seed: int = 0
    eval_every: int = 20

    def validate(self) -> None:
        if self.corruption not in CORRUPTIONS:
            raise ConfigError(f"Unknown corruption '{self.corruption}': choose among {', '.join(CORRUPTIONS)}.")
        if not 0.0 <= self.level <= 1.0:
            raise ConfigError("The corruption level must lie between 0 and 1.")
        if self.train_on not in ("corrupted", "clean"):
            raise ConfigError("Train on 'corrupted' or 'clean' digits.")
        if not 1 <= self.latent <= 64 or not 4 <= self.hidden <= 512:
            raise ConfigError("Use a latent size of 1 to 64 and 4 to 512 hidden units.")
        if not positive(self.lr) or self.batch_size < 1:
            raise ConfigError("The learning rate and the batch size must be positive.")


# --------------------------------------------------------------------------- corruption


def corrupt(x: torch.Tensor, kind: str, level: float, gen: torch.Generator) -> torch.Tensor:
    """Corrupted copies of the (n, 64) images in [0, 1]."""
    n = x.shape[0]
    if kind == "noise":
        return (x + level * torch.randn(x.shape, generator=gen)).clamp(0.0, 1.0)
    if kind == "pixels":
        keep = torch.rand(x.shape, generator=gen) >= level
        return x * keep
    side = int(round(level * digit_data.SIDE))
    if side <= 0:
        return x.clone()
    top = torch.randint(0, digit_data.SIDE - side + 1, (n,), generator=gen)
    left = torch.randint(0, digit_data.SIDE - side + 1, (n,), generator=gen)
    rows = torch.arange(digit_data.SIDE)
    inside_r = (rows[None] >= top[:, None]) & (rows[None] < top[:, None] + side)  # (n, 8)
    inside_c = (rows[None] >= left[:, None]) & (rows[None] < left[:, None] + side)  # (n, 8)
    erased = (inside_r[:, :, None] & inside_c[:, None, :]).reshape(n, -1)  # (n, 64)
    return x * ~erased


# --------------------------------------------------------------------------- trainer


class DenoiseTrainer:
    """x̃ = corrupt(x); minimise ‖D(E(x̃)) − x‖² (or ‖D(E(x)) − x‖² for the plain auto-encoder)."""

    divergence_advice = "The learning rate is too large: lower it (it applies at once) and press Reset."

    def __init__(self, cfg: DenoiseConfig):
        cfg.validate()
        self.cfg = cfg
        data = digit_data.load(seed=0)
        self.x_train = torch.from_numpy(data.x_train)  # (n, 64) in [0, 1]
        self.x_test = torch.from_numpy(data.x_test)
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.encoder = mlp((64, cfg.hidden, cfg.latent), "relu")
        self.decoder = mlp((cfg.latent, cfg.hidden, 64), "relu", final=nn.Sigmoid)
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.opt = adam(params, cfg.lr)
        # one fixed corruption of the test digits: the before/after errors are comparable over time
        self.x_test_corrupted = corrupt(self.x_test, cfg.corruption, cfg.level,
                                        torch.Generator().manual_seed(10_000 + cfg.seed))
        self.before = float(((self.x_test_corrupted - self.x_test) ** 2).sum(1).mean())
        self.shown = self._pick_shown(data.y_test)
        self.steps = 0
        self.evaluation: dict[str, float] = {}

    @staticmethod
    def _pick_shown(y: np.ndarray) -> np.ndarray:
        """The first test image of N_SHOWN different digit classes."""
        return np.array([int(np.flatnonzero(y == c)[0]) for c in range(N_SHOWN)])

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate."""
        if lr is not None:
            set_lr(self.opt, lr)

    def step(self) -> dict[str, float]:
        idx = torch.randint(0, len(self.x_train), (self.cfg.batch_size,), generator=self.gen)
        x = self.x_train[idx]  # (B, 64)
        x_in = corrupt(x, self.cfg.corruption, self.cfg.level, self.gen) if self.cfg.train_on == "corrupted" else x
        loss = ((self.restore(x_in) - x) ** 2).sum(1).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
        return {"loss": loss.item(), **self.evaluation}

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        after = ((self.restore(self.x_test_corrupted) - self.x_test) ** 2).sum(1).mean().item()
        return {"error_before": self.before, "error_after": after}

    @torch.no_grad()
    def snapshot(self) -> dict[str, np.ndarray]:
        i = torch.from_numpy(self.shown)
        return {
            "clean": self.x_test[i].numpy().copy(),  # (N_SHOWN, 64) in [0, 1]
            "corrupted": self.x_test_corrupted[i].numpy().copy(),
            "restored": self.restore(self.x_test_corrupted[i]).numpy().copy(),
        }

    def final_metrics(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.evaluate().items()}

