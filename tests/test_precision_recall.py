"""core/precision_recall.py: improved precision and recall (k-nearest-neighbour manifolds)."""

import numpy as np
import pytest
import torch

from core import digits
from core.precision_recall import knn_radii, precision_recall


def _blob(n, d=8, seed=0, centre=0.0):
    return np.random.default_rng(seed).normal(centre, 1.0, size=(n, d))


def test_identical_sets_are_one_and_one():
    x = _blob(300)
    assert precision_recall(x, x) == {"precision": 1.0, "recall": 1.0}


def test_disjoint_far_sets_are_zero_and_zero():
    assert precision_recall(_blob(300), _blob(300, seed=1, centre=100.0)) == {"precision": 0.0, "recall": 0.0}


def test_a_collapsed_generator_has_high_precision_and_low_recall():
    real = _blob(500)
    one = real[0]  # the generator makes one real point, with a little noise
    collapsed = one + 0.01 * np.random.default_rng(2).normal(size=(500, real.shape[1]))
    pr = precision_recall(real, collapsed)
    assert pr["precision"] > 0.95 and pr["recall"] < 0.05, pr


def test_a_second_draw_of_the_same_distribution_scores_high_on_both():
    pr = precision_recall(_blob(1000, d=2), _blob(1000, d=2, seed=3))
    assert pr["precision"] > 0.9 and pr["recall"] > 0.9, pr


def test_a_wider_generator_loses_precision_but_keeps_recall():
    real = _blob(1000, d=2)
    wide = 4.0 * _blob(1000, d=2, seed=4)  # a N(0, 16 I) against N(0, I)
    pr = precision_recall(real, wide)
    assert pr["recall"] > 0.9 and pr["precision"] < 0.5, pr


def test_radii_are_the_kth_nearest_other_point():
    pts = torch.tensor([[0.0], [1.0], [3.0], [6.0], [10.0]], dtype=torch.float64)
    assert knn_radii(pts, 1).tolist() == [1.0, 1.0, 2.0, 3.0, 4.0]
    assert knn_radii(pts, 3).tolist() == [6.0, 5.0, 3.0, 5.0, 9.0]
    assert knn_radii(pts[:2], 3).tolist() == [1.0, 1.0]  # fewer than k others: the farthest one
    assert knn_radii(pts[:1], 3).tolist() == [0.0]


def test_a_hand_checked_one_dimensional_case():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # k = 1: every radius is 1, the manifold is [-1, 4]
    gen = np.array([[0.5], [3.9], [7.0], [8.0]])  # radii 3.4, 3.1, 1, 1: covers [-2.9, 9]
    pr = precision_recall(real, gen, k=1)
    assert pr == {"precision": 0.5, "recall": 1.0}


def test_non_finite_samples_count_as_failures():
    real = _blob(200)
    gen = real.copy()
    gen[:50] = np.nan
    pr = precision_recall(real, gen)
    assert pr["precision"] == pytest.approx(0.75)
    assert 0.5 < pr["recall"] < 1.0
    assert precision_recall(real, np.full((10, 8), np.inf)) == {"precision": 0.0, "recall": 0.0}


def test_images_are_flattened_and_mismatched_sizes_are_an_error():
    x = digits.load(seed=0).x_test[:100]
    assert precision_recall(x.reshape(-1, 8, 8), x) == {"precision": 1.0, "recall": 1.0}
    with pytest.raises(ValueError):
        precision_recall(x, x[:, :10])
