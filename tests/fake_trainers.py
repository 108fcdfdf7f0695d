"""Tiny trainers for the runner, worker and service tests: controllable, and importable by a worker process."""

from __future__ import annotations

import os
import time

import numpy as np
import torch


class Counter:
    """Loss 1/step; optional failure, NaN loss, NaN picture, slowness; a random draw shows the seed's effect."""

    def __init__(self, nan_at: int | None = None, fail_at: int | None = None, delay: float = 0.0,
                 nan_picture_at: int | None = None, seed: int | None = None, done_at: int | None = None):
        if seed is not None:
            torch.manual_seed(seed)
        self.w = torch.randn(4)  # drawn from the global generator, as several models do
        self.steps = 0
        self.nan_at, self.fail_at, self.delay, self.nan_picture_at = nan_at, fail_at, delay, nan_picture_at
        self.done_at = done_at
        self.lr = 1.0
        self.draws: list[float] = []

    @property
    def done(self) -> bool:
        return self.done_at is not None and self.steps >= self.done_at

    def step(self) -> dict[str, float]:
        self.steps += 1
        if self.delay:
            time.sleep(self.delay)
        if self.fail_at == self.steps:
            raise ZeroDivisionError("division by zero\nsecond line")
        self.draws.append(float(torch.randn(()).item()))  # the global generator again, every step
        loss = float("nan") if self.nan_at is not None and self.steps >= self.nan_at else 1.0 / self.steps
        return {"loss": loss}

    def snapshot(self) -> dict:
        bad = self.nan_picture_at is not None and self.steps >= self.nan_picture_at
        return {"x": np.array([np.nan if bad else self.steps], dtype=float), "w": self.w.numpy().copy(),
                "draws": np.asarray(self.draws[-50:]), "lr": self.lr, "pid": os.getpid(),
                "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", ""),
                "tiny": float(torch.tensor(1e-40, dtype=torch.float32) * 2.0)}  # a denormal: 0 where they are flushed

    def set_live(self, lr: float = 1.0) -> None:
        if not lr > 0:
            raise ValueError("the learning rate must be positive")
        self.lr = lr


class DearPicture(Counter):
    """A picture that costs ``cpu_s`` seconds of this thread's CPU (whatever else the machine does)."""

    def __init__(self, cpu_s: float = 0.02):
        super().__init__()
        self.cpu_s = cpu_s

    def snapshot(self) -> dict:
        end = time.thread_time() + self.cpu_s
        while time.thread_time() < end:
            pass
        return super().snapshot()


class Hog(Counter):
    """Allocates ``mb`` megabytes per step (to be killed by a memory limit)."""

    def __init__(self, mb: int = 100):
        super().__init__()
        self.mb = mb
        self.kept: list[bytearray] = []

    def step(self) -> dict[str, float]:
        self.kept.append(bytearray(self.mb * 1024 * 1024))
        return super().step()
