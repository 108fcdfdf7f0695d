"""The data of the models of vectors: digits and standardised 2D points, and how samples are judged."""

from __future__ import annotations

import numpy as np

from core import digits
from core.vectors import load_vectors, quality_report


def test_quality_report_uses_the_digit_judge_and_points_metrics():
    data = load_vectors("digits")  # what VAETrainer(VAEConfig(data="digits")) trains on
    real = digits.to_pixels(data.x_test)
    report = quality_report(real, data)
    assert report["classes"] == 10 and report["confident"] > 0.55  # real test digits: 64 % at P > 0.9
    blank = quality_report(np.full((100, 64), 8.0), data)  # one grey image, 100 times
    assert blank["classes"] <= 1
    ring = load_vectors("ring")
    good = quality_report(ring.target.sample(1000, seed=5), ring)
    assert good["modes_captured"] == 8 and good["high_quality"] > 0.95


def test_points_are_standardised_and_come_back_in_data_units():
    grid = load_vectors("grid", seed=3)
    assert grid.dim == 2 and not grid.is_digits and grid.x_train.dtype == np.float32
    assert np.allclose(grid.x_train.mean(0), 0, atol=1e-5) and np.allclose(grid.x_train.std(0), 1, atol=1e-4)
    back = grid.to_data_units(grid.x_test)
    assert np.abs(back).max() > 3  # the grid's modes sit at ±4 in its own units
    assert (grid.y_test >= 0).all() and grid.y_test.max() == 24  # nearest of the 25 modes


def test_a_snapshot_shows_one_test_digit_per_class_or_the_first_points():
    d = load_vectors("digits")
    assert list(d.y_test[d.shown()]) == list(range(8))
    assert np.array_equal(load_vectors("ring").shown(), np.arange(600))
