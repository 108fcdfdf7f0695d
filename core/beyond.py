"""Generative models beyond generation: outlier detection, denoising, parameter estimation.

The lecture's last slide: a model of ``p_data`` is useful without ever sampling from it.

- **Outlier detection**: fit a density ``p_θ`` (a Gaussian mixture by EM, core/gmm.py) to 2D data
  contaminated with a share of uniform outliers, without telling it which points are outliers;
  score each point by ``−log p_θ(x)`` and flag the least likely. The ROC curve (true-positive
  against false-positive rate over every threshold) and its area (AUC: the probability that a
  random outlier scores above a random inlier) measure the ranking.
- **Denoising**: an auto-encoder ``D(E(x̃))`` trained to map corrupted digits ``x̃`` (Gaussian noise,
  missing pixels or an erased block) back to the clean ``x`` (a denoising auto-encoder, Vincent et
  al. 2008); or, for comparison, a plain auto-encoder trained on clean digits only. The error
  ``‖x̃ − x‖²`` before and ``‖D(E(x̃)) − x‖²`` after, on test digits it never saw.
- **Parameter estimation**: draw n samples from a known process, estimate its parameters by
  maximum likelihood (closed form for a Gaussian and an exponential, EM for a mixture of two
  Gaussians), and watch the estimate converge as n grows: the error shrinks like ``1/√n``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core import digits as digit_data
from core.classify import build_mlp
from core.errors import ConfigError
from core.gmm import GaussianMixture, fit_gaussian, initial_mixture
from core.targets2d import TARGET_NAMES, make_target
from core.nets import set_lr

GRID = 60  # density grid of the outlier plane (GRID x GRID)


# =========================================================================== ROC


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


# =========================================================================== outlier detection


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


# =========================================================================== denoising

CORRUPTIONS = {
    "noise": "Gaussian noise (level = σ)",
    "pixels": "Missing pixels (level = share)",
    "block": "Erased square (level = side / 8)",
}
N_SHOWN = 8


def corrupt(x: torch.Tensor, kind: str, level: float, gen: torch.Generator) -> torch.Tensor:
    """Corrupted copies of the (n, 64) images in [0, 1]."""
    n = x.shape[0]
    if kind == "noise":
        return (x + level * torch.randn(x.shape, generator=gen)).clamp(0.0, 1.0)
    if kind == "pixels":
        keep = torch.rand(x.shape, generator=gen) >= level
        return x * keep
    side = int(round(level * digit_data.SIDE))
    if side <= 0:
        return x.clone()
    top = torch.randint(0, digit_data.SIDE - side + 1, (n,), generator=gen)
    left = torch.randint(0, digit_data.SIDE - side + 1, (n,), generator=gen)
    rows = torch.arange(digit_data.SIDE)
    inside_r = (rows[None] >= top[:, None]) & (rows[None] < top[:, None] + side)  # (n, 8)
    inside_c = (rows[None] >= left[:, None]) & (rows[None] < left[:, None] + side)  # (n, 8)
    erased = (inside_r[:, :, None] & inside_c[:, None, :]).reshape(n, -1)  # (n, 64)
    return x * ~erased


@dataclass(frozen=True)
class DenoiseConfig:
    corruption: str = "noise"  # noise | pixels | block
    level: float = 0.4
    train_on: str = "corrupted"  # corrupted (a denoising auto-encoder) | clean (a plain auto-encoder)
    latent: int = 16
    hidden: int = 128
    lr: float = 0.003
    batch_size: int = 64
    seed: int = 0
    eval_every: int = 20

    def validate(self) -> None:
        if self.corruption not in CORRUPTIONS:
            raise ConfigError(f"Unknown corruption '{self.corruption}': choose among {', '.join(CORRUPTIONS)}.")
        if not 0.0 <= self.level <= 1.0:
            raise ConfigError("The corruption level must lie between 0 and 1.")
        if self.train_on not in ("corrupted", "clean"):
            raise ConfigError("Train on 'corrupted' or 'clean' digits.")
        if not 1 <= self.latent <= 64 or not 4 <= self.hidden <= 512:
            raise ConfigError("Use a latent size of 1 to 64 and 4 to 512 hidden units.")
        if not (self.lr > 0 and math.isfinite(self.lr)) or self.batch_size < 1:
            raise ConfigError("The learning rate and the batch size must be positive.")


class DenoiseTrainer:
    """x̃ = corrupt(x); minimise ‖D(E(x̃)) − x‖² (or ‖D(E(x)) − x‖² for the plain auto-encoder)."""

    divergence_advice = "The learning rate is too large: lower it (it applies at once) and press Reset."

    def __init__(self, cfg: DenoiseConfig):
        cfg.validate()
        self.cfg = cfg
        data = digit_data.load(seed=0)
        self.x_train = torch.from_numpy(data.x_train)  # (n, 64) in [0, 1]
        self.x_test = torch.from_numpy(data.x_test)
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.encoder = build_mlp(64, (cfg.hidden,), cfg.latent, "relu")
        self.decoder = nn.Sequential(build_mlp(cfg.latent, (cfg.hidden,), 64, "relu"), nn.Sigmoid())
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.opt = torch.optim.Adam(params, lr=cfg.lr)
        # one fixed corruption of the test digits: the before/after errors are comparable over time
        self.x_test_corrupted = corrupt(self.x_test, cfg.corruption, cfg.level,
                                        torch.Generator().manual_seed(10_000 + cfg.seed))
        self.before = float(((self.x_test_corrupted - self.x_test) ** 2).sum(1).mean())
        self.shown = self._pick_shown(data.y_test)
        self.steps = 0
        self.evaluation: dict[str, float] = {}

    @staticmethod
    def _pick_shown(y: np.ndarray) -> np.ndarray:
        """The first test image of N_SHOWN different digit classes."""
        return np.array([int(np.flatnonzero(y == c)[0]) for c in range(N_SHOWN)])

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def set_lr(self, lr: float) -> None:
        set_lr(self.opt, lr)

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate."""
        if lr is not None:
            self.set_lr(lr)

    def step(self) -> dict[str, float]:
        idx = torch.randint(0, len(self.x_train), (self.cfg.batch_size,), generator=self.gen)
        x = self.x_train[idx]  # (B, 64)
        x_in = corrupt(x, self.cfg.corruption, self.cfg.level, self.gen) if self.cfg.train_on == "corrupted" else x
        loss = ((self.restore(x_in) - x) ** 2).sum(1).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
        return {"loss": loss.item(), **self.evaluation}

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        after = ((self.restore(self.x_test_corrupted) - self.x_test) ** 2).sum(1).mean().item()
        return {"error_before": self.before, "error_after": after}

    @torch.no_grad()
    def snapshot(self) -> dict[str, np.ndarray]:
        i = torch.from_numpy(self.shown)
        return {
            "clean": self.x_test[i].numpy().copy(),  # (N_SHOWN, 64) in [0, 1]
            "corrupted": self.x_test_corrupted[i].numpy().copy(),
            "restored": self.restore(self.x_test_corrupted[i]).numpy().copy(),
        }

    def final_metrics(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.evaluate().items()}


# =========================================================================== parameter estimation

PROCESSES = {
    "gaussian": "Gaussian N(μ, σ²)",
    "exponential": "Exponential with rate λ",
    "mixture": "Mixture of two Gaussians (EM)",
}
MIXTURE = {"weights": (0.35, 0.65), "stds": (0.6, 1.0)}  # the means are -d/2 and +d/2 (d = separation)
N_START = 5
GROWTH = 1.1  # the sample grows by 10 % per step
HIST_BINS = 40


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


def true_parameters(cfg: EstimateConfig) -> dict[str, float]:
    if cfg.process == "gaussian":
        return {"μ": cfg.mu, "σ": cfg.sigma}
    if cfg.process == "exponential":
        return {"λ": cfg.rate}
    (w1, w2), (s1, s2) = MIXTURE["weights"], MIXTURE["stds"]
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
