"""Outlier detection (ROC, AUC, mixture density), denoising auto-encoder, maximum-likelihood estimation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from core.denoising import DenoiseConfig, DenoiseTrainer, corrupt
from core.errors import ConfigError
from core.estimation import EstimateConfig, EstimateTrainer, steps_to_reach
from core.outliers import OutlierConfig, OutlierTrainer, auc, contaminated, log_density, rates_at, roc_curve

# ------------------------------------------------------------------ ROC


@pytest.mark.parametrize("seed", range(4))
def test_auc_agrees_with_scikit_learn_even_with_ties(seed):
    rng = np.random.default_rng(seed)
    labels = rng.random(300) < 0.2
    scores = np.round(rng.normal(size=300) + labels * 1.0, 1)  # rounding makes ties
    fpr, tpr, thresholds = roc_curve(scores, labels)
    assert auc(fpr, tpr) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0) and np.all(np.diff(thresholds) < 0)


def test_auc_extremes_and_rates():
    labels = np.array([0, 0, 0, 1, 1], bool)
    assert auc(*roc_curve(np.array([1, 2, 3, 4, 5.0]), labels)[:2]) == 1.0
    assert auc(*roc_curve(np.array([5, 4, 3, 2, 1.0]), labels)[:2]) == 0.0
    assert auc(*roc_curve(np.zeros(5), labels)[:2]) == 0.5
    r = rates_at(np.array([1, 2, 3, 4, 5.0]), labels, 3.0)  # flags 3, 4, 5
    assert r == {"tpr": 1.0, "fpr": 1 / 3, "precision": 2 / 3, "flagged": 3}
    with pytest.raises(ValueError):
        roc_curve(np.ones(3), np.zeros(3, bool))


# ------------------------------------------------------------------ outlier detection


def test_contaminated_data_share_and_seed():
    x, out = contaminated(OutlierConfig(n_inliers=400, outlier_share=0.2, seed=3))
    assert x.shape == (500, 2) and out.sum() == 100
    x2, _ = contaminated(OutlierConfig(n_inliers=400, outlier_share=0.2, seed=3))
    assert np.array_equal(x, x2)
    with pytest.raises(ConfigError):
        OutlierConfig(outlier_share=0.9).validate()


def test_em_raises_the_likelihood_and_ranks_outliers():
    trainer = OutlierTrainer(OutlierConfig(data="ring", spread=0.1, k=8, seed=0))
    lls = [trainer.step()["log_likelihood"] for _ in range(40)]
    assert all(b >= a - 1e-9 for a, b in zip(lls, lls[1:]))  # EM never lowers the likelihood
    metrics = trainer.step()
    assert metrics["auc"] > 0.9
    snap = trainer.snapshot()
    assert snap["log_p"].shape == (60, 60) and float(snap["auc"]) == pytest.approx(metrics["auc"])
    assert roc_auc_score(trainer.is_outlier, trainer.scores()) == pytest.approx(metrics["auc"])


def test_mixture_density_integrates_to_one():
    trainer = OutlierTrainer(OutlierConfig(data="moons", k=4, seed=1))
    for _ in range(20):
        trainer.step()
    g = np.linspace(-6, 7, 400)
    pts = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    mass = np.exp(log_density(trainer.gm, pts)).sum() * (g[1] - g[0]) ** 2
    assert mass == pytest.approx(1.0, abs=0.01)


# ------------------------------------------------------------------ denoising


def test_corruptions():
    x = torch.ones(50, 64)
    gen = torch.Generator().manual_seed(0)
    assert torch.equal(corrupt(x, "noise", 0.0, gen), x)
    assert corrupt(x, "pixels", 1.0, gen).sum() == 0
    share = 1 - corrupt(x, "pixels", 0.3, gen).mean().item()
    assert 0.25 < share < 0.35
    erased = (corrupt(x, "block", 0.5, gen) == 0).sum(1)
    assert torch.all(erased == 16)  # a 4x4 square
    noisy = corrupt(torch.full((50, 64), 0.5), "noise", 0.2, gen)
    assert 0.15 < (noisy - 0.5).std().item() < 0.25 and noisy.min() >= 0 and noisy.max() <= 1


def test_denoising_auto_encoder_restores_and_beats_a_plain_one():
    cfg = DenoiseConfig(corruption="pixels", level=0.5, seed=0)
    dae, plain = DenoiseTrainer(cfg), DenoiseTrainer(DenoiseConfig(corruption="pixels", level=0.5, train_on="clean"))
    for _ in range(600):
        dae.step()
        plain.step()
    d, p = dae.evaluate(), plain.evaluate()
    assert d["error_after"] < 0.5 * d["error_before"]
    assert d["error_after"] < p["error_after"]
    snap = dae.snapshot()
    assert snap["clean"].shape == snap["corrupted"].shape == snap["restored"].shape == (8, 64)


def test_denoise_set_live_sets_the_learning_rate():
    trainer = DenoiseTrainer(DenoiseConfig(seed=0))
    trainer.set_live(lr=0.07)
    assert trainer.opt.param_groups[0]["lr"] == 0.07
    trainer.set_live()
    assert trainer.opt.param_groups[0]["lr"] == 0.07


# ------------------------------------------------------------------ parameter estimation


def _run(cfg: EstimateConfig) -> tuple[EstimateTrainer, list[dict[str, float]]]:
    trainer = EstimateTrainer(cfg)
    rows = [trainer.step() for _ in range(steps_to_reach(cfg.n_max))]
    assert trainer.n == cfg.n_max
    return trainer, rows


def test_gaussian_mle_is_mean_and_biased_std_and_error_shrinks_like_one_over_root_n():
    trainer, rows = _run(EstimateConfig(process="gaussian", mu=1.0, sigma=2.0, n_max=100_000, seed=1))
    x = trainer.stream
    assert trainer.estimate["μ"] == pytest.approx(x.mean()) and trainer.estimate["σ"] == pytest.approx(x.std(ddof=0))
    n = np.array([r["n"] for r in rows])
    err = np.array([r["error"] for r in rows])
    slope = np.polyfit(np.log(n), np.log(err), 1)[0]
    assert -0.8 < slope < -0.3
    assert err[-1] < 0.05


def test_exponential_and_mixture_recover_their_parameters():
    trainer, _ = _run(EstimateConfig(process="exponential", rate=1.5, n_max=30_000))
    assert trainer.estimate["λ"] == pytest.approx(1.5, rel=0.03)
    trainer, _ = _run(EstimateConfig(process="mixture", separation=3.0, n_max=30_000))
    for key, value in trainer.truth.items():
        assert trainer.estimate[key] == pytest.approx(value, abs=0.06), key
    snap = trainer.snapshot()
    area = (snap["fit_pdf"] * np.gradient(snap["grid"])).sum()
    assert area == pytest.approx(1.0, abs=0.02)
    assert snap["truth"] == trainer.truth and snap["estimate"] == trainer.estimate and int(snap["n"]) == 30_000


def test_estimate_snapshot_has_the_truth_and_no_estimate_before_the_first_step():
    trainer = EstimateTrainer(EstimateConfig(process="gaussian", mu=1.0, sigma=2.0, n_max=1000))
    snap = trainer.snapshot()
    assert snap["truth"] == {"μ": 1.0, "σ": 2.0} and snap["estimate"] == {} and "fit_pdf" not in snap
    trainer.step()
    snap = trainer.snapshot()
    assert set(snap["estimate"]) == {"μ", "σ"} and snap["estimate"] == trainer.estimate
    snap["estimate"]["μ"] = 99.0  # a copy, not the trainer's own dict
    assert trainer.estimate["μ"] != 99.0


def test_steps_to_reach():
    assert steps_to_reach(5) == 1 and steps_to_reach(6) == 2
    assert 90 < steps_to_reach(100_000) < 110
