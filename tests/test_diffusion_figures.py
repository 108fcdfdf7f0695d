"""Figure builders of the score and diffusion pages (pure functions)."""

import numpy as np

from dashboard.fig_diffusion import capped, forward_panels, quality_vs_steps, schedule_figure


def test_forward_panels_share_one_box_and_highlight_one_panel():
    rng = np.random.default_rng(0)
    panels = np.stack([rng.normal(size=(50, 2)) * s for s in (0.1, 1.0, 2.0)])
    fig = forward_panels(panels, ["a", "b", "c"], highlight=2)
    assert len(fig.data) == 3 and all(t.type == "scatter" for t in fig.data)
    ranges = {tuple(fig.layout[f"xaxis{k if k > 1 else ''}"].range) for k in (1, 2, 3)}
    assert len(ranges) == 1
    assert fig.data[2].marker.color != fig.data[1].marker.color
    assert "No forward process" in forward_panels(np.zeros((0,)), []).layout.annotations[0].text


def test_capped_keeps_directions_and_short_vectors():
    v = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    out = capped(v, 1.0)
    assert np.allclose(out[0], [0.6, 0.8]) and np.allclose(out[1], v[1]) and np.allclose(out[2], 0)


def test_schedule_and_quality_figures():
    ab = np.cumprod(1 - np.linspace(0.01, 0.2, 20))
    fig = schedule_figure(ab, 1 - ab[1:] / ab[:-1], t_mark=5)
    assert [t.name for t in fig.data][:2] == ["ᾱ_t (signal²)", "1 − ᾱ_t (noise²)"]
    q = quality_vs_steps(np.array([1, 10, 100]), [("DDPM", np.array([0.1, 0.5, 0.9]))], "share")
    assert q.layout.xaxis.type == "log" and list(q.data[0].y) == [0.1, 0.5, 0.9]
    assert "Measured every" in quality_vs_steps(None, [], "share").layout.annotations[0].text


def test_quality_figure_labels_only_the_measured_step_counts_on_its_log_axis():
    # plotly's own log ticks between 1 and 100 label 2, 3, ... 9 and, left of 1, a stray "8 9"
    steps = np.array([1, 2, 5, 10, 20, 50, 100, 1000])
    q = quality_vs_steps(steps, [("DDPM", np.linspace(0, 1, 8)), ("DDIM", np.linspace(0, 1, 8))], "share")
    x = q.layout.xaxis
    assert x.type == "log" and x.tickmode in (None, "array")
    assert list(x.tickvals) == [1, 2, 5, 10, 20, 50, 100, 1000]
    assert list(x.ticktext) == ["1", "2", "5", "10", "20", "50", "100", "1,000"]
