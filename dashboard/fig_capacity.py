"""Figures of the capacity page: the U-shaped error curve, fits and decision boundaries in three panels.

Pure functions from a trainer's snapshot (numpy arrays) to plotly figures.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures import empty_figure, thin
from dashboard.legends import legend_below
from dashboard.relayout import relayout, vline
from dashboard.theme import DIVERGING, PALETTE, TEST_COLOUR, TRAIN_COLOUR

TRUTH_COLOUR = "#555555"
FIT_COLOUR = PALETTE[2]


def y_window(snap: dict[str, np.ndarray]) -> tuple[float, float]:
    """A fixed y range around the data, so a wild over-fit does not squash the picture."""
    y = np.concatenate([snap["y_train"], snap["truth"]])
    lo, hi = float(y.min()), float(y.max())
    pad = 0.25 * (hi - lo) + 0.1
    return lo - pad, hi + pad


def _fit_traces(snap: dict[str, np.ndarray], curve: np.ndarray | None, legend: bool) -> list[go.Scatter]:
    traces = [
        go.Scatter(x=snap["x_test"], y=snap["y_test"], mode="markers", name="test samples", showlegend=legend,
                   marker=dict(color=TEST_COLOUR, size=5, opacity=0.25), hoverinfo="skip"),
        go.Scatter(x=snap["grid"], y=snap["truth"], mode="lines", name="true f(x)", showlegend=legend,
                   line=dict(color=TRUTH_COLOUR, width=2, dash="dash"), hoverinfo="skip"),
        go.Scatter(x=snap["x_train"], y=snap["y_train"], mode="markers", name="training samples", showlegend=legend,
                   marker=dict(color=TRAIN_COLOUR, size=8, line=dict(color="white", width=1))),
    ]
    if curve is not None:
        traces.append(go.Scatter(x=snap["grid"], y=curve, mode="lines", name="model f_θ(x)", showlegend=legend,
                                 line=dict(color=FIT_COLOUR, width=4)))
    return traces


def fit_figure(snap: dict[str, np.ndarray], curve: np.ndarray | None, title: str, height: int = 330) -> go.Figure:
    """The data, the true function and one fitted model."""
    fig = go.Figure(_fit_traces(snap, curve, legend=True), layout=dict(height=height, title=title))
    fig.update_yaxes(range=list(y_window(snap)), title="y")
    fig.update_xaxes(title="x")
    fig.update_layout(legend=dict(font=dict(size=13)), margin=dict(t=40))
    return legend_below(fig)


def fit_panels(snap: dict[str, np.ndarray], panels: Sequence[tuple[str, int]], unit: str, height: int = 300) -> go.Figure:
    """The slide's panels: one fitted model per (label, index into the sweep's fitted capacities)."""
    if not panels:
        return empty_figure("Press ▶ Play: the sweep fits one capacity after another", height)
    titles = [f"{label}: {unit} {int(snap['capacity'][i])}<br><sub>train {snap['train_mse'][i]:.3f} · "
              f"test {snap['test_mse'][i]:.3f}</sub>" for label, i in panels]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=titles, shared_yaxes=True, horizontal_spacing=0.03)
    for col, (_, i) in enumerate(panels, start=1):
        for trace in _fit_traces(snap, snap["curves"][i], legend=col == 1):
            fig.add_trace(trace, row=1, col=col)
    fig.update_yaxes(range=list(y_window(snap)))
    fig.update_layout(height=height, margin=dict(t=60), legend=dict(font=dict(size=13)))
    return legend_below(fig, axis_px=30, columns=4)  # no axis titles: the tick labels, then one row


def u_curve(
    snap: dict[str, np.ndarray],
    unit: str,
    *,
    selected: float | None = None,
    ghost: tuple[str, np.ndarray, np.ndarray] | None = None,
    log_x: bool = False,
    height: int = 340,
) -> go.Figure:
    """Train and test error against capacity, drawn as far as the sweep has come.

    ``ghost`` = (label, capacities, test errors) of an earlier sweep with other data, dotted.
    The noise variance σ² is the floor no model can beat on test data.
    """
    cap = snap.get("capacity", np.zeros(0))
    if len(cap) == 0:
        return empty_figure("Press ▶ Play: the error curve grows as the sweep runs", height)
    fig = go.Figure(layout=dict(height=height, title="Error against capacity"))
    floor_y = lambda y: np.maximum(np.asarray(y, dtype=float), 1e-8)  # noqa: E731 - a log axis drops zeros
    if ghost is not None and len(ghost[1]):
        fig.add_trace(go.Scatter(x=ghost[1], y=floor_y(ghost[2]), mode="lines+markers", name=f"test, {ghost[0]}",
                                 line=dict(color=TEST_COLOUR, width=2, dash="dot"), marker=dict(size=5), opacity=0.5))
    fig.add_trace(go.Scatter(x=cap, y=floor_y(snap["train_mse"]), mode="lines+markers", name="train error",
                             line=dict(color=TRAIN_COLOUR, width=3)))
    fig.add_trace(go.Scatter(x=cap, y=floor_y(snap["test_mse"]), mode="lines+markers", name="test error",
                             line=dict(color=TEST_COLOUR, width=3)))
    best = int(np.argmin(snap["test_mse"]))
    fig.add_trace(go.Scatter(x=[cap[best]], y=floor_y([snap["test_mse"][best]]), mode="markers", name="lowest test error",
                             marker=dict(color=TEST_COLOUR, size=16, symbol="star", line=dict(color="black", width=1))))
    floor = float(snap.get("noise_floor", 0.0))
    if floor > 0:  # a trace, not add_hline: hline annotations land in the wrong place on log axes
        fig.add_trace(go.Scatter(x=[cap.min(), cap.max()], y=[floor, floor], mode="lines", name="noise σ²",
                                 line=dict(color=TRUTH_COLOUR, dash="dash", width=1.5), hoverinfo="skip"))
    if selected is not None:
        fig.add_vline(x=selected, line=dict(color=FIT_COLOUR, width=2))
    fig.update_xaxes(title=unit, type="log" if log_x else "linear")
    fig.update_yaxes(title="mean squared error (log)", type="log")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right", font=dict(size=13)),
                      margin=dict(t=70))
    return fig


def boundary_panels(snap: dict[str, np.ndarray], panels: Sequence[tuple[str, str]], height: int = 330) -> go.Figure:
    """P(class 1) over the plane for several models, side by side, with the training points."""
    if not all(f"proba_{key}" in snap for key, _ in panels):
        return empty_figure("No model yet", height)
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[t for _, t in panels],
                        horizontal_spacing=0.03, shared_yaxes=True)
    X, Y = thin(snap["X_train"], snap["Y_train"])
    for col, (key, _) in enumerate(panels, start=1):
        fig.add_trace(go.Heatmap(x=snap["grid_x"], y=snap["grid_y"], z=snap[f"proba_{key}"][1], zmin=0, zmax=1,
                                 colorscale=DIVERGING, opacity=0.75, showscale=False, hoverinfo="skip"),
                      row=1, col=col)
        for c in (0, 1):
            pts = X[Y == c]
            fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {c} (train)",
                                     showlegend=False, marker=dict(color=PALETTE[c], size=8,
                                                                   line=dict(color="white", width=1.5))),
                          row=1, col=col)
    fig.update_xaxes(range=[float(snap["grid_x"][0]), float(snap["grid_x"][-1])], showticklabels=False)
    fig.update_yaxes(range=[float(snap["grid_y"][0]), float(snap["grid_y"][-1])], showticklabels=False)
    fig.update_layout(height=height, margin=dict(t=60, b=10, l=10, r=10))
    return fig


MARK_ROOM = 0.25  # the share of a main-column curve's x axis a step label may take (15 characters, presenter mode)


def mark_steps(fig: go.Figure, marks: Sequence[tuple[float, str]]) -> go.Figure:
    """Vertical lines at the given steps (best validation loss, early stop) on a curve figure, each step's
    label at the top beside its line, never over another label nor over the y axis's numbers, however
    close the steps are.

    Plotly does not move labels apart, and how many pixels a step is depends on the column, so the places
    are chosen from where the steps lie on the axis, taking a label as at most ``MARK_ROOM`` of its width:
    a label goes to the left of its line if there is room for it there, else to the right, and two steps
    are labelled apart when their labels grow apart (the first to the left, the second to the right) or the
    steps are far enough apart for their sides; else, two close steps, they share one label ("best
    validation,<br>then stopped", in their order) beside the outer line with room. Three or more steps
    share one label.
    """
    marks = sorted((float(x), text) for x, text in marks)
    if not marks:
        return fig
    at = _axis_share(fig, [x for x, _ in marks])
    room_left, room_right = at[0] >= MARK_ROOM, at[-1] <= 1 - MARK_ROOM
    if len(marks) == 1:
        labels = [(marks[0][0], marks[0][1], room_left)]
    elif len(marks) == 2 and at[1] - at[0] >= MARK_ROOM * ((not room_left) + (not room_right)):
        labels = [(marks[0][0], marks[0][1], room_left), (marks[1][0], marks[1][1], not room_right)]
    else:
        text = marks[0][1] + "".join((",<br>then " if x > prev else ",<br>") + t
                                     for (prev, _), (x, t) in zip(marks, marks[1:]))
        labels = [(marks[-1][0], text, False)] if room_right else [(marks[0][0], text, True)]
    layout = fig.layout.to_plotly_json()
    line = dict(color=TRUTH_COLOUR, dash="dot", width=2)
    return relayout(fig, {  # the whole layout at once (dashboard/relayout.py says why)
        "shapes": list(layout.get("shapes", ())) + [vline(x, line) for x, _ in marks],
        "annotations": list(layout.get("annotations", ())) + [
            dict(text=text, x=x, xref="x", y=1, yref="y domain", yanchor="top", showarrow=False,
                 xanchor="right" if left else "left", align="right" if left else "left", xshift=-3 if left else 3,
                 bgcolor="rgba(255,255,255,0.8)")
            for x, text, left in labels]})


def _axis_share(fig: go.Figure, xs: Sequence[float]) -> list[float]:
    """Where each of ``xs`` lies on the figure's (linear) x axis, 0 at its start and 1 at its end: the axis's
    range if it has one, else the extent of the traces and of ``xs`` (what plotly's autorange shows)."""
    xs = np.asarray(xs, float)
    if fig.layout.xaxis.range is not None:
        lo, hi = (float(v) for v in fig.layout.xaxis.range)
    else:
        values = np.concatenate([xs] + [np.asarray(t.x, float).ravel() for t in fig.data
                                        if getattr(t, "x", None) is not None])
        values = values[np.isfinite(values)]
        lo, hi = float(values.min()), float(values.max())
    return [float(p) for p in (xs - lo) / (hi - lo)] if hi > lo else [0.5] * len(xs)
