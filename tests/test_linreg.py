"""y = a·x + b: data, the loss landscape, the exact minimum, the optimisers, divergence, the CLI;
and the tiny 1D MLP."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import main as cli_main
from core.errors import ConfigError
from core.runner import DIVERGED, FINISHED, Run
from core.linreg import (A_RANGE, B_RANGE, OUTLIER, TRUE_A, TRUE_B, LinRegConfig, LinRegTrainer, best_fit,
                         landscape, loss_values, make_line_data)
from core.mlp1d import TARGETS, Mlp1dConfig, Mlp1dTrainer
from dashboard.fig_linreg import curve_fit_figure, landscape_figure, line_figure, visible_path


def run(trainer, steps):
    for _ in range(steps):
        metrics = trainer.step()
    return metrics


def test_data_follow_the_line_and_the_outlier_is_far():
    x, y = make_line_data(200, 0.0, False, seed=1)
    assert np.allclose(y, TRUE_A * x + TRUE_B, atol=1e-5)
    x2, y2 = make_line_data(200, 0.5, True, seed=1)
    assert (x2[-1], y2[-1]) == pytest.approx(OUTLIER)
    assert np.array_equal(x2[:-1], x[:-1])  # same seed, same points
    assert not np.array_equal(make_line_data(20, 0.5, False, 2)[1], make_line_data(20, 0.5, False, 3)[1])


def test_landscape_is_the_loss_on_a_grid():
    x, y = make_line_data(25, 0.5, False, seed=0)
    ga, gb, L = landscape(x, y, "mse", grid=31)
    assert L.shape == (31, 31) and ga[0] == A_RANGE[0] and gb[-1] == B_RANGE[1]
    i, j = 7, 20  # row i is b = gb[i], column j is a = ga[j]
    direct = np.mean((y - ga[j] * x - gb[i]) ** 2)
    assert L[i, j] == pytest.approx(direct, rel=1e-6)
    _, _, M = landscape(x, y, "mae", grid=31)
    assert M[i, j] == pytest.approx(np.mean(np.abs(y - ga[j] * x - gb[i])), rel=1e-6)


def test_landscape_widens_to_keep_a_far_minimum_on_the_map():
    trainer = LinRegTrainer(LinRegConfig(n_points=5, noise=10.0, seed=3))
    a, b = trainer.best
    assert not (A_RANGE[0] + 1 <= a <= A_RANGE[1] - 1 and B_RANGE[0] + 1 <= b <= B_RANGE[1] - 1)  # a far minimum
    ga, gb = trainer.grid_a, trainer.grid_b
    assert ga[0] <= min(a - 1, A_RANGE[0]) + 1e-9 and ga[-1] >= max(a + 1, A_RANGE[1]) - 1e-9
    assert gb[0] <= min(b - 1, B_RANGE[0]) + 1e-9 and gb[-1] >= max(b + 1, B_RANGE[1]) - 1e-9


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_best_fit_is_the_minimum(loss):
    x, y = make_line_data(40, 0.8, True, seed=4)
    a, b = best_fit(x, y, loss)
    here = loss_values(x, y, a, b, loss)
    rng = np.random.default_rng(0)
    others = loss_values(x, y, a + rng.normal(0, 0.3, 500), b + rng.normal(0, 0.3, 500), loss)
    assert here <= others.min() + 1e-9
    _, _, L = landscape(x, y, loss)
    assert here <= L.min() + 1e-9


def test_absolute_error_resists_the_outlier():
    x, y = make_line_data(30, 0.3, True, seed=0)
    a_mse, _ = best_fit(x, y, "mse")
    a_mae, _ = best_fit(x, y, "mae")
    assert abs(a_mae - TRUE_A) < 0.2 < abs(a_mse - TRUE_A)


def test_gradient_descent_reaches_least_squares():
    trainer = LinRegTrainer(LinRegConfig(optimizer="gd", lr=0.1))
    run(trainer, 500)
    final = trainer.final_metrics()
    assert final["distance_to_best"] < 1e-3 and final["loss"] == pytest.approx(final["best_loss"], rel=1e-4)


def test_one_gd_step_is_minus_lr_times_the_gradient():
    cfg = LinRegConfig(optimizer="gd", lr=0.05, a0=0.5, b0=1.0)
    trainer = LinRegTrainer(cfg)
    x, y = trainer.x.astype(float), trainer.y.astype(float)
    r = y - 0.5 * x - 1.0
    grad = np.array([-2 * np.mean(r * x), -2 * np.mean(r)])
    m = trainer.step()
    assert (m["a"], m["b"]) == pytest.approx(tuple(np.array([0.5, 1.0]) - 0.05 * grad), rel=1e-5)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_stochastic_optimisers_get_near_the_minimum(optimizer):
    trainer = LinRegTrainer(LinRegConfig(optimizer=optimizer, lr=0.03, batch_size=5))
    run(trainer, 600)
    assert trainer.final_metrics()["distance_to_best"] < 0.3


def test_sgd_uses_batches_and_full_batch_equals_gd():
    small = LinRegTrainer(LinRegConfig(optimizer="sgd", batch_size=3, n_points=30))
    metrics = small.step()
    assert metrics["batch_loss"] != pytest.approx(metrics["loss"])
    full = LinRegTrainer(LinRegConfig(optimizer="sgd", batch_size=30, n_points=30))
    gd = LinRegTrainer(LinRegConfig(optimizer="gd", n_points=30))
    assert run(full, 20)["a"] == pytest.approx(run(gd, 20)["a"])


def test_path_starts_at_the_start_and_records_every_step():
    trainer = LinRegTrainer(LinRegConfig(a0=-2.0, b0=3.5))
    run(trainer, 40)
    snap = trainer.snapshot()
    assert snap["path"].shape == (41, 2) and tuple(snap["path"][0]) == (-2.0, 3.5)
    assert np.array_equal(snap["theta"], snap["path"][-1])
    run(trainer, 2000)
    assert len(trainer.snapshot()["path"]) <= 1501  # thinned, the last point kept
    assert np.array_equal(trainer.snapshot()["path"][-1], trainer.path[-1])


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_snapshot_names_the_loss_and_its_stable_learning_rate(loss):
    trainer = LinRegTrainer(LinRegConfig(loss=loss))
    snap = trainer.snapshot()
    assert snap["loss_kind"] == loss
    assert snap["max_stable_lr"] == trainer.max_stable_lr()
    assert (snap["max_stable_lr"] is None) == (loss == "mae")


def test_set_live_changes_the_learning_rate_of_the_next_step():
    trainer = LinRegTrainer(LinRegConfig(optimizer="gd", lr=0.05, a0=0.5, b0=1.0))
    same = LinRegTrainer(LinRegConfig(optimizer="gd", lr=0.01, a0=0.5, b0=1.0))
    trainer.set_live(lr=0.01)
    assert {g["lr"] for g in trainer.opt.param_groups} == {0.01}
    assert trainer.step() == pytest.approx(same.step())
    trainer.set_live()  # nothing given: nothing changes
    assert {g["lr"] for g in trainer.opt.param_groups} == {0.01}


def test_stable_learning_rate_limit_is_where_gd_starts_to_diverge():
    probe = LinRegTrainer(LinRegConfig())
    limit = probe.max_stable_lr()
    below = LinRegTrainer(LinRegConfig(optimizer="gd", lr=0.9 * limit))
    above = LinRegTrainer(LinRegConfig(optimizer="gd", lr=1.1 * limit))
    assert run(below, 400)["loss"] < 1.0
    assert not run(above, 400)["loss"] < 1e3
    assert LinRegTrainer(LinRegConfig(loss="mae")).max_stable_lr() is None


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum"])
def test_huge_learning_rate_diverges_in_a_job_and_keeps_a_drawable_picture(optimizer):
    job = Run(LinRegTrainer(LinRegConfig(optimizer=optimizer, lr=10.0)), snapshot_every=0.0,
              snapshot_share=None)  # a snapshot after every step: the last good one is just before inf
    job.step_once(200)
    assert job.state == DIVERGED and "learning rate" in job.message
    snap = job.snapshot
    assert np.isfinite(snap["path"]).all()
    fig = landscape_figure(snap, "MSE")
    drawn = np.concatenate([np.asarray(t.x, dtype=float) for t in fig.data if t.type == "scatter"])
    assert np.abs(drawn).max() < 100  # the path is cut where it leaves the map
    assert any("left the map" in a.text for a in fig.layout.annotations)


def test_visible_path_cuts_where_the_path_leaves():
    path = np.array([[0.0, 0.0], [1.0, 1.0], [50.0, -3.0], [1e30, 1e30], [np.inf, 0]])
    drawn, left = visible_path(path, (-1, 2, -1, 2), margin=0.5)
    assert left == 2 and len(drawn) == 3 and drawn[-1].tolist() == [3.5, -2.5]
    same, none = visible_path(path[:2], (-1, 2, -1, 2))
    assert none is None and np.array_equal(same, path[:2])


def test_line_figure_keeps_its_range_for_a_huge_line():
    trainer = LinRegTrainer(LinRegConfig())
    snap = trainer.snapshot() | {"theta": np.array([1e20, -1e20])}
    fig = line_figure(snap)
    assert fig.layout.yaxis.range[1] < 100 and np.abs(fig.data[-1].y).max() <= 1e6 * 10


@pytest.mark.parametrize("bad", [dict(n_points=1), dict(noise=-1.0), dict(loss="huber"), dict(optimizer="lbfgs"),
                                 dict(batch_size=0), dict(lr=0.0), dict(lr=float("nan")), dict(a0=float("inf"))])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(ConfigError):
        LinRegTrainer(LinRegConfig(**bad))


def test_cli_linreg(capsys, tmp_path):
    out = tmp_path / "line.npz"
    assert cli_main(["train", "linreg", "--steps", "400", "--optimizer", "adam", "--lr", "0.1", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 400 and summary["distance_to_best"] < 0.1
    assert np.load(out)["path"].shape == (401, 2)
    assert cli_main(["train", "linreg", "--steps", "100", "--lr", "10"]) == 2
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["state"] == DIVERGED


# --------------------------------------------------------------------------- the tiny MLP


@pytest.mark.parametrize("target", list(TARGETS))
def test_mlp_fits_each_target(target):
    trainer = Mlp1dTrainer(Mlp1dConfig(target=target, noise=0.05, seed=1))
    first = trainer.step()["loss"]
    last = run(trainer, 1500)["loss"]
    assert last < 0.1 * first and last < 0.05


def test_mlp_snapshot_and_parameter_count():
    trainer = Mlp1dTrainer(Mlp1dConfig(width=16, depth=2))
    assert trainer.parameter_count() == (1 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    snap = trainer.snapshot()
    assert snap["parameter_count"] == trainer.parameter_count()
    assert Mlp1dTrainer(Mlp1dConfig(width=4, depth=2)).snapshot()["parameter_count"] == 33
    assert snap["curve_x"].shape == snap["curve_y"].shape == snap["target_y"].shape == (200,)
    assert snap["x"].shape == (40,)
    fig = curve_fit_figure(snap)
    assert len(fig.data) == 3


def test_mlp_set_live_changes_the_learning_rate():
    trainer = Mlp1dTrainer(Mlp1dConfig(lr=0.01))
    trainer.set_live(lr=0.3)
    assert {g["lr"] for g in trainer.opt.param_groups} == {0.3}
    job = Run(Mlp1dTrainer(Mlp1dConfig(optimizer="sgd", lr=0.01)))
    job.set_live({"lr": 10.0})  # live through the run, as the page's worker does: it now diverges
    job.step_once(300)
    assert job.state == DIVERGED


def test_mlp_minibatches_and_divergence():
    trainer = Mlp1dTrainer(Mlp1dConfig(batch_size=4, optimizer="sgd", lr=0.1))
    m = trainer.step()
    assert m["batch_loss"] != pytest.approx(m["loss"])
    job = Run(Mlp1dTrainer(Mlp1dConfig(optimizer="sgd", lr=10.0)))
    job.step_once(300)
    assert job.state == DIVERGED


@pytest.mark.parametrize("bad", [dict(target="tan"), dict(width=0), dict(depth=5), dict(activation="gelu"),
                                 dict(optimizer="gd"), dict(lr=-1.0), dict(n_points=1)])
def test_mlp_bad_config(bad):
    with pytest.raises(ConfigError):
        Mlp1dTrainer(Mlp1dConfig(**bad))


def test_cli_mlp1d(capsys):
    assert cli_main(["train", "mlp1d", "--steps", "500", "--target", "abs"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["state"] == FINISHED and summary["parameters"] == 321 and summary["loss"] < 0.1
