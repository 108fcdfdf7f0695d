"""A class's share of the training service, measured on the server side (no browsers).

N jobs of one model (the GAN page's default: ``GanConfig()``) are created in a ``TrainingService``
with one worker per usable core, started together and polled once a second each, as N pages' live
views would (so none pauses as unwatched). Over the measurement window, each job's steps per second
is read from its own status. Printed: one job alone, the aggregate of N against it (aim >= 1.6 on 2
cores), and the smallest and median per-job rates (aim: smallest >= half the median).

This isolates the server's fairness from what a browser on the same machine costs; `bench_class.py`
measures the whole thing with real browsers.

    python bench/bench_share.py [--sizes 10,30] [--seconds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.gan import GanConfig, GanTrainer  # noqa: E402
from core.service import RunSpec, TrainingService  # noqa: E402


def rates(jobs: list, seconds: float) -> list[float]:
    """Each job's steps per second over ``seconds``, polling every job once a second."""
    for job in jobs:
        job.poll()
    first = [job.step_count for job in jobs]
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(1.0)
        for job in jobs:
            job.poll()
    wall = time.monotonic() - t0
    return [(job.step_count - s) / wall for job, s in zip(jobs, first)]


def measure(svc: TrainingService, n: int, seconds: float) -> dict:
    spec = RunSpec.of(GanTrainer, GanConfig())
    alone = svc.create(spec, max_steps=10**9)
    alone.start()
    time.sleep(2.0)
    (one,) = rates([alone], seconds / 2)
    alone.stop()
    jobs = [svc.create(RunSpec.of(GanTrainer, GanConfig(seed=i)), max_steps=10**9) for i in range(n)]
    for job in jobs:
        job.start()
    time.sleep(3.0)
    each = rates(jobs, seconds)
    for job in jobs:
        job.stop()
    return {"n": n, "one": one, "total": sum(each), "smallest": min(each), "median": statistics.median(each)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,30")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    svc = TrainingService()
    try:
        print(f"{len(svc.workers)} workers; GAN page default model; {args.seconds:.0f} s per measurement")
        print(f"{'N':>3s} {'1 alone':>8s} {'aggregate':>9s} {'ratio':>6s} {'smallest':>8s} {'median':>7s} {'min/med':>7s}")
        for n in (int(x) for x in args.sizes.split(",")):
            r = measure(svc, n, args.seconds)
            print(f"{r['n']:3d} {r['one']:8.1f} {r['total']:9.1f} {r['total'] / r['one']:6.2f} {r['smallest']:8.1f} "
                  f"{r['median']:7.1f} {r['smallest'] / max(r['median'], 1e-9):7.2f}", flush=True)
    finally:
        svc.shutdown()


if __name__ == "__main__":
    main()
