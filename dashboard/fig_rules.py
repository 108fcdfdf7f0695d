"""Figures of the data-versus-rules page: pure functions from arrays (and a RuleSet) to figures.

``rule_regions`` cuts the drawn feature plane into the rectangles where the expert's rule names
one class; ``rules_plane`` draws the learned model's probabilities (``decision_boundary``) with
those rectangles on top; ``confusion_figure`` is a confusion matrix; ``pipelines_dot`` is the
lecture's two pipelines as a Graphviz graph.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from core.rules import RuleSet, Split
from dashboard.figures import decision_boundary, empty_figure
from dashboard.legends import legend_below
from dashboard.theme import PALETTE

Box = tuple[float, float, float, float]  # x0, x1, y0, y1


def _cut(box: Box, split: Split, fx: int, fy: int) -> tuple[Box | None, Box | None]:
    """The parts of ``box`` below and above the split's threshold (None when empty)."""
    x0, x1, y0, y1 = box
    t = split.threshold
    if split.feature == fx:
        below, above = (x0, min(x1, t), y0, y1), (max(x0, t), x1, y0, y1)
    else:
        below, above = (x0, x1, y0, min(y1, t)), (x0, x1, max(y0, t), y1)
    nonempty = lambda b: b if b[0] < b[1] and b[2] < b[3] else None  # noqa: E731
    return nonempty(below), nonempty(above)


def rule_regions(rules: RuleSet, fx: int, fy: int, box: Box) -> tuple[list[tuple[Box, int]], str]:
    """Rectangles of the (fx, fy) plane with the class the rule gives them, and a note when part
    of the rule uses a feature that is not on the plane (it then cannot be drawn there)."""
    plane = (fx, fy)
    if rules.first.feature not in plane:
        return [], "The rule uses a feature that is not on the plane's axes, so its regions are not drawn."
    below, above = _cut(box, rules.first, fx, fy)
    parts = {"below": (below, rules.first.below), "above": (above, rules.first.above)}
    note = ""
    if rules.second is not None:
        side_box, _ = parts[rules.second_side]
        if rules.second.feature not in plane:
            note = "The second rule uses a feature that is not on the plane's axes: only the first is drawn."
        elif side_box is not None:
            b2, a2 = _cut(side_box, rules.second, fx, fy)
            parts[rules.second_side] = (None, -1)
            parts["second_below"], parts["second_above"] = (b2, rules.second.below), (a2, rules.second.above)
    regions = [(b, c) for b, c in parts.values() if b is not None and c >= 0]
    return regions, note


def rules_plane(snap: dict[str, np.ndarray], rules: RuleSet, fx: int, fy: int,
                feature_names: Sequence[str], class_names: Sequence[str], *, show_test: bool = True,
                height: int = 470) -> tuple[go.Figure, str]:
    """The learned model over the plane (colours) and the rule's regions (dashed boxes, labelled)."""
    if "proba" not in snap:
        return empty_figure("No model yet", height), ""
    fig = decision_boundary(snap, class_names, show_test=show_test, height=height)
    gx, gy = snap["grid_x"], snap["grid_y"]
    regions, note = rule_regions(rules, fx, fy, (float(gx[0]), float(gx[-1]), float(gy[0]), float(gy[-1])))
    for (x0, x1, y0, y1), c in regions:
        colour = PALETTE[c % len(PALETTE)]
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line=dict(color=colour, width=4, dash="dash"),
                      fillcolor="rgba(0,0,0,0)", layer="above")
        fig.add_annotation(x=(x0 + x1) / 2, y=y1, yshift=-14, text=f"<b>rule: {class_names[c]}</b>",
                           showarrow=False, font=dict(color=colour, size=14), bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(title=f"{feature_names[fx]} (cm)")
    fig.update_yaxes(title=f"{feature_names[fy]} (cm)", scaleanchor=False)
    legend_below(fig)
    return fig, note


def confusion_figure(cm: np.ndarray, class_names: Sequence[str], title: str, height: int = 300) -> go.Figure:
    """Counts with rows = true class and columns = predicted class; the diagonal is what is right.
    The title should say that rows are the true species (there is no room for a second axis title)."""
    cm = np.asarray(cm)
    n = cm.shape[0]
    right = np.eye(n, dtype=bool)
    # colour: green on the diagonal, red off it, by share of the true class (mistakes made visible)
    share = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    z = np.where(right, share, -np.minimum(1.0, 3 * share))
    fig = go.Figure(go.Heatmap(
        z=z, x=list(class_names), y=list(class_names), zmin=-1, zmax=1, showscale=False,
        colorscale=[[0.0, "#D55E00"], [0.5, "#FFFFFF"], [1.0, "#009E73"]],
        text=cm.astype(str), texttemplate="%{text}", textfont=dict(size=18),
        hovertemplate="true %{y}<br>predicted %{x}<br>%{text} flowers<extra></extra>",
    ))
    fig.update_layout(height=height, title=title, margin=dict(l=95, r=10, t=45, b=55))
    fig.update_xaxes(title="predicted species", side="bottom", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False, ticksuffix=" ")
    return fig


def pipelines_dot() -> str:
    """The slides' three pipelines as Graphviz DOT: an expert system (data + program → results),
    machine learning (data + results → program), and a generative model (a learning step, data →
    p_θ; then a sampling step, prompt + p_θ → new data)."""
    return """digraph {
  rankdir=LR; bgcolor="transparent"; nodesep=0.15; ranksep=0.35;
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=13, fillcolor="#F2F2F2", color="#666666"];
  edge [color="#444444", arrowsize=0.8];
  // Graphviz stacks the clusters bottom-up: the generative one is written first to come last
  subgraph cluster_gen { label="Generative model (the second half of the lecture)"; fontname="Helvetica"; fontsize=13; color="#009E73";
    d3 [label="Data\\n(x₁ … xₙ, no labels)"]; c3 [label="Learning\\nstep", shape=ellipse, fillcolor="#FFFFFF"];
    m3 [label="Model p_θ\\n(θ learned)", fillcolor="#CDEBDD"]; q3 [label="Prompt\\n(optional)"];
    s3 [label="Sampling\\nstep", shape=ellipse, fillcolor="#FFFFFF"]; n3 [label="New data\\nx ~ p_θ(· | prompt)"];
    d3 -> c3; c3 -> m3; m3 -> s3; q3 -> s3; s3 -> n3; }
  subgraph cluster_ml { label="Machine learning (the model that learns)"; fontname="Helvetica"; fontsize=13; color="#0072B2";
    d2 [label="Data\\n(flowers)"]; r2 [label="Results\\n(species)"];
    c2 [label="Computer", shape=ellipse, fillcolor="#FFFFFF"]; p2 [label="Program\\n(f_θ, θ learned)", fillcolor="#CFE3F2"];
    d2 -> c2; r2 -> c2; c2 -> p2; }
  subgraph cluster_rules { label="Expert system (the rule you write)"; fontname="Helvetica"; fontsize=13; color="#E69F00";
    d1 [label="Data\\n(flowers)"]; p1 [label="Program\\n(if petal length < t …)", fillcolor="#FCE9C4"];
    c1 [label="Computer", shape=ellipse, fillcolor="#FFFFFF"]; r1 [label="Results\\n(species)"];
    d1 -> c1; p1 -> c1; c1 -> r1; }
}"""
