"""Estimating a process's parameters from data: maximum likelihood, and how fast it converges.

The idea: fitting a model to data *is* estimating the parameters of the process that made it. Draw n
samples ``x_1..x_n`` from a known process, estimate its parameters by maximum likelihood,

    θ̂_n = argmax_θ Σ_i log p_θ(x_i),

and watch the estimate approach the truth as n grows: for these regular models the error shrinks
like ``1/√n`` (the MLE is consistent and asymptotically normal, with variance ``I(θ)⁻¹ / n``).

- Gaussian ``N(μ, σ²)``: closed form, ``μ̂ = mean(x)``, ``σ̂² = mean((x − μ̂)²)`` (dividing by n).
- Exponential with rate λ: closed form, ``λ̂ = 1 / mean(x)``.
- Mixture of two Gaussians ``π₁ N(μ₁, σ₁²) + (1 − π₁) N(μ₂, σ₂²)``: no closed form; EM (core/gmm.py)
  warm-started from the previous estimate, components named by their means (no label switching).

Each trainer step grows the sample by 10 % (a prefix of one long stream) and refits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import ConfigError
from core.gmm import GaussianMixture, fit_gaussian

PROCESSES = {
    "gaussian": "Gaussian N(μ, σ²)",
    "exponential": "Exponential with rate λ",
    "mixture": "Mixture of two Gaussians (EM)",
}
MIXTURE = {"weights": (0.35, 0.65), "stds": (0.6, 1.0)}  # the means are -d/2 and +d/2 (d = separation)
N_START = 5
GROWTH = 1.1  # the sample grows by 10 % per step
HIST_BINS = 40


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class EstimateConfig:
    process: str = "gaussian"
    mu: float = 1.0  # Gaussian mean
    sigma: float = 2.0  # Gaussian std
    rate: float = 1.5  # exponential rate λ
    separation: float = 3.0  # distance between the mixture's two means
    n_max: int = 100_000
    seed: int = 0

    def validate(self) -> None:
        if self.process not in PROCESSES:
            raise ConfigError(f"Unknown process '{self.process}': choose among {', '.join(PROCESSES)}.")
        if not (self.sigma > 0 and self.rate > 0 and self.separation >= 0):
            raise ConfigError("σ and λ must be positive and the separation non-negative.")
        if not 100 <= self.n_max <= 1_000_000:
            raise ConfigError("Use at most 100 to 1,000,000 samples.")


# --------------------------------------------------------------------------- the process


def true_parameters(cfg: EstimateConfig) -> dict[str, float]:
    if cfg.process == "gaussian":
        return {"μ": cfg.mu, "σ": cfg.sigma}
    if cfg.process == "exponential":
        return {"λ": cfg.rate}
    (w1, _), (s1, s2) = MIXTURE["weights"], MIXTURE["stds"]
    return {"π₁": w1, "μ₁": -cfg.separation / 2, "σ₁": s1, "μ₂": cfg.separation / 2, "σ₂": s2}


def draw(cfg: EstimateConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    if cfg.process == "gaussian":
        return rng.normal(cfg.mu, cfg.sigma, n)
    if cfg.process == "exponential":
        return rng.exponential(1.0 / cfg.rate, n)
    p = true_parameters(cfg)
    first = rng.random(n) < p["π₁"]
    return np.where(first, rng.normal(p["μ₁"], p["σ₁"], n), rng.normal(p["μ₂"], p["σ₂"], n))


def density(cfg_process: str, params: dict[str, float], x: np.ndarray) -> np.ndarray:
    """The process's density with these parameters, at x."""
    gauss = lambda m, s: np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))  # noqa: E731
    if cfg_process == "gaussian":
        return gauss(params["μ"], params["σ"])
    if cfg_process == "exponential":
        return np.where(x >= 0, params["λ"] * np.exp(-params["λ"] * np.clip(x, 0, None)), 0.0)
    return params["π₁"] * gauss(params["μ₁"], params["σ₁"]) + (1 - params["π₁"]) * gauss(params["μ₂"], params["σ₂"])


def steps_to_reach(n_max: int) -> int:
    """Steps until the growing sample holds n_max points."""
    n, steps = 0, 0
    while n < n_max:
        n = min(n_max, max(N_START, int(math.ceil(n * GROWTH))))
        steps += 1
    return steps


# --------------------------------------------------------------------------- trainer


class EstimateTrainer:
    """Each step: the sample grows by 10 % (a prefix of one long stream), then the maximum-likelihood
    estimate is recomputed on it (for the mixture, EM warm-started from the last estimate)."""

    EM_ITERS = 25

    def __init__(self, cfg: EstimateConfig):
        cfg.validate()
        self.cfg = cfg
        self.truth = true_parameters(cfg)
        self.stream = draw(cfg, cfg.n_max, np.random.default_rng(cfg.seed))  # every sample, in order
        self.n = 0
        self.gm: GaussianMixture | None = None
        self.estimate: dict[str, float] = {}
        lo, hi = np.quantile(self.stream, [0.001, 0.999])
        pad = 0.1 * (hi - lo)
        self.grid = np.linspace(lo - pad, hi + pad, 200)
        self.steps = 0

    @property
    def done(self) -> bool:
        return self.n >= self.cfg.n_max

    def _fit(self, x: np.ndarray) -> dict[str, float]:
        if self.cfg.process == "gaussian":
            mu, cov = fit_gaussian(x[:, None])  # the MLE: mean, and variance dividing by n
            return {"μ": float(mu[0]), "σ": float(math.sqrt(cov[0, 0]))}
        if self.cfg.process == "exponential":
            return {"λ": float(1.0 / x.mean())}
        xs = x[:, None]
        if self.gm is None:  # start: components at the lower and upper quartiles
            q = np.quantile(x, [0.25, 0.75])
            self.gm = GaussianMixture(np.array([0.5, 0.5]), q[:, None], np.full((2, 1, 1), x.var()), "full", 1e-6)
        resp, ll = self.gm.e_step(xs)
        for _ in range(self.EM_ITERS):  # warm-started: a few iterations reach the new maximum
            self.gm.m_step(xs, resp)
            resp, new = self.gm.e_step(xs)
            if new - ll < 1e-6:
                break
            ll = new
        order = np.argsort(self.gm.means[:, 0])  # name the components by their means (no label switching)
        w, m, s = self.gm.weights[order], self.gm.means[order, 0], np.sqrt(self.gm.covs[order, 0, 0])
        return {"π₁": float(w[0]), "μ₁": float(m[0]), "σ₁": float(s[0]), "μ₂": float(m[1]), "σ₂": float(s[1])}

    def step(self) -> dict[str, float]:
        self.n = min(self.cfg.n_max, max(N_START, int(math.ceil(self.n * GROWTH))))
        x = self.stream[: self.n]
        self.estimate = self._fit(x)
        self.steps += 1
        error = math.sqrt(sum((self.estimate[k] - v) ** 2 for k, v in self.truth.items()))
        out = {"n": float(self.n), "error": error}
        out.update({f"est_{k}": v for k, v in self.estimate.items()})
        return out

    def snapshot(self) -> dict[str, Any]:
        x = self.stream[: max(self.n, 1)]
        counts, edges = np.histogram(x, bins=HIST_BINS, range=(self.grid[0], self.grid[-1]))
        width = edges[1] - edges[0]
        snap = {
            "n": np.array(self.n),
            "hist_edges": edges,
            "hist_density": counts / max(1, len(x)) / width,  # (HIST_BINS,)
            "grid": self.grid.copy(),
            "true_pdf": density(self.cfg.process, self.truth, self.grid),
            "truth": dict(self.truth),  # {parameter name: true value}
            "estimate": dict(self.estimate),  # {parameter name: its estimate from the n samples} ({} before step 1)
        }
        if self.estimate:
            snap["fit_pdf"] = density(self.cfg.process, self.estimate, self.grid)
        return snap

    def final_metrics(self) -> dict[str, float]:
        return {"n": self.n, **{k: round(v, 4) for k, v in self.estimate.items()}}
