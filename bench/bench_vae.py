"""Benchmark of the VAE page's claims, printed in one run (not a pytest test).

1. Digits VAE (the page's and the CLI's default preset) trained for 30 s on one core: an
   independent digits classifier (logistic regression on the real training digits, see
   ``core.vae.digit_report``) judges 2,000 samples: classes found (aim: all 10) and the share
   recognised confidently (P >= 0.8); also the same numbers for real test digits as a yardstick.
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

import torch  # noqa: E402

from core import digits  # noqa: E402
from core.vae import AEConfig, AETrainer, VAEConfig, VAETrainer, digit_classifier_accuracy, digit_report  # noqa: E402

torch.set_num_threads(1)


def train_for(trainer, seconds: float) -> tuple[int, float]:
    t0 = time.perf_counter()
    steps = 0
    while time.perf_counter() - t0 < seconds:
        trainer.step()
        steps += 1
    return steps, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    real = digit_report(digits.to_pixels(digits.load(seed=0).x_test))
    print(f"judge: logistic regression, test accuracy {digit_classifier_accuracy():.3f}; on real test digits "
          f"{real['classes_found']:.0f} classes, {real['confident_share']:.1%} confident")

    cfg = VAEConfig(data="digits", seed=args.seed, quality_every=0)
    trainer = VAETrainer(cfg)
    steps, secs = train_for(trainer, args.seconds)
    rep = digit_report(trainer.sample(2000, seed=1))
    ev = trainer.evaluate()
    counts = " ".join(f"{c}:{rep[f'class_count_{c}']:.0f}" for c in range(10))
    ok = "yes" if rep["classes_found"] == 10 else "NO"
    print(f"digits VAE (latent {cfg.latent}, hidden {cfg.hidden}, β {cfg.beta}): {secs:.1f} s, {steps} steps, "
          f"{steps / secs:.0f} steps/s; test recon {ev['test_recon']:.2f} KL {ev['test_kl']:.2f} nats; "
          f"classes found {rep['classes_found']:.0f}/10 ({ok}); confidently recognised {rep['confident_share']:.1%}")
    print(f"  predicted classes of 2000 samples: {counts}")

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
