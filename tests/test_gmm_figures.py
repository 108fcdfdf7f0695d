"""Figure builders of the Gaussians and energy pages (pure functions: arrays in, figures out)."""

import numpy as np

from core.gmm import GmmConfig, GmmTrainer
from core.gmm_select import SweepTrainer
from dashboard.fig_energy import density_figure, grid_cost_figure
from dashboard.fig_gaussians import (
    criteria_figure,
    ellipse,
    gaussian_1d,
    gaussian_2d,
    mixture_1d,
    mixture_2d,
    responsibility_traces,
    samples_1d,
    samples_by_component,
)
from dashboard import fastfig
from dashboard.legends import LEGEND_ROW_PX


def test_ellipses_lie_at_the_right_mahalanobis_distance():
    mu, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.9], [0.9, 1.0]])
    for n_std in (1, 2):
        e = ellipse(mu, cov, n_std)
        d2 = np.einsum("ni,ij,nj->n", e - mu, np.linalg.inv(cov), e - mu)
        assert np.allclose(d2, n_std ** 2)


def test_responsibilities_become_per_component_opacities():
    resp = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    traces = responsibility_traces(np.arange(6.0).reshape(3, 2), resp)
    assert len(traces) == 2
    assert list(traces[0].marker.opacity) == [1.0, 0.5] and list(traces[1].x) == [2.0, 4.0]


def test_mixture_figures_draw_one_outline_per_component():
    trainer = GmmTrainer(GmmConfig(data="ring", k=8, n_points=200))
    snap = trainer.snapshot()
    fig = mixture_2d(snap["x"], snap["resp"], snap["weights"], snap["means"], snap["covs"], "t")
    outlines = [t for t in fig.data if t.mode == "lines"]
    assert len(outlines) == 8 and np.isnan(np.asarray(outlines[0].x, float)).sum() == 1  # 1σ, gap, 2σ
    one_d = GmmTrainer(GmmConfig(data="voltage", k=3, n_points=200)).snapshot()
    fig = mixture_1d(one_d["x"], one_d["resp"], one_d["weights"], one_d["means"], one_d["covs"], "t")
    assert [t.name for t in fig.data][:5] == ["data", "π1·N", "π2·N", "π3·N", "p_θ(x)"]
    total = np.asarray(fig.data[4].y)
    assert np.allclose(total, sum(np.asarray(fig.data[i].y) for i in (1, 2, 3)))


def test_gaussian_and_sample_figures_build():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 2))
    assert len(gaussian_2d(x, x.mean(0), np.cov(x.T), "t", seen=50).data) >= 4
    assert gaussian_1d(x[:, :1], 0.0, 1.0, "t").data[1].name == "N(μ, σ²)"
    fig = samples_by_component(x, rng.integers(0, 3, 100), 3, "t", data=x)
    assert [t.name for t in fig.data] == ["data", "k=1", "k=2", "k=3"]


def test_the_one_d_fit_histograms_the_page_s_column_of_points_as_numbers():
    x = np.random.default_rng(0).normal(50.0, 10.0, size=(200, 1))  # the page's 1D points: (N, 1)
    hist = gaussian_1d(x, 50.0, 100.0, "t", seen=120).data[0]
    assert hist.type == "histogram" and np.asarray(hist.x).shape == (120,)  # not 120 one-element lists
    assert np.allclose(np.asarray(hist.x), x[:120, 0])


def test_criteria_figure_marks_the_best_k():
    sweep = SweepTrainer(GmmTrainer(GmmConfig(data="blobs", clusters=3, spread=0.2, n_points=300)).x, 5)
    for _ in range(5):
        sweep.step()
    snap = sweep.snapshot()
    fig = criteria_figure(snap["k"], snap["bic"], snap["aic"], 10)
    stars = [t for t in fig.data if t.marker.symbol == "star"]
    assert len(stars) == 2 and stars[0].x[0] == snap["k"][np.argmin(snap["bic"])]
    assert "Press" in criteria_figure(np.zeros(0), np.zeros(0), np.zeros(0), 10).layout.annotations[0].text


def test_energy_figures():
    g = np.linspace(-1, 1, 8)
    fig = density_figure(g, g, np.ones((8, 8)), np.zeros((5, 2)), "t")
    assert fig.data[0].type == "heatmap" and fig.layout.xaxis.range[0] < -1
    cost = grid_cost_figure(64, 1e5)
    assert max(cost.data[0].y) > 5000  # 64^3072 ≈ 10^5549


def test_one_d_mixture_legends_take_rows_under_the_title_instead_of_running_over_it():
    """The 1D figures of the mixture tab (and the fit tab's samples): a legend at the top right ran over the title in the tab's left column at
    1280 px (presenter mode); when title and legend do not fit side by side, the legend takes rows of its own
    under the title and the top margin grows by them."""
    one_d = GmmTrainer(GmmConfig(data="voltage", k=4, n_points=200)).snapshot()
    mix = mixture_1d(one_d["x"], one_d["resp"], one_d["weights"], one_d["means"], one_d["covs"],
                     "Responsibilities (colours), component curves")
    rng = np.random.default_rng(0)
    samples = samples_by_component(rng.normal(size=(200, 1)), rng.integers(0, 4, 200), 4,
                                   "500 samples, coloured by component")
    fit_samples = samples_1d(one_d["x"], rng.normal(size=(200, 1)), "500 samples from the fit beside the data")
    for fig in (mix, samples, fit_samples):
        assert fig.layout.legend.xanchor == "left" and fig.layout.legend.yanchor == "bottom", fig.layout.legend
        assert fig.layout.title.yref == "container" and fig.layout.margin.t >= 45 + LEGEND_ROW_PX


def test_the_one_d_fit_marks_mu_plus_minus_one_and_two_sigma_and_both_one_d_figures_pass_plotly_s_checks():
    """Built with fastfig and their layout at once: the lines add_vline drew are shapes across the plot."""
    x = np.random.default_rng(1).normal(45.0, 6.0, size=(300, 1))
    fig = fastfig.checked(gaussian_1d(x, 45.0, 36.0, "t", "amplitude (µV)"))
    lines = sorted((s.x0, s.line.dash) for s in fig.layout.shapes)
    assert [round(v, 6) for v, _ in lines] == [33.0, 39.0, 51.0, 57.0]
    assert [d for _, d in lines] == ["dash", "solid", "solid", "dash"]
    assert all(s.x0 == s.x1 and s.yref == "y domain" and (s.y0, s.y1) == (0, 1) for s in fig.layout.shapes)
    lo, hi = fig.layout.xaxis.range
    assert lo < x.min() and hi > x.max() and fig.layout.xaxis.title.text == "amplitude (µV)"
    one_d = GmmTrainer(GmmConfig(data="voltage", k=3, n_points=200)).snapshot()
    mix = fastfig.checked(mixture_1d(one_d["x"], one_d["resp"], one_d["weights"], one_d["means"], one_d["covs"], "t"))
    top = float(np.max(mix.data[4].y))
    assert mix.layout.yaxis.range[0] < 0 < top < mix.layout.yaxis.range[1]  # room under the curves for the points
    assert mix.layout.yaxis.title.text == "density"
