"""Figure builders of the auto-encoder and VAE page: orientation of digit tiles and latent planes."""

import numpy as np

import plotly.graph_objects as go

from dashboard.fig_vae import (codes_figure, digit_grid, error_vs_size, latent_plane_grid, log_p_vs_k, posterior_figure,
                               precision_recall_by_latent)
from dashboard.figures import tile


def test_tile_puts_the_first_image_top_left_and_nan_in_gaps():
    imgs = np.stack([np.full(64, v, dtype=float) for v in (1, 2, 3)])
    canvas = tile(imgs, cols=2)  # heatmap rows grow upwards: the top row is the last one
    assert canvas.shape == (17, 17)
    assert np.all(canvas[-8:, :8] == 1) and np.all(canvas[-8:, 9:] == 2) and np.all(canvas[:8, :8] == 3)
    assert np.isnan(canvas[8]).all() and np.isnan(canvas[:8, 9:]).all()  # the gap row, the missing 4th image


def test_a_single_digit_is_not_flipped():
    img = np.zeros((8, 8))
    img[0, :] = 1  # a bar along the image's top row
    canvas = tile(img.reshape(1, 64), 1)
    assert np.all(canvas[-1] == 1) and np.all(canvas[0] == 0)  # top row of the image = highest y
    unflipped = tile(img.reshape(1, 64), 1, flip=False)  # for figures that reverse their y axis
    assert np.all(unflipped[0] == 1) and np.all(unflipped[-1] == 0)


def test_latent_plane_ticks_match_rows_and_columns():
    g = np.linspace(-2, 2, 5)
    grid = np.zeros((5, 5, 64))
    grid[4, 0] = 1.0  # z_2 = +2 (last row), z_1 = -2 (first column): the top-left image
    fig = latent_plane_grid(grid, g, "plane")
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.nanmax(z[-8:, :8]) == 1 and np.nansum(z) == 64
    ticks = list(fig.layout.yaxis.tickvals)
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[-1] == "2.0" and ticks[-1] == 4 * 9 + 3.5  # the top tick is z_2 = +2
    assert list(fig.layout.xaxis.ticktext)[0] == "-2.0"


def test_other_figures_build_from_arrays():
    rng = np.random.default_rng(0)
    assert digit_grid(rng.random((10, 64)), 5, "t", row_labels=["a", "b"]).layout.height > 50
    fig = codes_figure(rng.normal(size=(100, 2)), rng.integers(0, 10, 100), "codes")
    assert len(fig.data) == 10
    fig = posterior_figure(rng.normal(size=(50, 1)), rng.random((50, 1)), rng.random(50), "post")
    assert fig.data[-1].error_x.array is not None
    fig = error_vs_size(np.array([1, 2, 4]), np.array([0.05, 0.03, 0.01]), 2, "err")
    assert len(fig.data) == 2 and fig.layout.yaxis.type == "log"


def test_precision_recall_by_latent_draws_each_beta_and_the_live_star():
    fig = precision_recall_by_latent([2, 4, 8, 2, 4, 8], [1, 1, 1, 0.3, 0.3, 0.3], [1.0, 0.99, 0.98, 0.95, 0.94, 0.93],
                                     [0.02, 0.03, 0.07, 0.3, 0.4, 0.45], "by latent", yardstick=0.92,
                                     current=(8, 0.9, 0.4))
    names = [t.name for t in fig.data]
    assert names == ["precision, β = 1", "recall, β = 1", "precision, β = 0.3", "recall, β = 0.3",
                     "this run: precision", "this run: recall"]
    assert list(fig.data[1].y) == [0.02, 0.03, 0.07] and [(*t.x, *t.y) for t in fig.data[-2:]] == [(8, 0.9), (8, 0.4)]
    assert list(fig.layout.xaxis.tickvals) == [2, 4, 8]
    drawn = go.Figure().add_hline(y=0.92, line=dict(dash="dot", color="#888"), annotation_text="real digits",
                                  annotation_position="bottom right").layout  # what add_hline gave, set at once now
    assert fig.layout.shapes == drawn.shapes and fig.layout.annotations == drawn.annotations
    assert "No measured table" in str(precision_recall_by_latent([], [], [], [], "t").layout.annotations[0].text)
    assert [t.name for t in precision_recall_by_latent([], [], [], [], "t", current=(3, 1, 0)).data] == [
        "this run: precision", "this run: recall"]


def test_log_p_against_k_marks_the_elbo_as_add_hline_would():
    fig = log_p_vs_k(np.array([1, 4, 16]), np.array([-100.0, -98.0, -97.0]), "log p")
    drawn = go.Figure().add_hline(y=-100.0, line=dict(dash="dash", color="#888"), annotation_text="ELBO (K = 1)",
                                  annotation_position="bottom right").layout
    assert fig.layout.shapes == drawn.shapes and fig.layout.annotations == drawn.annotations
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.ticktext) == ["1", "4", "16"]
    assert "Measured" in log_p_vs_k(np.array([1, 4]), np.array([np.nan, 1.0]), "t").layout.annotations[0].text


def test_precision_recall_by_latent_names_the_live_stars_in_the_legend_not_over_the_lines():
    fig = precision_recall_by_latent([2, 4, 8], [1, 1, 1], [1.0, 0.99, 0.98], [0.02, 0.03, 0.07], "by latent",
                                     yardstick=0.92, current=(8, 0.98, 0.07))  # the stars on the lines
    assert not any("text" in (t.mode or "") for t in fig.data)  # no words drawn in the plot
    stars = fig.data[-2:]
    assert [t.marker.symbol for t in stars] == ["star", "star-open"]  # told apart by their symbol...
    assert all(t.showlegend is not False for t in stars) and [t.name for t in stars] == [
        "this run: precision", "this run: recall"]  # ...which the legend names
    legend, margin = fig.layout.legend, fig.layout.margin
    # the legend at the figure's foot, under the plot and its axis title (about 50 px), covering no data
    assert legend.yref == "container" and legend.y == 0 and legend.yanchor == "bottom"
    assert margin.b >= 50 + 20 * len(fig.data)  # room for its rows (one an entry in a plot this narrow)


def test_digit_grid_row_labels_are_placed_where_plotly_draws_them():
    fig = digit_grid(np.random.default_rng(0).random((16, 64)), 8, "t", row_labels=["x", "D(μ(x))"])
    xrange = fig.layout.xaxis.range
    labels = [a for a in fig.layout.annotations if a.text in ("x", "D(μ(x))")]
    assert len(labels) == 2
    for a in labels:  # plotly leaves out an annotation whose data position lies off its axis's range
        assert (a.xref == "x domain" and a.x == 0 and a.xanchor == "right") or xrange[0] <= a.x <= xrange[1], a
        assert 0 <= a.y <= 2 * 9  # two rows of 8x8 digits with a 1-pixel gap: inside the image's height
