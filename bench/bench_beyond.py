"""Benchmark: the outlier detector's ROC AUC on the page's default demo, and beside it.

    nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_beyond.py

The default demo: 400 "moons" inliers (noise 0.1) and 5 % uniform outliers, a 6-component
Gaussian mixture fitted by EM on all points (unsupervised) for the page's budget of 300
iterations, outliers ranked by −log p_θ(x). Chance is an AUC of 0.5. The same over seeds 0-9,
with one Gaussian (K = 1), and on the ring target; then the denoising auto-encoder's test error
before and after 2,000 steps, and the maximum-likelihood error at n = 100 and n = 100,000.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.denoising import DenoiseConfig, DenoiseTrainer  # noqa: E402
from core.estimation import EstimateConfig, EstimateTrainer, steps_to_reach  # noqa: E402
from core.outliers import OutlierConfig, OutlierTrainer  # noqa: E402

torch.set_num_threads(1)
ITERATIONS = 300  # the page's step budget


def outlier_auc(cfg: OutlierConfig) -> float:
    trainer = OutlierTrainer(cfg)
    metrics = {}
    for _ in range(ITERATIONS):
        metrics = trainer.step()
    return metrics["auc"]


def main() -> None:
    t0 = time.perf_counter()
    default = OutlierConfig()
    print(f"outlier detection, default demo ({default.data}, {default.n_inliers} inliers, "
          f"{default.outlier_share:.0%} outliers, K = {default.k}, {ITERATIONS} EM iterations)")
    print(f"  ROC AUC, seed 0: {outlier_auc(default):.3f}   (chance: 0.500)")
    rows = [("default (K = 6)", default), ("one Gaussian (K = 1)", OutlierConfig(k=1)),
            ("ring target, K = 8", OutlierConfig(data="ring", k=8))]
    for label, cfg in rows:
        aucs = [outlier_auc(OutlierConfig(**{**cfg.__dict__, "seed": s})) for s in range(10)]
        print(f"  {label:22s} AUC over seeds 0-9: mean {np.mean(aucs):.3f}, min {np.min(aucs):.3f}, "
              f"max {np.max(aucs):.3f}")

    dae = DenoiseTrainer(DenoiseConfig())
    for _ in range(2000):
        metrics = dae.step()
    metrics = dae.evaluate()
    print(f"denoising (Gaussian noise σ = 0.4, 2,000 steps): test squared error per image "
          f"{metrics['error_before']:.2f} before -> {metrics['error_after']:.2f} after "
          f"(ratio {metrics['error_after'] / metrics['error_before']:.2f})")

    for process in ("gaussian", "exponential", "mixture"):
        trainer = EstimateTrainer(EstimateConfig(process=process))
        errors = {}
        for _ in range(steps_to_reach(trainer.cfg.n_max)):
            row = trainer.step()
            errors[int(row["n"])] = row["error"]
        n_small = min(errors, key=lambda n: abs(n - 100))
        print(f"estimation, {process:11s}: error {errors[n_small]:.4f} at n = {n_small:,}, "
              f"{errors[trainer.n]:.4f} at n = {trainer.n:,} (ratio {errors[n_small] / errors[trainer.n]:.0f}; "
              f"1/√n predicts {np.sqrt(trainer.n / n_small):.0f})")
    print(f"total {time.perf_counter() - t0:.0f} s wall")


if __name__ == "__main__":
    main()
