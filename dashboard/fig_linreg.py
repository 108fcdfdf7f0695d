"""Figures of the optimisation page: the loss landscape L(a, b) with the optimiser's path, the data
with the current line, and the tiny MLP's fitted curve. Pure functions of snapshots."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures import empty_figure
from dashboard.legends import legend_below
from dashboard.theme import PALETTE, TEST_COLOUR, TRAIN_COLOUR

PATH_COLOUR, BEST_COLOUR = "#D55E00", "#009E73"


def visible_path(path: np.ndarray, box: tuple[float, float, float, float], margin: float = 0.5) -> tuple[np.ndarray, int | None]:
    """The path up to where it leaves the box widened by ``margin`` of its size on each side.

    Returns the drawable points (the first point outside clipped onto the widened box, so the
    line heads off the map without sending huge numbers to the browser) and the index at which the
    path left, or None if it never did.
    """
    path = np.asarray(path, dtype=float).reshape(-1, 2)
    a0, a1, b0, b1 = box
    wa, wb = margin * (a1 - a0), margin * (b1 - b0)
    lo, hi = np.array([a0 - wa, b0 - wb]), np.array([a1 + wa, b1 + wb])
    inside = np.all((path >= lo) & (path <= hi) & np.isfinite(path), axis=1)
    if inside.all():
        return path, None
    k = int(np.argmin(inside))
    out = np.nan_to_num(path[k], nan=0.0, posinf=hi.max() * 10, neginf=lo.min() * 10)
    return np.vstack([path[:k], np.clip(out, lo, hi)]), k


def landscape_figure(snap: dict[str, np.ndarray], loss_label: str, height: int = 470) -> go.Figure:
    """Contours of log10 L(a, b), the exact minimum, and the path of (a, b) so far."""
    if "landscape" not in snap:
        return empty_figure("No model yet", height)
    ga, gb, L = snap["grid_a"], snap["grid_b"], snap["landscape"]
    z = np.log10(np.maximum(L, 1e-12))
    fig = go.Figure(layout=dict(height=height))
    fig.add_trace(go.Contour(
        x=ga, y=gb, z=z, ncontours=22, colorscale="Blues", reversescale=True, line=dict(width=0.8),
        colorbar=dict(title=dict(text=f"log₁₀ {loss_label}", side="right"), thickness=14),
        hovertemplate="a=%{x:.2f}<br>b=%{y:.2f}<br>log₁₀ L=%{z:.2f}<extra></extra>",
    ))
    box = (float(ga[0]), float(ga[-1]), float(gb[0]), float(gb[-1]))
    path, left = visible_path(snap["path"], box)
    fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name="path of θ = (a, b)",
                             line=dict(color=PATH_COLOUR, width=2.5), marker=dict(size=4, color=PATH_COLOUR)))
    fig.add_trace(go.Scatter(x=path[:1, 0], y=path[:1, 1], mode="markers", name="start",
                             marker=dict(size=13, color="white", line=dict(color=PATH_COLOUR, width=3))))
    if left is None:
        fig.add_trace(go.Scatter(x=path[-1:, 0], y=path[-1:, 1], mode="markers", name="now",
                                 marker=dict(size=14, color=PATH_COLOUR, line=dict(color="white", width=2))))
    else:
        fig.add_annotation(x=0.5, y=0.98, xref="paper", yref="paper", showarrow=False,
                           text=f"<b>θ left the map after step {left}</b>", font=dict(color=PATH_COLOUR, size=15),
                           bgcolor="rgba(255,255,255,0.9)")
    best = snap["best"]
    fig.add_trace(go.Scatter(x=[best[0]], y=[best[1]], mode="markers", name="minimum (a*, b*)",
                             marker=dict(symbol="star", size=18, color=BEST_COLOUR, line=dict(color="white", width=1))))
    fig.update_xaxes(title="a (slope)", range=[box[0], box[1]])
    fig.update_yaxes(title="b (intercept)", range=[box[2], box[3]])
    fig.update_layout(margin=dict(t=15))
    return legend_below(fig)


def line_figure(snap: dict[str, np.ndarray], height: int = 330) -> go.Figure:
    """The points, the current line y = a·x + b and the best line."""
    if "x" not in snap:
        return empty_figure("No model yet", height)
    x, y = snap["x"], snap["y"]
    lo, hi = float(x.min()) - 0.3, float(x.max()) + 0.3
    xs = np.array([lo, hi])
    y_lo, y_hi = float(y.min()), float(y.max())
    pad = 0.25 * (y_hi - y_lo) + 0.5
    fig = go.Figure(layout=dict(height=height))
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="data (xᵢ, yᵢ)",
                             marker=dict(size=9, color=TRAIN_COLOUR, line=dict(color="white", width=1))))
    a, b = snap["best"]
    fig.add_trace(go.Scatter(x=xs, y=a * xs + b, mode="lines", name="best line",
                             line=dict(color=BEST_COLOUR, width=2, dash="dash")))
    a, b = np.clip(snap["theta"], -1e6, 1e6)
    fig.add_trace(go.Scatter(x=xs, y=a * xs + b, mode="lines", name=f"y = {a:.2f}·x {'+' if b >= 0 else '−'} {abs(b):.2f}",
                             line=dict(color=PATH_COLOUR, width=3.5)))
    fig.update_xaxes(title="x", range=[lo, hi])
    fig.update_yaxes(title="y", range=[y_lo - pad, y_hi + pad])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), margin=dict(t=30))
    return fig


def curve_fit_figure(snap: dict[str, np.ndarray], height: int = 380) -> go.Figure:
    """The tiny MLP's f_θ(x) over the data, with the noiseless target dotted."""
    if "curve_x" not in snap:
        return empty_figure("No model yet", height)
    fig = go.Figure(layout=dict(height=height))
    fig.add_trace(go.Scatter(x=snap["x"], y=snap["y"], mode="markers", name="data",
                             marker=dict(size=8, color=TRAIN_COLOUR, line=dict(color="white", width=1))))
    fig.add_trace(go.Scatter(x=snap["curve_x"], y=snap["target_y"], mode="lines", name="target (no noise)",
                             line=dict(color=PALETTE[8], width=2, dash="dot")))
    fig.add_trace(go.Scatter(x=snap["curve_x"], y=np.clip(snap["curve_y"], -1e6, 1e6), mode="lines", name="f<sub>θ</sub>(x)",
                             line=dict(color=TEST_COLOUR, width=3.5)))
    y = np.r_[snap["y"], snap["target_y"]]
    pad = 0.2 * float(np.ptp(y)) + 0.2
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="y", range=[float(y.min()) - pad, float(y.max()) + pad])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), margin=dict(t=30))
    return fig
