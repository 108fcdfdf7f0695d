"""The training service: worker processes that train every session's models, and the Job proxy pages hold.

Why processes: two training threads in one Python process make 0.7x to 1.1x the steps of one (the
GIL), and every page render competes for the same lock; two processes make 1.9x. So the server
process only draws pages, and ``TrainingService`` owns a few worker processes (as many as the cores
this process may really use; ``GENLAB_WORKERS`` overrides). Each is a fresh ``python -m core.worker``
joined to the server by a socket pair: it imports only numpy, torch and the model modules (never
the server's own main module), and the libraries' code pages are shared through the page cache.

A run is described by data alone: a :class:`RunSpec` names a module-level trainer class (or
function) of ``core`` and its arguments (the config dataclass plus uploaded arrays), all pickled
across the pipe: no lambda or closure crosses a process boundary. A :class:`Job` is the page's
proxy for one run: play, pause, step, live settings, reset by dropping it, and a cache of the
status, the metric history and the latest snapshot, refreshed by :meth:`Job.poll` only as often as
a page asks (and the snapshot only when it is new).

A worker that dies (out of memory, a crash) is restarted at once; its own jobs show ``failed``
with the reason and other students' jobs go on. Nothing here ever blocks a page for long: requests
time out, and stopping a job does not wait for an answer.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import math
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from core.errors import ConfigError, GenLabError
from core.runner import FAILED, RUNNING, TERMINAL, JobStatus, one_line

log = logging.getLogger(__name__)

MAX_SPEC_BYTES = 64 * 1024 * 1024  # a run's description, uploads included
REQUEST_TIMEOUT_S = 20.0
ROOT = Path(__file__).resolve().parent.parent  # the folder that holds core/ (the workers' working directory)
WORKER_NICE = 5  # pages answer before training: a fresh student's page loads while the class trains
WORKER_MEMORY_MB = int(os.environ.get("GENLAB_WORKER_MEMORY_MB", "2000") or 0)  # beyond what a worker holds at start


# --------------------------------------------------------------------------- runs as data


@dataclass(frozen=True)
class RunSpec:
    """A run as data: ``build(*args, **kwargs)`` makes its trainer in a worker (or the CLI)."""

    build_fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    PACKAGES = ("core",)  # where a run's builder may live (tests add their own fakes)

    @classmethod
    def of(cls, build_fn: Callable[..., Any], *args: Any, **kwargs: Any) -> "RunSpec":
        spec = cls(build_fn, args, kwargs)
        spec.check()
        return spec

    def check(self) -> None:
        """Module-level callables of ``core`` only, and picklable arguments of bounded size."""
        fn = self.build_fn
        module, name = getattr(fn, "__module__", ""), getattr(fn, "__qualname__", "")
        if not any(module == p or module.startswith(p + ".") for p in self.PACKAGES) or "<" in name:
            raise ConfigError(f"A run must be built by a module-level callable of core, not {module}.{name}.")

    def build(self) -> Any:
        return self.build_fn(*self.args, **self.kwargs)


# --------------------------------------------------------------------------- how many workers


def usable_cores() -> int:
    """The cores this process may really use: CPU affinity and the cgroup's CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cgroup_quota() -> float | None:
    try:  # cgroup v2: "max 100000" or "150000 100000"
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        quota = int(open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read())
        period = int(open("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read())
        return quota / period if quota > 0 else None
    except (OSError, ValueError):
        return None


def default_workers() -> int:
    env = os.environ.get("GENLAB_WORKERS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return usable_cores()


# --------------------------------------------------------------------------- one worker, page side


class WorkerGone(GenLabError):
    """The worker process that trained this model stopped."""


class RequestTimeout(GenLabError):
    pass


class _Pending:
    __slots__ = ("event", "ok", "result")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.ok = False
        self.result: Any = None


class WorkerHandle:
    """A worker process, the pipe to it, and a reader thread that hands answers to their requests."""

    def __init__(self, index: int, nice: int, memory_mb: int):
        self.index, self.nice, self.memory_mb = index, nice, memory_mb
        self.generation = 0
        self.load = 0  # running runs, as the worker's last answer said
        self.load_time = 0.0
        self.asked_time = 0.0
        self.jobs = 0  # runs it hosts, as counted here
        self.restarts = 0
        self.last_death = ""
        self._deaths: list[float] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._closed = False
        self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", "core.worker", str(theirs.fileno()), str(self.nice), str(self.memory_mb)],
            pass_fds=(theirs.fileno(),), cwd=ROOT, stdin=subprocess.DEVNULL, close_fds=True,
        )
        theirs.close()
        self.process, self.conn = process, Connection(ours.detach())
        self.generation += 1
        self.jobs = 0
        threading.Thread(target=self._read, args=(self.conn, process, self.generation), daemon=True,
                         name=f"genlab-worker-{self.index}-reader").start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def call(self, op: str, run_id: int, payload: Any = None, generation: int | None = None,
             timeout: float = REQUEST_TIMEOUT_S) -> Any:
        pending = self._send(op, run_id, payload, generation, wait=True)
        if not pending.event.wait(timeout):
            raise RequestTimeout("The server is very busy: no answer from the training worker yet. Try again.")
        if not pending.ok:
            raise pending.result if isinstance(pending.result, BaseException) else GenLabError(pending.result)
        return pending.result

    def ask(self, op: str) -> None:
        """Ask without waiting: the answer only refreshes ``load`` (every answer carries it).
        At most one question is in flight per second."""
        now = time.monotonic()
        if now - self.asked_time < 1.0:
            return
        self.asked_time = now
        try:
            self._send(op, 0, None, None, wait=True)
        except GenLabError:
            pass

    def send(self, op: str, run_id: int, payload: Any = None, generation: int | None = None) -> None:
        """Fire and forget (stop, drop): never waits for the worker."""
        try:
            self._send(op, run_id, payload, generation, wait=False)
        except GenLabError:
            pass

    def _send(self, op: str, run_id: int, payload: Any, generation: int | None, wait: bool) -> _Pending:
        pending = _Pending()
        with self._lock:
            if self._closed:
                raise WorkerGone("The training service has shut down.")
            if generation is not None and generation != self.generation:
                raise WorkerGone(self.last_death or "The training worker was restarted.")
            request_id = next(self._ids) if wait else None
            if request_id is not None:
                self._pending[request_id] = pending
            try:
                self.conn.send((request_id, op, run_id, payload))
            except (OSError, ValueError) as err:
                self._pending.pop(request_id, None)
                raise WorkerGone(f"The training worker is not reachable ({one_line(err)}).") from None
        return pending

    def _read(self, conn: Any, process: Any, generation: int) -> None:
        while True:
            try:
                request_id, ok, result, load = conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # pragma: no cover - an unpicklable answer
                log.exception("bad answer from worker %s", self.index)
                continue
            self.load, self.load_time = load, time.monotonic()  # every answer says how busy the worker is
            with self._lock:
                pending = self._pending.pop(request_id, None)
            if pending is not None:
                pending.ok, pending.result = ok, result
                pending.event.set()
        self._died(conn, process, generation)

    def _died(self, conn: Any, process: Any, generation: int) -> None:
        try:
            code = process.wait(5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        if code is not None and code < 0:
            why = f"killed by signal {-code}" + (", probably out of memory" if -code == 9 else "")
        else:
            why = f"exit code {code}"
        with self._lock:
            if self._closed or generation != self.generation:
                return
            self.last_death = (f"The training worker stopped ({why}): the models it trained are lost. "
                               "Press Reset to start again.")
            log.warning("worker %s (pid %s) died: %s; restarting", self.index, process.pid, why)
            pending, self._pending = self._pending, {}
            for p in pending.values():
                p.ok, p.result = False, WorkerGone(self.last_death)
                p.event.set()
            self.restarts += 1
            try:
                conn.close()
            except OSError:
                pass
            now = time.monotonic()
            self._deaths = [t for t in self._deaths if now - t < 60.0] + [now]
        if len(self._deaths) > 3:  # crashing in a loop: back off rather than spin
            time.sleep(min(30.0, 2.0 ** (len(self._deaths) - 3)))
        with self._lock:
            if not self._closed:
                self._start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            try:
                self.conn.close()
            except OSError:
                pass
        try:
            self.process.wait(2.0)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --------------------------------------------------------------------------- the service


class TrainingService:
    """A few worker processes shared by every session of this server."""

    def __init__(self, workers: int | None = None, nice: int = WORKER_NICE, memory_mb: int = WORKER_MEMORY_MB):
        self.workers = [WorkerHandle(i, nice, memory_mb) for i in range(workers or default_workers())]
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def create(self, spec: RunSpec, *, name: str = "", **options: Any) -> "Job":
        """Build a run in the least busy worker; raises GenLabError with a reason a student can read."""
        spec.check()
        blob = pickle.dumps(spec)  # fails here, in the page, for a closure
        if len(blob) > MAX_SPEC_BYTES:
            raise ConfigError("This data is too large to train on the shared server.")
        with self._lock:
            worker = min(self.workers, key=lambda w: (w.jobs, w.load))
            worker.jobs += 1
            run_id = next(self._ids)
        generation = worker.generation
        try:
            reply = worker.call("create", run_id, (spec, options), generation, timeout=60.0)
        except BaseException:
            worker.jobs -= 1
            raise
        return Job(self, worker, generation, run_id, name, reply)

    def stats(self, fresh_s: float = 1.0) -> dict[str, int]:
        """For the status line: workers, running models and hosted models. Never waits: a count older than
        ``fresh_s`` is asked for again, and the answer serves the next call (a page's next poll)."""
        for w in self.workers:
            if time.monotonic() - w.load_time > fresh_s:
                w.ask("stats")
        return {"workers": len(self.workers), "running": sum(w.load for w in self.workers),
                "jobs": sum(w.jobs for w in self.workers), "restarts": sum(w.restarts for w in self.workers)}

    def worker_stats(self) -> list[dict[str, Any]]:
        out = []
        for w in self.workers:
            try:
                out.append(w.call("stats", 0, timeout=5.0))
            except GenLabError as err:
                out.append({"error": str(err)})
        return out

    def shutdown(self) -> None:
        for w in self.workers:
            w.close()


_SERVICE: TrainingService | None = None
_SERVICE_LOCK = threading.Lock()


def service() -> TrainingService:
    """The one training service of this process (all Streamlit sessions share it)."""
    global _SERVICE
    with _SERVICE_LOCK:
        if _SERVICE is None:
            _SERVICE = TrainingService()
            atexit.register(_SERVICE.shutdown)
        return _SERVICE


# --------------------------------------------------------------------------- the page's proxy


class Job:
    """A page's handle on one run in a worker. Reading methods return what the last answer said."""

    def __init__(self, owner: TrainingService, worker: WorkerHandle, generation: int, run_id: int, name: str,
                 reply: dict[str, Any]):
        self.service, self.worker, self.generation, self.id, self.name = owner, worker, generation, run_id, name
        self._status: JobStatus = reply["status"]
        self.last_metrics: dict[str, float] = {}
        self.timing: dict[str, float] = {}  # running_s (wall, in the worker), compute_s (inside step()), snapshot_wait
        self._history: tuple[int, dict[str, np.ndarray]] = (-1, {"step": np.zeros(0, dtype=np.int64)})
        self._snapshot: tuple[int, dict[str, Any]] = (-1, {})
        self._dropped = False
        self._lock = threading.Lock()
        self._apply(reply)

    # ---------------------------------------------------------------- talking to the worker

    def _apply(self, reply: dict[str, Any]) -> bool:
        """Take a worker's answer; True if it brought a new snapshot."""
        with self._lock:
            self._status = reply["status"]
            self.last_metrics = reply["last_metrics"]
            self.timing = reply.get("timing", {})
            if reply.get("history") is not None:
                self._history = reply["history"]
            if reply.get("snapshot") is not None:
                self._snapshot = reply["snapshot"]
                return True
            return False

    def _fail(self, message: str) -> None:
        with self._lock:
            s = self._status
            self._status = JobStatus(FAILED, s.step, 0.0, message, s.max_steps)

    def _call(self, op: str, payload: Any = None, timeout: float = REQUEST_TIMEOUT_S) -> bool:
        if self._dropped or (self._status.state == FAILED and self.generation != self.worker.generation):
            return False
        try:
            reply = self.worker.call(op, self.id, payload, self.generation, timeout=timeout)
        except WorkerGone as err:
            self._fail(str(err))
            return False
        except RequestTimeout:
            return False  # keep what we had; the next poll tries again
        except GenLabError as err:  # the worker no longer knows this run
            self._fail(str(err))
            return False
        return self._apply(reply)

    def poll(self) -> bool:
        """Ask the worker how the run is doing (and for a newer snapshot); True if the picture changed."""
        return self._call("poll", (self._snapshot[0], self._history[0]))

    def start(self) -> None:
        self._call("start")

    def pause(self) -> None:
        self._call("pause")

    def step_once(self, n: int = 1) -> None:
        self._call("step", n, timeout=60.0)

    def set_live(self, **values: Any) -> None:
        self._call("live", values)

    def weights(self) -> bytes | None:
        """The model's networks as a checkpoint file (plain tensors; ``core/checkpoints.py``), or None
        when the worker cannot answer now."""
        if self._dropped:
            return None
        try:
            return self.worker.call("weights", self.id, self.name, self.generation, timeout=30.0)
        except (WorkerGone, RequestTimeout, GenLabError):
            return None

    def query(self, name: str, **kwargs: Any) -> Any:
        """Ask the trainer an on-demand question it lists in ``QUERIES`` (``trajectory`` for a replay);
        None when the worker cannot answer now."""
        if self._dropped:
            return None
        try:
            return self.worker.call("query", self.id, (name, kwargs), self.generation, timeout=60.0)
        except (WorkerGone, RequestTimeout, GenLabError):
            return None

    def stop(self) -> None:
        """End for good and free the worker's memory; never waits (safe on session end)."""
        if not self._dropped:
            self._dropped = True
            with self._lock:
                s = self._status
                if s.state not in TERMINAL:
                    self._status = JobStatus("stopped", s.step, 0.0, s.message, s.max_steps)
            self.worker.send("drop", self.id, None, self.generation)
            if self.generation == self.worker.generation:
                self.worker.jobs = max(0, self.worker.jobs - 1)

    # ---------------------------------------------------------------- reading (no round trip)

    def status(self) -> JobStatus:
        return self._status

    @property
    def state(self) -> str:
        return self._status.state

    @property
    def active(self) -> bool:
        return self._status.state == RUNNING

    @property
    def step_count(self) -> int:
        return self._status.step

    @property
    def message(self) -> str:
        return self._status.message

    def snapshot(self) -> dict[str, Any]:
        """The latest good snapshot this page has received."""
        return self._snapshot[1]

    @property
    def snapshot_version(self) -> int:
        return self._snapshot[0]

    def metrics(self) -> dict[str, np.ndarray]:
        """The metric history as columns: {'step': (n,), name: (n,)}."""
        return self._history[1]
