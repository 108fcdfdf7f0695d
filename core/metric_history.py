"""A run's metric history in bounded memory: every ``stride``-th step, the stride doubling when full."""

from __future__ import annotations

import numpy as np


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
