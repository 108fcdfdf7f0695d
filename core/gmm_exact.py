"""Closed forms for isotropic Gaussian-mixture targets along Gaussian paths.

Score-based models, diffusion and flow matching all noise the data the same way:
``x = a·x₁ + s·ε`` with ``x₁ ~ p_data`` and ``ε ~ N(0, I)``. When ``p_data`` is the mixture
``Σ_k π_k N(μ_k, σ_k² I)`` (the ring and grid targets), the law of ``x`` is again a mixture,
``Σ_k π_k N(a μ_k, (a² σ_k² + s²) I)``, so its score, the denoiser ``E[x₁ | x]`` and the flow
matching velocity are exact. The pages draw them beside the learned fields; tests check the
networks' fields against them.

- score-based models (variance exploding): ``a = 1, s = σ``
- diffusion (DDPM, variance preserving): ``a = √ᾱ_t, s = √(1 - ᾱ_t)``
- flow matching (straight path from noise at t = 0 to data at t = 1): ``a = t, s = 1 - t``
"""

from __future__ import annotations

import numpy as np

Mixture = tuple[np.ndarray, np.ndarray, np.ndarray]  # weights (K,), means (K, d), stds (K,)


def _path(mixture: Mixture, a: float, s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weights, means, stds = (np.asarray(v, dtype=np.float64) for v in mixture)
    var = a * a * stds**2 + s * s  # (K,) variance of each noised component
    if np.any(var <= 0):
        raise ValueError("the noised mixture is degenerate: need s > 0 or positive component stds")
    return weights, a * means, var


def _log_joint(x: np.ndarray, mixture: Mixture, a: float, s: float) -> np.ndarray:
    """(n, K) log π_k + log N(x; a μ_k, (a² σ_k² + s²) I)."""
    weights, m, var = _path(mixture, a, s)
    x = np.asarray(x, dtype=np.float64)
    sq = ((x[:, None, :] - m[None]) ** 2).sum(-1)  # (n, K)
    return np.log(weights) - 0.5 * x.shape[1] * np.log(2 * np.pi * var) - 0.5 * sq / var


def responsibilities(x: np.ndarray, mixture: Mixture, a: float = 1.0, s: float = 0.0) -> np.ndarray:
    """(n, K) posterior probability of each component given the noised point x (n, d)."""
    logp = _log_joint(x, mixture, a, s)
    r = np.exp(logp - logp.max(1, keepdims=True))
    return r / r.sum(1, keepdims=True)


def log_density(x: np.ndarray, mixture: Mixture, a: float = 1.0, s: float = 0.0) -> np.ndarray:
    """(n,) log p(x) of the noised mixture."""
    logp = _log_joint(x, mixture, a, s)
    top = logp.max(1)
    return top + np.log(np.exp(logp - top[:, None]).sum(1))


def score(x: np.ndarray, mixture: Mixture, a: float = 1.0, s: float = 0.0) -> np.ndarray:
    """(n, d) ∇ₓ log p(x) of the law of a·x₁ + s·ε."""
    _, m, var = _path(mixture, a, s)
    x = np.asarray(x, dtype=np.float64)
    r = responsibilities(x, mixture, a, s)  # (n, K)
    return np.einsum("nk,nkd->nd", r / var, m[None] - x[:, None, :])


def denoiser(x: np.ndarray, mixture: Mixture, a: float = 1.0, s: float = 0.0) -> np.ndarray:
    """(n, d) E[x₁ | a·x₁ + s·ε = x], the best possible denoiser (Tweedie)."""
    _, means, stds = (np.asarray(v, dtype=np.float64) for v in mixture)
    _, m, var = _path(mixture, a, s)
    x = np.asarray(x, dtype=np.float64)
    r = responsibilities(x, mixture, a, s)  # (n, K)
    gain = a * stds**2 / var  # (K,)
    per_k = means[None] + gain[None, :, None] * (x[:, None, :] - m[None])  # (n, K, d)
    return np.einsum("nk,nkd->nd", r, per_k)


def flow_velocity(x: np.ndarray, mixture: Mixture, t: float) -> np.ndarray:
    """(n, d) the marginal velocity u_t(x) = E[x₁ - x₀ | x_t = x] of the straight path
    x_t = (1 - t)·x₀ + t·x₁, x₀ ~ N(0, I): it equals (E[x₁ | x_t = x] - x) / (1 - t), t < 1."""
    if not 0.0 <= t < 1.0:
        raise ValueError("t must lie in [0, 1)")
    return (denoiser(x, mixture, a=t, s=1.0 - t) - np.asarray(x, dtype=np.float64)) / (1.0 - t)
