"""Energy models e^{f_θ}/Z: quadrature, maximum likelihood on a grid, Langevin sampling, the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from core.cli import main as cli_main
from core.energy import EnergyConfig, EnergyTrainer, LangevinTrainer, box_grid, grid_cells, log_partition
from core.errors import ConfigError
from core.gmm import GaussianMixture, fit_gaussian
from dashboard.fig_energy import grid_cost_figure
from dashboard.layout import FONT_STEP
from dashboard.theme import FONT_SIZE


def test_quadrature_gives_the_normaliser_of_a_known_density():
    sigma = 0.5
    f = lambda x: -(x ** 2).sum(-1, keepdim=True) / (2 * sigma ** 2)  # noqa: E731  Z = 2πσ²
    pts, axis, cell = box_grid(4.0, 64)
    assert pts.shape == (64 * 64, 2) and np.isclose(axis[1] - axis[0], 8 / 64) and np.isclose(cell, (8 / 64) ** 2)
    assert log_partition(f, pts, cell).item() == pytest.approx(math.log(2 * math.pi * sigma ** 2), abs=1e-5)


def test_grid_cost_is_g_to_the_d():
    assert grid_cells(2, 64) == pytest.approx(math.log10(4096))
    assert grid_cells(784, 10) == pytest.approx(784)


def test_maximum_likelihood_beats_a_gaussian_and_the_quadrature_is_converged():
    trainer = EnergyTrainer(EnergyConfig(target="ring", spread=0.1, grid=48, seed=0))
    first = trainer.step()["nll"]
    for _ in range(700):
        metrics = trainer.step()
    assert np.isfinite(metrics["loss"])
    nll = trainer.evaluate()["nll"]
    mu, cov = fit_gaussian(trainer.data)
    gauss_nll = -GaussianMixture(np.ones(1), mu[None], cov[None]).mean_log_likelihood(trainer.data)
    assert nll < first - 1.5 and nll < gauss_nll - 1.5  # the 8 modes, not one blob
    # p_θ integrates to 1 on the grid, and a grid twice as fine agrees on log Z
    snap = trainer.snapshot()
    cell = (snap["grid_x"][1] - snap["grid_x"][0]) * (snap["grid_y"][1] - snap["grid_y"][0])
    assert snap["density"].sum() * cell == pytest.approx(1.0, abs=1e-4)
    assert trainer.log_z_on(96) == pytest.approx(trainer.evaluate()["log_z"], abs=0.05)
    # the density is high on the ring's modes and low at the centre
    gx, gy, p = snap["grid_x"], snap["grid_y"], snap["density"]
    at = lambda x, y: p[np.abs(gy - y).argmin(), np.abs(gx - x).argmin()]  # noqa: E731
    assert at(2.0, 0.0) > 20 * at(0.0, 0.0)


def test_langevin_samples_a_known_gaussian():
    class Known:  # f = log N(0, 0.5² I) up to a constant, in a box of half-width 3
        half, mean, std = 3.0, np.zeros(2), np.ones(2)
        data = np.random.default_rng(0).normal(0, 0.5, (1000, 2))

        def frozen_energy(self):
            return lambda x: -(x ** 2).sum(-1, keepdim=True) / (2 * 0.25)

    sampler = LangevinTrainer(Known(), n=2000, step_size=0.005, seed=0)
    for _ in range(600):
        metrics = sampler.step()
    x = sampler.samples()
    assert np.allclose(x.mean(0), 0, atol=0.05) and np.allclose(x.std(0), 0.5, rtol=0.08)
    assert metrics["energy_distance"] < 0.05


def test_langevin_on_a_trained_energy_finds_the_modes():
    trainer = EnergyTrainer(EnergyConfig(target="ring", spread=0.1, grid=48, seed=1))
    for _ in range(700):
        trainer.step()
    sampler = LangevinTrainer(trainer, n=800, step_size=0.002, seed=0)
    start = sampler.quality()
    for _ in range(300):
        sampler.step()
    assert sampler.quality() < 0.15 < start
    radius = np.linalg.norm(sampler.samples(), axis=1)
    assert np.mean(np.abs(radius - 2.0) < 0.4) > 0.8


def test_the_sampler_uses_a_frozen_copy():
    trainer = EnergyTrainer(EnergyConfig(grid=32, seed=0))
    sampler = LangevinTrainer(trainer, n=10)
    before = [p.clone() for p in sampler.f.parameters()]
    for _ in range(5):
        trainer.step()
    assert all(torch.equal(a, b) for a, b in zip(before, sampler.f.parameters()))


def test_set_live_sets_the_learning_rate():
    trainer = EnergyTrainer(EnergyConfig(grid=32, seed=0))
    trainer.set_live(lr=0.05)
    assert trainer.opt.param_groups[0]["lr"] == 0.05
    trainer.set_live()  # nothing given: nothing changes
    assert trainer.opt.param_groups[0]["lr"] == 0.05


def test_a_sampler_built_from_the_snapshot_weights_matches_one_built_from_the_trainer():
    cfg = EnergyConfig(grid=32, seed=2)
    trainer = EnergyTrainer(cfg)
    for _ in range(20):
        trainer.step()
    weights = trainer.snapshot()["weights"]
    assert set(weights) == set(trainer.model.state_dict())
    assert all(type(v) is np.ndarray and np.array_equal(v, trainer.model.state_dict()[k].numpy())
               for k, v in weights.items())
    reference = LangevinTrainer(trainer, n=50, step_size=0.002, seed=4)  # the in-process way
    rebuilt = LangevinTrainer.from_weights(cfg, None, weights, n=50, step_size=0.002, seed=4)
    trainer.step()  # the snapshot holds copies, not views
    assert not all(np.array_equal(v, trainer.model.state_dict()[k].numpy()) for k, v in weights.items())
    for _ in range(10):
        reference.step(), rebuilt.step()
    assert np.array_equal(rebuilt.samples(), reference.samples())
    lv = rebuilt.snapshot()
    assert np.array_equal(lv["data"], trainer.data) and lv["particles"].shape == (50, 2)


@pytest.mark.parametrize("bad", [dict(grid=4), dict(layers=0), dict(hidden=1000), dict(lr=0.0), dict(step_size=-1.0),
                                 dict(target="nope")])
def test_bad_settings_raise_config_errors(bad):
    with pytest.raises(ConfigError):
        EnergyTrainer(EnergyConfig(**bad))


def test_cli_writes_the_density_and_langevin_samples(tmp_path, capsys):
    out = tmp_path / "run.npz"
    code = cli_main(["train", "energy", "--target", "ring", "--grid", "32", "--steps", "60", "--langevin-steps", "20",
                     "--particles", "200", "--seed", "0", "--out", str(out)])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and summary["steps"] == 60
    for key in ("nll", "log_z", "log_z_fine", "langevin_energy_distance"):
        assert np.isfinite(summary[key])
    saved = np.load(out)
    assert saved["density"].shape == (32, 32) and saved["samples"].shape == (200, 2)


def test_grid_cost_labels_stay_inside_the_plot_at_1280_px():
    """Each example's label runs towards the middle of the plot and fits between its point and the plot's edge
    at the figure's width on a 1280x720 projector (the explanation's full width, presenter mode's larger font);
    the reference lines are named in the legend, not by labels on the lines among the points' labels."""
    plot_px = 755 - 55 - 15  # presenter mode's explanation at 1280 px, less the template's margins
    char_px = 0.55 * (FONT_SIZE + FONT_STEP)  # presenter mode's font; an upper bound for Source Sans
    for grid in (32, 128):
        for cells_per_s in (0.0, 2e6):
            fig = grid_cost_figure(grid, cells_per_s)
            curve, points = fig.data[0], fig.data[1]
            lo, hi = math.log10(min(curve.x)), math.log10(max(curve.x))
            places = [points.textposition] * len(points.x) if isinstance(points.textposition, str) else points.textposition
            for x, text, place in zip(points.x, points.text, places):
                at = (math.log10(x) - lo) / (hi - lo) * plot_px
                room = {"left": at, "right": plot_px - at, "center": 2 * min(at, plot_px - at)}[place.split()[1]]
                assert len(text) * char_px <= room, (text, place)
            top = int(np.argmax(points.y))
            assert places[top].startswith("middle") or fig.layout.yaxis.range[1] > 1.15 * points.y[top]
            assert not fig.layout.annotations
            named = [t.name for t in fig.data if t.showlegend is not False]
            assert any("atoms in the universe" in n for n in named)
            assert any("in a year" in n for n in named) == (cells_per_s > 0)
