"""Benchmarks of the capacity and architectures pages' claims, printed in one run.

1. CNN against MLP on scikit-learn's 8x8 digits (the page's defaults, trained as the page does):
   test accuracy of each (bar: the CNN >= 97 %), the wall time to reach it, and the test accuracy
   on the test digits shifted right by one pixel (which the CNN should lose less of).
2. The polynomial capacity sweep (degrees 0..20, n = 30 samples, noise σ = 0.3): test error by
   degree, which must rise again past its minimum; and the same with n = 300 (more data moves the U).
3. The over-fitting classifiers at their defaults: test accuracy of the linear model, the tamed
   MLP (L2 + early stopping) and the untamed MLP.

    python bench/bench_capacity.py [--cnn-steps 1500] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from core.capacity import CapacityConfig, CapacitySweepTrainer  # noqa: E402
from core.cnn import CnnConfig, CnnVsMlpTrainer  # noqa: E402
from core.overfit import OverfitConfig, OverfitTrainer  # noqa: E402


def bench_cnn(steps: int, seed: int) -> dict[str, float]:
    trainer = CnnVsMlpTrainer(CnnConfig(seed=seed, eval_every=50))
    t0 = time.perf_counter()
    reached = None
    for i in range(1, steps + 1):
        m = trainer.step()
        if reached is None and i % 50 == 0 and m["cnn_test_accuracy"] >= 0.97:
            reached = (i, time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    out = {**trainer.evaluate(), "seconds": seconds, **{f"{k}_parameters": v for k, v in trainer.parameter_counts().items()}}
    out["reach_step"], out["reach_seconds"] = reached if reached else (float("nan"), float("nan"))
    return out


def sweep(n_train: int, seed: int) -> CapacitySweepTrainer:
    t = CapacitySweepTrainer(CapacityConfig(n_train=n_train, noise=0.3, seed=seed))
    for _ in range(t.cfg.total_steps()):
        t.step()
    return t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cnn-steps", type=int, default=1500)
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]

    print("== CNN against MLP on 8x8 digits (450 test digits; both trained on the same batches of 64)")
    print(f"{'seed':>4} {'CNN test':>9} {'MLP test':>9} {'CNN shifted':>12} {'MLP shifted':>12} "
          f"{'CNN>=97% at':>16} {'time':>7}")
    rows = []
    for seed in seeds:
        r = bench_cnn(args.cnn_steps, seed)
        rows.append(r)
        reach = (f"step {r['reach_step']:.0f}, {r['reach_seconds']:.1f}s" if np.isfinite(r["reach_step"])
                 else "not reached")
        print(f"{seed:>4} {r['cnn_test_accuracy']:>9.1%} {r['mlp_test_accuracy']:>9.1%} "
              f"{r['cnn_shifted_accuracy']:>12.1%} {r['mlp_shifted_accuracy']:>12.1%} {reach:>16} {r['seconds']:>6.1f}s")
    mean = lambda k: float(np.mean([r[k] for r in rows]))  # noqa: E731
    print(f"mean {mean('cnn_test_accuracy'):>9.1%} {mean('mlp_test_accuracy'):>9.1%} "
          f"{mean('cnn_shifted_accuracy'):>12.1%} {mean('mlp_shifted_accuracy'):>12.1%}")
    print(f"parameters: CNN {rows[0]['cnn_parameters']:,}, MLP {rows[0]['mlp_parameters']:,}; "
          f"{args.cnn_steps} steps of both models per run")
    print(f"bar CNN test accuracy >= 97 %: {'PASS' if min(r['cnn_test_accuracy'] for r in rows) >= 0.97 else 'FAIL'} "
          f"(worst seed {min(r['cnn_test_accuracy'] for r in rows):.1%})")
    print(f"accuracy lost to a one-pixel shift: CNN {mean('cnn_test_accuracy') - mean('cnn_shifted_accuracy'):.1%}, "
          f"MLP {mean('mlp_test_accuracy') - mean('mlp_shifted_accuracy'):.1%}")

    print("\n== Polynomial capacity sweep, noise σ = 0.3 (σ² = 0.090), 1,000 test samples, Legendre least squares")
    for n in (30, 300):
        tests = np.array([sweep(n, seed).test_mse for seed in seeds])  # (seeds, 21)
        med = np.median(tests, axis=0)
        best = int(np.argmin(med))
        print(f"n = {n}: median test MSE over seeds {seeds} by degree")
        print("  " + " ".join(f"{d:>7d}" for d in range(len(med))))
        print("  " + " ".join(f"{v:>7.3f}" if v < 1000 else f"{v:>7.1e}" for v in med))
        rises = med[-1] > med[best] and best < len(med) - 1
        print(f"  minimum {med[best]:.3f} at degree {best}; degree 20: {med[-1]:.3f} "
              f"({med[-1] / med[best]:.2f}x the minimum) -> rises again past its minimum: {'YES' if rises else 'NO'}")
        per_seed = [int(np.argmin(t)) for t in tests]
        print(f"  per seed: best degree {per_seed}, degree-20 / minimum = "
              f"{[round(float(t[-1] / t.min()), 2) for t in tests]}")

    print("\n== Over-fitting classifiers (XOR, 50 noisy training points, 1,000 test points, 1,500 steps)")
    print(f"{'seed':>4} {'linear':>8} {'tamed':>8} {'untamed':>8} {'untamed train':>14} {'early stop at':>14}")
    for seed in seeds:
        t = OverfitTrainer(OverfitConfig(seed=seed))
        for _ in range(1500):
            t.step()
        m = t.final_metrics()
        print(f"{seed:>4} {m['under_test_accuracy']:>8.1%} {m['tamed_test_accuracy']:>8.1%} "
              f"{m['over_test_accuracy']:>8.1%} {m['over_train_accuracy']:>14.1%} {m['stopped_at']:>14}")


if __name__ == "__main__":
    main()
