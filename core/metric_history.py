"""A run's metric history in bounded memory: every ``stride``-th step, the stride doubling when full.

Stored by column (a list of floats per metric) rather than a dict per step: recording a step copies
nothing, and a page's poll turns each column into an array in one call.
"""

from __future__ import annotations

import math

import numpy as np


class MetricHistory:
    """Every ``stride``-th step's metrics, at most ``capacity`` rows.

    When full, rows whose step is not a multiple of twice the stride are dropped and the stride
    doubles: a 30-minute run keeps its whole shape in a flat amount of memory. A metric a row lacks
    is NaN there.
    """

    def __init__(self, capacity: int = 1000):
        self.capacity = max(4, capacity)
        self.stride = 1
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {}

    def record(self, step: int, metrics: dict[str, float]) -> None:
        if step % self.stride:
            return
        n = len(self.steps)
        self.steps.append(step)
        values = self.values
        for name, value in metrics.items():
            column = values.get(name)
            if column is None:  # a metric seen for the first time: NaN in the rows before
                column = values[name] = [math.nan] * n
            column.append(float(value))
        if len(values) > len(metrics):  # every metric of this row has its column now; the others lack it
            for column in values.values():
                if len(column) == n:
                    column.append(math.nan)
        if len(self.steps) >= self.capacity:
            self.stride *= 2
            keep = [i for i, s in enumerate(self.steps) if s % self.stride == 0]
            self.steps = [self.steps[i] for i in keep]
            self.values = {name: [column[i] for i in keep] for name, column in values.items()}

    def columns(self) -> dict[str, np.ndarray]:
        """{'step': (n,), metric: (n,) with NaN where a row lacks it}."""
        out = {"step": np.asarray(self.steps, dtype=np.int64)}
        for name, column in self.values.items():
            out[name] = np.asarray(column, dtype=float)
        return out

    def __len__(self) -> int:
        return len(self.steps)
