"""Flow matching: how fast and how good, at the recommended preset (FlowConfig's defaults).

    nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_flow.py [--seconds 60] [--targets ring,grid]

Prints, for each target: training steps, modes captured, high-quality share and energy distance
(2,000 samples, Euler with 100 steps) at checkpoints of the training budget; the time to sample
2,000 points with 100 steps of each solver; and sample quality against the number of network
evaluations (NFE) for flow matching and the diffusion model (core/diffusion.py, its defaults),
trained for the same budget on the same target; on the ring also the effect of minibatch OT.

The machine is shared: budgets are CPU seconds of this process's one thread
(``time.thread_time``), and wall seconds are printed beside them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.flow import FlowConfig, FlowTrainer  # noqa: E402
from core.ode import SOLVERS, steps_for_nfe  # noqa: E402
from core.flow_vs_diffusion import COMPARE_NFE, quality_against_nfe  # noqa: E402
from core.transport import straightness  # noqa: E402
from core.sample_metrics import sample_report  # noqa: E402
from core.targets2d import make_target  # noqa: E402

torch.set_num_threads(1)
N = 2000


def train_for(trainer, seconds: float, checkpoints: int = 4, report=None) -> tuple[int, float, float]:
    """Step ``trainer`` for ``seconds`` of CPU time; call report(cpu_s) at each checkpoint."""
    cpu = wall = 0.0
    marks = [seconds * (k + 1) / checkpoints for k in range(checkpoints)]
    while marks:
        c0, w0 = time.thread_time(), time.perf_counter()
        trainer.step()
        cpu += time.thread_time() - c0
        wall += time.perf_counter() - w0
        if cpu >= marks[0]:
            marks.pop(0)
            if report:
                report(cpu, wall)
    return trainer.steps, cpu, wall


def flow_row(trainer: FlowTrainer, cpu: float, wall: float) -> None:
    x = trainer.sample(N, steps=100, solver="euler", seed=11)
    r = sample_report(x, trainer.target, reference=trainer.reference)
    print(f"  {cpu:6.1f} cpu-s {wall:7.1f} wall-s  steps {trainer.steps:6d}  modes {int(r['modes_captured']):2d}/"
          f"{int(r['n_modes'])}  high-quality {r['high_quality']:6.1%}  energy {r['energy']:.4f}", flush=True)


def sampling_times(trainer: FlowTrainer) -> None:
    print("  sampling 2,000 points with 100 steps (best of 3):")
    for solver in SOLVERS:
        best_cpu = best_wall = float("inf")
        for _ in range(3):
            c0, w0 = time.thread_time(), time.perf_counter()
            trainer.sample(N, steps=100, solver=solver, seed=3)
            best_cpu, best_wall = min(best_cpu, time.thread_time() - c0), min(best_wall, time.perf_counter() - w0)
        print(f"    {solver:8s} NFE {100 * SOLVERS[solver]:3d}: {best_cpu:.3f} cpu-s, {best_wall:.3f} wall-s")


def print_curves(rows: dict[str, dict[str, np.ndarray]], nfes: tuple[int, ...], metric: str) -> None:
    print(f"  {metric:14s}" + "".join(f"{n:>8d}" for n in nfes))
    for name, curves in rows.items():
        if metric in curves:
            print(f"  {name:14s}" + "".join(f"{v:8.3f}" for v in curves[metric]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0, help="CPU seconds of training per model")
    parser.add_argument("--targets", default="ring,grid")
    parser.add_argument("--no-diffusion", action="store_true")
    args = parser.parse_args()
    cfg = FlowConfig()
    print(f"flow matching preset: {cfg.depth}x{cfg.width} SiLU, batch {cfg.batch_size}, Adam lr {cfg.lr} "
          f"(cosine decay over {cfg.lr_decay_steps} steps), EMA {cfg.ema}, OT pairing {cfg.ot}; "
          f"budget {args.seconds:.0f} cpu-s per model; torch threads {torch.get_num_threads()}")
    for name in args.targets.split(","):
        target = make_target(name)
        print(f"\n== {target.label}: flow matching, independent pairing")
        flow = FlowTrainer(FlowConfig(data=name, eval_every=10**9), target)
        train_for(flow, args.seconds, report=lambda c, w: flow_row(flow, c, w))
        sampling_times(flow)

        rows = {}
        for solver in SOLVERS:
            nfes = tuple(n for n in COMPARE_NFE if n >= SOLVERS[solver])
            curves = quality_against_nfe(lambda nfe: flow.sample(N, steps=steps_for_nfe(nfe, solver), solver=solver,
                                                                 seed=5), target, flow.reference, nfes)
            pad = len(COMPARE_NFE) - len(nfes)  # NFE below one step of this solver: not possible
            rows[f"flow {solver}"] = {k: np.concatenate([np.full(pad, np.nan), v]) for k, v in curves.items()}
        if not args.no_diffusion:
            try:
                from core.diffusion import DiffusionConfig, DiffusionTrainer
            except ImportError:
                print("  (core/diffusion.py not found: no diffusion comparison)")
            else:
                diff = DiffusionTrainer(DiffusionConfig(data=name), target)
                steps, cpu, wall = train_for(diff, args.seconds, checkpoints=1)
                print(f"  diffusion (its defaults): {steps} steps in {cpu:.1f} cpu-s ({wall:.1f} wall-s)")
                for method in ("ddim", "ddpm"):
                    rows[f"diffusion {method}"] = quality_against_nfe(
                        lambda nfe: diff.sample(N, nfe, method, seed=5), target, flow.reference, COMPARE_NFE)
        print(f"  quality against network evaluations per sample (NFE), {N} samples; nan = fewer NFE than one step")
        for metric in ("high_quality", "energy"):
            print_curves(rows, COMPARE_NFE, metric)

        if name == "ring":
            print(f"\n== {target.label}: flow matching with minibatch OT pairing, same budget")
            ot = FlowTrainer(FlowConfig(data=name, ot=True, eval_every=10**9), target)
            train_for(ot, args.seconds, checkpoints=1, report=lambda c, w: flow_row(ot, c, w))
            for label, tr in (("independent", flow), ("OT", ot)):
                _, path = tr.sample(N, steps=100, solver="euler", seed=5, keep_path=True)
                s = straightness(path)
                few = [sample_report(tr.sample(N, steps=k, solver="euler", seed=5), target,
                                     reference=tr.reference)["high_quality"] for k in (2, 4, 8)]
                print(f"  {label:11s} straightness {s['straightness']:.3f}  deviation {s['deviation']:.3f}  "
                      f"high-quality at Euler 2/4/8 steps: {few[0]:.1%} / {few[1]:.1%} / {few[2]:.1%}")


if __name__ == "__main__":
    main()
