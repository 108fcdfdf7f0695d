"""What a GAN learns from: a 2D target (or an uploaded CSV) or the 8x8 digits, as a training pool and a
held-out set, both in data units (digits: pixel intensities 0..16 as ``load_digits`` gives them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.targets2d import Target2D, load_target

DIGITS = "digits"


@dataclass(frozen=True)
class GanData:
    """What a GAN learns from: a training pool and a held-out set, both in data units."""

    pool: np.ndarray  # (N, d) training points
    held_out: np.ndarray  # (M, d) for the metrics
    target: Target2D | None  # 2D targets (mixtures know their modes)
    is_digits: bool = False

    @property
    def dim(self) -> int:
        return self.pool.shape[1]


POOL = 20_000


def load_data(cfg: Any, target: Target2D | None = None) -> GanData:
    """The data of ``cfg.data`` (or of the given ``target``, e.g. a page's CSV upload)."""
    if target is None:
        if cfg.data == DIGITS:
            from core import digits

            d = digits.load(seed=cfg.seed)
            return GanData(d.x_train.astype(np.float64), d.x_test.astype(np.float64), None, True)
        target = load_target(cfg.data, cfg.spread, others=(DIGITS,))
    return GanData(target.sample(POOL, seed=cfg.seed), target.sample(2000, seed=cfg.seed + 10_000), target)
