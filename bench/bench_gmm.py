"""Our EM against scikit-learn's GaussianMixture: time per iteration and log-likelihood agreement.

For each data set and covariance type, both start from the same parameters (ours, passed to
scikit-learn as weights_init / means_init / precisions_init, reg_covar = our floor, tol = 0) and
run the same number of EM iterations. Time per iteration: scikit-learn's fit with ``iters``
iterations minus its fit with 1 iteration (its set-up and final E-step cancel), divided by
``iters - 1``; ours: ``iters`` M-step + E-step pairs. The two are interleaved round by round so
both see the same machine load; medians over the rounds. Agreement: |ℓ_ours − ℓ_sklearn| per sample
(the bar is 1e-3).

    python bench/bench_gmm.py [--rounds 5] [--iters 100] [--n 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sklearn.mixture import GaussianMixture as SkGaussianMixture  # noqa: E402

from core.gmm import COVARIANCE_TYPES, initial_mixture  # noqa: E402
from core.gmm_data import load_data  # noqa: E402

FLOOR = 1e-6


def sklearn_precisions(gm) -> np.ndarray:
    prec = np.linalg.inv(gm.covs)
    if gm.kind == "full":
        return prec
    diag = np.diagonal(prec, axis1=1, axis2=2).copy()
    return diag if gm.kind == "diag" else diag[:, 0].copy()


def sklearn_fit(x, init, iters: int) -> tuple[float, SkGaussianMixture]:
    sk = SkGaussianMixture(init.k, covariance_type=init.kind, reg_covar=FLOOR, tol=0.0, max_iter=iters,
                           init_params="random", weights_init=init.weights, means_init=init.means,
                           precisions_init=sklearn_precisions(init), random_state=0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(x)
    return time.perf_counter() - t0, sk


def ours_fit(x, init, iters: int):
    gm = initial_mixture(x, init.k, "kmeans++", init.kind, FLOOR, np.random.default_rng(0))
    resp, ll = gm.e_step(x)
    t0 = time.perf_counter()
    for _ in range(iters):
        gm.m_step(x, resp)
        resp, ll = gm.e_step(x)
    return time.perf_counter() - t0, gm, ll


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    print(f"EM per iteration, ours (numpy) vs scikit-learn {__import__('sklearn').__version__}: "
          f"n = {args.n}, {args.iters} iterations, median of {args.rounds} rounds")
    print(f"{'data':8s} {'K':>2s} {'cov':9s} {'ours ms/it':>10s} {'sklearn ms/it':>13s} {'ratio ours/sk':>13s} "
          f"{'|Δℓ| per sample':>16s}")
    for data, k in (("ring", 8), ("grid", 10), ("blobs", 4), ("voltage", 3)):
        x = load_data(data, args.n, 0.2, 4, seed=0)
        for kind in COVARIANCE_TYPES:
            init = initial_mixture(x, k, "kmeans++", kind, FLOOR, np.random.default_rng(0))
            ours, theirs = [], []
            for _ in range(args.rounds):
                t_long, sk = sklearn_fit(x, init, args.iters)
                t_one, _ = sklearn_fit(x, init, 1)
                theirs.append((t_long - t_one) / (args.iters - 1))
                t, gm, ll = ours_fit(x, init, args.iters)
                ours.append(t / args.iters)
            o, s = statistics.median(ours), statistics.median(theirs)
            diff = abs(ll - sk.score(x))
            print(f"{data:8s} {k:2d} {kind:9s} {o * 1e3:10.3f} {s * 1e3:13.3f} {o / s:13.2f} {diff:16.2e}"
                  f"{'  FAIL' if diff >= 1e-3 else ''}")


if __name__ == "__main__":
    main()
