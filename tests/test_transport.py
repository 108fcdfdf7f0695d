"""core/transport.py: minibatch OT pairing and the straightness of paths."""

from __future__ import annotations

import numpy as np
import pytest

from core.targets2d import make_target
from core.transport import greedy_pairing, ot_pairing, pairing_cost, straightness


def test_ot_pairing_is_a_permutation_and_lowers_the_mean_pairing_cost():
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(256, 2))
    x1 = make_target("ring").sample(256, seed=1) / 1.4
    exact, greedy = ot_pairing(x0, x1), ot_pairing(x0, x1, exact=False)
    for perm in (exact, greedy):
        assert sorted(perm) == list(range(256))
    random_cost = pairing_cost(x0, x1)
    exact_cost, greedy_cost = pairing_cost(x0[exact], x1), pairing_cost(x0[greedy], x1)
    assert exact_cost < 0.5 * random_cost
    assert exact_cost <= greedy_cost + 1e-12 and greedy_cost < random_cost


def test_greedy_pairing_finds_the_obvious_assignment():
    cost = np.array([[5.0, 0.0, 9.0], [0.0, 5.0, 9.0], [9.0, 9.0, 0.0]])
    assert list(greedy_pairing(cost)) == [1, 0, 2]


def test_straightness_is_one_for_segments_and_lower_for_bends():
    s = np.linspace(0, 1, 11)[:, None, None]
    a, b = np.array([[0.0, 0.0]]), np.array([[2.0, 1.0]])
    straight = a + s * (b - a)  # (11, 1, 2)
    assert straightness(straight)["straightness"] == pytest.approx(1.0)
    assert straightness(straight)["deviation"] == pytest.approx(0.0, abs=1e-12)
    bent = np.concatenate([a + np.linspace(0, 1, 6)[:, None, None] * ([[0.0, 2.0]] - a),
                           [[0.0, 2.0]] + np.linspace(0, 1, 6)[1:, None, None] * (b - [[0.0, 2.0]])])
    result = straightness(bent)
    assert result["straightness"] < 0.8 and result["deviation"] > 0.2
