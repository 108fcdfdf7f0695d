"""core/flow_vs_diffusion.py: flow matching and diffusion sampled at equal numbers of network evaluations."""

from __future__ import annotations

import numpy as np

from core.flow_vs_diffusion import FlowVsDiffusion
from core.targets2d import make_target


def test_flow_vs_diffusion_measures_both_curves_on_the_same_target():
    target = make_target("ring")
    cmp = FlowVsDiffusion(target, seed=0, eval_every=30, n_eval=200, nfes=(1, 8))
    assert cmp.flow.target is target and cmp.diffusion.target is target
    for _ in range(30):
        metrics = cmp.step()
    assert set(metrics) == {"flow_loss", "diffusion_loss"}
    snap = cmp.snapshot()
    assert list(snap["nfe_list"]) == [1, 8] and int(snap["step"]) == 30
    for name in ("flow", "ddim", "ddpm"):
        assert snap[f"{name}_energy"].shape == (2,) and np.isfinite(snap[f"{name}_energy"]).all()
        assert ((0 <= snap[f"{name}_high_quality"]) & (snap[f"{name}_high_quality"] <= 1)).all()
