"""Figures of the "beyond generation" page: pure functions from arrays to plotly figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures import empty_figure, kept_trace, tile
from dashboard.relayout import hline
from dashboard.theme import PALETTE

INLIER, OUTLIER, FIT = PALETTE[1], PALETTE[4], PALETTE[2]


def outlier_plane(snap: dict[str, np.ndarray], threshold: float, height: int = 470) -> go.Figure:
    """log p_θ over the plane, the points (outliers as crosses), the flagged ones ringed, and the
    threshold drawn as the contour log p_θ(x) = −threshold."""
    if "log_p" not in snap:
        return empty_figure("No model yet", height)
    gx, gy, log_p = snap["grid_x"], snap["grid_y"], snap["log_p"]
    floor = np.quantile(log_p, 0.02)
    fig = go.Figure(layout=dict(height=height))
    fig.add_trace(go.Heatmap(x=gx, y=gy, z=np.maximum(log_p, floor), colorscale="Greys", reversescale=False,
                             opacity=0.55, colorbar=dict(title=dict(text="log p<sub>θ</sub>(x)", side="right"),
                                                         thickness=12), hoverinfo="skip"))
    fig.add_trace(go.Contour(x=gx, y=gy, z=log_p, contours=dict(start=-threshold, end=-threshold, size=1,
                                                                coloring="none"),
                             line=dict(color=OUTLIER, width=3, dash="dash"), showscale=False, hoverinfo="skip",
                             name="threshold", showlegend=True))
    x, out, score = snap["x"], snap["is_outlier"].astype(bool), snap["score"]
    flagged = score >= threshold
    for mask, name, colour, symbol in ((~out, "inlier", INLIER, "circle"), (out, "injected outlier", OUTLIER, "x")):
        fig.add_trace(go.Scatter(x=x[mask, 0], y=x[mask, 1], mode="markers", name=name,
                                   marker=dict(color=colour, size=7 if symbol == "circle" else 9, symbol=symbol,
                                               line=dict(width=0.5, color="white") if symbol == "circle" else None)))
    fig.add_trace(go.Scatter(x=x[flagged, 0], y=x[flagged, 1], mode="markers", name="flagged",
                               marker=dict(symbol="circle-open", size=15, color="black", line=dict(width=2))))
    fig.update_xaxes(title="x₁", range=[gx[0], gx[-1]], constrain="domain")
    fig.update_yaxes(title="x₂", range=[gy[0], gy[-1]], scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_layout(legend=dict(orientation="h", y=-0.14, yanchor="top", x=0), margin=dict(t=20))
    return fig


def roc_figure(fpr: np.ndarray, tpr: np.ndarray, auc: float, point: tuple[float, float] | None,
               height: int = 400) -> go.Figure:
    """The ROC curve, the chance diagonal, and the current threshold's operating point."""
    if fpr is None or len(fpr) < 2:
        return empty_figure("No model yet", height)
    fig = go.Figure(layout=dict(height=height, title=f"ROC curve · AUC = {auc:.3f}"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.5)",
                             line=dict(color="#999", dash="dot", width=2)))
    fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name="−log p<sub>θ</sub> ranking",
                             line=dict(color=PALETTE[1], width=3, shape="hv")))
    if point is not None:
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name="your threshold",
                                 marker=dict(color=OUTLIER, size=14, line=dict(color="white", width=2))))
    fig.update_xaxes(title="false-positive rate (inliers flagged)", range=[-0.02, 1.02])
    fig.update_yaxes(title="true-positive rate (outliers found)", range=[-0.02, 1.02])
    fig.update_layout(legend=dict(orientation="h", y=-0.2, yanchor="top", x=0))
    return fig


def digit_rows(rows: list[tuple[str, np.ndarray]], height: int = 330) -> go.Figure:
    """Rows of 8x8 digits (each (m, 64) in [0, 1]) tiled into one image, a label left of each row."""
    rows = [(label, np.asarray(imgs)) for label, imgs in rows if imgs is not None and len(imgs)]
    if not rows:
        return empty_figure("No model yet", height)
    side, gap = 8, 1
    m = max(len(imgs) for _, imgs in rows)
    padded = np.full((len(rows), m, side * side), np.nan)  # shorter rows end in blank cells
    for r, (_, imgs) in enumerate(rows):
        padded[r, :len(imgs)] = np.clip(imgs.reshape(len(imgs), -1), 0, 1)
    canvas = tile(padded.reshape(-1, side * side), m, gap, flip=False)  # the y axis is reversed below
    fig = go.Figure(go.Heatmap(z=canvas, zmin=0, zmax=1, colorscale="Greys", showscale=False, hoverinfo="skip"))
    for r, (label, _) in enumerate(rows):
        fig.add_annotation(x=-0.8, y=r * (side + gap) + side / 2 - 0.5, text=f"<b>{label}</b>", showarrow=False,
                           xanchor="right", font=dict(size=15))
    fig.update_xaxes(visible=False, range=[-12, canvas.shape[1]])
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1)
    fig.update_layout(height=height, margin=dict(l=5, r=5, t=5, b=5))
    return fig


def _has_n(history: dict[str, np.ndarray] | None) -> bool:
    return bool(history) and "n" in history and len(history["n"]) > 0


def estimates_vs_n(history: dict[str, np.ndarray], truth: dict[str, float], height: int = 330,
                   reference: dict[str, np.ndarray] | None = None) -> go.Figure:
    """Each parameter's estimate against the number of samples n (log axis), its true value dashed; a kept
    run's ``reference`` estimates faded under them."""
    if not _has_n(history) and not _has_n(reference):
        return empty_figure("Press ▶ Play or Step to draw samples", height)
    fig = go.Figure(layout=dict(  # the whole layout at once, true values as shapes (dashboard/relayout.py)
        height=height, title="Estimates θ̂ against n",
        xaxis=dict(title="number of samples n", type="log"), yaxis=dict(title="estimate (dashed: true value)"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
        shapes=[dict(hline(value, "")[0], line=dict(color=colour, dash="dash", width=1.5))
                for value, colour in zip(truth.values(), PALETTE)]))
    for (name, value), colour in zip(truth.items(), PALETTE):
        if _has_n(reference) and f"est_{name}" in reference:
            fig.add_trace(kept_trace(reference["n"], reference[f"est_{name}"], f"{name}̂", colour))
        if _has_n(history) and f"est_{name}" in history:
            fig.add_trace(go.Scatter(x=history["n"], y=history[f"est_{name}"], mode="lines", name=f"{name}̂",
                                     line=dict(color=colour, width=3)))
    return fig


def error_vs_n(history: dict[str, np.ndarray], height: int = 330,
               reference: dict[str, np.ndarray] | None = None) -> go.Figure:
    """‖θ̂ − θ‖ against n on log-log axes, with a line of slope −1/2 (the 1/√n rate); a kept run's
    ``reference`` error faded under it."""
    if not _has_n(history) and not _has_n(reference):
        return empty_figure("Press ▶ Play or Step to draw samples", height)
    fig = go.Figure(layout=dict(height=height, title="Error ‖θ̂ − θ‖ against n"))
    if _has_n(reference) and "error" in reference:
        positive = np.asarray(reference["error"], dtype=float) > 0  # a log axis
        fig.add_trace(kept_trace(reference["n"][positive], reference["error"][positive], "error", PALETTE[1]))
    n, err = (history["n"], history["error"]) if _has_n(history) else (np.zeros(0), np.zeros(0))
    keep = np.isfinite(err) & (err > 0)
    fig.add_trace(go.Scatter(x=n[keep], y=err[keep], mode="lines+markers", name="error",
                             line=dict(color=PALETTE[1], width=2), marker=dict(size=5)))
    if keep.sum() >= 3:
        c = float(np.exp(np.median(np.log(err[keep]) + 0.5 * np.log(n[keep]))))  # err ≈ c / √n
        ref = np.geomspace(n[keep].min(), n[keep].max(), 20)
        fig.add_trace(go.Scatter(x=ref, y=c / np.sqrt(ref), mode="lines", name="∝ 1/√n",
                                 line=dict(color=OUTLIER, dash="dash", width=2)))
    fig.update_xaxes(title="number of samples n", type="log")
    fig.update_yaxes(title="error", type="log")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return fig


def histogram_fit(snap: dict[str, np.ndarray], height: int = 330) -> go.Figure:
    """The samples' histogram with the true density and the fitted one."""
    if "hist_edges" not in snap or int(snap.get("n", 0)) == 0:
        return empty_figure("No samples yet", height)
    edges = snap["hist_edges"]
    fig = go.Figure(layout=dict(height=height, title=f"n = {int(snap['n']):,} samples"))
    fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=snap["hist_density"], width=np.diff(edges),
                         name="samples", marker_color="#cccccc"))
    fig.add_trace(go.Scatter(x=snap["grid"], y=snap["true_pdf"], name="true p", mode="lines",
                             line=dict(color="black", dash="dash", width=2)))
    if "fit_pdf" in snap:
        fig.add_trace(go.Scatter(x=snap["grid"], y=snap["fit_pdf"], name="p<sub>θ̂</sub> (maximum likelihood)",
                                 mode="lines", line=dict(color=FIT, width=3)))
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="density")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"), bargap=0)
    return fig


def abc_figures(snap: dict[str, np.ndarray], height: int = 400) -> tuple[go.Figure, go.Figure]:
    """Rejection ABC (core/abc_inference.py): the kept (β, γ) in the prior's box with the truth, coloured
    by their distance; and the observed daily cases against outbreaks simulated with kept parameters."""
    theta, dist, (bb, gb) = snap["theta"], snap["dist"], snap["prior"]
    plane = go.Figure(layout=dict(height=height))
    plane.add_shape(type="rect", x0=gb[0], x1=gb[1], y0=bb[0], y1=bb[1], line=dict(color="#999999", dash="dot"))
    if len(theta):
        plane.add_trace(go.Scatter(x=theta[:, 1], y=theta[:, 0], mode="markers", name="kept θ",
                                   marker=dict(color=dist, colorscale="Viridis_r", size=7, opacity=0.8,
                                               colorbar=dict(title=dict(text="distance", side="right"), thickness=12)),
                                   hovertemplate="γ=%{x:.3f}<br>β=%{y:.3f}<extra></extra>"))
    truth = snap["truth"]
    plane.add_trace(go.Scatter(x=[truth[1]], y=[truth[0]], mode="markers", name="true θ",
                               marker=dict(symbol="star", size=16, color="#D55E00", line=dict(color="white", width=1))))
    plane.update_xaxes(title="recovery rate γ", range=[0, gb[1] * 1.05])
    plane.update_yaxes(title="infection rate β", range=[0, bb[1] * 1.05])
    plane.update_layout(title=f"The closest {len(theta)} of {int(snap['simulations']):,} simulations",
                        legend=dict(orientation="h", y=-0.18, x=0), margin=dict(t=40))
    cases = go.Figure(layout=dict(height=height))
    days = np.arange(len(snap["observed"]))
    for k, sim in enumerate(snap["kept_cases"]):
        cases.add_trace(go.Scatter(x=days, y=sim, mode="lines", line=dict(color=PALETTE[0], width=1), opacity=0.25,
                                   name="simulated with kept θ", showlegend=k == 0, hoverinfo="skip"))
    cases.add_trace(go.Scatter(x=days, y=snap["observed"], mode="lines+markers", name="observed",
                               line=dict(color="#222222", width=2), marker=dict(size=4)))
    cases.update_xaxes(title="day")
    cases.update_yaxes(title="new cases")
    cases.update_layout(title="Observed outbreak, similar simulations",
                        legend=dict(orientation="h", y=-0.18, x=0), margin=dict(t=40))
    return plane, cases
