"""Capacity sweep (Legendre least squares, MLP widths) and the over-fitting classifier (no timing)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.capacity import (MAX_DEGREE, CapacityConfig, CapacitySweepTrainer, fit_polynomial, make_regression, mse,
                           predict_polynomial, three_fits, true_function)
from core.cli import main as cli_main
from core.errors import ConfigError
from core.overfit import OverfitConfig, OverfitTrainer
from core.runner import FINISHED, Run


def run_sweep(**kw) -> CapacitySweepTrainer:
    trainer = CapacitySweepTrainer(CapacityConfig(**kw))
    for _ in range(trainer.cfg.total_steps()):
        trainer.step()
    assert trainer.done
    return trainer


def test_degree_20_fit_is_numerically_sound():
    """An exact degree-20 polynomial is recovered to 1e-8 where the monomial basis is hopeless."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 200)
    coef = rng.standard_normal(MAX_DEGREE + 1)
    y = np.polynomial.legendre.legval(x, coef)
    fitted = fit_polynomial(x, y, MAX_DEGREE)
    grid = np.linspace(-1, 1, 101)
    assert np.max(np.abs(predict_polynomial(fitted, grid) - np.polynomial.legendre.legval(grid, coef))) < 1e-8
    legendre_cond = np.linalg.cond(np.polynomial.legendre.legvander(x, MAX_DEGREE))
    monomial_cond = np.linalg.cond(np.vander(x, MAX_DEGREE + 1))
    assert legendre_cond < 1e3 < 1e6 < monomial_cond


def test_least_squares_matches_the_normal_equations_and_underdetermined_interpolates():
    data = make_regression(40, 0.3, seed=1)
    coef = fit_polynomial(data.x_train, data.y_train, 4)
    V = np.polynomial.legendre.legvander(data.x_train, 4)
    assert np.allclose(V.T @ V @ coef, V.T @ data.y_train)
    few = make_regression(8, 0.3, seed=1)
    coef = fit_polynomial(few.x_train, few.y_train, 15)  # 16 coefficients, 8 points: passes through all
    assert np.allclose(predict_polynomial(coef, few.x_train), few.y_train, atol=1e-8)
    with pytest.raises(ConfigError):
        fit_polynomial(few.x_train, few.y_train, 21)


def test_sweep_train_error_falls_and_test_error_rises_again_past_its_minimum():
    t = run_sweep(n_train=30, noise=0.3, seed=0)
    assert t.capacities == list(range(MAX_DEGREE + 1))
    train, test = np.array(t.train_mse), np.array(t.test_mse)
    assert np.all(np.diff(train) <= 1e-12)  # nested least squares: more capacity never fits worse
    best = int(np.argmin(test))
    assert 2 <= best <= 10
    assert test[-1] > 2 * test[best]  # the U's right arm
    assert test[0] > 5 * test[best]  # and its left arm (a constant under-fits)
    assert test[best] < 1.5 * 0.3 ** 2  # near the noise floor σ²


def test_more_data_moves_the_u():
    small = run_sweep(n_train=30, noise=0.3, seed=0)
    large = run_sweep(n_train=300, noise=0.3, seed=0)
    assert large.test_mse[-1] < small.test_mse[-1] / 2
    assert large.capacities[large.best()] >= small.capacities[small.best()]


def test_no_noise_no_over_fitting():
    t = run_sweep(n_train=30, noise=0.0, seed=0)
    assert t.test_mse[-1] < 1e-6 and t.train_mse[-1] < 1e-6


def test_sweep_snapshot_three_panels_and_no_op_after_the_end():
    t = CapacitySweepTrainer(CapacityConfig(n_train=20))
    assert three_fits(t.snapshot()) == []
    t.step()
    assert [label for label, _ in three_fits(t.snapshot())] == ["Under-fit"]
    for _ in range(30):
        t.step()
    snap = t.snapshot()
    assert snap["curves"].shape == (21, len(snap["grid"])) and np.isfinite(snap["curves"]).all()
    assert np.allclose(snap["truth"], true_function(snap["grid"]))
    panels = dict(three_fits(snap))
    assert panels["Under-fit"] == 1 and panels["Over-fit"] == 20 and panels["Right fit"] == t.best()
    assert len(t.capacities) == 21  # steps after the end add nothing


def test_sweep_snapshot_says_when_it_is_done_and_holds_the_whole_test_set():
    t = CapacitySweepTrainer(CapacityConfig(n_train=20, n_test=500))
    snap = t.snapshot()
    assert snap["done"] is False
    assert np.array_equal(snap["x_test_all"], t.data.x_test) and np.array_equal(snap["y_test_all"], t.data.y_test)
    assert len(snap["x_test"]) == 200 and np.array_equal(snap["x_test"], t.data.x_test[:200])  # the drawn ones
    job = Run(t, max_steps=50, snapshot_every=0, snapshot_share=None)  # a picture after every step
    job.start()
    while job.active:
        job.run_slice(1.0)
    assert job.state == FINISHED and job.step_count == 21  # the run ends with the sweep
    assert job.snapshot["done"] is True and len(job.snapshot["test_mse"]) == 21
    # the page's own fit of a degree from the snapshot gives the sweep's test error
    coef = fit_polynomial(snap["x_train"], snap["y_train"], 5)
    assert mse(predict_polynomial(coef, snap["x_test_all"]), snap["y_test_all"]) == pytest.approx(t.test_mse[5])


def test_mlp_sweep_fits_every_width_within_its_step_budget():
    cfg = CapacityConfig(family="mlp", n_train=20, mlp_steps=60, mlp_chunk=20)
    t = CapacitySweepTrainer(cfg)
    job = Run(t, max_steps=cfg.total_steps())
    job.step_once(cfg.total_steps())
    assert job.state == FINISHED and t.done
    assert t.capacities == list(cfg.capacities)
    assert t.train_mse[-1] < t.train_mse[0]  # wider fits the training points better


@pytest.mark.parametrize("bad", [dict(family="spline"), dict(n_train=1), dict(noise=-1.0), dict(lr=0.0)])
def test_bad_sweep_config(bad):
    with pytest.raises(ConfigError):
        CapacitySweepTrainer(CapacityConfig(**bad))


# ------------------------------------------------------------------ classification


def test_overfit_three_models_under_right_over():
    t = OverfitTrainer(OverfitConfig(seed=0))
    for _ in range(1000):
        t.step()
    m = t.final_metrics()
    assert m["over_train_accuracy"] == 1.0  # threads every noisy training point
    assert m["under_test_accuracy"] < 0.6  # a line cannot separate XOR
    assert m["tamed_test_accuracy"] > m["over_test_accuracy"] + 0.03
    assert m["tamed_train_accuracy"] < m["over_train_accuracy"]


def test_tamed_and_over_start_from_the_same_weights():
    t = OverfitTrainer(OverfitConfig(l2=0.0, early_stopping=False))
    for a, b in zip(t.models["tamed"].parameters(), t.models["over"].parameters()):
        assert torch.equal(a, b)
    for _ in range(20):
        t.step()  # and with no taming they stay identical
    for a, b in zip(t.models["tamed"].parameters(), t.models["over"].parameters()):
        assert torch.allclose(a, b)


def test_early_stopping_stops_and_restores_the_best_validation_weights():
    t = OverfitTrainer(OverfitConfig(patience=50, l2=0.0))
    for _ in range(600):
        t.step()
    assert t.stopped_at is not None and t.stopped_at - t.best_step >= 50
    for k, v in t.models["tamed"].state_dict().items():
        assert torch.equal(v, t.best_state[k])
    frozen = [p.clone() for p in t.models["tamed"].parameters()]
    t.step()
    assert all(torch.equal(a, b) for a, b in zip(frozen, t.models["tamed"].parameters()))
    assert abs(t.evaluate()["tamed_val_loss"] - t.best_val) < 1e-6
    off = OverfitTrainer(OverfitConfig(early_stopping=False, patience=50))
    for _ in range(300):
        off.step()
    assert off.stopped_at is None


def test_overfit_snapshot():
    t = OverfitTrainer(OverfitConfig(n_train=20))
    t.step()
    snap = t.snapshot()
    for key in ("under", "tamed", "over"):
        assert snap[f"proba_{key}"].shape == (2, 60, 60)
        assert np.allclose(snap[f"proba_{key}"].sum(0), 1, atol=1e-5)
    assert snap["X_train"].shape == (20, 2) and int(snap["stopped_at"]) == -1


@pytest.mark.parametrize("bad", [dict(n_train=2), dict(hidden=()), dict(hidden=(300,)), dict(l2=-1.0),
                                 dict(data="nope"), dict(patience=0)])
def test_bad_overfit_config(bad):
    with pytest.raises(ConfigError):
        OverfitTrainer(OverfitConfig(**bad))


# ------------------------------------------------------------------ CLI


def test_cli_capacity_and_overfit(tmp_path, capsys):
    out = tmp_path / "sweep.npz"
    assert cli_main(["train", "capacity", "--n-train", "30", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] >= 21 and summary["fitted"] == 21 and summary["last_capacity"] == 20
    assert summary["last_test_mse"] > summary["best_test_mse"]
    assert np.load(out)["test_mse"].shape == (21,)
    assert cli_main(["train", "capacity", "--family", "mlp", "--mlp-steps", "20", "--mlp-chunk", "10"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["fitted"] == 9 and summary["last_capacity"] == 256  # the default budget covers an MLP sweep
    assert cli_main(["train", "overfit", "--steps", "50", "--hidden", "16,16"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"under_test_accuracy", "tamed_test_accuracy", "over_test_accuracy"} <= set(summary)


@pytest.mark.parametrize("seed", range(5))
def test_double_descent_past_the_interpolation_threshold(seed):
    """pages/capacity.py: with n = 15 and σ = 0.3 the test error peaks at the interpolation threshold
    d = n − 1 (degree 14, once 13), and by degree 20 (minimum-norm fits) it has fallen a thousandfold or more,
    though it stays above the bottom of the U."""
    t = run_sweep(n_train=15, noise=0.3, seed=seed)
    test = np.array(t.test_mse)
    peak = int(np.argmax(test))
    assert peak in (13, 14)
    assert test[MAX_DEGREE] < test[peak] / 1000
    assert test[MAX_DEGREE] > 2 * test.min()
    assert np.allclose(t.train_mse[14:], 0.0, atol=1e-12)  # from d = n − 1 on, the fit passes through every point
