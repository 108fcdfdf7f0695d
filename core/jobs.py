"""Run a Trainer in a background thread: the Job, its metric history, and the process-wide pool.

A **Trainer** knows its model and nothing of threads or Streamlit::

    step()     -> dict[str, float]       one optimisation step (or one EM iteration)
    snapshot() -> dict[str, np.ndarray]  what a page draws; cheap, and copies (never views)

Optional: ``divergence_advice`` (str), shown when a metric becomes NaN or inf; ``done`` (bool), true
when the trainer has nothing left to do (a sweep that has fitted every capacity): the job then
finishes before its step budget.

A **Job** owns the thread that calls ``step()`` again and again: start, pause, resume, single
step, stop, a step budget, optional pacing, a bounded metric history and the latest good snapshot
(taken at most every ``snapshot_every`` seconds, and spending at most ``snapshot_share`` of the
thread's time: a model whose picture is costly to draw is drawn less often). What went wrong is a state a student can read:
``diverged`` (a non-finite metric: stop, keep the last good snapshot) or ``failed`` (an
exception: stop with a one-line reason; the traceback goes to the server log only).

Running jobs hold a slot of one process-wide **SlotPool** (default: one per core), so a class of
students cannot start more training threads than the machine can run; the others wait as
``queued`` with their place in the line. A paused job gives its slot back.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np
import torch

from core.errors import GenLabError

log = logging.getLogger(__name__)

# Tiny models are dominated by Python overhead: one intra-op thread per job is fastest, and
# several jobs on a shared machine must not each spawn a thread per core.
torch.set_num_threads(1)


class Trainer(Protocol):
    def step(self) -> dict[str, float]: ...

    def snapshot(self) -> dict[str, np.ndarray]: ...


# --------------------------------------------------------------------------- states

IDLE, QUEUED, RUNNING, PAUSED = "idle", "queued", "running", "paused"
FINISHED, DIVERGED, FAILED, STOPPED = "finished", "diverged", "failed", "stopped"
TERMINAL = frozenset({FINISHED, DIVERGED, FAILED, STOPPED})


@dataclass(frozen=True)
class JobStatus:
    state: str
    step: int
    steps_per_s: float
    message: str = ""
    queue_position: int | None = None  # 1 = next to run
    max_steps: int | None = None

    @property
    def active(self) -> bool:
        """True while the job is running or waiting for a slot (a page keeps polling)."""
        return self.state in (RUNNING, QUEUED)

    def label(self) -> str:
        """One line for the page, e.g. 'running · step 1,200 · 310 steps/s'."""
        parts = [self.state]
        if self.state == QUEUED and self.queue_position:
            parts = [f"queued (place {self.queue_position})"]
        budget = f" / {self.max_steps:,}" if self.max_steps else ""
        parts.append(f"step {self.step:,}{budget}")
        if self.state == RUNNING:
            parts.append(f"{self.steps_per_s:,.0f} steps/s")
        return " · ".join(parts)


# --------------------------------------------------------------------------- history


class MetricHistory:
    """Every ``stride``-th step's metrics, at most ``capacity`` rows.

    When full, rows whose step is not a multiple of twice the stride are dropped and the stride
    doubles: a 30-minute run keeps its whole shape in a flat amount of memory.
    """

    def __init__(self, capacity: int = 1000):
        self.capacity = max(4, capacity)
        self.stride = 1
        self.steps: list[int] = []
        self.rows: list[dict[str, float]] = []

    def record(self, step: int, metrics: dict[str, float]) -> None:
        if step % self.stride:
            return
        self.steps.append(step)
        self.rows.append(dict(metrics))
        if len(self.steps) >= self.capacity:
            self.stride *= 2
            keep = [i for i, s in enumerate(self.steps) if s % self.stride == 0]
            self.steps = [self.steps[i] for i in keep]
            self.rows = [self.rows[i] for i in keep]

    def columns(self) -> dict[str, np.ndarray]:
        """{'step': (n,), metric: (n,) with NaN where a row lacks it}."""
        names: dict[str, None] = {}
        for row in self.rows:
            names.update(dict.fromkeys(row))
        out = {"step": np.asarray(self.steps, dtype=np.int64)}
        for name in names:
            out[name] = np.asarray([row.get(name, np.nan) for row in self.rows], dtype=float)
        return out

    def __len__(self) -> int:
        return len(self.steps)


# --------------------------------------------------------------------------- pool


def default_capacity() -> int:
    """GENLAB_MAX_JOBS if set, else the cores this process may use."""
    env = os.environ.get("GENLAB_MAX_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class PoolFull(GenLabError):
    pass


class SlotPool:
    """At most ``capacity`` jobs run at once; the rest wait first come, first served."""

    def __init__(self, capacity: int | None = None, max_waiting: int = 64):
        self.capacity = capacity or default_capacity()
        self.max_waiting = max_waiting
        self._cond = threading.Condition()
        self._running: set[int] = set()
        self._waiting: collections.deque[int] = collections.deque()

    def acquire(self, job_id: int, cancelled: Callable[[], bool]) -> bool:
        """Block until ``job_id`` holds a slot (True) or ``cancelled()`` says stop (False)."""
        with self._cond:
            if job_id in self._running:
                return True
            if len(self._waiting) >= self.max_waiting:
                raise PoolFull(
                    f"The server is busy: {len(self._waiting)} jobs are already waiting. "
                    "Try again in a minute."
                )
            self._waiting.append(job_id)
            try:
                while not (len(self._running) < self.capacity and self._waiting[0] == job_id):
                    if cancelled():
                        return False
                    self._cond.wait(0.05)
                self._running.add(job_id)
                return True
            finally:
                self._waiting.remove(job_id)
                self._cond.notify_all()

    def release(self, job_id: int) -> None:
        with self._cond:
            self._running.discard(job_id)
            self._cond.notify_all()

    def position(self, job_id: int) -> int | None:
        with self._cond:
            try:
                return self._waiting.index(job_id) + 1
            except ValueError:
                return None

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {"capacity": self.capacity, "running": len(self._running), "waiting": len(self._waiting)}


_POOL: SlotPool | None = None
_POOL_LOCK = threading.Lock()


def global_pool() -> SlotPool:
    """The one pool of this process (all Streamlit sessions share it)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = SlotPool()
        return _POOL


# --------------------------------------------------------------------------- job


def _all_finite(value: Any) -> bool:
    arr = np.asarray(value)
    return not np.issubdtype(arr.dtype, np.floating) or bool(np.isfinite(arr).all())


def one_line(err: BaseException) -> str:
    """A one-line reason for a student: GenLab's own errors as written, others with their type."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if not isinstance(err, GenLabError):
        text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text[:300]


class Job:
    """One Trainer, stepped in a background thread. All methods are thread-safe."""

    _ids = iter(range(1, 1 << 62))

    def __init__(
        self,
        trainer: Trainer,
        *,
        max_steps: int | None = None,
        snapshot_every: float = 0.25,
        snapshot_share: float | None = 0.02,
        history_capacity: int = 1000,
        max_steps_per_s: float | None = None,
        idle_timeout: float | None = None,
        pool: SlotPool | None = None,
        name: str = "",
    ):
        self.id = next(Job._ids)
        self.name = name
        self.trainer = trainer
        self.max_steps = max_steps
        self._budget = max_steps
        self.snapshot_every = snapshot_every
        self.snapshot_share = snapshot_share
        self.max_steps_per_s = max_steps_per_s
        self.idle_timeout = idle_timeout
        self.pool = pool or global_pool()

        self._lock = threading.RLock()  # guards the trainer and everything below
        self._ctl = threading.Lock()  # guards _want_run and _thread
        self._want_run = False
        self._thread: threading.Thread | None = None  # the running thread; None once it stops stepping
        self._last_thread: threading.Thread | None = None  # kept until it has really ended (final snapshot)
        self._calls: collections.deque[Callable[[Any], None]] = collections.deque()

        self._state = IDLE
        self._message = ""
        self.step_count = 0
        self.history = MetricHistory(history_capacity)
        self.last_metrics: dict[str, float] = {}
        self._snapshot: dict[str, np.ndarray] = {}
        self._snapshot_time = 0.0
        self._snapshot_cost = 0.0  # seconds the last snapshot took
        self._snapshot_step = -1
        self._rate = collections.deque(maxlen=64)  # (time, step) pairs
        self.last_seen = time.monotonic()
        self._take_snapshot(force=True)

    # ---------------------------------------------------------------- control

    def start(self) -> None:
        """Run (or resume) in the background until paused, stopped, finished or broken."""
        with self._ctl:
            if self._state == FINISHED and self.max_steps and self._budget:
                self.max_steps = self.step_count + self._budget  # Play after the end: another budget
                self._state = PAUSED
            if self._state in TERMINAL or self._want_run:
                return
            self._want_run = True
            self._message = ""
            self.touch()
            if self._thread is None:
                self._state = QUEUED
                self._thread = self._last_thread = threading.Thread(target=self._run, name=f"genlab-job-{self.id}",
                                                                    daemon=True)
                self._thread.start()

    resume = start

    def pause(self, wait: float = 2.0) -> None:
        """Stop stepping; wait (at most ``wait`` s) for the step in progress and the final picture, so the
        page reads paused and shows where training stopped."""
        with self._ctl:
            self._want_run = False
            if self._state in (QUEUED, RUNNING) and self._thread is None:
                self._state = PAUSED
            thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        thread.join(wait)  # the thread ends after its step in progress and its final snapshot

    def stop(self) -> None:
        """End for good: the thread exits and the slot is freed. Used on reset and session end."""
        with self._ctl:
            self._want_run = False
            if self._state not in TERMINAL:
                self._state = STOPPED
        self.join(5.0)

    def join(self, timeout: float | None = None) -> None:
        """Wait until the thread has ended, its final snapshot included."""
        thread = self._thread or self._last_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def step_once(self, n: int = 1) -> None:
        """Take ``n`` steps now, in the caller's thread, when the job is not running."""
        if self.active or self._state in TERMINAL:
            return
        for _ in range(n):
            if (self.max_steps and self.step_count >= self.max_steps) or not self._do_step():
                break
        with self._lock:
            self._take_snapshot(force=True)
            if self._state == IDLE:
                self._state = PAUSED
            if self.max_steps and self.step_count >= self.max_steps and self._state not in TERMINAL:
                self._state = FINISHED

    def call(self, fn: Callable[[Any], None]) -> None:
        """Apply ``fn(trainer)`` between two steps (e.g. a new learning rate, without a reset)."""
        if self.active:
            self._calls.append(fn)
        else:
            with self._lock:
                self._calls.append(fn)
                self._drain_calls()
                self._take_snapshot(force=True)

    def touch(self) -> None:
        """A page is still watching: resets the idle timer."""
        self.last_seen = time.monotonic()

    # ---------------------------------------------------------------- reading

    @property
    def state(self) -> str:
        return self._state

    @property
    def active(self) -> bool:
        return self._state in (RUNNING, QUEUED)

    @property
    def message(self) -> str:
        return self._message

    def status(self) -> JobStatus:
        pos = self.pool.position(self.id) if self._state == QUEUED else None
        return JobStatus(self._state, self.step_count, self.steps_per_s(), self._message, pos, self.max_steps)

    def steps_per_s(self) -> float:
        rate = list(self._rate)
        if len(rate) < 2 or rate[-1][0] <= rate[0][0]:
            return 0.0
        return (rate[-1][1] - rate[0][1]) / (rate[-1][0] - rate[0][0])

    def snapshot(self) -> dict[str, np.ndarray]:
        """The latest good snapshot (never one with NaN in it)."""
        return self._snapshot

    def metrics(self) -> dict[str, np.ndarray]:
        """The metric history as columns: {'step': (n,), name: (n,)}."""
        with self._lock:
            return self.history.columns()

    # ---------------------------------------------------------------- thread

    def _run(self) -> None:
        holding = False
        try:
            try:
                holding = self.pool.acquire(self.id, lambda: not self._want_run)
            except PoolFull as err:
                self._end(FAILED, str(err))
                return
            while True:
                with self._ctl:
                    if not (self._want_run and holding) or self._state in TERMINAL:
                        if self._state in (QUEUED, RUNNING):
                            self._state = PAUSED
                        self._thread = None
                        break
                    self._state = RUNNING
                if self.idle_timeout and time.monotonic() - self.last_seen > self.idle_timeout:
                    self._want_run = False
                    self._message = "Paused: nobody was watching. Press Play to go on."
                    continue
                if getattr(self.trainer, "done", False):
                    self._end(FINISHED, f"Finished: the work is complete after {self.step_count:,} steps.")
                    continue
                if self.max_steps and self.step_count >= self.max_steps:
                    self._end(FINISHED, f"Finished: reached the budget of {self.max_steps:,} steps.")
                    continue
                t0 = time.perf_counter()
                self._do_step()
                if self.max_steps_per_s:
                    time.sleep(max(0.0, 1.0 / self.max_steps_per_s - (time.perf_counter() - t0)))
        except BaseException as err:  # pragma: no cover - a bug in the runner itself
            log.exception("job %s crashed", self.id)
            self._end(FAILED, one_line(err))
            with self._ctl:
                self._thread = None
        finally:
            if holding:
                self.pool.release(self.id)
            with self._lock:
                self._take_snapshot(force=True)

    def _do_step(self) -> bool:
        """One step under the lock; False when the job must stop (diverged or failed)."""
        with self._lock:
            if self._state in TERMINAL:
                return False
            try:
                self._drain_calls()
                metrics = self.trainer.step()
            except Exception as err:
                log.warning("job %s failed at step %s", self.id, self.step_count + 1, exc_info=True)
                self._end(FAILED, f"Failed at step {self.step_count + 1:,}: {one_line(err)}")
                return False
            self.step_count += 1
            bad = [k for k, v in metrics.items() if not math.isfinite(v)]
            if bad:
                advice = getattr(self.trainer, "divergence_advice", "Lower the learning rate and press Reset.")
                self._end(
                    DIVERGED,
                    f"Diverged at step {self.step_count:,}: {', '.join(bad)} became "
                    f"{metrics[bad[0]]}. {advice} The picture shows the last good state.",
                )
                return False
            self.last_metrics = {k: float(v) for k, v in metrics.items()}
            self.history.record(self.step_count, self.last_metrics)
            now = time.perf_counter()
            self._rate.append((now, self.step_count))
            # at most every snapshot_every seconds, and at most snapshot_share of the thread's time
            wait = max(self.snapshot_every, self._snapshot_cost / self.snapshot_share if self.snapshot_share else 0.0)
            if now - self._snapshot_time >= wait:
                self._take_snapshot()
            return True

    def _drain_calls(self) -> None:
        while self._calls:
            self._calls.popleft()(self.trainer)

    def _take_snapshot(self, force: bool = False) -> None:
        """Ask the trainer for a picture; keep it only if every float in it is finite."""
        if self._state in (DIVERGED, FAILED):
            return  # keep the last good picture
        if not force and self._snapshot_step == self.step_count:
            return
        t0 = time.perf_counter()
        try:
            snap = self.trainer.snapshot()
        except Exception as err:
            log.warning("job %s: snapshot failed", self.id, exc_info=True)
            self._end(FAILED, f"Could not draw the model: {one_line(err)}")
            return
        self._snapshot_time = time.perf_counter()
        self._snapshot_cost = self._snapshot_time - t0
        if all(_all_finite(v) for v in snap.values()):
            self._snapshot = snap
            self._snapshot_step = self.step_count

    def _end(self, state: str, message: str) -> None:
        with self._ctl:
            self._want_run = False
            if self._state not in TERMINAL:
                self._state = state
                self._message = message
