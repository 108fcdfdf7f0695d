"""The training service: worker processes that train every session's models, and the Job proxy pages hold.

Why processes: two training threads in one Python process make 0.7x to 1.1x the steps of one (the
GIL), and every page render competes for the same lock; two processes make 1.9x. So the server
process only draws pages, and ``TrainingService`` owns a few worker processes (as many as the cores
this process may really use; ``GENLAB_WORKERS`` overrides). Each is a fresh ``python -m core.worker``
joined to the server by a socket pair (``core/worker_link.py``): it imports only numpy, torch and the
model modules (never the server's own main module), and the libraries' code pages are shared through
the page cache.

A run is described by data alone: a :class:`RunSpec` names a module-level trainer class (or
function) of ``core`` and its arguments (the config dataclass plus uploaded arrays), all pickled
across the pipe: no lambda or closure crosses a process boundary. A :class:`Job` (``core/job.py``) is
the page's proxy for one run: play, pause, step, live settings, reset by dropping it, and a cache of the
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
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from core.errors import ConfigError, GenLabError
from core.job import Job
from core.worker_link import WorkerHandle

log = logging.getLogger(__name__)

MAX_SPEC_BYTES = 64 * 1024 * 1024  # a run's description, uploads included
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
            picked = worker.generation
        try:
            generation, reply = worker.call_current("create", run_id, (spec, options), timeout=60.0)
        except BaseException:
            if worker.generation == picked:  # a restart has recounted its jobs already
                worker.jobs -= 1
            raise
        if generation != picked:  # restarted between the pick and the send: the new process counted none
            with self._lock:
                worker.jobs += 1
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
