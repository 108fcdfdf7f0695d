"""core/gan_optimum.py: D* = p_data / (p_data + p_g), the JSD, the grid KDE, and the GAN's use of them."""

from __future__ import annotations

import numpy as np
import pytest

from core.gan import GRID, GanConfig, GanTrainer
from core.gan_optimum import (LOG2, GridOptimum, jsd, jsd_from_value, kde, kde_grid, optimal_discriminator,
                              value_at_optimum)
from core.targets2d import grid_points, load_target


def test_jsd_of_identical_is_zero_of_disjoint_is_log2():
    rng = np.random.default_rng(0)
    p = rng.random(500)
    assert jsd(p, p) == pytest.approx(0.0, abs=1e-12)
    assert jsd(p, 3 * p) == pytest.approx(0.0, abs=1e-12)  # normalised first
    a, b = np.zeros(100), np.zeros(100)
    a[:50], b[50:] = rng.random(50), rng.random(50)
    assert jsd(a, b) == pytest.approx(LOG2, abs=1e-12)
    # a known value: p = (1, 0), q = (1/2, 1/2): JSD = ½ log(4/3) + ¼ log(2/3) + ¼ log 2
    want = 0.5 * np.log(4 / 3) + 0.25 * np.log(2 / 3) + 0.25 * np.log(2)
    assert jsd(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == pytest.approx(want, rel=1e-12)
    assert jsd(a, b) == jsd(b, a) and 0 < jsd(p[:100], a) < LOG2


def test_optimal_discriminator():
    p = np.array([1.0, 2.0, 0.0, 0.5, 0.0])
    q = np.array([1.0, 0.0, 3.0, 1.5, 0.0])
    d = optimal_discriminator(p, q)
    np.testing.assert_allclose(d, [0.5, 1.0, 0.0, 0.25, 0.5])  # 1/2 where p_g = p_data (and where both vanish)
    # packed: on m copies of one point, p^m / (p^m + q^m)
    np.testing.assert_allclose(optimal_discriminator(p, q, pack=3)[3], 0.5**3 / (0.5**3 + 1.5**3))
    # it maximises V point by point: p log D + q log(1 − D) is largest at D*
    grid = np.linspace(0.01, 0.99, 99)
    best = grid[np.argmax(2.0 * np.log(grid) + 1.0 * np.log(1 - grid))]
    assert best == pytest.approx(optimal_discriminator(np.array([2.0]), np.array([1.0]))[0], abs=0.01)


def test_value_at_the_optimum_is_minus_log4_plus_twice_the_jsd():
    rng = np.random.default_rng(1)
    p, q = rng.random(50), rng.random(50)
    p, q = p / p.sum(), q / q.sum()
    d = optimal_discriminator(p, q)
    v = float((p * np.log(d)).sum() + (q * np.log(1 - d)).sum())  # V(G, D*) on a discrete space
    assert v == pytest.approx(value_at_optimum(jsd(p, q)), rel=1e-10)
    assert jsd_from_value(v) == pytest.approx(jsd(p, q), rel=1e-10)
    assert value_at_optimum(0.0) == pytest.approx(-np.log(4))


def test_grid_kde_matches_the_direct_sum_and_integrates_to_one():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 2))
    gx, gy = np.linspace(-5, 5, 41), np.linspace(-6, 6, 51)
    direct = kde(x, grid_points(gx, gy), 0.3)
    np.testing.assert_allclose(kde_grid(x, gx, gy, 0.3), direct, rtol=1e-10, atol=1e-14)
    cell = (gx[1] - gx[0]) * (gy[1] - gy[0])
    assert direct.sum() * cell == pytest.approx(1.0, abs=0.01)


def test_grid_optimum_of_a_mixture_sees_its_own_samples_as_alike():
    target = load_target("ring", 0.05)
    gx = gy = np.linspace(-3, 3, GRID)
    opt = GridOptimum(gx, gy, mixture=target.mixture_params())
    same = opt.measure(target.sample(2000, seed=0))
    assert same["jsd"] < 0.01 and opt.exact
    half = opt.measure(target.sample(2000, seed=0)[:, ::-1] * 0.5)  # a shrunken, rotated ring: elsewhere
    assert half["jsd"] > 0.5
    # D* is near 1/2 where both put mass, and the KDE of the data itself matches p_data closely
    mass = opt.p_data > 0.2 * opt.p_data.max()
    assert np.abs(same["d_star"][mass] - 0.5).max() < 0.2
    assert 0 <= same["d_star"].min() and same["d_star"].max() <= 1


def test_gan_snapshot_carries_d_star_and_jsd_metric():
    t = GanTrainer(GanConfig(g_width=32, d_width=32, g_depth=2, d_depth=2, batch_size=64, eval_every=5))
    m = t.step()
    assert 0 <= m["jsd"] <= LOG2 and m["jsd"] > 0.3  # an untrained G is far from the ring
    snap = t.snapshot()
    assert snap["d_star"].shape == (GRID, GRID) and snap["p_data_exact"]
    assert snap["jsd"] == pytest.approx(m["jsd"])  # the same samples (fixed noise), same G
    # p_data on the grid is exact for the ring: its largest value sits near a mode
    top = grid_points(snap["grid_x"], snap["grid_y"])[np.argmax(t.optimum.p_data)]
    assert np.min(np.linalg.norm(t.data.target.modes - top, axis=1)) < 0.2
    moons = GanTrainer(GanConfig(data="moons", spread=0.1, g_width=16, d_width=16, batch_size=64))
    assert not moons.optimum.exact and "jsd" in moons.step()


def test_the_pages_live_figures_are_built_from_one_snapshot_and_history():
    """dashboard.fig_gan.live_figures: what the GAN page draws at each poll (and bench_runner times)."""
    from dashboard.fig_gan import live_figures

    t = GanTrainer(GanConfig(g_width=16, d_width=16, g_depth=2, d_depth=2, batch_size=64))
    t.step()
    steps = np.arange(1.0, 4.0)
    history = {"step": steps, "d_loss": np.array([1.2, 1.3, 1.386]), "g_loss": steps, "modes_captured": steps,
               "high_quality": steps / 10, "jsd": np.full(3, 0.5)}
    figs = live_figures(t.snapshot(), history, kept={"step": steps, "d_loss": steps, "g_loss": steps})
    assert list(figs) == ["game", "manifold", "losses", "coverage", "optimum", "jsd"]
    assert [d.name for d in figs["losses"].data] == ["D loss (kept run)", "G loss (kept run)", "D loss", "G loss"]
    share = next(d for d in figs["coverage"].data if d.name == "modes captured (share)")
    assert np.allclose(share.y, steps / 8)  # a count of the ring's 8 modes, drawn as a share
    from_loss = next(d for d in figs["jsd"].data if d.name.startswith("(log 4"))
    assert np.isclose(from_loss.y[-1], (np.log(4.0) - 1.386) / 2)  # D's loss read as a JSD
    assert np.isclose(figs["jsd"].layout.shapes[0].y0, LOG2)
    moons = GanTrainer(GanConfig(data="moons", spread=0.1, g_width=16, d_width=16, batch_size=64))
    moons.step()
    assert "energy distance" in [d.name for d in live_figures(moons.snapshot(), {"step": steps, "energy": steps})
                                 ["coverage"].data]
