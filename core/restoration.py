"""Restoring damaged digits with a learned generative prior: the most probable code under the VAE.

The denoising auto-encoder (core/denoising.py) learns to undo one kind of damage from examples of it.
A generative model needs no such examples: it knows what digits look like, so a damaged digit can be
restored by asking which digit most probably produced what is left. With the VAE trained on clean
digits only (core/vae.py, the shipped checkpoint), and ``M`` the pixels that survived:

    z* = argmax_z  log p_θ(x_M | z) + log p(z)          (MAP in the latent space; p(z) = N(0, I))
       = argmin_z  Σ_{i ∈ M} BCE(x_i, D(z)_i) + ½‖z‖²

then ``x̂ = x on M, D(z*) elsewhere``: the known pixels are kept, the missing ones are filled in by the
decoder. Each trainer step is one Adam step on z for every image and every restart; the restarts
(the encoder's guess from the damaged image, and codes drawn from the prior) guard against poor local
optima, and each image keeps its best restart. The error is measured on the missing pixels only,
against the truth, beside filling them with the average training digit (a prior with no model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from core import digits as digit_data
from core.errors import ConfigError
from core.nets import adam

DAMAGES = {"block": "Erased square", "half": "Missing bottom half", "pixels": "Missing pixels"}


@dataclass(frozen=True)
class RestoreConfig:
    damage: str = "block"
    level: float = 0.5  # block: side as a share of 8 pixels; pixels: share missing (half: unused)
    n_images: int = 16
    restarts: int = 8  # codes per image: the encoder's guess and restarts - 1 draws from the prior
    lr: float = 0.05
    seed: int = 0

    def validate(self) -> None:
        if self.damage not in DAMAGES:
            raise ConfigError(f"Unknown damage '{self.damage}': choose among {', '.join(DAMAGES)}.")
        if not 0.0 < self.level <= 0.9:
            raise ConfigError("The damage level must lie in (0, 0.9].")
        if not 1 <= self.n_images <= 32 or not 1 <= self.restarts <= 64:
            raise ConfigError("Restore 1 to 32 images with 1 to 64 restarts.")
        if not 0.0 < self.lr <= 1.0:
            raise ConfigError("The learning rate must lie in (0, 1].")


def damage_mask(kind: str, level: float, n: int, gen: torch.Generator) -> torch.Tensor:
    """(n, 64) True where a pixel survived."""
    side = digit_data.SIDE
    if kind == "pixels":
        return torch.rand((n, side * side), generator=gen) >= level
    rows = torch.arange(side)
    if kind == "half":
        keep = (rows < side // 2)[:, None].expand(side, side).reshape(1, -1)  # the top half survives
        return keep.expand(n, -1).clone()
    width = max(1, int(round(level * side)))
    top = torch.randint(0, side - width + 1, (n,), generator=gen)
    left = torch.randint(0, side - width + 1, (n,), generator=gen)
    inside_r = (rows[None] >= top[:, None]) & (rows[None] < top[:, None] + width)  # (n, 8)
    inside_c = (rows[None] >= left[:, None]) & (rows[None] < left[:, None] + width)  # (n, 8)
    return ~(inside_r[:, :, None] & inside_c[:, None, :]).reshape(n, -1)


class RestoreTrainer:
    divergence_advice = "Lower the learning rate and press Reset."

    def __init__(self, cfg: RestoreConfig):
        cfg.validate()
        self.cfg = cfg
        from core.checkpoints import build_trained
        from core.vae import VAEConfig, VAETrainer

        vae = build_trained(VAETrainer, "vae", VAEConfig(data="digits", quality_every=0))
        self.vae = vae.model.eval()
        for p in self.vae.parameters():
            p.requires_grad_(False)
        data = digit_data.load(seed=0)
        gen = torch.Generator().manual_seed(cfg.seed)
        pick = torch.randperm(len(data.x_test), generator=gen)[:cfg.n_images]
        self.truth = torch.from_numpy(data.x_test)[pick].float()  # (n, 64) in [0, 1]
        self.mask = damage_mask(cfg.damage, cfg.level, cfg.n_images, gen)  # (n, 64) True = survived
        self.damaged = self.truth * self.mask
        self.mean_digit = torch.from_numpy(data.x_train).float().mean(0)  # (64,) the prior without a model
        n, r, k = cfg.n_images, cfg.restarts, self.vae.latent
        with torch.no_grad():
            guess, _ = self.vae.encode(self.damaged)  # (n, k) the encoder's guess from what is left
        z0 = torch.randn((n, r, k), generator=gen)
        z0[:, 0] = guess
        self.z = z0.requires_grad_(True)  # (n, r, k)
        self.opt = adam([self.z], cfg.lr)
        self.steps = 0
        self._objective = torch.full((n, r), float("inf"))

    def objective(self) -> torch.Tensor:
        """(n, r) −log p(x_M | z) − log p(z) (up to a constant) of every code."""
        n, r, k = self.z.shape
        logits = self.vae.decode(self.z.reshape(n * r, k)).reshape(n, r, -1)  # (n, r, 64)
        target = self.damaged[:, None].expand_as(logits)
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        return (bce * self.mask[:, None]).sum(-1) + 0.5 * (self.z**2).sum(-1)

    def step(self) -> dict[str, float]:
        loss = self.objective()
        self.opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.opt.step()
        self.steps += 1
        self._objective = loss.detach()
        return {"objective": float(loss.detach().min(1).values.mean())} | self.errors()

    def restored(self) -> torch.Tensor:
        """(n, 64) x on the surviving pixels, D(z*) of each image's best code elsewhere."""
        with torch.no_grad():
            best = self._objective.argmin(1) if torch.isfinite(self._objective).all() else torch.zeros(
                len(self.z), dtype=torch.long)
            z = self.z[torch.arange(len(self.z)), best]  # (n, k)
            fill = self.vae.mean(z)  # (n, 64)
        return torch.where(self.mask, self.truth, fill)

    def errors(self) -> dict[str, float]:
        """Mean squared error on the missing pixels: the prior's fill and the average digit's."""
        missing = ~self.mask
        count = max(int(missing.sum()), 1)
        restored = self.restored()
        mean_fill = torch.where(self.mask, self.truth, self.mean_digit.expand_as(self.truth))
        err = float(((restored - self.truth) ** 2 * missing).sum() / count)
        base = float(((mean_fill - self.truth) ** 2 * missing).sum() / count)
        return {"error_prior": err, "error_mean_digit": base}

    def snapshot(self) -> dict[str, np.ndarray]:
        return {"truth": self.truth.numpy().copy(), "damaged": self.damaged.numpy().copy(),
                "mask": self.mask.numpy().copy(), "restored": self.restored().numpy(),
                **{k: np.array(v) for k, v in self.errors().items()}}

    def final_metrics(self) -> dict[str, float]:
        return self.errors()


def _cli_models():
    from core.cli import CliModel

    return {"restore": CliModel(config=RestoreConfig, make_trainer=RestoreTrainer,
                                final_metrics=RestoreTrainer.final_metrics, default_steps=300,
                                help="restore damaged digits with the VAE as a prior (MAP in its latent space)")}


CLI_MODELS = _cli_models()
