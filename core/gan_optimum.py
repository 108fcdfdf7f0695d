"""The GAN's optimal discriminator and the Jensen–Shannon divergence, on a 2D grid.

For a fixed generator, the D that maximises the value function
``V(G, D) = E_{p_data}[log D(x)] + E_{p_g}[log(1 − D(x))]`` is, point by point (Goodfellow 2014),

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),

and at that D the game's value is ``V(G, D*) = −log 4 + 2·JSD(p_data ‖ p_g)``: the minimax loss
estimates the Jensen–Shannon divergence ``JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m)``, ``m = (p + q)/2``,
which lies between 0 (same law) and log 2 (disjoint supports).

``p_g`` is only known through samples, so it is estimated by a Gaussian kernel density estimate of
bandwidth ``h``; that estimate converges to ``p_g * N(0, h² I)``, not ``p_g``. So that both sides are
judged alike, ``p_data`` is smoothed by the same kernel: for a Gaussian-mixture target this is exact
(each component's variance grows by ``h²``, ``core.gmm_exact``); for other targets it is the kernel
density estimate of held-out data. Both densities are normalised over the grid's cells. The
Gaussian kernel loses no information (its Fourier transform never vanishes), so the smoothed JSD is
0 exactly when ``p_g = p_data``.
"""

from __future__ import annotations

import numpy as np

from core import gmm_exact
from core.targets2d import grid_points

LOG2 = float(np.log(2.0))


def kde(points: np.ndarray, at: np.ndarray, h: float, chunk: int = 4096) -> np.ndarray:
    """(m,) Gaussian kernel density estimate of the 2D ``points`` (n, 2) at ``at`` (m, 2), bandwidth h."""
    points, at = np.asarray(points, np.float64), np.asarray(at, np.float64)
    if h <= 0 or not len(points):
        raise ValueError("need a positive bandwidth and at least one point")
    d = points.shape[1]
    out = np.empty(len(at))
    for i in range(0, len(at), chunk):
        sq = ((at[i:i + chunk, None, :] - points[None]) ** 2).sum(-1)  # (m', n)
        out[i:i + chunk] = np.exp(-0.5 * sq / h**2).mean(1)
    return out / (2 * np.pi * h**2) ** (d / 2)


def kde_grid(points: np.ndarray, gx: np.ndarray, gy: np.ndarray, h: float) -> np.ndarray:
    """(len(gy)·len(gx),) the same estimate on the grid of axes gx, gy (row-major in y, as
    ``core.targets2d.grid_points``), fast: the Gaussian kernel factorises into an x and a y part."""
    points = np.asarray(points, np.float64)
    if h <= 0 or not len(points):
        raise ValueError("need a positive bandwidth and at least one point")
    kx = np.exp(-0.5 * ((np.asarray(gx)[:, None] - points[None, :, 0]) / h) ** 2)  # (nx, n)
    ky = np.exp(-0.5 * ((np.asarray(gy)[:, None] - points[None, :, 1]) / h) ** 2)  # (ny, n)
    return (ky @ kx.T).ravel() / (len(points) * 2 * np.pi * h**2)  # (ny·nx,)


def mixture_density(at: np.ndarray, mixture: gmm_exact.Mixture, h: float) -> np.ndarray:
    """(m,) the mixture's density smoothed by N(0, h² I), exactly (each variance grows by h²)."""
    return np.exp(gmm_exact.log_density(at, mixture, a=1.0, s=h))


def normalise(p: np.ndarray) -> np.ndarray:
    """Grid values -> probabilities of the grid's cells (the cells have equal areas)."""
    p = np.clip(np.asarray(p, np.float64), 0.0, None)
    total = p.sum()
    if not total > 0:
        raise ValueError("the density vanishes on the whole grid")
    return p / total


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray, pack: int = 1) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g), point by point (1/2 where both vanish).

    With PacGAN packing D judges ``pack`` samples at once; on ``pack`` copies of the same point (how
    the page draws D) the optimum is p_data^m / (p_data^m + p_g^m), computed stably in logs.
    """
    p, q = np.asarray(p_data, np.float64), np.asarray(p_g, np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lp, lq = pack * np.log(p), pack * np.log(q)
        diff = np.where((p <= 0) & (q <= 0), 0.0, lq - lp)  # D* = 1 / (1 + exp(lq − lp))
        return 1.0 / (1.0 + np.exp(diff))


def jsd(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence (nats) of two discrete laws (normalised here), in [0, log 2]."""
    p, q = normalise(p), normalise(q)
    m = 0.5 * (p + q)

    def kl_to_m(a: np.ndarray) -> float:
        nz = a > 0
        return float((a[nz] * np.log(a[nz] / m[nz])).sum())

    return float(np.clip(0.5 * kl_to_m(p) + 0.5 * kl_to_m(q), 0.0, LOG2))


def value_at_optimum(js: float) -> float:
    """V(G, D*) = −log 4 + 2·JSD(p_data ‖ p_g)."""
    return -np.log(4.0) + 2.0 * js


def jsd_from_value(value: float) -> float:
    """The JSD a value V(G, D) claims if D were optimal: (V + log 4) / 2 (a lower bound otherwise)."""
    return (value + np.log(4.0)) / 2.0


class GridOptimum:
    """p_data on a fixed grid, once; then D* and the JSD for any set of generated samples.

    ``gx``, ``gy`` are the grid's axes in data units (points row-major in y); the kernel's bandwidth
    is ``cells`` grid spacings, so the estimate is resolved by the grid.
    """

    def __init__(self, gx: np.ndarray, gy: np.ndarray, *, mixture: gmm_exact.Mixture | None = None,
                 reference: np.ndarray | None = None, cells: float = 1.5):
        self.gx, self.gy = np.asarray(gx, np.float64), np.asarray(gy, np.float64)
        self.h = float(cells * max(self.gx[1] - self.gx[0], self.gy[1] - self.gy[0]))
        if mixture is not None:
            self.p_data = mixture_density(grid_points(self.gx, self.gy), mixture, self.h)
            self.exact = True
        elif reference is not None:
            self.p_data = kde_grid(reference, self.gx, self.gy, self.h)
            self.exact = False
        else:
            raise ValueError("give the target's mixture or reference samples")

    def measure(self, samples: np.ndarray, pack: int = 1) -> dict[str, np.ndarray | float]:
        """{"p_g": (m,), "d_star": (m,), "jsd": float} for the generated ``samples`` (n, 2)."""
        p_g = kde_grid(samples, self.gx, self.gy, self.h)
        return {"p_g": p_g, "d_star": optimal_discriminator(self.p_data, p_g, pack), "jsd": jsd(self.p_data, p_g)}
