"""One training run, stepped by its caller: states, step budget, metric history, snapshots, divergence.

The **Trainer protocol** (every model of ``core`` follows it; nothing else is looked up)::

    step()            -> dict[str, float]   one optimisation step (or one EM iteration)
    snapshot()        -> dict[str, Any]     what a page draws or prints: numpy arrays and plain
                                            values (numbers, strings, small lists); copies, never views
    set_live(**values)                      settings that change without a reset (learning rate, view
                                            time, solver, temperature, ...): plain values only
    done: bool                              optional attribute (present from construction on): nothing
                                            left to do (a sweep that has fitted every capacity); the run
                                            then finishes early
    divergence_advice: str                  optional attribute: shown when a metric becomes NaN or inf
    QUERIES: tuple[str, ...]                optional: names of methods a page may call on demand with
                                            plain keyword values (``trajectory`` for a replay); their
                                            answers are plain data, computed in the worker

A trainer knows nothing of threads, processes or Streamlit. A **Run** owns one trainer and is
stepped by whoever hosts it: a worker process slices many runs round-robin (``core/worker.py``),
the CLI steps one in its own thread (``core/cli.py``). A run keeps a step budget, a bounded metric
history, the latest good snapshot (taken when someone asks for it, or by its worker at the end of
its turn when one is due: at most every ``snapshot_every`` seconds, and a picture that took c seconds
of CPU at most every c · n / ``snapshot_share`` seconds when its host trains n runs at once, so a
run's pictures take at most that share of its own turn, however many share the worker), and
what went wrong as a state a student can read: ``diverged`` (a non-finite metric, or a non-finite
picture while the loss is finite: stop, keep the last good snapshot) or ``failed`` (an exception:
stop with a one-line reason; the traceback goes to the log only).
"""

from __future__ import annotations

import collections
import itertools
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np

from core.errors import GenLabError
from core.film import Film
from core.metric_history import MetricHistory

log = logging.getLogger(__name__)


class Trainer(Protocol):
    def step(self) -> dict[str, float]: ...

    def snapshot(self) -> dict[str, Any]: ...

    def set_live(self, **values: Any) -> None: ...


# --------------------------------------------------------------------------- states

IDLE, RUNNING, PAUSED = "idle", "running", "paused"
FINISHED, DIVERGED, FAILED, STOPPED = "finished", "diverged", "failed", "stopped"
TERMINAL = frozenset({FINISHED, DIVERGED, FAILED, STOPPED})
BETWEEN_S = 0.005  # how often a slice lets its host answer requests (``run_slice``'s ``between``)
# The status line's steps/s: from the end of one of the run's turns to the end of its latest, at least
# RATE_WINDOW_S apart, so the other runs' turns in a shared worker count, in whole rounds (a rate over the
# run's last 64 steps was the speed of its own slices: fifteen classifiers in one worker each showed about
# 3,600 steps/s while each made 230).
RATE_WINDOW_S = 5.0


@dataclass(frozen=True)
class JobStatus:
    state: str
    step: int
    steps_per_s: float
    message: str = ""
    max_steps: int | None = None

    def label(self) -> str:
        """One line for the page, e.g. 'running · step 1,200 / 30,000 · 310 steps/s'."""
        budget = f" / {self.max_steps:,}" if self.max_steps else ""
        parts = [self.state, f"step {self.step:,}{budget}"]
        if self.state == RUNNING:
            parts.append(f"{self.steps_per_s:,.0f} steps/s")
        return " · ".join(parts)


def one_line(err: BaseException) -> str:
    """A one-line reason for a student: GenLab's own errors as written, others with their type."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if not isinstance(err, GenLabError):
        text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text[:300]


def _non_finite(value: Any) -> bool:
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        return not bool(np.isfinite(value).all())
    return False


# --------------------------------------------------------------------------- run


class Run:
    """One trainer and its bookkeeping. Not thread-safe: one host steps it."""

    def __init__(
        self,
        trainer: Trainer,
        *,
        max_steps: int | None = None,
        history_capacity: int = 1000,
        snapshot_every: float = 0.25,
        snapshot_share: float | None = 0.02,
        max_steps_per_s: float | None = None,
        max_renewals: int | None = None,
        film: tuple[str, ...] = (),
    ):
        self.trainer = trainer
        self._has_done = hasattr(trainer, "done")  # looked up once: it is in the hot loop
        self.max_steps = max_steps
        self._budget = max_steps
        self.snapshot_every = snapshot_every
        self.snapshot_share = snapshot_share
        self.max_steps_per_s = max_steps_per_s
        self.max_renewals = max_renewals  # new budgets after the end (None: unlimited)
        self.renewals = 0
        self.state = IDLE
        self.message = ""
        self.step_count = 0
        self.compute_s = 0.0  # seconds spent in step()
        self.history = MetricHistory(history_capacity)
        self.film = Film(film)  # these snapshot arrays, kept over the run for a replay of training
        self.history_version = 0
        self.last_metrics: dict[str, float] = {}
        self.snapshot: dict[str, Any] = {}
        self.snapshot_version = 0
        self._snapshot_step = -1
        self._snapshot_time = -math.inf
        self._snapshot_cost = 0.0  # CPU seconds of a picture, a running mean of the latest ones
        self.sharing = 1  # how many runs its host trains at once (a worker sets it): its pictures' share is of 1/n
        self._next_due = 0.0  # pacing: the earliest time of the next step
        self._running_total = 0.0  # wall seconds spent in the running state, this one excepted
        self._running_since: float | None = None
        self._rate: collections.deque[tuple[float, int]] = collections.deque(maxlen=256)  # (time, steps): Play, turns' ends
        if getattr(trainer, "from_checkpoint", False) and hasattr(trainer, "measure"):
            self._measure_arrival()
        self.take_snapshot(force=True)

    def _measure_arrival(self) -> None:
        """A model loaded trained: its metrics before any step, the history's row at step 0."""
        try:
            metrics = {k: float(v) for k, v in self.trainer.measure().items()}
        except Exception:  # the run can still train: only the first row is missing
            log.warning("measuring the loaded model failed", exc_info=True)
            return
        if all(math.isfinite(v) for v in metrics.values()):
            self.last_metrics = metrics
            self.history.record(0, metrics)

    # ---------------------------------------------------------------- control

    @property
    def active(self) -> bool:
        return self.state == RUNNING

    def start(self, renew: bool = True) -> None:
        """Train from here on. After a finished budget, Play grants another one if ``renew`` allows."""
        if self.state == FINISHED and self.max_steps and self._budget and not (self._has_done and self.trainer.done):
            if not renew or (self.max_renewals is not None and self.renewals >= self.max_renewals):
                self.message = (f"Finished: {self.step_count:,} steps is this run's share while the server is busy. "
                                "Press Reset to train again from the start.")
                return
            self.renewals += 1
            self.max_steps = self.step_count + self._budget
            self.state = PAUSED
        if self.state in TERMINAL:
            return
        if self.state != RUNNING:
            self._running_since = time.perf_counter()
        self.state, self.message = RUNNING, ""
        self._rate.clear()
        self._rate.append((time.perf_counter(), self.step_count))

    def pause(self, message: str = "") -> None:
        if self.state in (RUNNING, IDLE):
            self._leave_running()
            self.state, self.message = PAUSED, message
        self.take_snapshot(force=True)

    def stop(self) -> None:
        if self.state not in TERMINAL:
            self._leave_running()
            self.state = STOPPED

    def set_live(self, values: dict[str, Any]) -> None:
        """Apply live settings between two steps; a bad value fails the run with a reason."""
        if self.state in (DIVERGED, FAILED):
            return
        try:
            self.trainer.set_live(**values)
        except Exception as err:
            log.warning("set_live failed", exc_info=True)
            self._end(FAILED, f"Could not apply the settings: {one_line(err)}")
            return
        self.take_snapshot(force=not self.active, unchanged=True)

    def step_once(self, n: int = 1) -> None:
        """Take ``n`` steps now (a paused or idle run); then a fresh picture."""
        if self.active or self.state in TERMINAL:
            return
        for _ in range(n):
            if (self.max_steps and self.step_count >= self.max_steps) or not self._do_step():
                break
        if self.state == IDLE:
            self.state = PAUSED
        if self.max_steps and self.step_count >= self.max_steps and self.state not in TERMINAL:
            self.state = FINISHED
        self.take_snapshot(force=True)

    def run_slice(self, seconds: float, between: Callable[[], None] | None = None) -> int:
        """Step a running run for about ``seconds`` (at least one step unless paced); the steps taken.
        ``between`` is called between two steps every ``BETWEEN_S`` (a worker answers its waiting requests
        there, so that a long slice does not delay them); it may pause or stop this run."""
        taken = 0
        end = time.perf_counter() + seconds
        next_between = time.perf_counter() + BETWEEN_S
        while self.state == RUNNING:
            now = time.perf_counter()
            if between is not None and taken and now >= next_between:
                between()
                now = time.perf_counter()
                next_between = now + BETWEEN_S
                if self.state != RUNNING:
                    break
            if self._has_done and self.trainer.done:
                self._end(FINISHED, f"Finished: the work is complete after {self.step_count:,} steps.")
                break
            if self.max_steps and self.step_count >= self.max_steps:
                self._end(FINISHED, f"Finished: reached the budget of {self.max_steps:,} steps.")
                break
            if self.max_steps_per_s:
                if now < self._next_due:
                    break
                self._next_due = max(now, self._next_due) + 1.0 / self.max_steps_per_s
            elif taken and now >= end:
                break
            if not self._do_step():
                break
            taken += 1
            if self.max_steps_per_s:
                break
        if taken:  # the end of its turn: the rate is measured between two of these
            self._rate.append((time.perf_counter(), self.step_count))
        return taken

    def due_in(self) -> float:
        """Seconds until a paced run may step again (0 for an unpaced one)."""
        return max(0.0, self._next_due - time.perf_counter()) if self.max_steps_per_s else 0.0

    # ---------------------------------------------------------------- reading

    def steps_per_s(self) -> float:
        """Steps per wall second between the end of one of the run's turns (at least ``RATE_WINDOW_S`` back, or
        the first) and the end of its latest: its share of a worker it shares, in whole rounds, not the speed of
        its slices. Until the end of its second turn: from Play."""
        rate = self._rate
        if self.state != RUNNING or not rate:
            return 0.0
        last, steps = rate[-1] if len(rate) > 1 else (time.perf_counter(), self.step_count)
        since, before = rate[1] if len(rate) > 2 else rate[0]
        for t, s in itertools.islice(rate, 1, None):
            if t > last - RATE_WINDOW_S:
                break
            since, before = t, s
        return (steps - before) / (last - since) if last > since else 0.0

    def status(self) -> JobStatus:
        return JobStatus(self.state, self.step_count, self.steps_per_s(), self.message, self.max_steps)

    def poll(self, have_snapshot: int = -1, have_history: int = -1) -> dict[str, Any]:
        """What a page needs: status, last metrics, and the history and snapshot if newer than it has.
        A run that has stopped training sends its final picture at once."""
        self.take_snapshot(force=self.state != RUNNING)
        return {
            "status": self.status(),
            "last_metrics": {k: float(v) for k, v in self.last_metrics.items()},
            "history": (self.history_version, self.history.columns()) if self.history_version != have_history
            else None,
            "snapshot": (self.snapshot_version, self.snapshot) if self.snapshot_version != have_snapshot else None,
            "timing": {"running_s": self.running_s(), "compute_s": self.compute_s,
                       "snapshot_wait": self.snapshot_wait()},
        }

    # ---------------------------------------------------------------- stepping

    def _do_step(self) -> bool:
        """One step; False when the run must stop (diverged or failed)."""
        t0 = time.perf_counter()
        try:
            metrics = self.trainer.step()
        except MemoryError:
            log.warning("run out of memory at step %s", self.step_count + 1)
            self._end(FAILED, f"Failed at step {self.step_count + 1:,}: this model needs more memory than the "
                              "server gives one student. Choose a smaller model or less data and press Reset.")
            self.trainer = None  # type: ignore[assignment]  # give the memory back at once
            return False
        except Exception as err:
            log.warning("run failed at step %s", self.step_count + 1, exc_info=True)
            self._end(FAILED, f"Failed at step {self.step_count + 1:,}: {one_line(err)}")
            return False
        now = time.perf_counter()
        self.compute_s += now - t0
        self.step_count += 1
        # one check for all the metrics, and no copy: in a worker the caches are cold from the step, and a float()
        # and an isfinite per metric and a copy took 0.3 % of the page's small classifier's time
        try:
            finite = math.isfinite(math.fsum(metrics.values()))
        except (OverflowError, ValueError):  # finite values too large to add up, or inf and -inf: look at each
            finite = False
        if not finite:
            bad = [k for k, v in metrics.items() if not math.isfinite(v)]
            if bad:
                self._diverge(f"{', '.join(bad)} became {float(metrics[bad[0]])}")
                return False
        self.last_metrics = metrics  # made plain floats when a page polls
        self.history.record(self.step_count, metrics)
        self.history_version = self.step_count
        if self.snapshot_every <= 0:  # a picture after every step (tests; the last good one is the latest)
            self.take_snapshot()
        return True

    def take_snapshot(self, force: bool = False, unchanged: bool = False) -> bool:
        """Ask the trainer for a picture if it has stepped since the last one and the rate limits allow.

        ``force`` skips the rate limits; ``unchanged`` draws even without a new step (live settings)."""
        if self.state in (DIVERGED, FAILED) or (self._snapshot_step == self.step_count and not unchanged):
            return False
        now = time.perf_counter()
        if not force and self.snapshot_every > 0 and now - self._snapshot_time < self.snapshot_wait():
            return False
        cpu = time.thread_time()  # CPU, not wall time: a busy machine's preemptions are not the picture's cost
        try:
            snap = self.trainer.snapshot()
        except Exception as err:
            log.warning("snapshot failed", exc_info=True)
            self._end(FAILED, f"Could not draw the model: {one_line(err)}")
            return False
        self._snapshot_time = time.perf_counter()
        # The pace follows a running mean of the cost: a dear picture now and then (a quality measure) does not set
        # it alone. The picture at the build is not counted (cold caches, and no one trains yet): it made the
        # diffusion page's first new picture come 5 s after Play, not 1-2.
        cost = time.thread_time() - cpu
        if self.snapshot_version:
            self._snapshot_cost = cost if self.snapshot_version == 1 else 0.5 * (self._snapshot_cost + cost)
        bad = [k for k, v in snap.items() if _non_finite(v)]
        if bad:  # the loss is finite but the picture is not: stop rather than freeze silently
            self._diverge(f"the model's {', '.join(bad[:3])} became NaN or infinite although the loss is finite")
            return False
        self.snapshot = snap
        self.film.record(self.step_count, snap)
        self.snapshot_version += 1
        self._snapshot_step = self.step_count
        return True

    def snapshot_wait(self) -> float:
        """Seconds between two pictures while running: ``snapshot_every``, or longer when pictures are
        dear (at most ``snapshot_share`` of the run's own time goes to them: with n runs sharing its host,
        a 1/n of the host's). A page polling faster than this would mostly redraw the picture it already has."""
        if not self.snapshot_share:
            return self.snapshot_every
        return max(self.snapshot_every, self._snapshot_cost * max(1, self.sharing) / self.snapshot_share)

    def _diverge(self, what: str) -> None:
        advice = getattr(self.trainer, "divergence_advice", "Lower the learning rate and press Reset.")
        self._end(DIVERGED, f"Diverged at step {self.step_count:,}: {what}. {advice} "
                            "The picture shows the last good state.")

    def _end(self, state: str, message: str) -> None:
        if self.state not in TERMINAL:
            self._leave_running()
            self.state, self.message = state, message

    def _leave_running(self) -> None:
        if self._running_since is not None:
            self._running_total += time.perf_counter() - self._running_since
            self._running_since = None

    def running_s(self) -> float:
        """Wall seconds this run has spent training (its share of a worker included)."""
        extra = time.perf_counter() - self._running_since if self._running_since is not None else 0.0
        return self._running_total + extra
