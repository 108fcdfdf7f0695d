"""Flow matching against diffusion: sample quality at a budget of network evaluations (NFE).

Both models turn noise into data by integrating a learned field; what a sample costs is the number
of network evaluations (NFE). A flow-matching model (core/flow.py: Lipman et al. 2023; Liu et al.
2023) integrates the ODE ``dx/dt = v_θ(t, x)`` with Euler steps, one evaluation each; a diffusion
model (core/diffusion.py) takes DDIM (deterministic, Song, Meng & Ermon 2021) or DDPM (ancestral,
Ho et al. 2020) reverse steps, one evaluation each. Trained side by side on one target, with the
same learning-rate decay, both are sampled at each NFE of a list; the quality (energy distance to
the target, and for mixtures the share of high-quality samples, core/sample_metrics.py) against
the NFE shows which one needs fewer evaluations: straight flow paths tolerate large Euler steps.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from core.diffusion import DiffusionConfig, DiffusionTrainer
from core.flow import FlowConfig, FlowTrainer
from core.sample_metrics import sample_report
from core.targets2d import Target2D

COMPARE_NFE = (1, 2, 4, 8, 16, 32, 64, 100)  # network evaluations per sample on the comparison curve


def quality_against_nfe(sample: Callable[[int], np.ndarray], target: Target2D, reference: np.ndarray,
                        nfes: tuple[int, ...] = COMPARE_NFE) -> dict[str, np.ndarray]:
    """``sample(nfe) -> (n, 2)`` at each NFE: {'energy': (len,), 'high_quality': (len,) for mixtures}."""
    rows = [sample_report(sample(nfe), target, reference=reference) for nfe in nfes]
    out = {"energy": np.asarray([r["energy"] for r in rows])}
    if target.is_mixture:
        out["high_quality"] = np.asarray([r["high_quality"] for r in rows])
    return out


class FlowVsDiffusion:
    """A flow-matching model and a diffusion model (core/diffusion.py) trained side by side on one
    target, each at its recommended preset with the learning rate decaying over the same
    ``decay_steps``; every ``eval_every`` steps both are sampled at each NFE of ``nfes``
    (flow: Euler steps; diffusion: DDIM and DDPM steps, one evaluation each)."""

    divergence_advice = "One of the two models diverged: press Reset."

    def __init__(self, target: Target2D, seed: int = 0, eval_every: int = 1000, n_eval: int = 500,
                 nfes: tuple[int, ...] = COMPARE_NFE, decay_steps: int = 8000):
        self.target = target
        self.flow = FlowTrainer(FlowConfig(seed=seed, eval_every=10**9, lr_decay_steps=decay_steps), target)
        self.diffusion = DiffusionTrainer(DiffusionConfig(seed=seed, lr_decay_steps=decay_steps), target)
        self.eval_every, self.n_eval, self.nfes = eval_every, n_eval, tuple(nfes)
        self.steps = 0
        self.curves: dict[str, np.ndarray] = {}
        self.seed = seed

    def step(self) -> dict[str, float]:
        flow_loss = self.flow.step()["loss"]
        diffusion_loss = self.diffusion.step()["loss"]
        self.steps += 1
        if self.steps % self.eval_every == 0:
            self.curves = self.measure()
        return {"flow_loss": flow_loss, "diffusion_loss": diffusion_loss}

    def measure(self) -> dict[str, np.ndarray]:
        ref, seed, n = self.flow.reference, self.seed + 5, self.n_eval
        out: dict[str, np.ndarray] = {"nfe_list": np.asarray(self.nfes, dtype=float), "step": np.array(self.steps)}
        samplers = {
            "flow": lambda nfe: self.flow.sample(n, steps=nfe, solver="euler", seed=seed),
            "ddim": lambda nfe: self.diffusion.sample(n, nfe, "ddim", seed=seed),
            "ddpm": lambda nfe: self.diffusion.sample(n, nfe, "ddpm", seed=seed),
        }
        for name, sample in samplers.items():
            for metric, values in quality_against_nfe(sample, self.target, ref, self.nfes).items():
                out[f"{name}_{metric}"] = values
        return out

    def snapshot(self) -> dict[str, np.ndarray]:
        return {k: np.array(v, copy=True) for k, v in self.curves.items()}

    def final_metrics(self) -> dict[str, float]:
        curves = self.measure()
        return {f"{k}_at_{int(n)}": float(v) for k, vals in curves.items() if k not in ("nfe_list", "step")
                for n, v in zip(curves["nfe_list"], vals)}


# --------------------------------------------------------------------------- CLI
