"""A simulator's parameters by rejection ABC: the simulator, the distance, and what the kept set learns."""

from __future__ import annotations

import numpy as np
import pytest

from core.abc_inference import PRIOR, AbcConfig, AbcTrainer, distance, simulate
from core.errors import ConfigError


def test_the_simulator_is_an_epidemic_that_conserves_its_town():
    cfg = AbcConfig(population=500, days=80)
    rng = np.random.default_rng(0)
    cases = simulate(np.array([0.6, 0.05]), np.array([0.1, 0.4]), cfg, rng)
    assert cases.shape == (2, 80) and np.all(cases >= 0)
    assert cases[0].sum() <= 500 - cfg.initial  # nobody is infected twice
    assert cases[0].sum() > 300 and cases[1].sum() < 30  # R0 = 6 sweeps the town, R0 = 1/8 dies out
    again = simulate(np.array([0.6, 0.05]), np.array([0.1, 0.4]), cfg, np.random.default_rng(0))
    assert np.array_equal(cases, again)


def test_the_distance_is_zero_for_the_observed_outbreak_and_grows_with_the_gap():
    observed = np.array([0.0, 4.0, 9.0, 16.0])
    d = distance(np.stack([observed, observed + 5, observed * 4]), observed)
    assert d[0] == 0 and 0 < d[1] and d[1] < d[2]


def test_the_kept_parameters_close_in_on_the_truth_and_pin_down_the_growth_rate():
    trainer = AbcTrainer(AbcConfig(beta=0.4, gamma=0.15, seed=0))
    first = trainer.step()
    for _ in range(99):
        last = trainer.step()
    assert last["simulations"] == 20_000 and last["tolerance"] < first["tolerance"]
    assert abs(last["beta"] - 0.4) < 0.1 and abs(last["gamma"] - 0.15) < 0.1
    assert abs(last["growth"] - 0.25) < 0.05
    (b0, b1), (g0, g1) = PRIOR["beta"], PRIOR["gamma"]
    prior_sd = np.sqrt(((b1 - b0) ** 2 + (g1 - g0) ** 2) / 12)  # sd of β − γ under the prior
    assert last["growth_sd"] < 0.5 * min(last["beta_sd"], last["gamma_sd"]) and last["growth_sd"] < 0.2 * prior_sd
    snap = trainer.snapshot()
    assert snap["theta"].shape == (100, 2) and np.all(np.diff(snap["dist"]) >= 0)  # closest first


def test_a_seed_gives_the_same_run_and_bad_settings_are_refused():
    a, b = AbcTrainer(AbcConfig(seed=3)), AbcTrainer(AbcConfig(seed=3))
    assert a.step() == b.step()
    with pytest.raises(ConfigError):
        AbcConfig(beta=2.0).validate()
    with pytest.raises(ConfigError):
        AbcConfig(population=10).validate()
