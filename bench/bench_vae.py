"""Benchmark of the VAE page's claims, printed in one run (not a pytest test).

Budgets are CPU seconds of this process (one thread), so "30 s on one core" means the same on a
quiet machine and on a shared one; the wall time is printed beside them.

1. Digits VAE (the page's and the CLI's default preset), checked after 5, 10, 20 and 30 CPU
   seconds: an independent digits classifier (logistic regression trained on the real training
   digits, ``core/digit_judge.py``, shared with the GAN) judges 2,000 samples: the share it
   recognises confidently (P > 0.9) and the classes among those (aim: all 10 within 30 s); the
   predicted class of every sample; and the same numbers for the real test digits as a yardstick.
2. VAE on the ring (8 modes) and the grid (25 modes), default preset, after 10 and 30 CPU
   seconds: modes captured, high-quality share (within 3 std of a mode), normalised energy distance.
3. The auto-encoder bank on digits (20 CPU seconds): test MSE per latent size (falls with size).
4. Digits VAE by latent size (2, 4, 8, 16), each after the same CPU budget (``--seconds``), at β = 1
   (the default) and at the β of the page's "diverse samples" preset: improved precision and recall
   (Kynkäänniemi et al. 2019, k = 3, core/precision_recall.py) of as many samples as test digits
   against the test digits, in pixels scaled to [0, 1]; and the yardstick: as many real training
   digits against the test digits. ``--write-reference assets/vae_latent_pr.json`` stores the
   table: the auto-encoders page shows it as the bench's reference beside the live numbers of a run.

    nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_vae.py [--seconds 30] [--seed 0]
        [--parts judge,points,ae,latents] [--write-reference assets/vae_latent_pr.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core import digits  # noqa: E402
from core.autoencoders import AEConfig, AETrainer  # noqa: E402
from core.digit_judge import classifier, judge  # noqa: E402
from core.vae import LATENT_SWEEP, VAEConfig, VAETrainer  # noqa: E402
from core.vectors import digit_precision_recall, load_vectors  # noqa: E402

torch.set_num_threads(1)


def train_until(trainer, checkpoints: list[float], report: Callable[[float, int, float], None]) -> None:
    """Step until each CPU-second checkpoint, then call ``report(cpu_s, steps, wall_s)``."""
    c0, t0 = time.process_time(), time.perf_counter()
    steps = 0
    for mark in checkpoints:
        while time.process_time() - c0 < mark:
            trainer.step()
            steps += 1
        report(time.process_time() - c0, steps, time.perf_counter() - t0)


def latent_sweep(seconds: float, seed: int, betas: tuple[float, ...]) -> dict:
    """Precision and recall of the digits VAE by latent size and β after ``seconds`` CPU seconds each,
    and the real-against-real yardstick; printed as a table, returned as plain data."""
    data = load_vectors("digits")
    pick = np.random.default_rng(seed).choice(len(data.x_train), len(data.x_test), replace=False)
    yard = digit_precision_recall(digits.to_pixels(data.x_train[pick]), data.x_test)
    print(f"digits VAE by latent size, {seconds:g} CPU s each, seed {seed}: improved precision and recall (k = 3, "
          f"pixels in [0, 1]) of {len(data.x_test)} samples against the {len(data.x_test)} test digits")
    print(f"  yardstick: {len(pick)} real training digits: precision {yard['precision']:.3f}, recall {yard['recall']:.3f}")
    print("      β  latent   steps  precision  recall  confident  classes  test KL")
    rows = []
    for beta in betas:
        for latent in LATENT_SWEEP:
            trainer = VAETrainer(VAEConfig(data="digits", latent=latent, beta=beta, seed=seed, quality_every=0))
            row: dict = {"beta": beta, "latent": latent}

            def done(cpu: float, steps: int, wall: float, trainer=trainer, row=row) -> None:
                q = trainer.sample_quality(2000)
                row.update(steps=steps, cpu_seconds=round(cpu, 1), test_kl=trainer.evaluate()["test_kl"],
                           **{k: q[k] for k in ("precision", "recall", "confident", "classes")})

            train_until(trainer, [seconds], done)
            rows.append(row)
            print(f"  {beta:5.2f}  {latent:6d}  {row['steps']:6d}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
                  f"{row['confident']:9.1%}  {row['classes']:7.0f}  {row['test_kl']:7.2f}", flush=True)
    return {"cpu_seconds": seconds, "seed": seed, "k": 3, "n": len(data.x_test), "yardstick": yard, "rows": rows,
            "command": f"python bench/bench_vae.py --parts latents --seconds {seconds:g} --seed {seed} "
                       f"--betas {','.join(f'{b:g}' for b in betas)}"}


def digits_judge(seed: int, top: float) -> None:
    real = judge(digits.to_pixels(digits.load(seed=0).x_test))
    print(f"judge: logistic regression, test accuracy {real['judge_accuracy']:.3f}; on the real test digits "
          f"{real['confident']:.1%} confident (P > 0.9), covering {real['classes']} classes")

    cfg = VAEConfig(data="digits", seed=seed, quality_every=0)
    trainer = VAETrainer(cfg)
    print(f"digits VAE (latent {cfg.latent}, hidden {cfg.hidden}, β {cfg.beta}, lr {cfg.lr}, batch {cfg.batch_size}):")

    def digits_report(cpu: float, steps: int, wall: float) -> None:
        samples = trainer.sample(2000, seed=1)
        rep = judge(samples)
        ev = trainer.evaluate()
        ok = "all 10" if rep["classes"] == 10 else "NOT all"
        print(f"  {cpu:5.1f} CPU s ({wall:5.1f} s wall), {steps:5d} steps ({steps / cpu:.0f}/CPU s): "
              f"test recon {ev['test_recon']:.2f} KL {ev['test_kl']:.2f} nats; confidently recognised "
              f"{rep['confident']:.1%}, covering {rep['classes']}/10 classes ({ok})")

    train_until(trainer, [m for m in (5.0, 10.0, 20.0) if m < top] + [top], digits_report)
    samples = trainer.sample(2000, seed=1)
    predicted = np.bincount(classifier()[0].predict(samples / digits.MAX_PIXEL), minlength=10)
    print("  predicted class of each of the 2000 samples (any confidence): "
          + " ".join(f"{c}:{k}" for c, k in enumerate(predicted)))


def points(seed: int, top: float) -> None:
    for name in ("ring", "grid"):
        trainer = VAETrainer(VAEConfig(data=name, seed=seed, quality_every=0))
        n_modes = len(trainer.data.target.modes)
        print(f"{name} VAE ({n_modes} modes, default preset):")

        def points_report(cpu: float, steps: int, wall: float, trainer=trainer, n_modes=n_modes) -> None:
            q = trainer.sample_quality(2000)
            print(f"  {cpu:5.1f} CPU s ({wall:5.1f} s wall), {steps:5d} steps: modes captured "
                  f"{q['modes_captured']:.0f}/{n_modes}; high quality {q['high_quality']:.1%}; "
                  f"energy {q['energy']:.3f}")

        train_until(trainer, [m for m in (10.0,) if m < top] + [top], points_report)


def autoencoder_bank(seed: int, top: float) -> None:
    ae = AETrainer(AEConfig(data="digits", seed=seed))

    def ae_report(cpu: float, steps: int, wall: float) -> None:
        errs = ", ".join(f"k={k}: {e:.4f}" for k, e in zip(ae.sizes, ae.test_errors()))
        print(f"digits AE bank, {cpu:.1f} CPU s ({wall:.1f} s wall), {steps} steps; test MSE per pixel "
              f"([0, 1] units): {errs}")

    train_until(ae, [min(top, 20.0)], ae_report)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0, help="CPU seconds per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parts", default="judge,points,ae,latents", help="which parts to run, comma-separated")
    parser.add_argument("--betas", default="1,0.3", help="the β values of part 4, comma-separated")
    parser.add_argument("--write-reference", metavar="JSON", help="store the latent-size table (part 4) there")
    args = parser.parse_args()
    top = args.seconds
    parts = set(args.parts.split(","))
    if "judge" in parts:
        digits_judge(args.seed, top)
    if "points" in parts:
        points(args.seed, top)
    if "ae" in parts:
        autoencoder_bank(args.seed, top)
    if "latents" in parts:
        table = latent_sweep(top, args.seed, tuple(float(b) for b in args.betas.split(",")))
        if args.write_reference:
            with open(args.write_reference, "w") as f:
                json.dump(table, f, indent=1)
                f.write("\n")
            print(f"  written to {args.write_reference}")


if __name__ == "__main__":
    main()
