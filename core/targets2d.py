"""The 2D target distributions p_data shared by every generative page.

GAN, VAE, score-based, diffusion and flow-matching pages all learn to sample from one of these
toy sets, so their pictures and metrics are comparable. Each target is a :class:`Target2D`:
a name, a human label, a sampler, and for Gaussian mixtures the mode centres and the component
std (the metrics in ``core/sample_metrics.py`` count modes; closed-form scores use
:meth:`Target2D.mixture_params`). Students may also upload their own points as a CSV
(:func:`points_from_csv`), sampled by bootstrap.

Also shared by the 2D pages: :class:`Standardiser` (the data in model units, one scale for both
axes) and :func:`plot_grid` (the grid over the data's box on which a page draws a field or a
class probability).

Shapes and defaults follow the classic GAN / flow benchmarks:
- ``ring``: 8 Gaussians on a circle of radius 2, std 0.05 (Unrolled GAN, PacGAN, VEEGAN).
- ``grid``: 25 Gaussians at {-4,-2,0,2,4}^2, std 0.05 (VEEGAN, PacGAN).
- ``moons``, ``circles``, ``spiral`` (Swiss roll), ``checkerboard`` (FFJORD).

Pitfall avoided (see DESIGN.md): scikit-learn's ``make_moons`` / ``make_circles`` use evenly
spaced angles and ``GaussianMixture.sample`` groups points by component. Here every angle and
every component is drawn at random, and :meth:`Target2D.sample` shuffles the rows.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from core.csvdata import MAX_ROWS, CsvSource, is_number, numeric_columns, read_csv_table
from core.errors import ConfigError, DataError

Sampler = Callable[[int, np.random.Generator], np.ndarray]  # (n, rng) -> (n, 2)


@dataclass(frozen=True, eq=False)  # eq=False: arrays make field-wise == ambiguous; identity eq/hash
class Target2D:
    """A 2D distribution to learn. Mixtures carry ``modes`` (K, 2) and ``mode_std``."""

    name: str
    label: str
    modes: np.ndarray | None  # (K, 2) mode centres, mixtures only
    mode_std: float | None  # std of each (isotropic) component, mixtures only
    sampler: Sampler  # (n, rng) -> (n, 2) float64
    spread: float = 0.0  # noise level the target was built with (std, data units)
    points: np.ndarray | None = None  # (N, 2) the uploaded points, "csv" target only

    def __post_init__(self):
        for f in ("modes", "points"):  # read-only copies: a frozen target stays frozen
            a = getattr(self, f)
            if a is not None:
                a = np.array(a, dtype=np.float64)
                a.setflags(write=False)
                object.__setattr__(self, f, a)

    def __setstate__(self, state: dict) -> None:
        """Unpickled (in a training worker): read-only again, like a fresh target."""
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def is_mixture(self) -> bool:
        return self.modes is not None

    @property
    def weights(self) -> np.ndarray | None:
        """(K,) uniform mixture weights, or None for non-mixtures."""
        return None if self.modes is None else np.full(len(self.modes), 1.0 / len(self.modes))

    def mixture_params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(weights (K,), means (K, 2), stds (K,)) of the isotropic Gaussian mixture."""
        if self.modes is None:
            raise ValueError(f"target {self.name!r} is not a Gaussian mixture")
        k = len(self.modes)
        return self.weights, self.modes.copy(), np.full(k, float(self.mode_std))

    def sample(self, n: int, seed: int | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
        """(n, 2) float64 points in random order. Same seed -> same points."""
        if rng is not None and seed is not None:
            raise ValueError("pass either seed or rng, not both")
        if rng is None:
            rng = np.random.default_rng(seed)
        n = int(n)
        if n < 0:
            raise ValueError("n must be >= 0")
        x = np.asarray(self.sampler(n, rng), dtype=np.float64).reshape(n, 2)  # (n, 2)
        return x[rng.permutation(n)]

    def __repr__(self) -> str:
        k = "" if self.modes is None else f", K={len(self.modes)}, mode_std={self.mode_std}"
        return f"Target2D({self.name!r}, {self.label!r}{k}, spread={self.spread})"


# ---------------------------------------------------------------------------------------------
# Built-in targets
# ---------------------------------------------------------------------------------------------

TARGET_NAMES = ("ring", "grid", "moons", "circles", "spiral", "checkerboard")
TARGET_LABELS = {
    "ring": "8 Gaussians (ring)",
    "grid": "25 Gaussians (grid)",
    "moons": "Two moons",
    "circles": "Two circles",
    "spiral": "Spiral (Swiss roll)",
    "checkerboard": "Checkerboard",
    "csv": "Uploaded points (CSV)",
}
# Default spread: component std for mixtures, std of the added Gaussian noise otherwise.
DEFAULT_SPREAD = {"ring": 0.05, "grid": 0.05, "moons": 0.1, "circles": 0.1, "spiral": 0.1, "checkerboard": 0.0}


# Samplers are module-level functions bound with functools.partial (never closures), so that a
# Target2D pickles: a page sends it to the training worker inside its run's description.


def _mixture(modes: np.ndarray, std: float, n, rng):
    k = rng.integers(0, len(modes), n)  # (n,) component of each point, random order
    return modes[k] + std * rng.standard_normal((n, 2))  # (n, 2)


def _bootstrap(values: np.ndarray, n, rng):
    return values[rng.integers(0, len(values), n)]  # (n, 2) drawn with replacement


def _moons(n, rng, noise):
    inner = rng.random(n) < 0.5  # (n,) which moon
    th = rng.uniform(0.0, np.pi, n)  # (n,) random angles, not evenly spaced
    x = np.where(inner, 1.0 - np.cos(th), np.cos(th))
    y = np.where(inner, 0.5 - np.sin(th), np.sin(th))
    p = 2.0 * (np.stack([x, y], 1) - [0.5, 0.25])  # (n, 2) centred, in [-3, 3] x [-1.5, 1.5]
    return p + noise * rng.standard_normal((n, 2))


def _circles(n, rng, noise):
    r = np.where(rng.random(n) < 0.5, 1.0, 2.0)  # (n,) inner radius 1, outer radius 2
    th = rng.uniform(0.0, 2 * np.pi, n)  # (n,)
    return r[:, None] * np.stack([np.cos(th), np.sin(th)], 1) + noise * rng.standard_normal((n, 2))


def _spiral(n, rng, noise):
    t = 1.5 * np.pi * (1 + 2 * rng.random(n))  # (n,) as sklearn's make_swiss_roll
    return np.stack([t * np.cos(t), t * np.sin(t)], 1) / 5.0 + noise * rng.standard_normal((n, 2))


def _checkerboard(n, rng, noise):  # FFJORD's checkerboard: 8 squares in [-4, 4]^2
    x1 = rng.random(n) * 4 - 2
    x2 = rng.random(n) - rng.integers(0, 2, n) * 2 + np.floor(x1) % 2
    return 2.0 * np.stack([x1, x2], 1) + noise * rng.standard_normal((n, 2))


_CURVES = {"moons": _moons, "circles": _circles, "spiral": _spiral, "checkerboard": _checkerboard}


def ring_modes(k: int = 8, radius: float = 2.0) -> np.ndarray:
    th = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(th), np.sin(th)], 1)  # (k, 2)


def grid_modes(side: int = 5, step: float = 2.0) -> np.ndarray:
    c = step * (np.arange(side) - (side - 1) / 2)  # (side,) = -4, -2, 0, 2, 4
    return np.stack(np.meshgrid(c, c, indexing="ij"), -1).reshape(-1, 2)  # (side^2, 2)


def make_target(name: str, spread: float | None = None) -> Target2D:
    """The built-in target ``name`` (one of TARGET_NAMES); ``spread`` overrides DEFAULT_SPREAD."""
    if name not in DEFAULT_SPREAD:
        raise ConfigError(f"Unknown target {name!r}: choose one of {', '.join(TARGET_NAMES)}.")
    s = DEFAULT_SPREAD[name] if spread is None else float(spread)
    if not np.isfinite(s) or s < 0 or (s == 0 and name in ("ring", "grid")):
        raise ConfigError(f"The spread must be a positive number (got {spread}).")
    if name in ("ring", "grid"):
        modes = ring_modes() if name == "ring" else grid_modes()
        return Target2D(name, TARGET_LABELS[name], modes, s, functools.partial(_mixture, modes, s), spread=s)
    curve = _CURVES[name]
    return Target2D(name, TARGET_LABELS[name], None, None, functools.partial(curve, noise=s), spread=s)


# ---------------------------------------------------------------------------------------------
# Standardisation: models train on standardised data and return samples in data units
# ---------------------------------------------------------------------------------------------

def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x - mean) / std per coordinate. Returns (x_std (n, d), mean (d,), std (d,)); std 0 -> 1."""
    x = np.asarray(x, dtype=np.float64)
    mean, std = x.mean(0), x.std(0)
    std = np.where(std > 0, std, 1.0)
    return (x - mean) / std, mean, std


def unstandardise(x_std: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Inverse of :func:`standardise`: x_std * std + mean, (n, d)."""
    return np.asarray(x_std, dtype=np.float64) * std + mean


@dataclass(frozen=True)
class Standardiser:
    """x_model = (x_data - mean) / scale with ONE scale for both coordinates, so that an isotropic
    mixture stays isotropic (circles stay round) and its closed forms (core/gmm_exact.py) hold in
    the model's units. Flow matching, diffusion and score models train in these units."""

    mean: np.ndarray  # (2,)
    scale: float  # the root mean square of the coordinates' stds, √(mean_i Var x_i)

    @classmethod
    def fit(cls, x: np.ndarray) -> "Standardiser":
        x = np.asarray(x, dtype=np.float64)
        return cls(x.mean(0), float(np.sqrt(x.var(0).mean())) or 1.0)

    def to_model(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.scale

    def to_data(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) * self.scale + self.mean

    def mixture(self, target: Target2D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The target's mixture (weights (K,), means (K, 2), stds (K,)) in model units (mixtures only)."""
        weights, means, stds = target.mixture_params()
        return weights, (means - self.mean) / self.scale, stds / self.scale


# ---------------------------------------------------------------------------------------------
# Plot grids: a page draws a field or a probability over the box that holds the data
# ---------------------------------------------------------------------------------------------


def grid_points(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """(len(gy)·len(gx), 2) the points of the grid of axes gx, gy; row-major in y (as np.meshgrid)."""
    return np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)


def plot_grid(x: np.ndarray, n: int, *, clip: float = 0.0, pad: float = 0.0, pad_abs: float = 0.0,
              pad_of_largest: bool = False, square: float | None = None,
              dtype=np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gx (n,), gy (n,), points (n², 2)): an n x n grid over the box of the 2D points ``x``.

    The box runs from the ``clip``-th to the (100 - ``clip``)-th percentile on each axis (``clip``
    0: min to max). Then either each side moves out by ``pad`` times the extent of its axis
    (``pad_of_largest``: of the largest extent) plus ``pad_abs``, or, with ``square``, the box
    becomes a square, the largest extent times ``square`` wide, centred on the data's box.
    """
    x = np.asarray(x)
    if clip:
        lo, hi = np.percentile(x, clip, axis=0), np.percentile(x, 100 - clip, axis=0)
    else:
        lo, hi = x.min(0), x.max(0)
    if square is not None:
        centre, half = (lo + hi) / 2, (hi - lo).max() / 2 * square
        lo, hi = centre - half, centre + half
    else:
        margin = pad * ((hi - lo).max() if pad_of_largest else hi - lo) + pad_abs
        lo, hi = lo - margin, hi + margin
    gx = np.linspace(lo[0], hi[0], n, dtype=dtype)
    gy = np.linspace(lo[1], hi[1], n, dtype=dtype)
    return gx, gy, grid_points(gx, gy)


# ---------------------------------------------------------------------------------------------
# Uploaded points
# ---------------------------------------------------------------------------------------------

MIN_POINTS = 10


def points_from_csv(data: CsvSource, max_rows: int = MAX_ROWS) -> Target2D:
    """A bootstrap target from a CSV of 2D points.

    The file needs exactly two numeric columns, or columns named ``x1`` and ``x2`` (extra text
    columns such as labels are ignored). A header row is optional. Anything unusable raises
    :class:`DataError` with a one-line message for the student (see core/csvdata.py).
    """
    table = read_csv_table(data, max_rows=max_rows)
    lower = [str(c).lower() for c in table.columns]
    if "x1" in lower and "x2" in lower:
        cols = [table.columns[lower.index("x1")], table.columns[lower.index("x2")]]
    else:  # a column is numeric when most of its filled cells are numbers
        cols = [c for c in table.columns if table[c].dropna().map(is_number).mean() > 0.5]
        if len(cols) != 2:
            raise DataError(f"Expected exactly two numeric columns but found {len(cols)}: "
                            "keep two, or name the two to use x1 and x2.")
    values = numeric_columns(table, cols)  # (N, 2)
    if len(values) < MIN_POINTS:
        raise DataError(f"Only {len(values)} points: upload at least {MIN_POINTS}.")
    if np.all(values == values[0]):
        raise DataError("All points are identical: there is no distribution to learn.")

    values.setflags(write=False)
    label = f"Uploaded points ({len(values):,})"
    return Target2D("csv", label, None, None, functools.partial(_bootstrap, values), spread=0.0,
                    points=values)


def load_target(data: str, spread: float | None = None, others: Sequence[str] = ()) -> Target2D:
    """What a model's ``--data`` names: a built-in target (``spread`` None: its default spread), or the
    path of a CSV file of 2D points. ``others`` are the caller's own data names, for the message."""
    if data in TARGET_NAMES:
        return make_target(data, spread)
    if os.path.isfile(data):
        return points_from_csv(data)
    raise ConfigError(f"--data must be one of {', '.join((*TARGET_NAMES, *others))} or the path of a CSV file of points.")
