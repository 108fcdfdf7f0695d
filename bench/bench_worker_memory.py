"""A worker's memory with and without giving freed memory back (``core.worker.release_memory``).

Two training services of one worker each run side by side, on the two cores, the same N runs of the
GAN page's model with the page's options (a film of the samples, a budget, live learning rates),
each polled every second as N live views would. One worker trims glibc's free memory every second (as
shipped), the other never does (``GENLAB_MALLOC_TRIM=0``). Printed for each: the worker's resident
memory (min, mean, max over samples every 0.5 s) and its steps per second; and the ratios, trimmed
against untrimmed, measured in this one run; and each worker's minor page faults per second (memory given
back is faulted in again when it is used). A single run favours the worker started first (see
``bench/bench_slices.py``): ``--first untrimmed`` starts the other first.

    python bench/bench_worker_memory.py [--runs 15] [--seconds 40] [--first trimmed|untrimmed]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.gan import GanConfig, GanTrainer  # noqa: E402
from core.service import RunSpec, TrainingService  # noqa: E402

PAGE_OPTIONS = {"film": ("fake",), "max_steps": 10**9, "live": {"lr_g": 5e-4, "lr_d": 5e-4}}  # pages/gan.py


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def minor_faults(pid: int) -> int:
    """The process's minor page faults so far (``/proc/PID/stat``, field 10)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[7])


def one_worker(env: dict[str, str]) -> TrainingService:
    """A service of one worker started with ``env`` added to its environment (a worker reads its settings
    when it starts)."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return TrainingService(workers=1)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def side_by_side_args(turns: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15, help="runs in each worker (30 students on 2 workers: 15)")
    parser.add_argument("--seconds", type=float, default=40.0)
    if turns is not None:
        parser.add_argument("--turns", default=turns, help="the two workers' turns in seconds, 'A,B'")
    else:
        parser.add_argument("--first", choices=("trimmed", "untrimmed"), default="trimmed",
                            help="the worker started (and given its runs) first")
    return parser.parse_args()


def gan_runs(services: dict[str, TrainingService], runs: int) -> dict[str, list]:
    """``runs`` GAN runs with the page's options in each service, started, 3 s in, polled."""
    jobs = {name: [svc.create(RunSpec.of(GanTrainer, GanConfig(seed=i)), name="gan", **PAGE_OPTIONS)
                   for i in range(runs)] for name, svc in services.items()}
    for group in jobs.values():
        for job in group:
            job.start()
    time.sleep(3.0)
    for group in jobs.values():
        for job in group:
            job.poll()
    return jobs


def main() -> None:
    args = side_by_side_args()
    trim = {"trimmed": "1", "untrimmed": "0"}
    order = sorted(trim, key=lambda name: name != args.first)
    services = {name: one_worker({"GENLAB_MALLOC_TRIM": trim[name]}) for name in order}
    try:
        jobs = gan_runs(services, args.runs)
        first = {name: sum(j.step_count for j in group) for name, group in jobs.items()}
        faults = {name: minor_faults(svc.workers[0].pid) for name, svc in services.items()}
        memory: dict[str, list[float]] = {name: [] for name in services}
        t0 = last_poll = time.monotonic()
        while time.monotonic() - t0 < args.seconds:
            time.sleep(0.5)
            for name, svc in services.items():
                memory[name].append(rss_mb(svc.workers[0].pid))
            if time.monotonic() - last_poll >= 1.0:
                last_poll = time.monotonic()
                for group in jobs.values():
                    for job in group:
                        job.poll()
        wall = time.monotonic() - t0
        rate = {name: (sum(j.step_count for j in group) - first[name]) / wall for name, group in jobs.items()}
        faults = {name: (minor_faults(svc.workers[0].pid) - faults[name]) / wall for name, svc in services.items()}
    finally:
        for svc in services.values():
            svc.shutdown()
    print(f"one worker each, {args.runs} GAN runs with the page's options, {args.seconds:.0f} s side by side")
    print(f"{'worker':10s} {'RSS min':>8s} {'mean':>6s} {'max':>6s} {'steps/s':>8s} {'faults/s':>9s}")
    for name in services:
        m = memory[name]
        print(f"{name:10s} {min(m):8.0f} {statistics.mean(m):6.0f} {max(m):6.0f} {rate[name]:8.1f} "
              f"{faults[name]:9.0f}")
    t, u = memory["trimmed"], memory["untrimmed"]
    print(f"trimmed / untrimmed: mean RSS {statistics.mean(t) / statistics.mean(u):.2f}, "
          f"max RSS {max(t) / max(u):.2f}, steps/s {rate['trimmed'] / rate['untrimmed']:.3f}")


if __name__ == "__main__":
    main()
