"""Figure builders of the auto-encoder and VAE page: digit grids, latent planes, error against size.

Pure functions (numpy arrays in, plotly figures out). A grid of 8x8 digits is ONE heatmap of a
tiled canvas with blank gaps (far cheaper to draw than many subplots), ink dark on white.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from dashboard import fastfig as fast
from dashboard.fig_samples import square_figure
from dashboard.figures import empty_figure, tile
from dashboard.relayout import hline, merged, relayout
from dashboard.theme import PALETTE

SIDE = 8
GAP = 1
INK = [[0.0, "#ffffff"], [1.0, "#111111"]]
TURBO = get_colorscale("Turbo")  # as plotly's check spells it out: plotly.js has no scale named Turbo
LEGEND_FOOT = 175  # precision and recall by latent size: the bottom margin for the x axis' title and the legend


def digit_grid(images: np.ndarray, cols: int, title: str = "", *, vmax: float = 1.0,
               row_labels: Sequence[str] | None = None, height: int | None = None,
               col_labels: Sequence[str] | None = None, axes: dict | None = None) -> go.Figure:
    """Digits (n, 64) (intensities 0..vmax) in rows of ``cols``; optional labels left of each row.
    ``axes``: layout settings merged over the grid's own (``latent_plane_grid``'s ticks). Built with its
    layout at once, without plotly's checks (``dashboard/fastfig.py``): a live view redraws it at every poll."""
    images = np.asarray(images, dtype=float).reshape(-1, SIDE * SIDE)
    rows = max(1, int(np.ceil(len(images) / cols)))
    canvas = tile(images / vmax, cols, GAP)
    annotations = []
    left = 0
    if row_labels:
        left = 70
        for r, text in enumerate(row_labels[:rows]):
            y = canvas.shape[0] - 1 - (r * (SIDE + GAP) + SIDE / 2 - 0.5)
            # at the left edge of the images' axis, in the margin: a label placed in data units left of the axis's
            # range (x = -0.8) is one plotly does not draw, as off its axis
            annotations.append(dict(font=dict(size=13), showarrow=False, text=text, x=0, xanchor="right",
                                    xref="x domain", xshift=-4, y=y))
    if col_labels:
        for c, text in enumerate(col_labels[:cols]):
            annotations.append(dict(font=dict(size=12), showarrow=False, text=text,
                                    x=c * (SIDE + GAP) + SIDE / 2 - 0.5, y=canvas.shape[0] - 0.2, yanchor="bottom"))
    cell = 34 if height is None else None  # screen pixels per 8 image pixels
    top = 40 if title else 8
    top += 18 if col_labels else 0
    layout = dict(xaxis=dict(visible=False, range=[-0.5, canvas.shape[1] - 0.5], constrain="domain"),
                  yaxis=dict(visible=False, scaleanchor="x", scaleratio=1, constrain="domain"),
                  height=height or (rows * (SIDE + GAP) * cell // SIDE + top + 10),
                  margin=dict(l=left + 5, r=5, t=top, b=5))
    if title:
        layout["title"] = dict(text=title)
    if annotations:
        layout["annotations"] = annotations
    heatmap = fast.Heatmap(z=canvas, zmin=0, zmax=1, colorscale=INK, showscale=False, hoverinfo="skip")
    return fast.Figure(data=[heatmap], layout=merged(layout, axes) if axes else layout)


def latent_plane_grid(grid: np.ndarray, grid_z: np.ndarray, title: str, height: int = 380) -> go.Figure:
    """The decoded latent plane: grid (G, G, 64) with row i <-> z₂ = grid_z[i], column j <-> z₁ = grid_z[j].

    Drawn so that z₂ grows upwards, like the scatter of codes next to it.
    """
    g = len(grid_z)
    rows_top_first = np.asarray(grid)[::-1].reshape(g * g, SIDE * SIDE)  # the largest z₂ first (on top)
    step = SIDE + GAP
    ticks = [0, g // 2, g - 1]

    def axis(name: str) -> dict:
        return dict(visible=True, showgrid=False, tickvals=[j * step + SIDE / 2 - 0.5 for j in ticks],
                    ticktext=[f"{grid_z[j]:.1f}" for j in ticks], title=dict(text=name))

    return digit_grid(rows_top_first, g, title, height=height,
                      axes=dict(xaxis=axis("z₁"), yaxis=axis("z₂"), margin=dict(l=55, r=5, t=40, b=45)))


def codes_figure(codes: np.ndarray, labels: np.ndarray, title: str, *, pca: bool = False,
                 span: float | None = 3.0, height: int = 380, max_points: int = 600) -> go.Figure:
    """Test digits' posterior means on the latent plane, one colour per class (0..9)."""
    codes, labels = np.asarray(codes, float)[:max_points], np.asarray(labels)[:max_points]
    traces = []
    for c in range(10):
        pts = codes[labels == c]
        if len(pts):
            traces.append(fast.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=str(c),
                                       marker=dict(size=7, color=PALETTE[c], opacity=0.85, line=dict(width=0))))
    names = ("principal axis 1", "principal axis 2") if pca else ("z₁", "z₂")
    bounds = None
    if span is not None and not pca:
        reach = float(np.nanmax(np.abs(codes))) if len(codes) else span
        half = max(span, min(reach * 1.05, 10.0))
        bounds = (-half, half, -half, half)
    return square_figure(traces, title, bounds, height, layout=dict(
        xaxis=dict(title=dict(text=names[0])), yaxis=dict(title=dict(text=names[1])),
        legend=dict(orientation="v", y=1, yanchor="top", x=1.02, xanchor="left", tracegroupgap=0,
                    font=dict(size=12)), margin=dict(l=45, r=10, t=40, b=40)))


def posterior_figure(means: np.ndarray, stds: np.ndarray, colour: np.ndarray, title: str, *,
                     height: int = 400, max_points: int = 300) -> go.Figure:
    """Posterior q(z|x) = N(μ, σ²) of data points: μ as dots, ±σ as error bars, the prior's 1σ and 2σ circles.

    ``colour`` is one number per point (the nearest mode, or the angle of the point).
    """
    mu, sd = np.asarray(means, float)[:max_points], np.asarray(stds, float)[:max_points]
    if mu.shape[1] == 1:  # a 1D latent: spread the points vertically by their colour value
        mu = np.concatenate([mu, np.zeros_like(mu)], 1)
        sd = np.concatenate([sd, np.zeros_like(sd)], 1)
    th = np.linspace(0, 2 * np.pi, 80)
    traces = [fast.Scatter(x=r * np.cos(th), y=r * np.sin(th), mode="lines", hoverinfo="skip",
                           name="prior N(0, I): 1σ, 2σ" if r == 1 else None, showlegend=r == 1,
                           line=dict(color="#999", dash="dot", width=1.5)) for r in (1, 2)]
    traces.append(fast.Scatter(
        x=mu[:, 0], y=mu[:, 1], mode="markers", name="μ(x) ± σ(x)",
        error_x=dict(type="data", array=sd[:, 0], visible=True, thickness=1, width=0, color="rgba(0,0,0,0.25)"),
        error_y=dict(type="data", array=sd[:, 1], visible=True, thickness=1, width=0, color="rgba(0,0,0,0.25)"),
        marker=dict(size=6, color=np.asarray(colour, float)[:max_points], colorscale=TURBO, showscale=False),
    ))
    reach = float(np.nanmax(np.abs(mu) + sd)) if len(mu) else 3.0
    half = max(2.5, min(reach * 1.05, 10.0))
    return square_figure(traces, title, (-half, half, -half, half), height,
                         layout=dict(xaxis=dict(title=dict(text="z₁")), yaxis=dict(title=dict(text="z₂"))))


def error_vs_size(sizes: np.ndarray, errors: np.ndarray, current: int | None, title: str,
                  y_title: str = "test MSE per coordinate", height: int = 320) -> go.Figure:
    """Reconstruction error against latent size (log-log), the shown AE marked."""
    sizes, errors = np.asarray(sizes, float), np.asarray(errors, float)
    fig = go.Figure(layout=dict(title=title, height=height))
    fig.add_trace(go.Scatter(x=sizes, y=errors, mode="lines+markers", name="test error",
                             line=dict(color=PALETTE[1], width=3), marker=dict(size=9)))
    if current is not None and current in sizes:
        i = int(np.flatnonzero(sizes == current)[0])
        fig.add_trace(go.Scatter(x=[sizes[i]], y=[errors[i]], mode="markers", name="shown",
                                 marker=dict(size=16, color=PALETTE[4], symbol="circle-open", line=dict(width=3))))
    fig.update_xaxes(title="latent size k", type="log", tickvals=sizes, ticktext=[f"{s:.0f}" for s in sizes])
    finite = errors[np.isfinite(errors) & (errors > 0)]
    ticks = None
    if len(finite):
        lo, hi = np.floor(np.log10(finite.min())), np.ceil(np.log10(finite.max()))
        ticks = [m * 10**e for e in np.arange(lo, hi + 1) for m in (1, 2, 5)
                 if finite.min() / 1.5 <= m * 10**e <= finite.max() * 1.5]
    fig.update_yaxes(title=y_title, type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks] if ticks else None)
    fig.update_layout(showlegend=False, margin=dict(l=60, r=10, t=40, b=45))
    return fig


def log_p_vs_k(ks: np.ndarray, log_p: np.ndarray, title: str, *, height: int = 260) -> go.Figure:
    """The importance-sampled estimate of log p_θ(x) against the number of samples K (log axis);
    K = 1 is the ELBO, drawn as a dashed line."""
    ks, log_p = np.asarray(ks, float), np.asarray(log_p, float)
    if not len(log_p) or len(log_p) != len(ks) or not np.isfinite(log_p).all():
        return empty_figure("Measured with the sample quality, after the first step", height)
    line, note = hline(float(log_p[0]), "ELBO (K = 1)")
    return go.Figure(go.Scatter(x=ks, y=log_p, mode="lines+markers", name="log p̂_K(x)",
                                line=dict(color=PALETTE[1], width=3), marker=dict(size=9)),
                     layout=dict(  # the whole layout at once (dashboard/relayout.py says why)
                         title=title, height=height, showlegend=False,
                         margin=dict(l=60, r=10, t=45, b=45), shapes=[line], annotations=[dict(note, yanchor="top")],
                         xaxis=dict(title="importance samples K", type="log", tickvals=ks,
                                    ticktext=[f"{k:.0f}" for k in ks]),
                         yaxis=dict(title="nats per test example")))


def precision_recall_by_latent(latents, betas, precision, recall, title: str, *, yardstick: float | None = None,
                               current: tuple[int, float, float] | None = None, height: int = 430) -> go.Figure:
    """Improved precision (solid) and recall (dashed) against the latent size (log axis), one colour per β,
    from a measured table (latents, betas, precision, recall: (n,) each); ``yardstick`` (real digits against
    real digits) as a dotted line; ``current`` = (latent, precision, recall) of the live run as two stars."""
    latents, betas = np.asarray(latents, float), np.asarray(betas, float)
    precision, recall = np.asarray(precision, float), np.asarray(recall, float)
    if not len(latents) and current is None:
        return empty_figure("No measured table (bench/bench_vae.py --write-reference)", height)
    fig = go.Figure(layout=dict(title=title))
    for i, beta in enumerate(sorted(set(betas.tolist()), reverse=True)):
        rows = np.flatnonzero(betas == beta)
        rows = rows[np.argsort(latents[rows])]
        for name, values, dash in (("precision", precision, "solid"), ("recall", recall, "dash")):
            fig.add_trace(go.Scatter(x=latents[rows], y=values[rows], mode="lines+markers", name=f"{name}, β = {beta:g}",
                                     line=dict(color=PALETTE[i], width=2.5, dash=dash), marker=dict(size=7)))
    if current is not None:  # two stars, named in the legend: words beside them lay over the lines
        k, p, r = current
        for name, value, symbol in (("precision", p, "star"), ("recall", r, "star-open")):
            fig.add_trace(go.Scatter(x=[k], y=[value], mode="markers", name=f"this run: {name}",
                                     hovertemplate=f"this run: {name} %{{y:.0%}}<extra></extra>",
                                     marker=dict(symbol=symbol, size=15, color=PALETTE[7],
                                                 line=dict(width=2, color=PALETTE[7]))))
    ticks = sorted(set(latents.tolist()) | ({current[0]} if current is not None else set()))
    line, note = hline(yardstick, "real digits") if yardstick is not None else (None, None)
    relayout(fig, dict(  # one assignment (dashboard/relayout.py says why)
        # the legend (six rows: two per β and the stars) at the figure's foot, under the axis title
        height=height, margin=dict(l=55, r=10, t=45, b=LEGEND_FOOT),
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left",
                    font=dict(size=11)),
        xaxis=dict(title="latent size", type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks]),
        yaxis=dict(title="share", range=[-0.03, 1.05]),
        shapes=[dict(line, line=dict(dash="dot", color="#888"))] if line else [],
        annotations=[dict(note, yanchor="top")] if note else []))
    return fig
