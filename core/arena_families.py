"""The arena's seven families behind one interface (as makemore puts its models behind one).

Each family is built from ``(target, seed)`` with its recommended settings, and offers
``step() -> metrics`` (one training step, its own bookkeeping only) and
``sample(n, seed, nfe) -> ((n, 2) samples in data units, network evaluations per sample)``, where
``nfe`` None means the family's own sampler and a number means at most about that many network
evaluations. The families: EM (core/gmm.py), an energy model with Langevin sampling
(core/energy.py), a GAN (core/gan.py), a VAE (core/vae.py), a score model with annealed Langevin
(core/score.py), DDPM (core/diffusion.py) and flow matching with Euler steps (core/flow.py).
The race itself (budgets, turns, one yardstick) is core/arena.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from core.targets2d import Target2D


class GmmFamily:
    """EM on 2,000 points (one iteration per step); sampling is ancestral: no network at all."""

    def __init__(self, target: Target2D, seed: int, k: int = 10):
        from core.gmm import GmmConfig, GmmTrainer

        x = target.points if target.points is not None else target.sample(2000, seed=seed)
        self.trainer = GmmTrainer(GmmConfig(k=min(k, len(x)), n_points=len(x), seed=seed), data=x)

    def step(self) -> dict[str, float]:
        return {"log_likelihood": self.trainer.step()["log_likelihood"]}

    def sample(self, n: int, seed: int, nfe: int | None) -> tuple[np.ndarray, int]:
        return self.trainer.gm.sample(n, seed=seed)[0], 0


class EnergyFamily:
    """p_θ = e^{f_θ}/Z(θ), Z by quadrature on a 64² grid; Langevin sampling from uniform points."""

    LANGEVIN_STEPS = 300  # the energy CLI's default

    def __init__(self, target: Target2D, seed: int):
        from core.energy import EnergyConfig, EnergyTrainer

        self.trainer = EnergyTrainer(EnergyConfig(seed=seed, eval_every=10**9), target)

    def step(self) -> dict[str, float]:
        return {"loss": self.trainer.step()["loss"]}

    def sample(self, n: int, seed: int, nfe: int | None) -> tuple[np.ndarray, int]:
        from core.energy import LangevinTrainer

        steps = self.LANGEVIN_STEPS if nfe is None else nfe
        sampler = LangevinTrainer(self.trainer, n=n, step_size=self.trainer.cfg.step_size, seed=seed, tracked=1)
        for _ in range(steps):
            sampler.move()
        return sampler.samples(), steps  # one gradient ∇f_θ per step


class GanFamily:
    """The GAN page's recommended preset; one sample is one pass through G."""

    def __init__(self, target: Target2D, seed: int):
        from core.gan import GanTrainer
        from core.gan_presets import RECOMMENDED, preset

        cfg = preset(RECOMMENDED, data=target.name, spread=target.spread or 0.05, seed=seed, eval_every=10**9)
        self.trainer = GanTrainer(cfg, target=target)

    def step(self) -> dict[str, float]:
        m = self.trainer.step()
        return {k: m[k] for k in ("d_loss", "g_loss") if k in m}

    def sample(self, n: int, seed: int, nfe: int | None) -> tuple[np.ndarray, int]:
        z = torch.randn((n, self.trainer.cfg.noise_dim), generator=torch.Generator().manual_seed(seed))
        return self.trainer.sample(n, z), 1  # fixed noise, not the trainer's generator: training is untouched


class VaeFamily:
    """The VAE page's recommended settings (latent 2, β = 1); a sample is z ~ N(0, I), x ~ p_θ(x|z)."""

    def __init__(self, target: Target2D, seed: int):
        from core.vae import VAEConfig, VAETrainer

        self.trainer = VAETrainer(VAEConfig(data="ring", seed=seed, eval_every=10**9, quality_every=0), target=target)

    def step(self) -> dict[str, float]:
        return {"loss": self.trainer.step()["loss"]}

    def sample(self, n: int, seed: int, nfe: int | None) -> tuple[np.ndarray, int]:
        return self.trainer.sample(n, seed=seed), 1


class ScoreFamily:
    """Denoising score matching at 10 noise levels; annealed Langevin, L·T evaluations + 1 (denoising)."""

    def __init__(self, target: Target2D, seed: int):
        from core.score import ScoreConfig, ScoreTrainer

        self.trainer = ScoreTrainer(ScoreConfig(seed=seed), target)

    def step(self) -> dict[str, float]:
        return self.trainer.step()

    def sample(self, n: int, seed: int, nfe: int | None) -> tuple[np.ndarray, int]:
        levels = len(self.trainer.sigmas)
        per_level = None if nfe is None else max(1, (nfe - 1) // levels)
        x = self.trainer.sample(n, steps_per_level=per_level, seed=seed)
        return x, self.trainer.last_nfe


class DdpmFamily:
    """ε-prediction with T = 200 cosine steps; DDPM ancestral sampling, one evaluation per step."""

    def __init__(self, target: Target2D, seed: int):
        from core.diffusion import DiffusionConfig, DiffusionTrainer

        self.trainer = DiffusionTrainer(DiffusionConfig(seed=seed, quality_every=10**9), target)

    def step(self) -> dict[str, float]:
        return self.trainer.step()

    def sample(self, n: int, seed: int, nfe: int | None) -> tuple[np.ndarray, int]:
        steps = self.trainer.cfg.sample_steps if nfe is None else nfe
        x = self.trainer.sample(n, steps, "ddpm", seed=seed)
        return x, self.trainer.last_nfe


class FlowFamily:
    """Conditional flow matching (straight paths); Euler steps of dx/dt = v_θ(t, x), one evaluation each."""

    def __init__(self, target: Target2D, seed: int):
        from core.flow import FlowConfig, FlowTrainer

        self.trainer = FlowTrainer(FlowConfig(seed=seed, eval_every=0), target)

    def step(self) -> dict[str, float]:
        return {"loss": self.trainer.step()["loss"]}

    def sample(self, n: int, seed: int, nfe: int | None) -> tuple[np.ndarray, int]:
        steps = self.trainer.cfg.sample_steps if nfe is None else nfe
        return self.trainer.sample(n, steps=steps, solver="euler", seed=seed), steps


def build_family(name: str, target: Target2D, seed: int, gmm_k: int = 10) -> Any:
    if name == "gmm":
        return GmmFamily(target, seed, gmm_k)
    kinds = {"energy": EnergyFamily, "gan": GanFamily, "vae": VaeFamily, "score": ScoreFamily,
             "ddpm": DdpmFamily, "flow": FlowFamily}
    return kinds[name](target, seed)
