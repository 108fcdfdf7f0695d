"""dashboard/relayout.py: the one-assignment layout changes mean what update_layout and make_subplots mean."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from dashboard.relayout import hline, merged, relayout, side_by_side
from dashboard.theme import PALETTE


def as_json(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def test_merged_merges_dicts_and_replaces_the_rest_without_changing_its_input():
    base = {"xaxis": {"range": [0, 1], "title": {"text": "x"}}, "height": 300, "shapes": [1]}
    out = merged(base, {"xaxis": {"range": [2, 3]}, "height": 400, "shapes": [2]})
    assert out == {"xaxis": {"range": [2, 3], "title": {"text": "x"}}, "height": 400, "shapes": [2]}
    assert base["xaxis"]["range"] == [0, 1] and base["height"] == 300


def test_relayout_gives_the_figure_update_layout_gives():
    def figure() -> go.Figure:
        return go.Figure(go.Scatter(x=[0, 1], y=[1, 0]), layout=dict(title="t", xaxis=dict(title=dict(text="x"))))

    changes = dict(height=333, margin=dict(l=1, t=2), legend=dict(orientation="h", y=-0.2),
                   xaxis=dict(range=[0, 2]), yaxis=dict(scaleanchor="x", scaleratio=1))
    expected = figure()
    expected.update_layout(changes)
    assert as_json(relayout(figure(), changes)) == as_json(expected)


def test_side_by_side_lays_panels_out_as_make_subplots_does():
    titles = ["left", "right"]
    lay, axes = side_by_side(titles)
    assert axes == [("x", "y"), ("x2", "y2")]
    ours = go.Figure([go.Scatter(x=[0], y=[0], xaxis=a, yaxis=b) for a, b in axes], layout=lay)
    theirs = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.06)
    for col in (1, 2):
        theirs.add_trace(go.Scatter(x=[0], y=[0]), row=1, col=col)
    a, b = as_json(ours)["layout"], as_json(theirs)["layout"]
    for key in ("xaxis", "xaxis2", "yaxis", "yaxis2"):
        assert np.allclose(a[key]["domain"], b[key]["domain"]) and a[key]["anchor"] == b[key]["anchor"]
    assert [(t["text"], round(t["x"], 6)) for t in a["annotations"]] == \
        [(t["text"], round(t["x"], 6)) for t in b["annotations"]]


def test_hline_is_the_line_add_hline_draws():
    shape, note = hline(0.5, "half")
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1]))
    fig.add_hline(y=0.5, line=dict(dash="dash", color="#888"), annotation_text="half")
    drawn = as_json(fig)["layout"]
    assert drawn["shapes"][0] == shape
    assert drawn["annotations"][0]["text"] == note["text"] and drawn["annotations"][0]["y"] == note["y"]


def test_live_reference_lines_are_the_layout_add_hline_would_give():
    """The text page's baselines and the beyond page's true values, set in one assignment, not add_hline."""
    from dashboard.fig_beyond import estimates_vs_n
    from dashboard.fig_text import loss_with_baselines

    history = {"step": np.arange(10), "train_loss": np.linspace(3, 1, 10), "val_loss": np.linspace(3.1, 1.2, 10)}
    baselines = {"uniform": 4.1, "bigram": 2.5}
    fig = loss_with_baselines(history, baselines)
    expected = go.Figure(fig.data)
    for (name, value), colour in zip(sorted(baselines.items()), ("#555555", PALETTE[2])):
        label = {"uniform": "uniform log V", "bigram": "bigram counts"}[name]
        expected.add_hline(y=value, line=dict(color=colour, dash="dash", width=2), annotation_position="top right",
                           annotation=dict(text=f"{label}: {value:.2f}", font=dict(size=13, color=colour)))
    got = fig.layout.to_plotly_json()
    assert got["shapes"] == expected.layout.to_plotly_json()["shapes"]
    assert got["annotations"][-2:] == expected.layout.to_plotly_json()["annotations"]
    assert got["yaxis"]["range"] == [0.75, 4.35]

    truth = {"mu": 1.0, "sigma": 2.0}
    fig = estimates_vs_n({"n": np.arange(1, 50), "est_mu": np.ones(49), "est_sigma": np.ones(49)}, truth)
    expected = go.Figure()
    for value, colour in zip(truth.values(), PALETTE):
        expected.add_hline(y=value, line=dict(color=colour, dash="dash", width=1.5))
    assert fig.layout.to_plotly_json()["shapes"] == expected.layout.to_plotly_json()["shapes"]
    assert fig.layout.xaxis.type == "log" and len(fig.data) == 2


def test_figures_take_genlab_as_the_default_template_and_relayout_keeps_it():
    """dashboard/theme.py makes GenLab's template plotly's default (set without validation at each figure),
    after Streamlit has set its own; relayout leaves the default out of its assignment, and plotly puts it back."""
    import importlib

    import plotly.io as pio

    from dashboard.figures import curves
    from dashboard.theme import TEMPLATE

    importlib.import_module("streamlit.elements.plotly_chart")  # where Streamlit sets its own default
    assert pio.templates.default == TEMPLATE
    fig = curves({"step": np.arange(3), "loss": np.ones(3)}, [("loss", "loss")], "Loss", "loss")
    named = go.Figure(layout=dict(template=TEMPLATE))
    assert fig.layout.template == named.layout.template  # the same JSON as a template named in the layout
    relayout(fig, {"margin": {"b": 99}})
    assert fig.layout.template == named.layout.template and fig.layout.margin.b == 99
    dark = relayout(go.Figure(layout=dict(template="plotly_dark")), {"height": 200})  # another template: kept
    assert dark.layout.template == go.Figure(layout=dict(template="plotly_dark")).layout.template
