"""A run's film: chosen arrays of its snapshots over the whole of training, in bounded memory.

A page replays how a model learned (a GAN's samples chasing the data, a classifier's boundary
taking shape) from frames the worker kept while it trained, so the replay costs no new training and
no page polls for it. Like the metric history, a film keeps every ``stride``-th picture; when
``capacity`` frames are held, every other one is dropped and the stride doubles, so the frames stay
spread over the whole run, however long, in a flat amount of memory. The latest picture is always
the film's last frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Film:
    def __init__(self, keys: tuple[str, ...] = (), capacity: int = 40):
        self.keys = tuple(keys)
        self.capacity = max(4, capacity)
        self.stride = 1
        self.seen = 0  # pictures offered
        self.steps: list[int] = []
        self.frames: list[dict[str, np.ndarray]] = []
        self.latest: tuple[int, dict[str, np.ndarray]] | None = None

    def record(self, step: int, snapshot: dict[str, Any]) -> None:
        """Offer a new picture taken at ``step``; kept if it falls on the stride."""
        if not self.keys or not all(k in snapshot for k in self.keys):
            return
        frame = {k: np.array(snapshot[k], copy=True) for k in self.keys}
        self.latest = (step, frame)
        self.seen += 1
        if (self.seen - 1) % self.stride:
            return
        self.steps.append(step)
        self.frames.append(frame)
        if len(self.frames) >= self.capacity:
            self.stride *= 2
            keep = range(0, len(self.frames), 2)
            self.steps = [self.steps[i] for i in keep]
            self.frames = [self.frames[i] for i in keep]

    def reel(self) -> dict[str, np.ndarray] | None:
        """{'step': (F,), key: (F, ...)} in training order, ending with the latest picture; None if empty."""
        steps, frames = list(self.steps), list(self.frames)
        if self.latest is not None and (not steps or steps[-1] != self.latest[0]):
            steps.append(self.latest[0])
            frames.append(self.latest[1])
        if not frames:
            return None
        out = {"step": np.asarray(steps, dtype=np.int64)}
        for k in self.keys:
            try:
                out[k] = np.stack([f[k] for f in frames])
            except ValueError:  # the shape changed mid-run (a live setting): keep the frames that match the last
                last = frames[-1][k].shape
                match = [i for i, f in enumerate(frames) if f[k].shape == last]
                return {"step": out["step"][match], **{kk: np.stack([frames[i][kk] for i in match])
                                                       for kk in self.keys}}
        return out
