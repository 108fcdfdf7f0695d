"""Benchmark of the VAE page's claims, printed in one run (not a pytest test).

1. Digits VAE (the page's and the CLI's default preset) trained for 30 s on one core: an
   independent digits classifier (logistic regression on the real training digits, see
   ``core/digit_judge.py``, shared with the GAN) judges 2,000 samples: the share recognised
   confidently (P > 0.9) and the classes among those (aim: all 10); the predicted classes of all
   samples; and the same numbers for the real test digits as a yardstick.
2. VAE on the ring (8 modes) and the grid (25 modes), default preset, 30 s each: modes captured,
   high-quality share (within 3 std of a mode), normalised energy distance.
3. The auto-encoder bank on digits (20 s): test MSE per latent size (should fall with the size).

    nice -n 10 env OMP_NUM_THREADS=1 python -m bench.bench_vae [--seconds 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core import digits  # noqa: E402
from core.digit_judge import classifier, judge  # noqa: E402
from core.vae import AEConfig, AETrainer, VAEConfig, VAETrainer  # noqa: E402

torch.set_num_threads(1)


def train_for(trainer, seconds: float) -> tuple[int, float]:
    """Train for ``seconds`` of wall time; return (steps, seconds). The CPU time it got is printed."""
    t0, c0 = time.perf_counter(), time.process_time()
    steps = 0
    while time.perf_counter() - t0 < seconds:
        trainer.step()
        steps += 1
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  [{steps} steps in {secs:.1f} s wall, {cpu:.1f} s CPU: this process had {cpu / secs:.0%} of a core]")
    return steps, secs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    real = judge(digits.to_pixels(digits.load(seed=0).x_test))
    print(f"judge: logistic regression, test accuracy {real['judge_accuracy']:.3f}; on the real test digits "
          f"{real['confident']:.1%} confident, covering {real['classes']} classes")

    cfg = VAEConfig(data="digits", seed=args.seed, quality_every=0)
    trainer = VAETrainer(cfg)
    steps, secs = train_for(trainer, args.seconds)
    samples = trainer.sample(2000, seed=1)
    rep = judge(samples)
    ev = trainer.evaluate()
    predicted = np.bincount(classifier()[0].predict(samples / 16.0), minlength=10)
    counts = " ".join(f"{c}:{k}" for c, k in enumerate(predicted))
    ok = "yes" if rep["classes"] == 10 else "NO"
    print(f"digits VAE (latent {cfg.latent}, hidden {cfg.hidden}, β {cfg.beta}): {secs:.1f} s, {steps} steps, "
          f"{steps / secs:.0f} steps/s; test recon {ev['test_recon']:.2f} KL {ev['test_kl']:.2f} nats; "
          f"confidently recognised (P > 0.9) {rep['confident']:.1%}, covering {rep['classes']}/10 classes ({ok})")
    print(f"  predicted class of each of the 2000 samples (any confidence): {counts}")

    for name in ("ring", "grid"):
        trainer = VAETrainer(VAEConfig(data=name, seed=args.seed, quality_every=0))
        steps, secs = train_for(trainer, args.seconds)
        q = trainer.sample_quality(2000)
        print(f"{name} VAE: {secs:.1f} s, {steps} steps; modes captured {q['modes_captured']:.0f}/"
              f"{len(trainer.data.target.modes)}; high quality {q['high_quality']:.1%}; energy {q['energy']:.3f}")

    ae = AETrainer(AEConfig(data="digits", seed=args.seed))
    steps, secs = train_for(ae, min(args.seconds, 20.0))
    errs = ", ".join(f"{k}: {e:.4f}" for k, e in zip(ae.sizes, ae.test_errors()))
    print(f"digits AE bank: {secs:.1f} s, {steps} steps; test MSE per pixel ([0,1] units) by latent size: {errs}")


if __name__ == "__main__":
    main()
