import numpy as np

from dashboard.fig_samples import bounds_of, samples_figure, trajectories, vector_field


def test_samples_figure_draws_data_samples_and_modes_in_a_square_box():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(50, 2)), np.vstack([rng.normal(size=(50, 2)), [[np.inf, 0.0]]])
    fig = samples_figure(real, fake, "t", modes=np.zeros((2, 2)))
    assert [t.name for t in fig.data] == ["data", "generated", "modes"]
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert np.isfinite([x0, x1, y0, y1]).all() and abs((x1 - x0) - (y1 - y0)) < 1e-9


def test_bounds_ignore_non_finite_points_and_default_when_empty():
    assert bounds_of(np.array([[np.nan, 1.0]])) == (-3.0, 3.0, -3.0, 3.0)
    lo_x, hi_x, _, _ = bounds_of(np.array([[0.0, 0.0], [1.0, 1.0], [np.inf, 0.0]]))
    assert lo_x < 0 < 1 < hi_x


def test_vector_field_draws_one_arrow_per_point_per_field():
    g = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)), -1).reshape(-1, 2)
    fig = vector_field(g, [("learned", -g), ("exact", -g * 2)], "field")
    assert [t.name for t in fig.data] == ["learned", "exact"]
    assert len(fig.data[0].x) == 7 * len(g)  # shaft, gap, two barbs, gap
    assert np.nanmax(np.abs(np.asarray(fig.data[0].x, float))) < 1.6  # arrows stay about one spacing long


def test_trajectories_mark_start_and_end():
    paths = np.cumsum(np.ones((10, 3, 2)), 0)
    fig = trajectories(paths, "paths", data=np.zeros((4, 2)))
    assert [t.name for t in fig.data] == ["data", "paths", "start", "end"]
    assert list(fig.data[-1].x) == list(paths[-1, :, 0])


def test_figures_cap_the_points_they_draw():
    from dashboard.figures import MAX_POINTS, decision_boundary, thin

    x, y = np.arange(50_000.0).reshape(-1, 2), np.arange(25_000) % 2
    tx, ty = thin(x, y)
    assert len(tx) == len(ty) == MAX_POINTS and tx[0, 0] == 0 and tx[-1, 0] == x[-1, 0]
    snap = {"grid_x": np.linspace(0, 1, 5), "grid_y": np.linspace(0, 1, 5), "proba": np.full((2, 5, 5), 0.5),
            "X_train": x, "Y_train": y, "X_test": x[:10], "Y_test": y[:10]}
    fig = decision_boundary(snap, ["a", "b"])
    assert sum(len(t.x) for t in fig.data if t.type == "scatter") <= 2 * MAX_POINTS
