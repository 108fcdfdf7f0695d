"""The closed forms against finite differences and Monte-Carlo estimates."""

import numpy as np
import pytest

from core import gmm_exact as ex
from core.targets2d import make_target

MIX = make_target("ring", 0.3).mixture_params()
X = np.random.default_rng(0).normal(0, 2, size=(20, 2))


@pytest.mark.parametrize("a, s", [(1.0, 0.5), (0.6, 0.8), (0.9, 0.1)])
def test_score_is_the_gradient_of_the_log_density(a, s):
    h = 1e-5
    fd = np.stack([(ex.log_density(X + h * e, MIX, a, s) - ex.log_density(X - h * e, MIX, a, s)) / (2 * h)
                   for e in np.eye(2)], 1)
    assert np.allclose(ex.score(X, MIX, a, s), fd, atol=1e-5)


def test_tweedie_links_score_and_denoiser():
    a, s = 0.7, 0.6  # E[x1 | x] = (x + s^2 * score(x)) / a
    assert np.allclose(ex.denoiser(X, MIX, a, s), (X + s * s * ex.score(X, MIX, a, s)) / a, atol=1e-10)


def test_flow_velocity_matches_a_monte_carlo_estimate():
    rng = np.random.default_rng(1)
    t, n = 0.5, 400_000
    weights, means, stds = MIX
    k = rng.choice(len(weights), size=n, p=weights)
    x1 = means[k] + stds[k, None] * rng.normal(size=(n, 2))
    x0 = rng.normal(size=(n, 2))
    xt = (1 - t) * x0 + t * x1
    query = np.array([[0.5, 0.5], [1.0, -0.2]])
    for q, v in zip(query, ex.flow_velocity(query, MIX, t)):
        near = np.linalg.norm(xt - q, axis=1) < 0.05  # condition on x_t ≈ q
        assert near.sum() > 200
        assert np.allclose((x1 - x0)[near].mean(0), v, atol=0.15)


def test_degenerate_path_and_bad_time_raise():
    with pytest.raises(ValueError):
        ex.score(X, (np.ones(1), np.zeros((1, 2)), np.zeros(1)), 1.0, 0.0)
    with pytest.raises(ValueError):
        ex.flow_velocity(X, MIX, 1.0)
