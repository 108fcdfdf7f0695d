"""How good are 2D samples? Numbers the generative pages show beside their pictures.

- Energy distance (Székely & Rizzo): ``E = 2·mean|x−y| − mean|x−x'| − mean|y−y'|``, zero iff the
  two distributions match, no bandwidth to tune. Within-set terms are U-statistics (pairs i = i'
  left out), so E is unbiased and can come out slightly below zero for matching sets.
  :func:`normalised_energy_distance` divides by E(Gaussian noise, reference): 0 = like the data,
  1 = like noise. Each set is subsampled to 2,000 points. What depends on the reference alone
  (``mean|y−y'|`` and the noise's whole distance) is computed once per reference and kept
  (:data:`_REFERENCE_TERMS`), and distances are summed in blocks of ROWS rows: the GAN page's
  evaluation every 200 steps recomputed the same 2,000 x 2,000 distances each time, whole, and cost
  CPU and a transient 70-100 MB that way (``bench/bench_sample_metrics.py`` prints both ways).
- Mode metrics for Gaussian-mixture targets, as in PacGAN (Lin et al., 2018) and VEEGAN:
  a sample is *high quality* when it lies within ``n_std`` stds of its nearest mode; a mode is
  *captured* when it receives at least ``min(20, 0.2·n/K)`` (and at least 1) high-quality
  samples; PacGAN's rule of 20 samples out of 2,500 over 25 modes, scaled down for small n.
  ``reverse_kl`` = KL(histogram of high-quality samples over modes || uniform): 0 = balanced,
  log K = everything in one mode.

Non-finite samples (a diverged model) never raise: they count as failures (not high quality,
lowering ``finite_share``) and the energy distance uses the finite rows only (inf if none).
"""

from __future__ import annotations

import collections
import hashlib
import math
import threading

import numpy as np
import torch

MAX_POINTS = 2000  # subsample size for the energy distance
ROWS = 256  # rows of a block of distances: 256 x 2,000 float64 distances are 4 MB
_EPS = 1e-12
_REFERENCE_TERMS: collections.OrderedDict[tuple, float] = collections.OrderedDict()  # key -> term, newest last
_KEEP = 64  # reference terms kept (a few per page's reference set)
_LOCK = threading.Lock()  # pages' threads may evaluate at once


def _finite_rows(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(-1, 2)  # (n, 2)
    return x[np.isfinite(x).all(1)]


def _subsample(x: np.ndarray, max_points: int, rng: np.random.Generator) -> torch.Tensor:
    if len(x) > max_points:
        x = x[rng.choice(len(x), max_points, replace=False)]
    return torch.from_numpy(np.ascontiguousarray(x))


def _dist_sum(a: torch.Tensor, b: torch.Tensor) -> float:
    """sum |a_i - b_j| over all pairs, ROWS rows of a at a time (bounded memory)."""
    mode = "donot_use_mm_for_euclid_dist"  # exact: the mm shortcut adds ~1e-3 noise to |x - x|
    return sum(torch.cdist(a[i:i + ROWS], b, compute_mode=mode).sum().item() for i in range(0, len(a), ROWS))


def _mean_dist(a: torch.Tensor, b: torch.Tensor | None = None) -> float:
    """mean |a_i - b_j|; with b None the U-statistic mean over pairs i != j of a."""
    if b is not None:
        return _dist_sum(a, b) / (len(a) * len(b))
    n = len(a)
    if n < 2:
        return 0.0
    return _dist_sum(a, a) / (n * (n - 1))  # the diagonal is 0


def _kept(key: tuple, compute) -> float:
    """A term that depends on the reference set alone: computed once per ``key``, then reused."""
    with _LOCK:
        if key in _REFERENCE_TERMS:
            _REFERENCE_TERMS.move_to_end(key)
            return _REFERENCE_TERMS[key]
    value = compute()
    with _LOCK:
        _REFERENCE_TERMS[key] = value
        while len(_REFERENCE_TERMS) > _KEEP:
            _REFERENCE_TERMS.popitem(last=False)
    return value


def _digest(y: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(y).tobytes(), digest_size=16).digest() + repr(y.shape).encode()


def energy_distance(x, y, max_points: int = MAX_POINTS, seed: int = 0) -> float:
    """E(x, y) for (n, 2) and (m, 2) samples; finite rows only; inf if a set has none. ``y`` is the
    reference: its own term mean|y−y'| is kept for the next call with the same ``y``."""
    x, y = _finite_rows(x), _finite_rows(y)
    if len(x) == 0 or len(y) == 0:
        return float("inf")
    rng = np.random.default_rng(seed)  # fixed subsample: the same inputs give the same number
    a, b = _subsample(x, max_points, rng), _subsample(y, max_points, rng)
    # y's subsample depends on the draws x's took: on len(x) when x was subsampled
    key = ("yy", _digest(y), max_points, seed, len(x) if len(x) > max_points else 0)
    return float(2 * _mean_dist(a, b) - _mean_dist(a) - _kept(key, lambda: _mean_dist(b)))


def normalised_energy_distance(samples, reference, seed: int = 0) -> float:
    """E(samples, ref) / E(noise, ref), clipped at 0; noise ~ N(mean_ref, diag std_ref^2).

    The noise set has as many points as ``samples`` (at least 500 so the scale is steady).
    """
    return _normalised(energy_distance(samples, reference, seed=seed), len(np.asarray(samples).reshape(-1, 2)),
                       reference, seed)


def _normalised(e: float, n_samples: int, reference, seed: int) -> float:
    """``e`` = E(samples, reference) of ``n_samples`` samples, divided by E(noise, reference) (kept)."""
    if not math.isfinite(e):
        return float("inf")
    ref = _finite_rows(reference)  # (m, 2)
    n = min(max(n_samples, 500), MAX_POINTS)

    def noise_distance() -> float:
        noise = np.random.default_rng(seed).normal(ref.mean(0), ref.std(0), size=(n, 2))  # (n, 2)
        return energy_distance(noise, ref, seed=seed)

    e_noise = _kept(("noise", _digest(ref), n, seed), noise_distance)
    return float(max(e, 0.0) / max(e_noise, _EPS))


def mode_coverage(samples, modes, std: float, n_std: float = 3.0) -> dict:
    """PacGAN-style mode metrics for samples (n, 2) of a mixture with modes (K, 2), std ``std``.

    Returns ``modes_captured`` (int), ``n_modes`` (int), ``high_quality`` (share of all samples
    within n_std·std of their nearest mode) and ``reverse_kl`` (float, log K if none is).
    """
    x = np.asarray(samples, dtype=np.float64).reshape(-1, 2)  # (n, 2)
    modes = np.asarray(modes, dtype=np.float64).reshape(-1, 2)  # (K, 2)
    n, k = len(x), len(modes)
    finite = np.isfinite(x).all(1)  # (n,)
    xf = np.where(finite[:, None], x, 0.0)
    d = np.linalg.norm(xf[:, None, :] - modes[None, :, :], axis=-1)  # (n, K)
    nearest = d.argmin(1) if n else np.zeros(0, int)  # (n,)
    hq = finite & (d.min(1, initial=np.inf) <= n_std * std)  # (n,) high quality
    counts = np.bincount(nearest[hq], minlength=k)  # (K,) high-quality samples per mode
    threshold = max(1, math.ceil(min(20.0, 0.2 * n / max(k, 1))))
    if counts.sum() == 0:
        rkl = math.log(k) if k else 0.0
    else:
        p = (counts + _EPS) / (counts.sum() + k * _EPS)  # (K,)
        rkl = float(np.sum(p * np.log(p * k)))
    return {
        "modes_captured": int((counts >= threshold).sum()),
        "n_modes": int(k),
        "high_quality": float(hq.mean()) if n else 0.0,
        "reverse_kl": max(0.0, float(rkl)),
    }


def sample_report(samples, target, reference=None, seed: int = 0) -> dict[str, float]:
    """All metrics for samples (n, 2) of ``target`` (a Target2D) as plain floats, JSON-ready.

    ``reference`` is a large sample of the target (drawn with ``seed`` if None). Keys:
    ``energy`` (normalised), ``energy_raw``, ``finite_share``, and for mixtures
    ``modes_captured``, ``n_modes``, ``high_quality``, ``reverse_kl``.
    """
    x = np.asarray(samples, dtype=np.float64).reshape(-1, 2)  # (n, 2)
    if reference is None:
        reference = target.sample(MAX_POINTS, seed=seed)
    raw = energy_distance(x, reference, seed=seed)  # once: the normalised distance divides it
    report = {
        "energy": _normalised(raw, len(x), reference, seed),
        "energy_raw": raw,
        "finite_share": float(np.isfinite(x).all(1).mean()) if len(x) else 0.0,
    }
    if target.is_mixture:
        cov = mode_coverage(x, target.modes, target.mode_std)
        report.update({key: float(v) for key, v in cov.items()})
    return report
