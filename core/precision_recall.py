"""Improved precision and recall of generated samples (Kynkäänniemi et al., 2019, "Improved Precision
and Recall Metric for Assessing Generative Models").

Each set of points stands for its distribution through a *k-nearest-neighbour manifold*: the union of
balls around its points, each ball's radius the distance from that point to its k-th nearest neighbour
in the same set (k = 3 by default, as in the paper)::

    manifold(Φ) = ∪_{φ ∈ Φ} B(φ, d_k(φ, Φ))        d_k(φ, Φ): distance to the k-th nearest other point

    precision = share of generated samples inside manifold(real)       (are the samples realistic?)
    recall    = share of real samples inside manifold(generated)       (is every kind of real data made?)

A generator that makes one good digit over and over has a high precision and a recall near zero;
a generator of noise has both near zero. Both numbers depend on the sizes of the sets (a denser set
has smaller balls), so compare sets of the same size: the paper uses as many samples as real points.

Feature space: the paper measures in the features of an ImageNet classifier (VGG-16). Here the
callers measure 8x8 digits in **raw pixels scaled to [0, 1]** (64 numbers): the only classifier of
digits in the project (core/digit_judge.py) is linear, and its 10 class scores would call two
different 3s the same point, so a model making one 3 per class would look diverse. Pixels are
honest about what a sample looks like, at the price that a blurry mean image can fall between real
digits (pixel distance does not know that a shift by one pixel is still the same digit).

Non-finite rows (a diverged model) never raise: a non-finite sample counts as outside the real
manifold and builds no ball of the generated one. Exact distances by ``torch.cdist`` in float64:
for 2,000 x 2,000 points of 64 numbers, a few tens of milliseconds.
"""

from __future__ import annotations

import numpy as np
import torch

K = 3  # the k of the k-nearest-neighbour radii (Kynkäänniemi et al. 2019)


def _as_rows(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)  # (n, d)


def _distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")  # exact: |x − x| = 0


def knn_radii(points: torch.Tensor, k: int = K) -> torch.Tensor:
    """(n,) distance of each point to its k-th nearest *other* point of the same set; a set of k points
    or fewer uses its farthest other point (a single point: radius 0, the ball is the point)."""
    n = len(points)
    if n <= 1:
        return torch.zeros(n, dtype=points.dtype)
    d = _distances(points, points)  # (n, n), the diagonal is 0: the point itself is the 0-th neighbour
    return d.kthvalue(min(k, n - 1) + 1, dim=1).values  # (n,)


def share_inside(queries: torch.Tensor, points: torch.Tensor, radii: torch.Tensor) -> float:
    """Share of ``queries`` (m, d) inside the union of balls B(points_i, radii_i); 0 if either set is empty."""
    if len(queries) == 0 or len(points) == 0:
        return 0.0
    d = _distances(queries, points)  # (m, n)
    return float((d <= radii[None, :]).any(1).double().mean())


def precision_recall(real, generated, k: int = K) -> dict[str, float]:
    """Improved precision and recall of ``generated`` (n, ...) against ``real`` (m, ...): each row is a
    point (flattened), both in the same feature space and units. Returns ``precision`` and ``recall``
    in [0, 1] (see the module docstring). Rows with a NaN or inf count as failed samples."""
    real, gen = _as_rows(real), _as_rows(generated)
    if real.shape[1] != gen.shape[1] and len(real) and len(gen):
        raise ValueError(f"real points have {real.shape[1]} numbers, generated ones {gen.shape[1]}")
    finite = np.isfinite(gen).all(1)  # (n,)
    real_t = torch.from_numpy(np.ascontiguousarray(real[np.isfinite(real).all(1)]))
    gen_t = torch.from_numpy(np.ascontiguousarray(gen[finite]))
    inside_real = share_inside(gen_t, real_t, knn_radii(real_t, k))  # among the finite samples
    precision = inside_real * float(finite.mean()) if len(gen) else 0.0
    recall = share_inside(real_t, gen_t, knn_radii(gen_t, k))
    return {"precision": precision, "recall": recall}
