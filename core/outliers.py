"""Outlier detection with a density model: an unlikely point is a suspicious point.

The idea: a model of ``p_data`` is useful without ever sampling from it. Fit a density ``p_θ`` to 2D
data contaminated with a share of outliers, without telling it which points are outliers, and score
each point by how unlikely the model finds it:

    score(x) = −log p_θ(x),    flag x when score(x) ≥ t.

- The density: a Gaussian mixture ``p_θ(x) = Σ_k π_k N(x; μ_k, Σ_k)`` fitted by EM (core/gmm.py;
  Dempster, Laird & Rubin 1977), one EM iteration per trainer step. The outliers are few and spread
  out, so the mixture spends its components on the inliers and gives the outliers a low density.
- The data: inliers from a 2D target (core/targets2d.py) plus outliers uniform over their bounding
  box enlarged 1.5x. Some outliers land inside the data's region and cannot be told apart.
- The measure: every threshold t gives a true-positive rate ``TPR = TP / #outliers`` and a
  false-positive rate ``FPR = FP / #inliers``; the ROC curve is TPR against FPR over all t, and its
  area ``AUC = P(score(outlier) > score(inlier))`` (ties counting one half) measures the ranking:
  1 is perfect, 0.5 is chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError
from core.gmm import GaussianMixture, initial_mixture
from core.targets2d import TARGET_NAMES, make_target

GRID = 60  # density grid of the outlier plane (GRID x GRID)


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class OutlierConfig:
    data: str = "moons"  # a target of core/targets2d.py for the inliers
    n_inliers: int = 400
    outlier_share: float = 0.05  # outliers added, as a share of all points
    spread: float = 0.1  # noise of the inliers (std)
    k: int = 6  # mixture components
    floor: float = 1e-4  # covariance floor (keeps a component from collapsing onto one point)
    seed: int = 0

    def validate(self) -> None:
        if self.data not in TARGET_NAMES:
            raise ConfigError(f"Unknown data '{self.data}': choose among {', '.join(TARGET_NAMES)}.")
        if not 20 <= self.n_inliers <= 20_000:
            raise ConfigError("Use 20 to 20,000 inliers.")
        if not 0.005 <= self.outlier_share <= 0.5:
            raise ConfigError("Keep the outlier share between 0.5 % and 50 %.")
        if not 1 <= self.k <= 20 or not math.isfinite(self.spread) or self.spread < 0:
            raise ConfigError("Use 1 to 20 components and a spread of at least 0.")


# --------------------------------------------------------------------------- data and density


def contaminated(cfg: OutlierConfig) -> tuple[np.ndarray, np.ndarray]:
    """Inliers from the target plus outliers uniform over their bounding box, enlarged 1.5x.

    Returns (x (n, 2), is_outlier (n,)) in random order. Some outliers land inside the data's
    region: they cannot be told apart, so even a perfect density scores an AUC below 1.
    """
    rng = np.random.default_rng(cfg.seed)
    spread = cfg.spread if cfg.data not in ("ring", "grid") else max(cfg.spread, 0.01)
    inliers = make_target(cfg.data, spread).sample(cfg.n_inliers, rng=rng)
    n_out = max(1, int(round(cfg.n_inliers * cfg.outlier_share / (1 - cfg.outlier_share))))
    lo, hi = inliers.min(0), inliers.max(0)
    centre, half = (lo + hi) / 2, (hi - lo) / 2 * 1.5 + 0.1
    outliers = centre + rng.uniform(-1, 1, size=(n_out, 2)) * half
    x = np.concatenate([inliers, outliers])
    label = np.r_[np.zeros(len(inliers), bool), np.ones(n_out, bool)]
    order = rng.permutation(len(x))
    return x[order], label[order]


def log_density(gm: GaussianMixture, x: np.ndarray) -> np.ndarray:
    """log p_θ(x) for each row of x (n, d)."""
    lj = gm.log_joint(x)  # (n, K)
    top = lj.max(1, keepdims=True)
    return top[:, 0] + np.log(np.exp(lj - top).sum(1))


# --------------------------------------------------------------------------- ROC


def roc_curve(scores: np.ndarray, is_positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate, thresholds), flagging ``score >= threshold``.

    The thresholds run from +inf (nothing flagged: (0, 0)) down through every distinct score (all
    flagged: (1, 1)); tied scores move both rates at once (a diagonal segment).
    """
    scores = np.asarray(scores, dtype=np.float64)
    pos = np.asarray(is_positive, dtype=bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("a ROC curve needs both positives and negatives")
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], pos[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last index of each distinct score
    tp = np.cumsum(p)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    fpr = np.r_[0.0, fp / n_neg]
    tpr = np.r_[0.0, tp / n_pos]
    return fpr, tpr, np.r_[np.inf, s[last_of_tie]]


def auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    """Area under the ROC curve (trapezoids)."""
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def rates_at(scores: np.ndarray, is_positive: np.ndarray, threshold: float) -> dict[str, float]:
    """True- and false-positive rates and precision when flagging ``score >= threshold``."""
    flagged = np.asarray(scores) >= threshold
    pos = np.asarray(is_positive, dtype=bool)
    tp = int((flagged & pos).sum())
    return {"tpr": tp / max(1, pos.sum()), "fpr": int((flagged & ~pos).sum()) / max(1, (~pos).sum()),
            "precision": tp / max(1, flagged.sum()), "flagged": int(flagged.sum())}

# --------------------------------------------------------------------------- trainer


class OutlierTrainer:
    """One EM iteration per step on the contaminated points; outlier score = −log p_θ(x)."""

    divergence_advice = "A mixture component collapsed: use fewer components or press Reset with another seed."

    def __init__(self, cfg: OutlierConfig):
        cfg.validate()
        self.cfg = cfg
        self.x, self.is_outlier = contaminated(cfg)
        if cfg.k > len(self.x):
            raise ConfigError(f"{cfg.k} components need at least {cfg.k} points.")
        self.gm = initial_mixture(self.x, cfg.k, "kmeans++", "full", cfg.floor, np.random.default_rng(cfg.seed))
        self.resp, self.ll = self.gm.e_step(self.x)
        lo, hi = self.x.min(0), self.x.max(0)
        pad = 0.08 * (hi - lo)
        self.gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID)
        self.gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], GRID)
        self._grid = np.stack(np.meshgrid(self.gx, self.gy), -1).reshape(-1, 2)  # (GRID², 2), x fastest
        self.iterations = 0

    def scores(self) -> np.ndarray:
        return -log_density(self.gm, self.x)

    def step(self) -> dict[str, float]:
        self.gm.m_step(self.x, self.resp)
        try:
            self.resp, self.ll = self.gm.e_step(self.x)
        except np.linalg.LinAlgError:
            return {"log_likelihood": float("nan")}
        self.iterations += 1
        fpr, tpr, _ = roc_curve(self.scores(), self.is_outlier)
        return {"log_likelihood": self.ll, "auc": auc(fpr, tpr)}

    def snapshot(self) -> dict[str, np.ndarray]:
        scores = self.scores()
        fpr, tpr, thresholds = roc_curve(scores, self.is_outlier)
        return {
            "x": self.x.copy(),  # (n, 2)
            "is_outlier": self.is_outlier.copy(),  # (n,)
            "score": scores,  # (n,) −log p_θ(x)
            "grid_x": self.gx.copy(),
            "grid_y": self.gy.copy(),
            "log_p": log_density(self.gm, self._grid).reshape(GRID, GRID),  # (GRID, GRID), rows = y
            "fpr": fpr,
            "tpr": tpr,
            "auc": np.array(auc(fpr, tpr)),
            "means": self.gm.means.copy(),
            "covs": self.gm.covs.copy(),
        }

    def final_metrics(self) -> dict[str, float]:
        fpr, tpr, _ = roc_curve(self.scores(), self.is_outlier)
        return {"auc": round(auc(fpr, tpr), 4), "log_likelihood": round(self.ll, 4), "iterations": self.iterations,
                "n_points": len(self.x), "n_outliers": int(self.is_outlier.sum())}
