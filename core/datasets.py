"""Labelled 2D datasets for classification, as in TensorFlow Playground, and CSV uploads.

Every generator draws its points at random (never at evenly spaced angles: two draws of the same
size must differ), adds Gaussian noise of standard deviation ``noise`` in the data's units, and
returns ``X`` (n, 2) float32 and ``Y`` (n,) int64 with classes 0..C-1, shuffled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.csvdata import MAX_ROWS, CsvSource, numeric_columns, read_csv_table
from core.errors import DataError, quote


@dataclass(frozen=True)
class LabelledData:
    X: np.ndarray  # (n, 2) float32
    Y: np.ndarray  # (n,) int64 in 0..C-1
    class_names: tuple[str, ...]
    name: str

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def split(self, train_ratio: float, seed: int) -> tuple["LabelledData", "LabelledData"]:
        """Shuffle with ``seed``, then the first ``train_ratio`` share trains, the rest tests.

        Both parts keep at least one point: fewer than two points cannot be split (DataError).
        """
        n = len(self.Y)
        if n < 2:
            raise DataError(f"Only {n} point: a training part and a test part need at least 2 points.")
        idx = np.random.default_rng(seed).permutation(n)
        k = min(max(1, int(round(train_ratio * n))), n - 1)
        part = lambda ids: LabelledData(self.X[ids], self.Y[ids], self.class_names, self.name)  # noqa: E731
        return part(idx[:k]), part(idx[k:])


def _moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    t = rng.uniform(0, np.pi, n)
    x = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return x, y


def _circles(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(y == 0, 1.0, 0.45)
    return np.c_[r * np.cos(t), r * np.sin(t)], y


def _xor(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, (n, 2))
    x += np.sign(x) * 0.05  # a small gap around the axes, as in TensorFlow Playground
    return x, (x[:, 0] * x[:, 1] > 0).astype(np.int64)


def _gaussians(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    centre = np.where(y[:, None] == 0, -0.7, 0.7)
    return centre + 0.25 * rng.standard_normal((n, 2)), y


def _spiral(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    r = rng.uniform(0.05, 1.0, n)
    t = 1.75 * 2 * np.pi * r + np.pi * y
    return np.c_[r * np.sin(t), r * np.cos(t)], y


GENERATORS = {
    "moons": ("Two moons", _moons),
    "circles": ("Circles", _circles),
    "xor": ("XOR", _xor),
    "gaussians": ("Two Gaussians", _gaussians),
    "spiral": ("Spiral", _spiral),
}
DATASET_NAMES = tuple(GENERATORS)


def make_dataset(name: str, n: int = 400, noise: float = 0.1, seed: int = 0) -> LabelledData:
    """``n`` points of a named toy set with Gaussian noise of std ``noise``."""
    if name not in GENERATORS:
        raise DataError(f"Unknown dataset '{name}': choose one of {', '.join(DATASET_NAMES)}.")
    if n < 4:
        raise DataError("Take at least 4 points.")
    rng = np.random.default_rng(seed)
    x, y = GENERATORS[name][1](n, rng)
    x = x + noise * rng.standard_normal(x.shape)
    return LabelledData(x.astype(np.float32), y.astype(np.int64), ("class 0", "class 1"), name)


def labelled_from_csv(data: CsvSource, max_rows: int = MAX_ROWS) -> LabelledData:
    """A CSV with columns x1, x2, label (header optional; labels may be numbers or names)."""
    table = read_csv_table(data, max_rows=max_rows)
    names = [str(c).strip().lower() for c in table.columns]
    if {"x1", "x2", "label"} <= set(names):
        table.columns = names
        cols = ["x1", "x2"]
        labels = table["label"]
    elif table.shape[1] == 3:
        cols = [0, 1]
        labels = table.iloc[:, 2]
    else:
        raise DataError(
            f"Expected 3 columns (x1, x2, label) but the file has {table.shape[1]}: "
            f"{quote(', '.join(map(str, table.columns[:5])), 80)}."
        )
    X = numeric_columns(table, cols)
    if len(X) < 4:
        raise DataError(f"The file has {len(X)} data row(s), fewer than 4: too few to train and test.")
    if labels.isna().any():
        raise DataError("Some rows have no label: every row needs x1, x2 and a label.")
    text = labels.astype(str).str.strip()
    try:  # numeric labels sort as numbers, so 2 comes before 10
        order = sorted(set(text), key=float)
    except ValueError:
        order = sorted(set(text))
    if len(order) < 2:
        raise DataError(f"All rows have the same label ('{quote(order[0])}'): a classifier needs two or more classes.")
    if len(order) > 10:
        raise DataError(f"The label column has {len(order)} different values: at most 10 classes, please.")
    lookup = {name: i for i, name in enumerate(order)}
    Y = np.array([lookup[v] for v in text], dtype=np.int64)
    return LabelledData(X.astype(np.float32), Y, tuple(order), "csv")
