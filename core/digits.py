"""scikit-learn's bundled 8x8 digits (1,797 images, pixel intensities 0 to 16), split and shifted.

Shared by the pages that learn from images: other architectures (CNN against MLP), the
auto-encoder and VAE, GAN against VAE, and denoising. Images come as float32 arrays scaled to
[0, 1] (``pixels / 16``); ``to_pixels`` turns model output back into the 0..16 units that
``load_digits`` gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SIDE = 8
MAX_PIXEL = 16.0


@dataclass(frozen=True)
class Digits:
    x_train: np.ndarray  # (n, 64) float32 in [0, 1]
    y_train: np.ndarray  # (n,) int64 in 0..9
    x_test: np.ndarray
    y_test: np.ndarray


@lru_cache(maxsize=1)
def _raw() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.data / MAX_PIXEL).astype(np.float32)
    y = bunch.target.astype(np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def load(test_ratio: float = 0.25, seed: int = 0) -> Digits:
    """A class-stratified random split of the 1,797 digits (same seed, same split)."""
    if not 0.0 < test_ratio < 1.0:
        raise ValueError("test_ratio must lie strictly between 0 and 1")
    x, y = _raw()
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for c in range(10):
        idx = np.flatnonzero(y == c)
        test[rng.choice(idx, size=max(1, round(len(idx) * test_ratio)), replace=False)] = True
    return Digits(x[~test].copy(), y[~test].copy(), x[test].copy(), y[test].copy())


def shift(images: np.ndarray, dx: int = 1, dy: int = 0) -> np.ndarray:
    """Translate (n, 64) images by (dx, dy) pixels (right, down), filling with blank pixels."""
    img = np.asarray(images).reshape(-1, SIDE, SIDE)
    out = np.zeros_like(img)
    h_src = slice(max(0, -dy), SIDE - max(0, dy))
    h_dst = slice(max(0, dy), SIDE - max(0, -dy))
    w_src = slice(max(0, -dx), SIDE - max(0, dx))
    w_dst = slice(max(0, dx), SIDE - max(0, -dx))
    out[:, h_dst, w_dst] = img[:, h_src, w_src]
    return out.reshape(len(img), SIDE * SIDE)


def to_pixels(x: np.ndarray) -> np.ndarray:
    """Model output in [0, 1] (clipped) back to load_digits' intensities 0..16."""
    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0) * MAX_PIXEL
