"""Does the training service cost training speed, and how long does one live refresh take on the server?

1. The same model and batch trained by bare torch loops (in this process) and as a job of the training
   service (built and stepped in a worker process, with its round-robin loop, history, snapshots and
   divergence checks, polled by this process like a page's live view: status, history and a new snapshot
   about three times a second), interleaved round by round in one run so all see the same machine load.
   Two bare loops: the textbook loop doing the page's work (a minibatch step, and every ``eval_every``
   steps the loss and accuracy on the training and test sets, which the page's curves show), and the
   textbook loop without that evaluation. The job's rate is its steps over the wall time it spent
   running, as its worker measured it. Prints steps per second (the best round of each) and the ratios: job /
   bare loop of the same work is what the service costs (target >= 0.95), with beside it the median over the
   rounds of that round's own ratio (the loops of one round run back to back, under the same load: the
   steadier figure on a machine whose speed drifts); job / bare loop without evaluation adds the page's
   evaluation to it. Beside them, the share of the job's running time its worker spent inside the trainer's
   ``step()``: the service's own cost measured in one process at one time, which the machine's drift (two
   processes running the same loop differed by up to a fifth in a noisy hour on this shared machine) does not enter.
   For the classification page's default model and for a 3x64 MLP at batch 256 (the
   page allows at most 64 units). For the default model also a run's own bookkeeping per step, in this
   process (``Run.run_slice`` against ``trainer.step()`` in a plain loop: the step budget, metric checks,
   history), which separates it from what the worker adds (pictures, answering polls, the process boundary).
2. The server's work for one live refresh of the classification page: read the job's snapshot and
   history, build the four figures and serialise them as Streamlit does (target <= 100 ms),
   measured while a job trains in the background, as it does on the page; and the same for the GAN
   page's six figures.

    python bench/bench_runner.py [--rounds 5] [--steps 6000] [--poll 0.35]
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

from core.classify import ClassifyConfig, ClassifyTrainer, evaluate_parts  # noqa: E402
from core.nets import training_thread  # noqa: E402
from core.runner import FINISHED, RUNNING, Run  # noqa: E402
from core.service import RunSpec, TrainingService  # noqa: E402
from dashboard.figures import curves, decision_boundary, unit_heatmaps  # noqa: E402

REFRESH_S = 0.35  # dashboard.live.REFRESH_S (not imported: it would import streamlit)


Timing = tuple[float, float]  # (wall seconds, CPU seconds of the whole process)


def _clock() -> Timing:
    return time.perf_counter(), time.process_time()  # process time: the job's thread included


def _since(t0: Timing) -> Timing:
    return time.perf_counter() - t0[0], time.process_time() - t0[1]


def bare_loop(trainer: ClassifyTrainer, steps: int, evaluate: bool = False) -> Timing:
    """The textbook loop on the trainer's own model, optimiser and data; with ``evaluate``, the page's work:
    every ``eval_every`` steps (and after the first) the loss and accuracy on the training and test sets."""
    model, opt, loss_fn = trainer.model, trainer.opt, trainer.loss_fn
    F, Y, B, gen = trainer.F_train, trainer.Y_train, trainer.cfg.batch_size, trainer.gen
    parts, every = (("train", F, Y), ("test", trainer.F_test, trainer.Y_test)), trainer.cfg.eval_every
    t0 = _clock()
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(Y), (B,), generator=gen)
        loss = loss_fn(model(F[idx]), Y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()
        if evaluate and (step == 1 or step % every == 0):
            evaluate_parts(model, loss_fn, parts)  # the page's evaluation, plain torch under no_grad
    return _since(t0)


def same_work_loop(trainer: ClassifyTrainer, steps: int) -> Timing:
    return bare_loop(trainer, steps, evaluate=True)


class WorkerJob:
    """A job of the training service with the same config, stepped in a worker process."""

    def __init__(self, svc: TrainingService, cfg: ClassifyConfig, steps: int, poll_s: float = REFRESH_S):
        self.job = svc.create(RunSpec.of(ClassifyTrainer, cfg), max_steps=steps)
        self.budget, self.poll_s = 0, poll_s

    def __call__(self, _trainer: object, steps: int) -> Timing:
        """``steps`` more steps (Play after the end grants another budget of the same size), polled like
        the live view; (wall seconds the worker spent running it, of those the seconds inside step())."""
        job = self.job
        job.poll()
        before = dict(job.timing)
        self.budget += steps
        job.start()
        while job.state == RUNNING:  # the page's fragment asks about three times a second (at its fastest)
            time.sleep(self.poll_s)
            job.poll()
        assert job.state == FINISHED and job.step_count == self.budget, job.status()
        return (job.timing["running_s"] - before.get("running_s", 0.0),
                job.timing["compute_s"] - before.get("compute_s", 0.0))


def compare(svc: TrainingService, label: str, cfg: ClassifyConfig, rounds: int, steps: int,
            poll_s: float = REFRESH_S) -> float:
    """Interleaved rounds of the three loops (the order rotates); best rounds and ratios."""
    loops = {"same": (same_work_loop, ClassifyTrainer(cfg)), "bare": (bare_loop, ClassifyTrainer(cfg)),
             "job": (WorkerJob(svc, cfg, steps, poll_s), None)}
    rates: dict[str, list[float]] = {k: [] for k in loops}
    in_step = []  # the job's seconds inside trainer.step() over its running seconds, round by round
    for key, (fn, trainer) in loops.items():
        fn(trainer, steps if key == "job" else 50)  # warm-up (a job's budget is one round)
    order = list(loops)
    for r in range(rounds):
        for key in order[r % 3:] + order[:r % 3]:
            fn, trainer = loops[key]
            wall, cpu = fn(trainer, steps)
            rates[key].append(steps / wall)
            if key == "job":
                in_step.append(cpu / wall)
    # the best round of each: what the code can do when the shared machine lets it (as timeit advises)
    same, bare, job = (max(rates[k]) for k in ("same", "bare", "job"))
    # and the ratio within each round (the three loops back to back, under the same load), its median
    paired = statistics.median(j / s for j, s in zip(rates["job"], rates["same"]))
    verdict = "OK" if job / same >= 0.95 else "BELOW TARGET"
    print(f"{label}\n  bare torch loop, the page's work {same:7.0f} steps/s | without evaluation {bare:7.0f} steps/s | "
          f"worker job {job:7.0f} steps/s\n  job / bare loop of the same work = {job / same:5.3f} (the service's cost; "
          f"target >= 0.95: {verdict}; median of the rounds' own ratios {paired:5.3f});  job / bare loop without "
          f"evaluation = {job / bare:5.3f} (the page's evaluation of the training and test sets every "
          f"{cfg.eval_every} steps as well)\n  in the worker, the trainer's step() took {100 * statistics.median(in_step):.1f} % "
          f"of the job's running time (median of the rounds; the rest is the service's own cost, measured in one "
          f"process at one time, so the machine's drift does not enter it)")
    return job / same


CHUNK = 50  # steps; the plain loop and the run alternate in chunks this short, so both see the machine's drift alike


def bookkeeping(cfg: ClassifyConfig, rounds: int, steps: int) -> None:
    """A run's own cost per step, in this process: ``Run.run_slice`` (step budget, metric checks, history, the
    rate's marks; no pictures, no polls) against ``trainer.step()`` in a plain loop. The two alternate every
    ``CHUNK`` steps (about 20 ms: in chunks of 6,000 the machine's drift made the difference read -40 to +40 µs
    per step), wall time; each round's ratio, and their median."""
    bare = ClassifyTrainer(cfg)
    run = Run(ClassifyTrainer(cfg), max_steps=CHUNK, snapshot_every=1e9)  # Play after each chunk: CHUNK more
    ratios, plain_us, extra_us = [], [], []
    chunks = max(1, steps // CHUNK)
    for _ in range(rounds):
        a = b = 0.0
        for _ in range(chunks):
            t0 = time.perf_counter()
            for _ in range(CHUNK):
                bare.step()
            t1 = time.perf_counter()
            run.start()
            while run.state == RUNNING:
                run.run_slice(10.0, between=lambda: None)
            b += time.perf_counter() - t1
            a += t1 - t0
        assert run.state == FINISHED, run.message
        ratios.append(a / b)
        plain_us.append(1e6 * a / (chunks * CHUNK))
        extra_us.append(1e6 * (b - a) / (chunks * CHUNK))
    print(f"  a run's bookkeeping (in this process, no pictures or polls; alternating every {CHUNK} steps): "
          f"{statistics.median(extra_us):.1f} us per step of {statistics.median(plain_us):.0f}; run / plain loop = "
          f"{statistics.median(ratios):5.3f} (rounds {min(ratios):.3f}-{max(ratios):.3f})")


def refresh_time(svc: TrainingService, repeats: int = 20) -> tuple[float, float]:
    """Median server time of one live refresh of the classification page while it trains:
    (wall ms, CPU ms of the refreshing thread): poll the worker, build the four figures, serialise
    them. On a shared, loaded machine the CPU time is the steadier measure of the work."""
    job = svc.create(RunSpec.of(ClassifyTrainer, ClassifyConfig()), max_steps=10**9)
    job.start()
    time.sleep(1.0)
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.thread_time()
        job.poll()
        snap, history = job.snapshot(), job.metrics()
        figs = [
            decision_boundary(snap, snap["class_names"]),
            curves(history, [("train", "train_loss"), ("test", "test_loss")], "Loss", "cross-entropy"),
            curves(history, [("train", "train_accuracy"), ("test", "test_accuracy")], "Accuracy", "share"),
            unit_heatmaps(snap),
        ]
        for fig in figs:
            pio.to_json(fig, validate=False)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
        time.sleep(REFRESH_S)
    job.stop()
    return statistics.median(wall), statistics.median(cpu)


def gan_refresh_time(svc: TrainingService, repeats: int = 20) -> tuple[float, float]:
    """The same for the GAN page's six live figures (``dashboard.fig_gan.live_figures``, what pages/gan.py's
    draw builds: the game, the manifold, losses, coverage, D against D*, the JSD), the page thirty students
    load the most."""
    from core.gan import GanConfig, GanTrainer
    from dashboard.fig_gan import live_figures

    job = svc.create(RunSpec.of(GanTrainer, GanConfig(eval_every=100)), max_steps=10**9)
    job.start()
    time.sleep(3.0)  # past the first evaluation: the coverage and JSD curves have points
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.thread_time()
        job.poll()
        for fig in live_figures(job.snapshot(), job.metrics()).values():
            pio.to_json(fig.to_dict(), validate=False)  # what st.plotly_chart does with a figure
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
        time.sleep(REFRESH_S)
    job.stop()
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    # 6,000 steps a round (about 1.5 s of the page's default model): a job pays a start and a finish per round,
    # which a student's minutes of training do not (against the loop without evaluation, before fused Adam:
    # rounds of 2,000 steps gave 0.91, of 6,000 0.93)
    parser.add_argument("--steps", type=int, default=6000)
    # a live view polls at most every 0.35 s, and no faster than its job makes pictures (dashboard/live.py); on
    # 4 December, three runs polling every 3 s read a median round ratio of 0.98-1.00, three at 0.35 s 0.90-0.97
    parser.add_argument("--poll", type=float, default=REFRESH_S, help="seconds between two polls of the job")
    args = parser.parse_args()
    training_thread()  # as in a worker (one thread, denormals flushed): the comparison is of the loops, not of settings
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; {args.rounds} interleaved rounds of {args.steps} steps; "
          f"the job polled every {args.poll:g} s")
    svc = TrainingService(workers=1)
    compare(svc, "page default (2x8 tanh, batch 32)", ClassifyConfig(), args.rounds, args.steps, args.poll)
    bookkeeping(ClassifyConfig(), args.rounds, args.steps)
    compare(svc, "3x64 ReLU, batch 256", ClassifyConfig(hidden=(64, 64, 64), activation="relu", batch_size=256,
                                                        n_points=2000), args.rounds, args.steps, args.poll)
    wall, cpu = refresh_time(svc)
    gan_wall, gan_cpu = gan_refresh_time(svc)
    svc.shutdown()
    print(f"live refresh (snapshot + history + 4 figures + JSON): median {cpu:6.1f} ms of CPU, {wall:6.1f} ms wall "
          f"(target <= 100 ms: {'OK' if cpu <= 100 else 'ABOVE TARGET'} on CPU, {'OK' if wall <= 100 else 'ABOVE TARGET'} wall)")
    print(f"live refresh of the GAN page (snapshot + history + 6 figures + JSON): median {gan_cpu:6.1f} ms of CPU, "
          f"{gan_wall:6.1f} ms wall (the cost per poll that sets how often thirty students' views can redraw)")


if __name__ == "__main__":
    main()
