"""The page's proxy for one run in a worker: :class:`Job`.

A Job keeps the verbs pages use (start, pause, step, live settings, weights, queries, stop) and a
cache of what the worker last answered: the status, the last metrics, the bounded metric history
and the latest good snapshot. :meth:`Job.poll` refreshes them, only as often as a page asks, and
the worker sends the history and the snapshot only when they are newer than what the page holds.
Reading methods never wait for the worker; stopping never waits either (safe when a session ends).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import GenLabError
from core.runner import FAILED, RUNNING, TERMINAL, JobStatus
from core.worker_link import REQUEST_TIMEOUT_S, RequestTimeout, WorkerGone, WorkerHandle

if TYPE_CHECKING:
    from core.service import TrainingService


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

    def _fetch(self, op: str, payload: Any, timeout: float) -> Any:
        """A one-off answer (a download, a replay's frames); None when the worker cannot answer now."""
        if self._dropped:
            return None
        try:
            return self.worker.call(op, self.id, payload, self.generation, timeout=timeout)
        except (WorkerGone, RequestTimeout, GenLabError):
            return None

    def weights(self) -> bytes | None:
        """The model's networks as a checkpoint file (plain tensors; ``core/checkpoints.py``)."""
        return self._fetch("weights", self.name, 30.0)

    def query(self, name: str, **kwargs: Any) -> Any:
        """Ask the trainer an on-demand question it lists in ``QUERIES`` (``trajectory`` for a replay)."""
        return self._fetch("query", (name, kwargs), 60.0)

    def film(self) -> dict[str, np.ndarray] | None:
        """The frames the run kept over its training (its ``film`` option), for a replay of training."""
        return self._fetch("film", None, 30.0)

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
