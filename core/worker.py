"""A worker process: hosts many runs and steps the running ones in short round-robin slices.

The page side (``core/worker_link.py``) sends requests ``(request_id, op, run_id, payload)`` through a
pipe and gets ``(request_id, ok, result, load)`` back, ``load`` being how many runs the worker
trains. Between two slices, and every few milliseconds within one, the worker answers every request waiting
in the pipe, so a page waits at most a few milliseconds (plus one step) for an answer.

Fairness: every running run gets the same slice of compute time in turn, so thirty students on two
workers each get a thirtieth of the machine instead of a place in a queue. Reproducibility: each
run has its own random state (torch, numpy, Python), swapped in when its build, slice or request comes, so
a seed gives the same run whatever else the worker is stepping. Jobs whose page has not asked for
them for ``idle_timeout`` seconds pause. The worker exits when its pipe closes (the server died).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import random
import select
import signal
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Iterator

import numpy as np
import torch

from core import checkpoints
from core.nets import training_thread
from core.runner import RUNNING, Run, one_line

log = logging.getLogger(__name__)


def _slice_s(default: float = 0.1) -> float:
    """Wall time of one run's turn (``GENLAB_SLICE_S`` overrides it, for bench/bench_slices.py). Requests are
    answered inside a turn too (every ``core.runner.BETWEEN_S``), so its length only trades the grain of the
    round-robin against the cost of switching runs: fifteen GAN runs in one worker made 1.047-1.059x the steps
    per CPU second in turns of 0.1 s than of 0.02 s, side by side (each model comes back into the cache less often)."""
    try:
        return min(1.0, max(0.001, float(os.environ.get("GENLAB_SLICE_S") or default)))
    except ValueError:
        return default


SLICE_S = _slice_s()
IDLE_CHECK_S = 1.0  # how often the worker pauses unwatched runs and gives freed memory back


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library)."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c")), "malloc_trim", None)
    except OSError:  # pragma: no cover - no C library to load
        return None


MALLOC_TRIM = None if os.environ.get("GENLAB_MALLOC_TRIM") == "0" else _malloc_trim()  # "0": never trim


def release_memory() -> None:
    """Give the memory the C allocator holds free back to the system. Thirty students' GAN runs in two
    workers free a picture's or an evaluation's arrays many times a second, and glibc keeps the freed
    pages (its threshold for returning large blocks at once rises with each one freed): beside a worker
    trimmed every second, the same 15 GAN runs averaged 548 MB against 451, at 0.995 the steps/s
    (``bench/bench_worker_memory.py``); ``bench/bench_class.py`` prints the class's peak. Since the
    evaluations free less (3 December), 425 MB against 412, at 1.013-1.016 the steps/s in either order:
    the pages given back and faulted in again (about 3,000 a second more) cost nothing measurable."""
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


class RngState:
    """A private copy of torch's, numpy's and Python's global random state."""

    def __init__(self, seed: int = 0):
        saved = RngState.__new__(RngState)
        saved._save()
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
        self._save()
        saved._load()

    def _save(self) -> None:
        self.torch = torch.get_rng_state()
        self.numpy = np.random.get_state()
        self.python = random.getstate()

    def _load(self) -> None:
        torch.set_rng_state(self.torch)
        np.random.set_state(self.numpy)
        random.setstate(self.python)


def _readiness(conn: Any) -> Callable[[], bool]:
    """A check, without waiting, whether a request (or the pipe's end) is waiting in ``conn``. A slice asks it
    every ``BETWEEN_S`` between two steps: ``Connection.poll(0)`` builds a selector each time (17-22 µs
    with the caches cold from a step of training); one ``select.poll`` object kept for the pipe answers in 4-6 µs."""
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN)
    except (AttributeError, OSError, ValueError):  # not a file descriptor: ask the connection itself
        return partial(conn.poll, 0)
    return partial(_ready, poller)


def _ready(poller: Any) -> bool:
    return bool(poller.poll(0))


@dataclass
class Hosted:
    run: Run
    rng: RngState
    idle_timeout: float | None
    last_seen: float = field(default_factory=time.monotonic)


class WorkerHost:
    """The runs of one worker and the loop that steps them."""

    def __init__(self, conn: Any, slice_s: float = SLICE_S):
        self.conn = conn
        self.slice_s = slice_s
        self.runs: dict[int, Hosted] = {}
        self._turn = 0
        self._last_idle_check = time.monotonic()
        self._rng_owner: RngState | None = None  # whose random state the globals hold now
        self._waiting = _readiness(conn)

    @contextlib.contextmanager
    def _using(self, rng: RngState) -> Iterator[None]:
        """The globals hold ``rng``'s random state inside."""
        self._hold(rng)
        yield

    def _hold(self, rng: RngState) -> None:
        """Put ``rng``'s random state in the globals (the state they held is saved to its owner first).
        Swapped only when another run's turn comes: a run that keeps the worker to itself pays nothing
        (a swap of torch's, numpy's and Python's states costs about 70 µs)."""
        if self._rng_owner is not rng:
            if self._rng_owner is not None:
                self._rng_owner._save()
            rng._load()
            self._rng_owner = rng

    def _answer_waiting(self, rng: RngState) -> None:
        """Inside a slice: answer the requests waiting in the pipe, then give the slice's run its random
        state back (a request about another run swaps it)."""
        if self._waiting():
            self.drain()
            self._hold(rng)

    # ---------------------------------------------------------------- requests

    def handle(self, op: str, run_id: int, payload: Any) -> Any:
        if op == "create":
            return self._create(run_id, *payload)
        if op == "stats":
            return self.stats()
        hosted = self.runs.get(run_id)
        if hosted is None:
            raise LookupError("This model is no longer on the server: press Reset to start again.")
        run = hosted.run
        hosted.last_seen = time.monotonic()
        if op == "drop":
            run.stop()
            del self.runs[run_id]
            if self._rng_owner is hosted.rng:
                self._rng_owner = None
            return None
        with self._using(hosted.rng):
            if op == "poll":
                return run.poll(*payload)
            if op == "weights":  # a download: the trainer's networks as a checkpoint file
                return checkpoints.as_bytes(run.trainer, str(payload))
            if op == "film":  # a replay of training: the frames the run kept
                return run.film.reel()
            if op == "query":  # an on-demand question the trainer lists in QUERIES (a replay's frames)
                name, kwargs = payload
                if name not in getattr(run.trainer, "QUERIES", ()):
                    raise ValueError(f"this model cannot answer {name!r}")
                return getattr(run.trainer, name)(**kwargs)
            if op == "start":
                run.start(renew=self.running_count() == 0)
            elif op == "pause":
                run.pause()
            elif op == "step":
                run.step_once(int(payload))
            elif op == "live":
                run.set_live(payload)
            else:
                raise ValueError(f"unknown request {op!r}")
            return run.poll()

    def _create(self, run_id: int, spec: Any, options: dict[str, Any]) -> Any:
        options = dict(options)
        idle_timeout = options.pop("idle_timeout", None)
        live = options.pop("live", None)
        rng = RngState(0)
        with self._using(rng):
            trainer = spec.build()
            if live:
                trainer.set_live(**live)
            run = Run(trainer, **options)
        self.runs[run_id] = Hosted(run, rng, idle_timeout)
        return run.poll()

    def running_count(self) -> int:
        return sum(1 for h in self.runs.values() if h.run.state == RUNNING)

    def stats(self) -> dict[str, Any]:
        return {"runs": len(self.runs), "running": self.running_count(), "pid": os.getpid(),
                "steps": sum(h.run.step_count for h in self.runs.values()),
                "compute_s": sum(h.run.compute_s for h in self.runs.values())}

    def drain(self, timeout: float = 0.0) -> None:
        """Answer every waiting request (waiting at most ``timeout`` for the first)."""
        while self.conn.poll(timeout):
            timeout = 0.0
            try:
                request_id, op, run_id, payload = self.conn.recv()
            except (EOFError, OSError):
                raise
            except Exception:  # a request that does not unpickle here: drop it, keep serving
                log.exception("unreadable request")
                continue
            try:
                result, ok = self.handle(op, run_id, payload), True
            except Exception as err:
                if not isinstance(err, LookupError):
                    log.warning("request %s failed", op, exc_info=True)
                result, ok = one_line(err), False
            if request_id is not None:
                try:
                    self.conn.send((request_id, ok, result, self.running_count()))
                except (EOFError, OSError):
                    raise
                except Exception as err:  # an answer that does not pickle (a trainer's snapshot, say)
                    log.exception("unpicklable answer to %s", op)
                    self.conn.send((request_id, False, f"The model's picture cannot be sent: {one_line(err)}",
                                    self.running_count()))

    # ---------------------------------------------------------------- loop

    def serve(self) -> None:
        while True:
            running = [h for h in self.runs.values() if h.run.state == RUNNING]
            if not running:
                self.drain(IDLE_CHECK_S)
                self._housekeep()
                continue
            stepped = False
            self._turn += 1
            shift = self._turn % len(running)
            for hosted in running:  # a run's pictures are paced by its share of this worker (Run.snapshot_wait)
                hosted.run.sharing = len(running)
            for hosted in running[shift:] + running[:shift]:
                if hosted.run.state != RUNNING:
                    continue
                with self._using(hosted.rng):
                    stepped |= hosted.run.run_slice(self.slice_s, partial(self._answer_waiting, hosted.rng)) > 0
                    if hosted.run.state == RUNNING:  # its picture when due, in its own turn (not in a page's poll,
                        hosted.run.take_snapshot()  # which comes every 5 s at most: a 7 s pace would show every 10)
                self.drain()
            if not stepped:  # every running run is paced: sleep until the first is due (or a request)
                self.drain(min((h.run.due_in() for h in running if h.run.state == RUNNING), default=0.0))
            self._housekeep()

    def _housekeep(self) -> None:
        """At most once in IDLE_CHECK_S: give freed memory back, pause the runs nobody watches."""
        now = time.monotonic()
        if now - self._last_idle_check < IDLE_CHECK_S:
            return
        self._last_idle_check = now
        release_memory()
        for hosted in self.runs.values():
            if hosted.run.state == RUNNING and hosted.idle_timeout and now - hosted.last_seen > hosted.idle_timeout:
                with self._using(hosted.rng):
                    hosted.run.pause("Paused: nobody was watching. Press Play to go on.")


def limit_memory(extra_mb: int) -> None:
    """Cap this process's address space at what it uses now plus ``extra_mb``: a runaway model gets a
    MemoryError in its own step (its run fails with a message) instead of exhausting the server."""
    if extra_mb <= 0:
        return
    import resource

    size = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = size + extra_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_main(conn: Any, nice: int = 0, memory_mb: int = 0) -> None:
    """The worker process's entry: one torch thread, a lower priority than the pages, a memory cap;
    serve until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server ends it; the worker follows
    if nice:
        try:
            os.nice(nice)
        except OSError:  # pragma: no cover - not allowed here
            pass
    training_thread()
    try:
        limit_memory(memory_mb)
    except (OSError, ValueError):  # pragma: no cover - no /proc or no permission
        log.warning("could not limit the worker's memory", exc_info=True)
    try:
        WorkerHost(conn).serve()
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the server closed the pipe


if __name__ == "__main__":  # python -m core.worker FD NICE (started by core/worker_link.py)
    import sys
    from multiprocessing.connection import Connection

    worker_main(Connection(int(sys.argv[1])), *(int(a) for a in sys.argv[2:4]))
