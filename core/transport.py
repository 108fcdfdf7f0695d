"""Straighter paths from noise to data: minibatch optimal-transport pairing, and a measure of straightness.

Flow matching (core/flow.py) regresses the velocity of straight segments x₀ → x₁ between a noise
point and a data point. Drawn independently, the segments of a batch cross; the marginal velocity
averages over them and its flow bends. Tong et al. (2024, "Improving and generalizing flow-based
generative models with minibatch optimal transport") and Pooladian et al. (2023) pair each batch's
noise with its data by the assignment that minimises ``Σ|x₀ - x₁|²`` (exact, with scipy's
``linear_sum_assignment``; greedy nearest-neighbour without scipy): the segments cross less, the
learned paths straighten, and few solver steps suffice (as with Liu et al.'s 2023 rectified flow).

How straight a path is: ``|x₁ - x₀|² / ∫₀¹|dx/dt|² dt`` (1 for a segment run at constant speed,
smaller when it bends; Cauchy-Schwarz), and the mean distance of its points from the chord x₀ → x₁.
"""

from __future__ import annotations

import numpy as np

try:  # scikit-learn brings scipy; without it the pairing is greedy
    from scipy.optimize import linear_sum_assignment
except ImportError:  # pragma: no cover - scipy is installed with scikit-learn
    linear_sum_assignment = None

OT_CHUNK = 256  # minibatch OT pairs noise and data within chunks of this many points


def pairing_cost(x0: np.ndarray, x1: np.ndarray) -> float:
    """Mean squared distance of paired rows, (n, d) and (n, d)."""
    return float(((np.asarray(x0) - np.asarray(x1)) ** 2).sum(1).mean())


def greedy_pairing(cost: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """perm with row i -> column perm[i]: rows in random order take their cheapest free column."""
    n = len(cost)
    order = (rng or np.random.default_rng(0)).permutation(n)
    taken = np.zeros(n, dtype=bool)
    perm = np.empty(n, dtype=np.int64)
    for i in order:
        j = int(np.argmin(np.where(taken, np.inf, cost[i])))
        perm[i], taken[j] = j, True
    return perm


def ot_pairing(x0: np.ndarray, x1: np.ndarray, exact: bool = True) -> np.ndarray:
    """Index ``perm`` such that noise ``x0[perm[j]]`` goes with data ``x1[j]``: minimal Σ|x₀ - x₁|².

    Exact assignment (Hungarian / Jonker-Volgenant) when scipy is there and ``exact``; else greedy.
    """
    cost = ((np.asarray(x1)[:, None, :] - np.asarray(x0)[None, :, :]) ** 2).sum(-1)  # (n1, n0)
    if exact and linear_sum_assignment is not None:
        rows, cols = linear_sum_assignment(cost)
        perm = np.empty(len(rows), dtype=np.int64)
        perm[rows] = cols
        return perm
    return greedy_pairing(cost)


def minibatch_ot_pairing(x0: np.ndarray, x1: np.ndarray, chunk: int = OT_CHUNK) -> np.ndarray:
    """:func:`ot_pairing` within chunks of ``chunk`` rows: the cost grows linearly in the batch size."""
    return np.concatenate([k + ot_pairing(x0[k:k + chunk], x1[k:k + chunk]) for k in range(0, len(x1), chunk)])


def straightness(path: np.ndarray) -> dict[str, float]:
    """How straight are paths (steps + 1, n, d) from t = 0 to 1 (equal steps)?

    ``straightness`` = mean|x₁ - x₀|² / mean ∫|dx/dt|² dt, with ∫ ≈ Σ|Δx|²/h: 1 when every path
    is a segment run at constant speed, less when paths bend (or speed up and slow down).
    ``deviation`` = mean distance of the path points from their chord x₀ → x₁ (the path's units).
    """
    path = np.asarray(path, dtype=np.float64)
    steps = len(path) - 1
    if steps < 1:
        return {"straightness": 1.0, "deviation": 0.0}
    chord = path[-1] - path[0]  # (n, d)
    kinetic = (np.diff(path, axis=0) ** 2).sum(-1).sum(0) * steps  # (n,) Σ|Δx|² / h ≈ ∫|dx/dt|² dt
    ratio = float((chord**2).sum(-1).mean() / max(kinetic.mean(), 1e-12))
    rel = path - path[0]  # (steps + 1, n, d)
    c2 = np.maximum((chord**2).sum(-1), 1e-12)  # (n,)
    along = np.clip((rel * chord).sum(-1) / c2, 0.0, 1.0)[..., None]  # projection on the chord
    dev = np.linalg.norm(rel - along * chord, axis=-1).mean()
    return {"straightness": min(ratio, 1.0), "deviation": float(dev)}
