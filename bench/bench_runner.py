"""Does the job runner cost training speed, and how long does one live refresh take on the server?

1. The same model and batch trained by a bare torch loop and through ``Job`` (background thread,
   history, snapshots, divergence checks), interleaved round by round in one run so both see the
   same machine load. Prints steps per second for both and their ratio (target >= 0.95), for the
   classification page's default model and for a 3x64 MLP at batch 256 (the page allows at most 64 units).
2. The server's work for one live refresh of the classification page: read the job's snapshot and
   history, build the four figures and serialise them as Streamlit does (target <= 100 ms),
   measured while a job trains in the background, as it does on the page.

    python bench/bench_runner.py [--rounds 5] [--steps 600]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plotly.io as pio  # noqa: E402
import torch  # noqa: E402

from core.classify import ClassifyConfig, ClassifyTrainer  # noqa: E402
from core.jobs import FINISHED, Job, SlotPool  # noqa: E402
from dashboard.figures import curves, decision_boundary, unit_heatmaps  # noqa: E402


def bare_loop(trainer: ClassifyTrainer, steps: int) -> float:
    """The textbook loop on the trainer's own model, optimiser and data; returns steps/s."""
    model, opt, loss_fn = trainer.model, trainer.opt, trainer.loss_fn
    F, Y, B, gen = trainer.F_train, trainer.Y_train, trainer.cfg.batch_size, trainer.gen
    t0 = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, len(Y), (B,), generator=gen)
        loss = loss_fn(model(F[idx]), Y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()
    return steps / (time.perf_counter() - t0)


def job_run(trainer: ClassifyTrainer, steps: int) -> float:
    """The same trainer through a Job, as a page runs it; returns steps/s."""
    job = Job(trainer, max_steps=steps, pool=SlotPool(1))
    t0 = time.perf_counter()
    job.start()
    job.join()  # the thread ends when the budget is reached
    assert job.state == FINISHED, job.state
    return steps / (time.perf_counter() - t0)


def compare(label: str, cfg: ClassifyConfig, rounds: int, steps: int) -> float:
    bare_trainer, job_trainer = ClassifyTrainer(cfg), ClassifyTrainer(cfg)
    bare_loop(bare_trainer, 50), job_run(job_trainer, 50)  # warm-up
    bare, runner = [], []
    for r in range(rounds):  # interleaved, alternating which goes first
        if r % 2:
            runner.append(job_run(job_trainer, steps))
            bare.append(bare_loop(bare_trainer, steps))
        else:
            bare.append(bare_loop(bare_trainer, steps))
            runner.append(job_run(job_trainer, steps))
    b, j = statistics.median(bare), statistics.median(runner)
    ratio = j / b
    verdict = "OK" if ratio >= 0.95 else "BELOW TARGET"
    print(f"{label:36s} bare {b:8.0f} steps/s   job {j:8.0f} steps/s   ratio {ratio:5.3f}  (target >= 0.95: {verdict})")
    return ratio


def refresh_time(repeats: int = 20) -> float:
    """Median server time of one live refresh of the classification page (ms), while training."""
    trainer = ClassifyTrainer(ClassifyConfig())
    job = Job(trainer, pool=SlotPool(1))
    job.start()
    time.sleep(1.0)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        snap, history = job.snapshot(), job.metrics()
        figs = [
            decision_boundary(snap, trainer.data.class_names),
            curves(history, [("train", "train_loss"), ("test", "test_loss")], "Loss", "cross-entropy"),
            curves(history, [("train", "train_accuracy"), ("test", "test_accuracy")], "Accuracy", "share"),
            unit_heatmaps(snap),
        ]
        for fig in figs:
            pio.to_json(fig, validate=False)
        times.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.05)
    job.stop()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=600)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; {args.rounds} interleaved rounds of {args.steps} steps")
    compare("page default (2x8 tanh, batch 32)", ClassifyConfig(), args.rounds, args.steps)
    compare("3x64 ReLU, batch 256", ClassifyConfig(hidden=(64, 64, 64), activation="relu", batch_size=256,
                                                   n_points=2000), args.rounds, max(100, args.steps // 4))
    ms = refresh_time()
    print(f"live refresh (snapshot + history + 4 figures + JSON) median {ms:6.1f} ms  "
          f"(target <= 100 ms: {'OK' if ms <= 100 else 'ABOVE TARGET'})")


if __name__ == "__main__":
    main()
