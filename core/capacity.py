"""Capacity, generalisation and over-fitting: train and test error against the model's capacity.

The lecture's slide shows three panels: a model too simple for the data (under-fit), one that
captures the trend (right fit), and one that threads every noisy training point (over-fit). Here:

``n`` noisy samples ``y_i = f(x_i) + ε_i``, ``ε_i ~ N(0, σ²)``, of the smooth
``f(x) = sin(πx) + x/2`` on ``[-1, 1]``, and a large test set drawn the same way. The model's
capacity is a polynomial degree ``d`` (0 to 20) or the width of an MLP. Polynomials are fitted
by least squares in the Legendre basis ``P_0..P_d`` (orthogonal on ``[-1, 1]``, so the design
matrix stays well conditioned at degree 20, unlike the monomials ``1, x, …, x^20``); the fit is
the minimum-norm solution when there are fewer points than coefficients. ``CapacitySweepTrainer``
fits one capacity per step (an MLP over many steps) and records the train and test mean squared
errors, so the page draws the U-shaped test curve point by point; the noise variance ``σ²`` is the
floor no model's expected test error goes below. :func:`three_fits` picks the slide's three panels.

Taming a model that over-fits (L2 weight decay, early stopping) is in core/overfit.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.polynomial import legendre
from torch import nn

from core.errors import ConfigError
from core.nets import adam, mlp

X_LO, X_HI = -1.0, 1.0
CURVE_POINTS = 160  # resolution of the drawn fits
MAX_DEGREE = 20
MLP_WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
MODELS = ("poly", "mlp")


def true_function(x: np.ndarray) -> np.ndarray:
    """The smooth function behind the noisy samples."""
    return np.sin(np.pi * x) + 0.5 * x


@dataclass(frozen=True)
class RegressionData:
    x_train: np.ndarray  # (n,) float64 in [-1, 1]
    y_train: np.ndarray  # (n,)
    x_test: np.ndarray  # (m,)
    y_test: np.ndarray  # (m,)


def make_regression(n_train: int, noise: float, seed: int, n_test: int = 1000) -> RegressionData:
    """``n_train`` training and ``n_test`` test samples of ``f`` with Gaussian noise of std ``noise``."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(X_LO, X_HI, n_train + n_test)
    y = true_function(x) + noise * rng.standard_normal(len(x))
    return RegressionData(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


# --------------------------------------------------------------------------- polynomials


def _scaled(x: np.ndarray) -> np.ndarray:
    """Map the data interval onto [-1, 1], where the Legendre polynomials are orthogonal."""
    return (2.0 * np.asarray(x, dtype=float) - (X_LO + X_HI)) / (X_HI - X_LO)


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares Legendre coefficients ``c_0..c_d`` of ``Σ_k c_k P_k(x)`` (minimum norm if underdetermined)."""
    if not 0 <= degree <= MAX_DEGREE:
        raise ConfigError(f"The polynomial degree must lie between 0 and {MAX_DEGREE}.")
    V = legendre.legvander(_scaled(x), degree)  # (n, d+1)
    coef, *_ = np.linalg.lstsq(V, np.asarray(y, dtype=float), rcond=None)
    return coef


def predict_polynomial(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    return legendre.legval(_scaled(x), coef)


def mse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((np.asarray(pred) - np.asarray(y)) ** 2))


# --------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class CapacityConfig:
    family: str = "poly"  # "poly" (degree 0..20) or "mlp" (widths 1..256)
    n_train: int = 30
    noise: float = 0.3
    seed: int = 0
    n_test: int = 1000
    mlp_steps: int = 800  # full-batch Adam steps per MLP width
    mlp_chunk: int = 50  # of those, per Trainer step (keeps pause responsive)
    lr: float = 0.01

    def validate(self) -> None:
        if self.family not in MODELS:
            raise ConfigError(f"The model family must be one of {', '.join(MODELS)}.")
        if not 2 <= self.n_train <= 5000:
            raise ConfigError("Take between 2 and 5,000 training samples.")
        if not (0.0 <= self.noise <= 5.0):
            raise ConfigError("The noise must lie between 0 and 5.")
        if self.n_test < 10 or self.mlp_steps < 1 or self.mlp_chunk < 1 or not self.lr > 0:
            raise ConfigError("Use at least 10 test points, one MLP step and a positive learning rate.")

    @property
    def capacities(self) -> tuple[int, ...]:
        return tuple(range(MAX_DEGREE + 1)) if self.family == "poly" else MLP_WIDTHS

    @property
    def chunks_per_capacity(self) -> int:
        return 1 if self.family == "poly" else -(-self.mlp_steps // self.mlp_chunk)

    def total_steps(self) -> int:
        """Trainer steps for the whole sweep."""
        return len(self.capacities) * self.chunks_per_capacity


def mlp_regressor(width: int, seed: int) -> nn.Sequential:
    """x -> two tanh layers of ``width`` units -> y."""
    torch.manual_seed(seed)
    return mlp((1, width, width, 1), "tanh")


class CapacitySweepTrainer:
    """Fit every capacity in turn; each completed fit adds one point to the train and test curves."""

    divergence_advice = "Lower the learning rate and press Reset."

    def __init__(self, cfg: CapacityConfig):
        cfg.validate()
        self.cfg = cfg
        self.data = make_regression(cfg.n_train, cfg.noise, cfg.seed, cfg.n_test)
        self.grid = np.linspace(X_LO, X_HI, CURVE_POINTS)
        self.capacities: list[int] = []
        self.train_mse: list[float] = []
        self.test_mse: list[float] = []
        self.curves: list[np.ndarray] = []  # (CURVE_POINTS,) per fitted capacity
        self._chunk = 0  # chunks done for the current MLP width
        self._net: nn.Sequential | None = None
        self._opt: torch.optim.Optimizer | None = None
        self.last: dict[str, float] = {}
        if cfg.family == "mlp":
            t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float32)[:, None])  # noqa: E731
            self._xt, self._yt = t(self.data.x_train), t(self.data.y_train)
            self._xs, self._ys = t(self.data.x_test), t(self.data.y_test)
            self._xg = t(self.grid)

    @property
    def done(self) -> bool:
        return len(self.capacities) >= len(self.cfg.capacities)

    @property
    def current_capacity(self) -> int:
        return self.cfg.capacities[min(len(self.capacities), len(self.cfg.capacities) - 1)]

    def step(self) -> dict[str, float]:
        if self.done:
            return dict(self.last)  # the sweep is over: nothing left to fit
        if self.cfg.family == "poly":
            self._fit_degree(self.current_capacity)
        else:
            self._train_mlp_chunk()
        return dict(self.last)

    def _record(self, capacity: int, train: float, test: float, curve: np.ndarray) -> None:
        self.capacities.append(capacity)
        self.train_mse.append(train)
        self.test_mse.append(test)
        self.curves.append(curve)
        self.last = {"capacity": float(capacity), "train_mse": train, "test_mse": test}

    def _fit_degree(self, degree: int) -> None:
        d = self.data
        coef = fit_polynomial(d.x_train, d.y_train, degree)
        self._record(degree, mse(predict_polynomial(coef, d.x_train), d.y_train),
                     mse(predict_polynomial(coef, d.x_test), d.y_test), predict_polynomial(coef, self.grid))

    def _train_mlp_chunk(self) -> None:
        width = self.current_capacity
        if self._net is None:
            self._net = mlp_regressor(width, self.cfg.seed)
            self._opt = adam(self._net.parameters(), self.cfg.lr)
        net, opt = self._net, self._opt
        loss = torch.zeros(())
        for _ in range(self.cfg.mlp_chunk):
            loss = ((net(self._xt) - self._yt) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        self._chunk += 1
        train = loss.item()
        if not np.isfinite(train):
            self.last = {"capacity": float(width), "train_mse": train}
            return
        if self._chunk >= self.cfg.chunks_per_capacity:
            with torch.no_grad():
                train = ((net(self._xt) - self._yt) ** 2).mean().item()
                test = ((net(self._xs) - self._ys) ** 2).mean().item()
                curve = net(self._xg)[:, 0].double().numpy().copy()
            self._record(width, train, test, curve)
            self._net, self._opt, self._chunk = None, None, 0
        else:
            self.last = {**self.last, "capacity": float(width), "current_train_mse": train}

    def snapshot(self) -> dict[str, Any]:
        """The data (the drawn test points are the first 200; ``*_test_all`` is the whole test set, for the
        page's own fit of a degree), the fitted capacities so far, and whether the sweep is ``done``."""
        d = self.data
        return {
            "x_train": d.x_train.copy(), "y_train": d.y_train.copy(),
            "x_test": d.x_test[:200].copy(), "y_test": d.y_test[:200].copy(),
            "x_test_all": d.x_test.copy(), "y_test_all": d.y_test.copy(),
            "grid": self.grid.copy(), "truth": true_function(self.grid),
            "capacity": np.asarray(self.capacities, dtype=float),
            "train_mse": np.asarray(self.train_mse, dtype=float),
            "test_mse": np.asarray(self.test_mse, dtype=float),
            "curves": np.asarray(self.curves, dtype=float).reshape(-1, CURVE_POINTS),
            "noise_floor": np.asarray(self.cfg.noise ** 2, dtype=float),
            "done": self.done,
        }

    def best(self) -> int | None:
        """Index (in the fitted list) of the lowest test error."""
        return int(np.argmin(self.test_mse)) if self.test_mse else None

    def final_metrics(self) -> dict[str, float]:
        if not self.test_mse:
            return {"fitted": 0}
        b = self.best()
        return {"fitted": len(self.capacities), "best_capacity": self.capacities[b],
                "best_test_mse": self.test_mse[b], "last_capacity": self.capacities[-1],
                "last_train_mse": self.train_mse[-1], "last_test_mse": self.test_mse[-1]}


def three_fits(snap: dict[str, np.ndarray]) -> list[tuple[str, int]]:
    """The slide's panels from a sweep snapshot: (label, index into the fitted capacities).

    Under-fit: the smallest capacity of at least 1 (degree 1, a straight line, or width 1); right
    fit: the lowest test error; over-fit: the largest capacity fitted so far. Fewer panels until
    enough are fitted.
    """
    n = len(snap["capacity"])
    if n == 0:
        return []
    best = int(np.argmin(snap["test_mse"]))
    under = next((i for i, c in enumerate(snap["capacity"]) if c >= 1), n - 1)
    panels = [("Under-fit", under), ("Right fit", best), ("Over-fit", n - 1)]
    seen: set[int] = set()
    out = []
    for label, i in panels:
        if i not in seen:
            seen.add(i)
            out.append((label, i))
    return out


# --------------------------------------------------------------------------- CLI


def _cli_models():
    from core.cli import CliModel

    def sweep_arrays(t: CapacitySweepTrainer) -> dict[str, np.ndarray]:
        s = t.snapshot()
        return {k: s[k] for k in ("capacity", "train_mse", "test_mse", "x_train", "y_train", "grid", "curves")}

    return {
        "capacity": CliModel(
            config=CapacityConfig, make_trainer=CapacitySweepTrainer,
            final_metrics=CapacitySweepTrainer.final_metrics, arrays=sweep_arrays,
            default_steps=max(CapacityConfig(family=f).total_steps() for f in MODELS),  # either family's sweep
            help="train and test error against capacity (polynomial degree 0-20 or MLP width); "
                 "the run ends when the sweep is complete",
        ),
    }


CLI_MODELS = _cli_models()
