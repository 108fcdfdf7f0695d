"""Benchmark: score-based model and DDPM with their default (recommended) presets on the ring and the grid.

For each target and model: train with the CLI's defaults for a budget of CPU seconds of the training
thread (default 60: "60 s on one core", measured as CPU time so a busy shared machine does not
shrink the budget; wall time is printed too), with checkpoints on the way. At each checkpoint:
steps, modes captured, share of high-quality samples and normalised energy distance, on 2,000
samples from the model's default sampler (DDPM: 100 ancestral steps; score: annealed Langevin,
L × T steps + 1). Then the time to sample 2,000 points with 100 steps (DDPM and DDIM; median of 3),
and an ablation: DDPM on the grid without the Fourier features of x.

    nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_diffusion.py [--budget 60] [--targets ring,grid]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from core.diffusion import DiffusionConfig, DiffusionTrainer  # noqa: E402
from core.noise_conditional import report  # noqa: E402
from core.score import ScoreConfig, ScoreTrainer  # noqa: E402

torch.set_num_threads(1)


def quality(trainer, model: str) -> tuple[dict, float, int]:
    t0 = time.perf_counter()
    if model == "ddpm":
        x = trainer.sample(2000, trainer.cfg.sample_steps, trainer.cfg.sampler, seed=0)
    else:
        x = trainer.sample(2000, seed=0)
    return report(x, trainer.target, trainer.reference), time.perf_counter() - t0, trainer.last_nfe


def run(model: str, target: str, budget: float, checkpoints: list[float], **options) -> None:
    if model == "ddpm":
        trainer = DiffusionTrainer(DiffusionConfig(data=target, **options))
    else:
        trainer = ScoreTrainer(ScoreConfig(data=target, **options))
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    eval_wall, first_ok = 0.0, None
    for mark in checkpoints:
        while time.thread_time() - cpu0 < mark:
            for _ in range(50):
                trainer.step()
        cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0 - eval_wall
        cpu_eval = time.thread_time()
        r, s_time, nfe = quality(trainer, model)
        cpu0 += time.thread_time() - cpu_eval  # the evaluation is not training time
        eval_wall += s_time
        ok = r["modes_captured"] == r["n_modes"] and r["high_quality"] >= 0.95
        if ok and first_ok is None:
            first_ok = cpu
        print(f"{model:5s} {target:4s} cpu {cpu:5.1f}s wall {wall:6.1f}s steps {trainer.steps:6d} "
              f"modes {r['modes_captured']:.0f}/{r['n_modes']:.0f} high-quality {r['high_quality']:.3f} "
              f"energy {r['energy']:.3f}  (sampling: {nfe} NFE, {s_time:.2f}s wall){'  OK' if ok else ''}",
              flush=True)
    verdict = f"first reached at {first_ok:.0f} CPU s" if first_ok is not None else "NOT reached"
    print(f"  -> {model} on {target}{' ' + str(options) if options else ''}: every mode with >= 95 % high quality within {budget:.0f} CPU s: {verdict}",
          flush=True)
    if model == "ddpm" and not options:
        for method in ("ddpm", "ddim"):
            walls, cpus = [], []
            for k in range(3):
                c0, w0 = time.process_time(), time.perf_counter()
                trainer.sample(2000, 100, method, seed=k)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
            print(f"  -> sampling 2,000 points with 100 {method.upper()} steps: {statistics.median(walls):.3f} s wall, "
                  f"{statistics.median(cpus):.3f} s CPU (median of 3; aim < 1 s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=60.0, help="CPU seconds of training")
    parser.add_argument("--targets", default="ring,grid")
    parser.add_argument("--models", default="ddpm,score")
    parser.add_argument("--no-ablation", action="store_true", help="skip the run without Fourier features")
    args = parser.parse_args()
    checkpoints = sorted({min(c, args.budget) for c in (15.0, 30.0, args.budget)})
    print(f"torch {torch.__version__}, 1 thread; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for target in args.targets.split(","):
        for model in args.models.split(","):
            run(model, target, args.budget, checkpoints)
    if not args.no_ablation:
        print("Ablation: the same DDPM preset without Fourier features of x, on the grid")
        run("ddpm", "grid", args.budget, checkpoints, fourier=0)


if __name__ == "__main__":
    main()
