"""core/langevin_mixture.py: plain Langevin gets a mixture's weights wrong, annealed Langevin recovers them."""

from __future__ import annotations

import numpy as np
import pytest

from core.langevin_mixture import MODES, LangevinMixtureConfig, langevin, mode_weights, run


def test_plain_langevin_gets_the_weights_wrong_annealed_recovers_them():
    r = run(LangevinMixtureConfig(seed=0))
    np.testing.assert_allclose(r["true_weights"], [0.2, 0.8])
    assert abs(r["weights_exact"][1] - 0.8) < 0.04  # exact samples: binomial noise only
    assert abs(r["weights_plain"][1] - 0.8) > 0.2  # stuck with the start cloud's split, about 1/2
    assert abs(r["weights_plain"][1] - r["weights_start"][1]) < 0.05
    assert abs(r["weights_annealed"][1] - 0.8) < 0.05
    # both samplers end near the modes with unit spread (within-mode mixing works for both)
    for key in ("plain", "annealed"):
        x = r[key][r[key].sum(1) > 0]
        np.testing.assert_allclose(x.mean(0), MODES[1], atol=0.2)
        np.testing.assert_allclose(x.std(0), [1.0, 1.0], atol=0.2)


def test_annealing_follows_the_weight_and_is_deterministic():
    a = run(LangevinMixtureConfig(weight=0.95, seed=1, steps_per_level=100))
    assert a["weights_annealed"][1] > 0.9 and a["weights_plain"][1] < 0.6
    b = run(LangevinMixtureConfig(weight=0.95, seed=1, steps_per_level=100))
    assert np.array_equal(a["annealed"], b["annealed"]) and np.array_equal(a["plain"], b["plain"])
    assert a["sigmas"][0] == pytest.approx(20.0) and a["sigmas"][-1] == pytest.approx(0.1)
    assert a["alphas"][-1] == pytest.approx(1e-3) and a["alphas"][0] == pytest.approx(1e-3 * 200**2)


def test_langevin_with_the_exact_score_samples_one_gaussian():
    mixture = (np.array([1.0]), np.array([[1.0, -2.0]]), np.array([1.5]))
    rng = np.random.default_rng(0)
    x = langevin(np.zeros((2000, 2)), mixture, [0.0], [0.05], 400, rng)
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0], atol=0.15)
    np.testing.assert_allclose(x.std(0), [1.5, 1.5], rtol=0.1)
    two = (np.array([0.3, 0.7]), MODES, np.ones(2))
    assert mode_weights(MODES[[0, 1, 1]], two) == pytest.approx([1 / 3, 2 / 3])


def test_the_trainer_runs_both_samplers_in_chunks_to_the_same_particles_as_one_call():
    from core.langevin_mixture import LangevinMixtureTrainer, langevin

    cfg = LangevinMixtureConfig(n=200, steps_per_level=23, seed=4)
    whole = run(cfg)
    # run() against the samplers written out: each a single langevin() call over all its levels
    start, mixture = whole["start"], cfg.mixture()
    plain = langevin(start, mixture, [cfg.sigma], [cfg.alpha], cfg.n_levels * 23, np.random.default_rng(cfg.seed + 1))
    annealed = langevin(start, mixture, whole["sigmas"], whole["alphas"], 23, np.random.default_rng(cfg.seed + 2))
    assert np.array_equal(whole["plain"], plain) and np.array_equal(whole["annealed"], annealed)
    trainer = LangevinMixtureTrainer(cfg, chunk=10)  # chunks that straddle the level boundaries
    steps = 0
    while not trainer.done:
        metrics = trainer.step()
        steps += 1
    assert steps == -(-cfg.n_levels * 23 // 10) and metrics["sigma"] == cfg.sigma
    snap = trainer.snapshot()
    for key in ("exact", "plain", "annealed", "weights_plain", "weights_annealed"):
        assert np.array_equal(snap[key], whole[key]), key
