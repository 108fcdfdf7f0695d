"""Gaussians and Gaussian mixtures: maximum likelihood, EM, sampling, and choosing K.

The lecture's first generative models: "learning = estimate the parameters, generating = sample".

- One Gaussian ``N(μ, Σ)``: the maximum-likelihood fit is the sample mean and the (biased)
  sample covariance, :func:`fit_gaussian`; sampling is ``μ + L z`` with ``Σ = L Lᵀ``, ``z ~ N(0, I)``.
- A mixture ``p_θ(x) = Σ_k π_k N(x | μ_k, Σ_k)`` is fitted by expectation-maximisation (Dempster,
  Laird & Rubin 1977; Bishop, PRML §9.2). The **E-step** computes the responsibilities
  ``r_ik = π_k N(x_i|μ_k,Σ_k) / Σ_j π_j N(x_i|μ_j,Σ_j)``; the **M-step** re-estimates
  ``N_k = Σ_i r_ik``, ``π_k = N_k/n``, ``μ_k = Σ_i r_ik x_i / N_k``,
  ``Σ_k = Σ_i r_ik (x_i-μ_k)(x_i-μ_k)ᵀ / N_k``. Each iteration never lowers the log-likelihood.
- Covariance types as in scikit-learn: ``full``, ``diag`` (axis-aligned ellipses) and ``spherical``
  (circles). The **covariance floor** ``ε`` keeps every component's variances at or above ``ε``
  (eigenvalues for full, variances for diag/spherical). The floored covariance is the exact
  maximiser of the M-step's objective under the constraint ``Σ_k ⪰ εI`` (for ``full``: clip the
  eigenvalues of the sample covariance), so the floor keeps EM monotone. scikit-learn's
  ``reg_covar`` adds ``ε`` instead of clipping: the two agree when ``ε`` is small next to the
  data's variances (tests/test_gmm.py checks the log-likelihoods agree within 1e-3 per sample,
  and exactly when ``ε = 0``).
- Choosing K: ``BIC = -2 log L + p log n`` and ``AIC = -2 log L + 2p`` with ``p`` free parameters
  (:meth:`GaussianMixture.criteria`; the sweep over K is in core/gmm_select.py).

``GaussianFitTrainer.step()`` fits one Gaussian to more of the points. ``GmmTrainer.step()`` runs one
EM iteration (M-step, then the E-step that recolours the points and measures the log-likelihood);
``half_step()`` runs the next half alone, for the page's step mode (``set_live(half_step=True)``
from the page, the trainer living in a worker process). Data (core/gmm_data.py): the 2D targets of
core/targets2d.py, blobs, a 1D "voltage" set of spike amplitudes in µV, or a CSV of one or two
numeric columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError, DataError
from core.gmm_data import MIN_POINTS, check_points, data_warnings, load_data

COVARIANCE_TYPES = ("full", "diag", "spherical")
INITS = ("kmeans++", "random")
K_MAX = 10
EPS = 10 * np.finfo(float).eps  # added to N_k as scikit-learn does, so an empty component stays finite
LOG_2PI = np.log(2 * np.pi)

# ============================================================================ one Gaussian


def floor_covariance(s: np.ndarray, kind: str, floor: float) -> np.ndarray:
    """The maximiser of the Gaussian likelihood over Σ ⪰ εI given the sample covariances ``s`` (K, d, d).

    full: clip the eigenvalues at ε; diag: keep the diagonal, clip at ε; spherical: mean variance, clip.
    """
    s = 0.5 * (s + np.swapaxes(s, -1, -2))  # exact symmetry for eigh
    d = s.shape[-1]
    if kind == "full":
        lam, u = np.linalg.eigh(s)  # (K, d), (K, d, d)
        return np.einsum("kij,kj,klj->kil", u, np.maximum(lam, floor), u)
    var = np.diagonal(s, axis1=-2, axis2=-1)  # (K, d)
    if kind == "spherical":
        var = np.repeat(var.mean(-1, keepdims=True), d, axis=-1)
    return np.maximum(var, floor)[..., None] * np.eye(d)


def fit_gaussian(x: np.ndarray, floor: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Maximum likelihood: μ = mean of the points, Σ = (1/n) Σ (x-μ)(x-μ)ᵀ (eigenvalues ≥ floor)."""
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(0)  # (d,)
    diff = x - mu
    cov = diff.T @ diff / len(x)  # (d, d)
    return mu, floor_covariance(cov[None], "full", floor)[0]


def log_gaussian(x: np.ndarray, means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """log N(x_i | μ_k, Σ_k) as (n, K) for x (n, d), means (K, d), covs (K, d, d)."""
    chol = np.linalg.cholesky(covs)  # (K, d, d), raises LinAlgError if a Σ_k is singular
    chol_inv = np.linalg.inv(chol)  # (K, d, d) L⁻¹: one tiny inverse per component, not one solve per point
    z = x @ np.swapaxes(chol_inv, 1, 2) - (chol_inv @ means[:, :, None])[:, None, :, 0]  # (K, n, d) = L⁻¹(x - μ)
    maha = (z ** 2).sum(-1)  # (K, n)
    logdet = 2 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)  # (K,)
    return (-0.5 * (x.shape[1] * LOG_2PI + logdet[:, None] + maha)).T


def sample_mixture(weights: np.ndarray, means: np.ndarray, covs: np.ndarray, n: int,
                   seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n points of the mixture: choose a component by π, then sample it. Returns (x (n, d), k (n,))."""
    rng = np.random.default_rng(seed)
    p = np.clip(np.asarray(weights, float), 0, None)
    k = rng.choice(len(p), size=n, p=p / p.sum())  # (n,)
    chol = np.linalg.cholesky(covs)  # (K, d, d)
    z = rng.standard_normal((n, means.shape[1]))  # (n, d)
    return means[k] + np.einsum("nij,nj->ni", chol[k], z), k


def n_parameters(k: int, d: int, kind: str) -> int:
    """Free parameters of a K-component mixture in d dimensions: weights, means, covariances."""
    cov = {"full": k * d * (d + 1) // 2, "diag": k * d, "spherical": k}[kind]
    return (k - 1) + k * d + cov


class GaussianFitTrainer:
    """Maximum likelihood as the data arrives: ``step()`` shows ``batch`` more points to the fit.

    The fit to the first m points is μ̂ = mean, Σ̂ = (1/m) Σ (x-μ̂)(x-μ̂)ᵀ (closed form, no
    iterations); the metric is the mean log-likelihood of *all* the points under it: largest for the fit
    to all n (the maximum-likelihood Gaussian), while on the way there it may fall as well as rise from one
    batch to the next. The points arrive in a random order (``seed``).
    """

    BATCHES = 40  # the data arrive in this many batches: a budget of BATCHES steps sees every point

    def __init__(self, x: np.ndarray, *, floor: float = 1e-6, batches: int = BATCHES, n_samples: int = 500,
                 seed: int = 0):
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        check_points(x)
        self.x = x[np.random.default_rng(seed).permutation(len(x))]  # (n, d) in arrival order
        self.floor, self.n_samples, self.seed = floor, n_samples, seed
        n, d = self.x.shape
        self.batch = max(1, -(-n // batches))  # ceil
        self.steps_needed = -(-(n - min(n, max(d + 1, self.batch))) // self.batch)
        self.m = min(n, max(d + 1, self.batch))
        self._fit()

    def _fit(self) -> dict[str, float]:
        self.mean, self.cov = fit_gaussian(self.x[:self.m], self.floor)
        ll = GaussianMixture(np.ones(1), self.mean[None], self.cov[None]).mean_log_likelihood(self.x)
        return {"log_likelihood": ll, "n_seen": float(self.m)}

    def step(self) -> dict[str, float]:
        self.m = min(len(self.x), self.m + self.batch)
        return self._fit()

    def snapshot(self) -> dict[str, np.ndarray]:
        samples, _ = sample_mixture(np.ones(1), self.mean[None], self.cov[None], self.n_samples, self.seed)
        return {"x": self.x.copy(), "seen": np.array(self.m), "mean": self.mean.copy(), "cov": self.cov.copy(),
                "samples": samples}


# ============================================================================ EM


@dataclass(frozen=True)
class GmmConfig:
    data: str = "blobs"  # a target of core/targets2d.py, blobs, voltage, or the path of a CSV (1 or 2 columns)
    k: int = 3
    init: str = "kmeans++"  # kmeans++ | random
    covariance: str = "full"  # full | diag | spherical
    floor: float = 1e-6  # covariance floor ε: every variance (eigenvalue) stays >= ε
    n_points: int = 500
    spread: float = 0.3  # std of each mode / blob, or the noise of a curve target
    clusters: int = 4  # blobs only
    n_samples: int = 1000  # samples drawn from the fit for the CLI's --out
    seed: int = 0

    def validate(self) -> None:
        if not 1 <= self.k <= K_MAX:
            raise ConfigError(f"K must be between 1 and {K_MAX} (got {self.k}).")
        if self.init not in INITS:
            raise ConfigError(f"Unknown initialisation '{self.init}': choose {' or '.join(INITS)}.")
        if self.covariance not in COVARIANCE_TYPES:
            raise ConfigError(f"Unknown covariance type '{self.covariance}': choose {', '.join(COVARIANCE_TYPES)}.")
        if not (np.isfinite(self.floor) and self.floor >= 0):
            raise ConfigError("The covariance floor must be a number >= 0.")
        if self.n_points < MIN_POINTS or self.n_samples < 0 or not 1 <= self.clusters <= 20:
            raise ConfigError("Use at least 2 points, 1 to 20 clusters and a non-negative number of samples.")


def initial_means(x: np.ndarray, k: int, init: str, rng: np.random.Generator) -> np.ndarray:
    """(K, d) starting means: K distinct data points at random, or k-means++ seeding (Arthur & Vassilvitskii)."""
    n = len(x)
    if init == "random":
        return x[rng.choice(n, size=k, replace=False)].copy()
    idx = [int(rng.integers(n))]
    d2 = ((x - x[idx[0]]) ** 2).sum(1)  # (n,) squared distance to the nearest chosen mean
    for _ in range(1, k):
        total = d2.sum()
        nxt = int(rng.choice(n, p=d2 / total)) if total > 0 else int(rng.integers(n))
        idx.append(nxt)
        d2 = np.minimum(d2, ((x - x[nxt]) ** 2).sum(1))
    return x[idx].copy()


class GaussianMixture:
    """A mixture's parameters θ = (π, μ, Σ) with EM's two halves. Covariances are stored (K, d, d)."""

    def __init__(self, weights: np.ndarray, means: np.ndarray, covs: np.ndarray, kind: str = "full",
                 floor: float = 0.0):
        self.weights = np.asarray(weights, float)  # (K,)
        self.means = np.asarray(means, float)  # (K, d)
        self.covs = np.asarray(covs, float)  # (K, d, d)
        self.kind, self.floor = kind, floor

    @property
    def k(self) -> int:
        return len(self.weights)

    def log_joint(self, x: np.ndarray) -> np.ndarray:
        """log π_k + log N(x_i | μ_k, Σ_k), (n, K)."""
        with np.errstate(divide="ignore"):
            return np.log(self.weights)[None] + log_gaussian(x, self.means, self.covs)

    def e_step(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """Responsibilities r (n, K) and the mean log-likelihood (1/n) Σ_i log p_θ(x_i)."""
        lj = self.log_joint(x)  # (n, K)
        top = lj.max(1, keepdims=True)
        log_px = top[:, 0] + np.log(np.exp(lj - top).sum(1))  # (n,) log-sum-exp
        return np.exp(lj - log_px[:, None]), float(log_px.mean())

    def m_step(self, x: np.ndarray, resp: np.ndarray) -> None:
        """New π, μ, Σ from the responsibilities (n, K); Σ_k floored (the constrained maximiser)."""
        nk = resp.sum(0) + EPS  # (K,)
        self.weights = nk / nk.sum()
        self.means = resp.T @ x / nk[:, None]  # (K, d)
        diff = x[None] - self.means[:, None]  # (K, n, d)
        s = np.swapaxes(resp.T[:, :, None] * diff, 1, 2) @ diff / nk[:, None, None]  # (K, d, d)
        self.covs = floor_covariance(s, self.kind, self.floor)

    def mean_log_likelihood(self, x: np.ndarray) -> float:
        return self.e_step(x)[1]

    def sample(self, n: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        return sample_mixture(self.weights, self.means, self.covs, n, seed)

    def criteria(self, mean_ll: float, n: int) -> dict[str, float]:
        p = n_parameters(self.k, self.means.shape[1], self.kind)
        return {"bic": -2 * n * mean_ll + p * np.log(n), "aic": -2 * n * mean_ll + 2 * p, "n_params": float(p)}


def initial_mixture(x: np.ndarray, k: int, init: str, kind: str, floor: float,
                    rng: np.random.Generator) -> GaussianMixture:
    """Means by ``init``, equal weights, and every Σ_k = the whole data's covariance (floored)."""
    if k > len(x):
        raise ConfigError(f"K = {k} components need at least {k} points, but the data has {len(x)}: "
                          "lower K or use more points.")
    _, cov = fit_gaussian(x)
    covs = floor_covariance(np.repeat(cov[None], k, 0), kind, floor)
    return GaussianMixture(np.full(k, 1.0 / k), initial_means(x, k, init, rng), covs, kind, floor)


class GmmTrainer:
    """EM, live: ``step()`` is one iteration; ``half_step()`` the next M-step or E-step alone.

    State: θ and the responsibilities ``resp``. After an E-step ``resp`` belong to θ ("next: M");
    after an M-step alone they belong to the previous θ ("next: E"). ``step()`` finishes the
    iteration in progress, so the Job counts one step per full iteration and records the
    log-likelihood ℓ(θ) = (1/n) Σ_i log p_θ(x_i) after every E-step.
    """

    divergence_advice = ("A component collapsed onto a few identical points and its variance reached 0: "
                         "raise the covariance floor ε and press Reset.")

    def __init__(self, cfg: GmmConfig, data: np.ndarray | None = None):
        cfg.validate()
        self.cfg = cfg
        x = load_data(cfg.data, cfg.n_points, cfg.spread, cfg.clusters, cfg.seed) if data is None else data
        self.x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)  # (n, d)
        if self.x.shape[1] not in (1, 2):
            raise DataError(f"The data must have one or two columns (got {self.x.shape[1]}).")
        check_points(self.x)
        self.warnings = data_warnings(self.x, cfg.floor)
        self.rng = np.random.default_rng(cfg.seed)
        self.gm = initial_mixture(self.x, cfg.k, cfg.init, cfg.covariance, cfg.floor, self.rng)
        self.iterations = 0
        self.next_half = "M"
        self._e_step()

    @property
    def dim(self) -> int:
        return self.x.shape[1]

    def _e_step(self) -> dict[str, float]:
        try:
            self.resp, self.ll = self.gm.e_step(self.x)
        except np.linalg.LinAlgError:  # a singular Σ_k (floor 0): report it as non-finite
            self.ll = float("nan")
        self.next_half = "M"
        return {"log_likelihood": self.ll, **self.gm.criteria(self.ll, len(self.x))}

    def _m_step(self) -> None:
        self.gm.m_step(self.x, self.resp)
        self.next_half = "E"

    def step(self) -> dict[str, float]:
        """One EM iteration (or the E-step that completes a half-done one): returns ℓ, BIC, AIC."""
        if self.next_half == "M":
            self._m_step()
        self.iterations += 1
        return self._e_step()

    def half_step(self) -> str:
        """Only the M-step (when the colours are up to date); the E-step is ``step()``. Returns what ran."""
        if self.next_half == "M":
            self._m_step()
            return "M"
        return "E"

    def set_live(self, half_step: bool = False) -> None:
        """The page's half-step mode: ``half_step=True`` runs the M-step alone, between two steps.

        It is not a step: the iteration (one point on the log-likelihood curve) is counted when the
        E-step that completes it runs, as ``step()``. When the E-step is next this does nothing.
        """
        if half_step:
            self.half_step()

    def snapshot(self) -> dict[str, np.ndarray]:
        return {
            "x": self.x.copy(),  # (n, d)
            "resp": self.resp.copy(),  # (n, K)
            "weights": self.gm.weights.copy(),  # (K,)
            "means": self.gm.means.copy(),  # (K, d)
            "covs": self.gm.covs.copy(),  # (K, d, d)
            "next_m": np.array(self.next_half == "M"),
        }

    def final_metrics(self) -> dict[str, float]:
        ll = self.gm.mean_log_likelihood(self.x)
        return {"log_likelihood": ll, **self.gm.criteria(ll, len(self.x)), "k": self.cfg.k, "n": len(self.x),
                "dim": self.dim, "iterations": self.iterations}


# ============================================================================ CLI


def _cli_arrays(trainer: GmmTrainer) -> dict[str, np.ndarray]:
    gm = trainer.gm
    samples, comps = gm.sample(trainer.cfg.n_samples, seed=trainer.cfg.seed)
    return {"weights": gm.weights, "means": gm.means, "covariances": gm.covs, "samples": samples,
            "sample_components": comps, "data": trainer.x}


def _cli_models():
    from core.cli import CliModel

    return {
        "gmm": CliModel(
            config=GmmConfig,
            make_trainer=GmmTrainer,
            final_metrics=GmmTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=200,
            help="Gaussian mixture fitted by EM (--data: a target name, blobs, voltage or a CSV of 1-2 columns)",
        )
    }


CLI_MODELS = _cli_models()
