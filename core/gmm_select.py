"""Choosing the number of components K of a Gaussian mixture: BIC and AIC against K.

More components never lower the maximised log-likelihood ``log L = Σ_i log p_θ̂(x_i)``, so the
likelihood alone always asks for more. The information criteria charge for the ``p`` free
parameters (``K - 1`` weights, ``K d`` means, and ``K d (d+1)/2``, ``K d`` or ``K`` covariance
entries for full, diag or spherical; :func:`core.gmm.n_parameters`):

- ``BIC = -2 log L + p log n`` (Schwarz 1978), an approximation of the model's evidence;
- ``AIC = -2 log L + 2 p`` (Akaike 1974), an estimate of the expected log-likelihood on new data.

The K with the lowest criterion is chosen. Each K is fitted by EM until the log-likelihood gains
less than ``tol`` (:func:`fit_em`), keeping the best of ``n_init`` initialisations, as
scikit-learn's ``n_init`` does. ``SweepTrainer.step()`` fits the next K, so the page draws the curves
point by point.
"""

from __future__ import annotations

import numpy as np

from core.gmm import K_MAX, GaussianMixture, initial_mixture
from core.gmm_data import check_points


def fit_em(x: np.ndarray, k: int, *, init: str = "kmeans++", kind: str = "full", floor: float = 1e-6,
           seed: int = 0, max_iter: int = 300, tol: float = 1e-6) -> tuple[GaussianMixture, float, int]:
    """EM from one initialisation until the mean log-likelihood gains less than ``tol``: (θ, ℓ, iterations)."""
    gm = initial_mixture(x, k, init, kind, floor, np.random.default_rng(seed))
    resp, ll = gm.e_step(x)
    for it in range(1, max_iter + 1):
        gm.m_step(x, resp)
        resp, new = gm.e_step(x)
        done = new - ll < tol
        ll = new
        if done:
            return gm, ll, it
    return gm, ll, max_iter


class SweepTrainer:
    """BIC and AIC against K: each ``step()`` fits the next K (1, 2, … k_max) by EM to convergence.

    Each K keeps the best of ``n_init`` initialisations (seeds seed, seed+1, …), as scikit-learn's
    ``n_init`` does: one unlucky start would otherwise put a bump in the curves.
    """

    def __init__(self, data: np.ndarray, k_max: int = K_MAX, *, init: str = "kmeans++", kind: str = "full",
                 floor: float = 1e-6, seed: int = 0, max_iter: int = 300, n_init: int = 3):
        self.x = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
        check_points(self.x)
        self.k_max = max(1, min(k_max, K_MAX, len(self.x)))
        self.opts = dict(init=init, kind=kind, floor=floor, max_iter=max_iter)
        self.seeds = range(seed, seed + max(1, n_init))
        self.rows: list[dict[str, float]] = []

    def _best_fit(self, k: int) -> tuple[GaussianMixture, float, int]:
        fits = [fit_em(self.x, k, seed=s, **self.opts) for s in self.seeds]
        return max(fits, key=lambda fit: fit[1] if np.isfinite(fit[1]) else -np.inf)

    @property
    def done(self) -> bool:
        return len(self.rows) >= self.k_max

    def step(self) -> dict[str, float]:
        if self.done:
            return dict(self.rows[-1])
        k = len(self.rows) + 1
        try:
            gm, ll, iters = self._best_fit(k)
        except np.linalg.LinAlgError:
            ll, iters, gm = float("nan"), 0, None
        crit = gm.criteria(ll, len(self.x)) if gm else {"bic": ll, "aic": ll, "n_params": 0.0}
        row = {"k": float(k), "log_likelihood": ll, "iterations": float(iters), **crit}
        self.rows.append(row)
        return dict(row)

    def snapshot(self) -> dict[str, np.ndarray]:
        col = lambda name: np.array([r[name] for r in self.rows], dtype=float)  # noqa: E731
        return {"k": col("k"), "bic": col("bic"), "aic": col("aic"), "log_likelihood": col("log_likelihood")}
