"""One worker process seen from the server: its start, the socket pair to it, requests and their
answers, and its restart when it dies.

A :class:`WorkerHandle` starts ``python -m core.worker`` (nice ``nice``, its memory capped), and a
reader thread hands each answer to the request waiting for it. Every answer also says how many runs
the worker trains (``load``), which the service uses to place new runs. A worker that dies is
restarted at once (backing off if it crashes in a loop); the requests in flight and the runs it
hosted fail with :class:`WorkerGone` and a reason a student can read.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core.errors import GenLabError
from core.runner import one_line

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 20.0
ROOT = Path(__file__).resolve().parent.parent  # the folder that holds core/ (the workers' working directory)

ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def worker_env() -> dict[str, str]:
    """The server's environment, with every maths library held to one thread: a worker is one core's
    worth of training. (numpy's OpenBLAS otherwise starts a thread per core for a matrix product,
    and two workers' spinning threads fight over the same two cores: measured with
    ``bench/bench_share.py --sizes 10``, 1.4x one job alone instead of 2.0x.)"""
    return {**os.environ, **{name: "1" for name in ONE_THREAD}}


class WorkerGone(GenLabError):
    """The worker process that trained this model stopped."""


class RequestTimeout(GenLabError):
    pass


class _Pending:
    __slots__ = ("event", "ok", "result", "generation")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.ok = False
        self.result: Any = None
        self.generation = 0  # the worker process (its generation) the request went to


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
            pass_fds=(theirs.fileno(),), cwd=ROOT, stdin=subprocess.DEVNULL, close_fds=True, env=worker_env(),
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
        return self._wait(self._send(op, run_id, payload, generation, wait=True), timeout)

    def call_current(self, op: str, run_id: int, payload: Any = None,
                     timeout: float = REQUEST_TIMEOUT_S) -> tuple[int, Any]:
        """Ask the worker process running now; returns its generation with the answer. For a request that
        starts something on the worker (a new run), which then belongs to the process that answered: a
        generation read before sending could already be stale if the worker restarted in between."""
        pending = self._send(op, run_id, payload, None, wait=True)
        return pending.generation, self._wait(pending, timeout)

    @staticmethod
    def _wait(pending: _Pending, timeout: float) -> Any:
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
            pending.generation = self.generation
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
            if len(self._deaths) <= 3:  # restarted in the same step: no request finds a closed pipe between
                self._start()
                return
        time.sleep(min(30.0, 2.0 ** (len(self._deaths) - 3)))  # crashing in a loop: back off rather than spin
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
