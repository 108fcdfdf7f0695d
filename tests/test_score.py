"""Score-based model: noise levels, the learned score against the exact one, annealed Langevin sampling."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.cli import main as cli_main
from core.noise_conditional import report
from core.errors import ConfigError
from core.gmm_exact import score as exact_score
from core.score import PATH_STATES_PER_LEVEL, ScoreConfig, ScoreTrainer, noise_levels


@pytest.fixture(scope="module")
def trained():
    """Ring, seed 0, 3,000 steps of denoising score matching."""
    trainer = ScoreTrainer(ScoreConfig(data="ring", seed=0, lr_decay_steps=3000))
    for _ in range(3000):
        trainer.step()
    return trainer


def test_noise_levels_are_geometric_from_sigma_max_to_sigma_min():
    s = noise_levels(10, 3.0, 0.01)
    assert s[0] == pytest.approx(3.0) and s[-1] == pytest.approx(0.01)
    assert np.all(np.diff(s) < 0) and np.allclose(s[1:] / s[:-1], s[1] / s[0])
    assert list(noise_levels(1, 2.0, 0.1)) == [2.0]
    with pytest.raises(ConfigError):
        noise_levels(5, 0.1, 0.5)


def test_learned_score_approaches_the_exact_score(trained):
    untrained = ScoreTrainer(ScoreConfig(data="ring", seed=0))
    before = [untrained.score_error(level) for level in range(10)]
    after = [trained.score_error(level) for level in range(10)]
    assert min(before) > 0.8  # an untrained network knows nothing of the score
    assert max(after[:7]) < 0.2, after  # within 20 % where the data are blurred enough to see
    assert max(after) < 0.45, after  # and every level improved a lot, even the sharpest


def test_fields_in_the_snapshot_match_the_exact_score_of_the_blurred_mixture(trained):
    snap = trained.snapshot()
    L, G = len(trained.sigmas), len(snap["grid"])
    assert snap["field_learned"].shape == (L, G, 2) and snap["field_exact"].shape == (L, G, 2)
    xs = trained.pool.std.to_model(snap["grid"])
    level = 3
    direct = exact_score(xs, trained.pool.std.mixture(trained.target), 1.0, trained.sigmas[level])
    assert np.allclose(snap["field_exact"][level], direct)
    # on the grid, at a broad level, the learned arrows point the same way as the exact ones
    cos = np.sum(snap["field_learned"][1] * snap["field_exact"][1], 1) / (
        np.linalg.norm(snap["field_learned"][1], axis=1) * np.linalg.norm(snap["field_exact"][1], axis=1))
    assert np.median(cos) > 0.95


def test_standardisation_is_isotropic_so_the_mixture_stays_a_mixture(trained):
    w, mu, s = trained.pool.std.mixture(trained.target)
    assert np.allclose(s, s[0]) and s[0] == pytest.approx(0.05 / trained.pool.std.scale)
    assert np.allclose(trained.pool.std.to_data(trained.pool.std.to_model(trained.pool.data)), trained.pool.data)


def test_langevin_with_the_exact_score_samples_the_mixture():
    """The sampler itself, without learning: annealed Langevin on the closed-form score."""
    trainer = ScoreTrainer(ScoreConfig(data="ring", seed=0))
    mix = trainer.pool.std.mixture(trainer.target)

    def exact(x, sigma, model=None):
        return torch.as_tensor(exact_score(x.double().numpy(), mix, 1.0, float(sigma[0])), dtype=torch.float32)

    trainer.score_std = exact
    r = report(trainer.sample(1000, steps_per_level=30, seed=0), trainer.target, trainer.reference)
    assert r["modes_captured"] == 8 and r["high_quality"] > 0.95, r


def test_trained_langevin_samples_in_data_units(trained):
    x = trained.sample(2000, seed=1)
    assert abs(np.median(np.linalg.norm(x, axis=1)) - 2.0) < 0.05  # ring radius in data units
    r = report(x, trained.target, trained.reference)
    assert r["modes_captured"] == 8 and r["high_quality"] >= 0.9, r


def test_sampling_shapes_nfe_paths_and_start_noise(trained):
    x, paths = trained.sample(200, steps_per_level=50, seed=2, return_paths=True, denoise=True)
    assert x.shape == (200, 2) and trained.last_nfe == 10 * 50 + 1
    assert paths.shape == (1 + 10 * PATH_STATES_PER_LEVEL + 1, 200, 2)
    assert np.array_equal(paths[-1], x)
    start_std = trained.pool.std.to_model(paths[0]).std()
    assert abs(start_std - trained.sigmas[0]) < 0.3  # particles start as N(0, σ₁² I)
    trained.sample(10, steps_per_level=3, denoise=False)
    assert trained.last_nfe == 30


def test_too_large_step_size_keeps_particles_finite(trained):
    x = trained.sample(100, steps_per_level=20, step_size=1.0, seed=0)
    assert np.isfinite(x).all()


def test_the_denoising_step_sharpens_the_samples(trained):
    kw = dict(steps_per_level=30, step_size=5e-5, seed=4)
    sharp = report(trained.sample(1000, denoise=True, **kw), trained.target, trained.reference)
    noisy = report(trained.sample(1000, denoise=False, **kw), trained.target, trained.reference)
    assert sharp["high_quality"] >= noisy["high_quality"]


def test_non_mixture_targets_train_without_an_exact_field():
    trainer = ScoreTrainer(ScoreConfig(data="moons", view_samples=30, steps_per_level=2))
    trainer.step()
    snap = trainer.snapshot()
    assert "field_exact" not in snap and "metric_high_quality" not in snap
    assert all(np.isfinite(v).all() for v in snap.values())
    with pytest.raises(ConfigError):
        trainer.score_error(0)


def test_set_live_applies_lr_and_langevin_settings_and_the_snapshot_says_what_the_page_shows():
    trainer = ScoreTrainer(ScoreConfig(data="ring", n_levels=3, view_samples=20, view_paths=2, steps_per_level=2))
    trainer.step()
    weights = [p.clone() for p in trainer.model.parameters()]
    trainer.set_live(lr=1e-3, step_size=1e-5, steps_per_level=4, denoise=False)
    assert trainer.lr == 1e-3 and trainer.steps == 1
    assert (trainer.cfg.step_size, trainer.cfg.steps_per_level, trainer.cfg.denoise) == (1e-5, 4, False)
    assert all(torch.equal(a, b) for a, b in zip(weights, trainer.model.parameters()))
    trainer.set_live(steps_per_level=3)  # the others are kept
    assert (trainer.cfg.step_size, trainer.cfg.steps_per_level, trainer.cfg.denoise, trainer.lr) == (1e-5, 3, False,
                                                                                                      1e-3)
    snap = trainer.snapshot()
    assert snap["steps_per_level"] == 3 and isinstance(snap["steps_per_level"], int)
    assert trainer.last_nfe == 3 * 3  # the snapshot sampled with the live setting, no denoising step
    assert np.array_equal(snap["modes"], trainer.target.modes)
    with pytest.raises(ConfigError):
        trainer.set_live(steps_per_level=0)
    assert "modes" not in ScoreTrainer(ScoreConfig(data="moons", view_samples=10, steps_per_level=1)).snapshot()


@pytest.mark.parametrize("bad", [dict(n_levels=0), dict(sigma_min=5.0), dict(step_size=0.0),
                                 dict(steps_per_level=0), dict(lr=-1.0), dict(batch_size=0)])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(ConfigError):
        ScoreTrainer(ScoreConfig(**bad))


def test_cli(tmp_path, capsys):
    out = tmp_path / "run.npz"
    code = cli_main(["train", "score", "--steps", "30", "--steps-per-level", "3", "--n-levels", "5",
                     "--n-samples", "100", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 30 and summary["nfe"] == 16 and "score_error_mid" in summary
    saved = np.load(out)
    assert saved["samples"].shape == (100, 2) and saved["sigmas"].shape == (5,)
