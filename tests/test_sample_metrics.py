"""core/sample_metrics.py: energy distance and PacGAN-style mode metrics on 2D samples."""

import json
import math

import numpy as np
import pytest

from core.sample_metrics import (energy_distance, mode_coverage, normalised_energy_distance,
                                 sample_report)
from core.targets2d import make_target

RING = make_target("ring")
REF = RING.sample(4000, seed=0)  # (4000, 2)


def _noise_like(x, seed):
    return np.random.default_rng(seed).normal(x.mean(0), x.std(0), size=(2000, 2))


def test_energy_distance_same_distribution_is_near_zero():
    e = energy_distance(RING.sample(2000, seed=1), REF)
    e_noise = energy_distance(_noise_like(REF, 1), REF)
    assert abs(e) < 0.02 * e_noise
    assert normalised_energy_distance(RING.sample(2000, seed=1), REF) < 0.03
    assert energy_distance(REF, REF) == energy_distance(REF, REF)  # fixed subsample: deterministic


def test_normalised_energy_noise_is_about_one():
    assert normalised_energy_distance(_noise_like(REF, 2), REF) == pytest.approx(1.0, abs=0.15)
    # a broken model (all samples at one point) is worse than noise
    assert normalised_energy_distance(np.zeros((500, 2)), REF) > 1.0


def test_energy_distance_orders_quality():
    grid = make_target("grid")
    ref = grid.sample(3000, seed=0)
    blurred = grid.sample(2000, seed=1) + np.random.default_rng(0).normal(0, 0.5, (2000, 2))
    assert normalised_energy_distance(blurred, ref) < normalised_energy_distance(_noise_like(ref, 3), ref)


def test_mode_coverage_full_ring():
    m = mode_coverage(RING.sample(2000, seed=3), RING.modes, RING.mode_std)
    assert m["modes_captured"] == 8 and m["n_modes"] == 8
    assert m["high_quality"] > 0.95 and m["reverse_kl"] < 0.01
    assert type(m["modes_captured"]) is int and type(m["high_quality"]) is float


def test_mode_coverage_single_mode():
    x = RING.modes[3] + RING.mode_std * np.random.default_rng(0).standard_normal((1000, 2))
    m = mode_coverage(x, RING.modes, RING.mode_std)
    assert m["modes_captured"] == 1 and m["reverse_kl"] == pytest.approx(math.log(8), abs=1e-3)


def test_mode_coverage_threshold_ignores_stragglers():
    x = RING.modes[0] + RING.mode_std * np.random.default_rng(0).standard_normal((2000, 2))
    x[:5] = RING.modes[1]  # 5 of 2,000 samples (< 20) in a second mode: not captured
    assert mode_coverage(x, RING.modes, RING.mode_std)["modes_captured"] == 1


def test_nan_samples_do_not_raise():
    x = RING.sample(1000, seed=4)
    x[::2] = np.nan
    x[1] = np.inf
    rep = sample_report(x, RING, REF)
    assert rep["finite_share"] == pytest.approx(0.499)
    assert rep["high_quality"] < 0.51 and math.isfinite(rep["energy"])
    bad = sample_report(np.full((50, 2), np.nan), RING, REF)
    assert bad["energy"] == math.inf and bad["high_quality"] == 0.0 and bad["modes_captured"] == 0
    assert energy_distance(np.empty((0, 2)), REF) == math.inf


def test_sample_report_plain_floats():
    rep = sample_report(RING.sample(1000, seed=5), RING)  # reference drawn from the target
    assert set(rep) >= {"energy", "finite_share", "modes_captured", "high_quality", "reverse_kl"}
    assert all(type(v) is float for v in rep.values())
    json.dumps(rep)
    moons = make_target("moons")
    rep = sample_report(moons.sample(1000, seed=1), moons, moons.sample(3000, seed=0))
    assert "modes_captured" not in rep and rep["energy"] < 0.05


def test_distances_summed_in_blocks_equal_the_whole_matrix(monkeypatch):
    import torch

    from core import sample_metrics

    a = torch.from_numpy(RING.sample(700, seed=3))
    b = torch.from_numpy(REF[:900])
    whole = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist").mean().item()
    monkeypatch.setattr(sample_metrics, "ROWS", 64)  # 11 blocks, the last one short
    assert sample_metrics._mean_dist(a, b) == pytest.approx(whole, rel=1e-12)
    self_whole = torch.cdist(a, a, compute_mode="donot_use_mm_for_euclid_dist").sum().item() / (700 * 699)
    assert sample_metrics._mean_dist(a) == pytest.approx(self_whole, rel=1e-12)


@pytest.mark.parametrize("n", [300, 2500])  # 2500: the samples are subsampled, which moves the reference's draws
def test_kept_reference_terms_give_the_numbers_computed_afresh(n):
    from core import sample_metrics

    x = RING.sample(n, seed=4) + np.random.default_rng(5).normal(0, 0.1, (n, 2))
    sample_metrics._REFERENCE_TERMS.clear()
    fresh = (energy_distance(x, REF, seed=2), normalised_energy_distance(x, REF, seed=2))
    assert len(sample_metrics._REFERENCE_TERMS) >= 2  # the reference's own term and the noise's distance
    again = (energy_distance(x, REF, seed=2), normalised_energy_distance(x, REF, seed=2))
    assert again == fresh
    other = REF + 0.5  # another reference set is not answered from the first one's terms
    sample_metrics._REFERENCE_TERMS.clear()
    expected = energy_distance(x, other, seed=2)
    energy_distance(x, REF, seed=2)
    assert energy_distance(x, other, seed=2) == expected != fresh[0]


def test_kept_reference_terms_are_bounded():
    from core import sample_metrics

    sample_metrics._REFERENCE_TERMS.clear()
    for k in range(sample_metrics._KEEP + 10):
        energy_distance(REF[:50], REF[k:k + 60])
    assert len(sample_metrics._REFERENCE_TERMS) == sample_metrics._KEEP


def test_the_report_computes_the_energy_distance_once_and_says_the_same():
    x = RING.sample(800, seed=6) + np.random.default_rng(7).normal(0, 0.2, (800, 2))
    report = sample_report(x, RING, reference=REF, seed=1)
    assert report["energy_raw"] == energy_distance(x, REF, seed=1)
    assert report["energy"] == normalised_energy_distance(x, REF, seed=1)
    bad = np.full((10, 2), np.nan)
    assert sample_report(bad, RING, reference=REF)["energy"] == math.inf == normalised_energy_distance(bad, REF)
