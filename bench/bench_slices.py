"""How long should one run's turn in a worker be? Turns of 0.1 s (shipped) against 0.02 s (before).

Two training services of one worker each run side by side, on the two cores, the same N runs of the
GAN page's model with the page's options (30 students on 2 workers: 15 runs each). Each run is polled
every 4 s, staggered, as thirty live views at their slowest pace poll; and every 0.5 s one run of
each service is polled by a probe that times the answer. One worker takes turns of 0.1 s (as shipped),
the other of 0.02 s (``GENLAB_SLICE_S=0.02``). Both answer requests inside a turn (every few ms).

Printed for each worker: steps per second, steps per CPU second of the worker, the probe's answer time
(median and max), and the probe run's steps/s as its status line shows it against its true rate; then
the ratios, 0.1 s against 0.02 s, measured in this one run.

``--turns A,B`` compares two other turns the same way. Read a single run with care: 0.3 s against 0.1 s
read 1.032 and 0.1 s against 0.3 s read 1.041 (3 December), each in favour of the worker listed first, so
between those two the turn's length is within this comparison's own bias.

    python bench/bench_slices.py [--runs 15] [--seconds 40] [--turns 0.1,0.02]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_class import cpu_seconds  # noqa: E402
from bench_worker_memory import gan_runs, one_worker, side_by_side_args  # noqa: E402

VIEW_EVERY_S = 4.0  # a live view's poll with thirty students on the GAN page (bench/bench_class.py: redraw/s 0.25)
PROBE_EVERY_S = 0.5


def main() -> None:
    args = side_by_side_args(turns="0.1,0.02")
    a, b = (f"{float(t):g} s" for t in args.turns.split(","))
    services = {name: one_worker({"GENLAB_SLICE_S": name[:-2]}) for name in (a, b)}
    try:
        jobs = gan_runs(services, args.runs)
        first = {name: sum(j.step_count for j in group) for name, group in jobs.items()}
        probe_first = {name: group[0].step_count for name, group in jobs.items()}
        cpu0 = {name: cpu_seconds([svc.workers[0].pid]) for name, svc in services.items()}
        answers: dict[str, list[float]] = {name: [] for name in services}
        shown: dict[str, list[float]] = {name: [] for name in services}
        t0 = time.monotonic()
        due = [t0 + VIEW_EVERY_S * (i + 1) / args.runs for i in range(args.runs)]  # staggered views
        next_probe = t0
        while (now := time.monotonic()) - t0 < args.seconds:
            if now >= next_probe:
                next_probe += PROBE_EVERY_S
                for name, group in jobs.items():
                    asked = time.perf_counter()
                    group[0].poll()
                    answers[name].append((time.perf_counter() - asked) * 1000)
                    shown[name].append(group[0].status().steps_per_s)
            for i in range(1, args.runs):
                if now >= due[i]:
                    due[i] += VIEW_EVERY_S
                    for group in jobs.values():
                        group[i].poll()
            time.sleep(0.02)
        wall = time.monotonic() - t0
        for group in jobs.values():
            for job in group:
                job.poll()
        rate = {name: (sum(j.step_count for j in group) - first[name]) / wall for name, group in jobs.items()}
        probe = {name: (group[0].step_count - probe_first[name]) / wall for name, group in jobs.items()}
        per_cpu = {name: rate[name] * wall / (cpu_seconds([svc.workers[0].pid]) - cpu0[name])
                   for name, svc in services.items()}
    finally:
        for svc in services.values():
            svc.shutdown()
    print(f"one worker each, {args.runs} GAN runs with the page's options, {args.seconds:.0f} s side by side; "
          f"views poll every {VIEW_EVERY_S:.0f} s, a probe every {PROBE_EVERY_S} s")
    print(f"{'turn':7s} {'steps/s':>8s} {'per CPU s':>9s} {'answer ms median':>16s} {'max':>6s} "
          f"{'probe shown':>11s} {'true':>5s}")
    for name in services:
        print(f"{name:7s} {rate[name]:8.1f} {per_cpu[name]:9.1f} {statistics.median(answers[name]):16.1f} "
              f"{max(answers[name]):6.1f} {statistics.median(shown[name]):11.1f} {probe[name]:5.1f}")
    print(f"{a} / {b}: steps/s {rate[a] / rate[b]:.3f}, steps per CPU s "
          f"{per_cpu[a] / per_cpu[b]:.3f}")


if __name__ == "__main__":
    main()
