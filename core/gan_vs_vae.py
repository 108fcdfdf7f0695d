"""A GAN and a VAE trained on the same data at the same time, measured the same way.

Both models sample the same way — draw noise, apply a network — but learn differently: the GAN
plays a game and is sharp when it works, prone to dropping modes; the VAE maximises a bound on
the likelihood, is stable, covers the data, and is blurry. :class:`Compared` wraps either
trainer and measures its samples with one yardstick, every ``every`` steps:

- 2D targets: the normalised energy distance to one held-out set (shared by both models), and for
  Gaussian mixtures the modes captured and the high-quality share (core/sample_metrics.py);
- digits: the share of samples an independent classifier (trained on real digits only) recognises
  with confidence > 0.9, and how many of the 10 classes those confident samples cover.

Each side samples from fixed noise, so a snapshot moves only when the model does. A snapshot says
``is_digits`` and, for mixtures, carries the target's ``modes``; ``set_live`` passes a page's live
settings (the VAE's β) to the wrapped trainer. :func:`gan_side` and :func:`vae_side` build the two
sides from plain values (the pages' run builders).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from core import digits

from core.digit_judge import class_histogram, judge
from core.gan import GanConfig, GanTrainer
from core.gan_presets import preset
from core.gan_data import DIGITS
from core.sample_metrics import sample_report
from core.targets2d import Target2D

N_POINTS = 1000  # 2D samples drawn and measured
N_IMAGES = 36  # digits drawn
N_JUDGED = 500  # digits judged
REFERENCE_SEED = 4242  # the held-out set both sides are measured against
DIGITS_NOISE = 16  # noise dimension of a GAN on digits


def reference(target: Target2D, n: int = 2000) -> np.ndarray:
    """(n, 2) held-out points of ``target``: the same for both models."""
    return target.sample(n, seed=REFERENCE_SEED)


@lru_cache(maxsize=1)
def real_digits_score() -> dict[str, float]:
    """The judge's verdict on the real held-out digits: the scale for the models' numbers."""
    return judge(digits.to_pixels(digits.load(seed=0).x_test))


class Compared:
    """A GAN or VAE trainer whose samples are judged the same way as its rival's."""

    def __init__(self, inner: Any, kind: str, target: Target2D | None, every: int = 100):
        self.inner = inner
        self.kind = kind  # "gan" or "vae"
        self.target = target  # None for digits
        self.reference = reference(target) if target is not None else None
        self.every = every
        self.steps = 0
        self.report: dict[str, float] = {}
        self.divergence_advice = getattr(inner, "divergence_advice", "Lower the learning rate and press Reset.")

    @property
    def is_digits(self) -> bool:
        return self.target is None

    def samples(self, n: int) -> np.ndarray:
        """n samples from fixed noise, in data units ((n, 2) points or (n, 64) pixels 0..16)."""
        if self.kind == "gan":
            return self.inner.sample(n, self.inner.z_show)
        return self.inner.sample(n, seed=self.inner.cfg.seed + 1)

    def measure(self) -> dict[str, float]:
        if self.is_digits:
            r = judge(self.samples(N_JUDGED))
            return {"confident": r["confident"], "classes": float(r["classes"])}
        r = sample_report(self.samples(N_POINTS), self.target, reference=self.reference)
        keep = ("energy", "modes_captured", "high_quality") if self.target.is_mixture else ("energy",)
        return {k: float(r[k]) for k in keep}

    def step(self) -> dict[str, float]:
        metrics = self.inner.step()
        self.steps += 1
        if self.steps == 1 or self.steps % self.every == 0:
            self.report = self.measure()
        keep = ("d_loss", "g_loss") if self.kind == "gan" else ("loss", "recon", "kl")
        return {k: metrics[k] for k in keep if k in metrics} | self.report

    def set_live(self, **values: Any) -> None:
        """The inner trainer's live settings (the VAE's β, say), passed on as they are."""
        self.inner.set_live(**values)

    def snapshot(self) -> dict[str, Any]:
        if self.is_digits:
            images = self.samples(N_IMAGES)
            return {"images": images, "class_counts": class_histogram(self.samples(N_JUDGED)).astype(float),
                    "is_digits": True}
        snap = {"samples": self.samples(N_POINTS), "real": self.reference[:N_POINTS].copy(), "is_digits": False}
        if self.target.is_mixture:
            snap["modes"] = self.target.modes.copy()  # (K, 2)
        return snap

    def final_metrics(self) -> dict[str, float]:
        return self.measure()


def gan_side(target: Target2D | None, seed: int, preset_name: str, noise_dim: int | None = None) -> Compared:
    """The GAN of the comparison: ``target`` None means the 8x8 digits."""
    # Compared measures instead; the generators are compared, so no rejection filter on the GAN's side
    over: dict[str, Any] = {"seed": seed, "eval_every": 10**9, "drs": False}
    if target is None:
        over.update(data=DIGITS, noise_dim=noise_dim or DIGITS_NOISE)
    else:
        over.update(data=target.name if target.name != "csv" else "ring", spread=target.spread or 0.05)
        if noise_dim:
            over["noise_dim"] = noise_dim
    cfg: GanConfig = preset(preset_name, **over)
    return Compared(GanTrainer(cfg, target=target), "gan", target)


def vae_side(target: Target2D | None, seed: int, latent: int, beta: float) -> Compared:
    """The VAE of the comparison (core/vae.py), on the same data."""
    from core.vae import VAEConfig, VAETrainer

    cfg = VAEConfig(data=DIGITS if target is None else "ring", latent=latent, beta=beta, seed=seed,
                    quality_every=0)
    return Compared(VAETrainer(cfg, target=target), "vae", target)
