"""What a 2D model's evaluation costs: CPU and transient memory of ``GanTrainer.evaluate()`` (every 200
steps of the GAN page) and ``final_metrics()``, three ways:

- ``kept`` (as shipped): the reference set's own terms kept between calls
  (``core.sample_metrics._REFERENCE_TERMS``), distances summed in blocks of ``ROWS`` rows;
- ``fresh``: the same blocks, the kept terms emptied before each call;
- ``before``: as the code was before either: everything recomputed, each distance matrix whole (but the
  report's distance of the samples computed once: until the same day it was computed twice, for the
  normalised and the raw value, and ``evaluate()`` took 105 ms where this column now prints about 77).

Printed: milliseconds of CPU per call, the peak resident memory above the resident memory before the
call (Linux: ``VmHWM`` reset through ``/proc/self/clear_refs``, free memory trimmed first), and the
ratios, measured in this one run; and the share of a GAN step's time the evaluation adds.

    python bench/bench_sample_metrics.py [--calls 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from core import sample_metrics  # noqa: E402
from core.gan import GanConfig, GanTrainer  # noqa: E402
from core.worker import release_memory  # noqa: E402


def status_mb(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return float("nan")


def transient_mb(fn) -> float:
    """Peak resident memory during ``fn()`` above the resident memory before it."""
    release_memory()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current resident size
    except OSError:
        return float("nan")
    before = status_mb("VmRSS:")
    fn()
    return status_mb("VmHWM:") - before


def measure(fn, calls: int, way: str) -> tuple[float, float]:
    """(ms of CPU per call, largest transient MB) of ``calls`` calls made ``way`` (kept, fresh, before)."""
    cpu, peak, rows = 0.0, 0.0, sample_metrics.ROWS
    if way == "before":
        sample_metrics.ROWS = 10**9  # one block: the whole matrix at once
    try:
        for _ in range(calls):
            if way != "kept":
                sample_metrics._REFERENCE_TERMS.clear()
            t0 = time.process_time()
            peak = max(peak, transient_mb(fn))
            cpu += time.process_time() - t0
    finally:
        sample_metrics.ROWS = rows
    return 1000 * cpu / calls, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    trainer = GanTrainer(GanConfig())
    for _ in range(300):
        trainer.step()
    t0 = time.process_time()
    for _ in range(200):
        trainer.step()
    step_ms = 1000 * (time.process_time() - t0) / 200
    print(f"GAN page default model; one step {step_ms:.2f} ms of CPU; evaluate() every "
          f"{trainer.cfg.eval_every} steps; {args.calls} calls each")
    ways = ("before", "fresh", "kept")
    print(f"{'call':16s} " + " ".join(f"{w + ' ms':>9s}" for w in ways) + f" {'kept/before':>11s} "
          + " ".join(f"{w + ' MB':>9s}" for w in ways) + f" {'kept/before':>11s}")
    for name, fn in (("evaluate()", trainer.evaluate), ("final_metrics()", trainer.final_metrics)):
        got = {way: measure(fn, args.calls, way) for way in ways}
        print(f"{name:16s} " + " ".join(f"{got[w][0]:9.1f}" for w in ways)
              + f" {got['kept'][0] / got['before'][0]:11.2f} " + " ".join(f"{got[w][1]:9.1f}" for w in ways)
              + f" {got['kept'][1] / got['before'][1]:11.2f}", flush=True)
        if name == "evaluate()":
            every = trainer.cfg.eval_every * step_ms
            share = ", ".join(f"{got[w][0] / (every + got[w][0]):.1%} {w}" for w in ways)
    print(f"share of a GAN run's CPU time spent in evaluate(): {share}")


if __name__ == "__main__":
    main()
