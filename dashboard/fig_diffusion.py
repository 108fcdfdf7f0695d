"""Figure builders for the score-based and diffusion pages (pure: arrays in, plotly figure out).

The forward process as a row of small panels ("data dissolving into noise"), the noise schedule,
and sample quality against the number of sampling steps. Samples, vector fields and trajectories
use dashboard/fig_samples.py like every generative page.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.fig_samples import REAL_COLOUR, bounds_of
from dashboard.figures import empty_figure
from dashboard.relayout import side_by_side, vline
from dashboard.theme import PALETTE


def capped(v: np.ndarray, cap: float) -> np.ndarray:
    """Vectors (n, 2) whose length is at most ``cap`` (directions kept): near sharp modes the
    score grows like 1/σ, and a few huge arrows would hide all the others."""
    v = np.asarray(v, dtype=float)
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    return v * np.minimum(1.0, cap / np.maximum(norm, 1e-300))


def forward_panels(panels: np.ndarray, titles: Sequence[str], *, height: int = 230,
                   highlight: int | None = None) -> go.Figure:
    """One small square scatter per state (F, n, 2), all on the same axes, left to right.

    SVG scatter, not WebGL: a browser has few WebGL contexts and a live page redraws often.
    """
    panels = np.asarray(panels, dtype=float)
    if panels.ndim != 3 or not len(panels):
        return empty_figure("No forward process to draw", height)
    lay, axes = side_by_side(list(titles), spacing=0.015, title_size=14)
    box = bounds_of(panels[0], panels[-1], margin=0.05)
    traces = []
    for k, (pts, (xa, ya)) in enumerate(zip(panels, axes)):
        colour = PALETTE[4] if k == highlight else (REAL_COLOUR if k == 0 else PALETTE[1])
        traces.append(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", showlegend=False, xaxis=xa, yaxis=ya,
                                 marker=dict(size=3, color=colour, opacity=0.6)))
        lay["xaxis" + xa[1:]].update(range=box[:2], showticklabels=False)
        lay["yaxis" + ya[1:]].update(range=box[2:], showticklabels=False, scaleanchor=xa)
    return go.Figure(data=traces, layout=dict(lay, height=height,
                                              margin=dict(l=10, r=10, t=40, b=10)))


def schedule_figure(alpha_bar: np.ndarray, betas: np.ndarray, *, t_mark: float | None = None,
                    height: int = 230) -> go.Figure:
    """ᾱ_t (signal kept) and 1 − ᾱ_t (noise) against t = 1..T."""
    alpha_bar = np.asarray(alpha_bar, dtype=float)
    t = np.arange(1, len(alpha_bar) + 1)
    traces = [go.Scatter(x=t, y=alpha_bar, name="ᾱ_t (signal²)", line=dict(color=PALETTE[1], width=3)),
              go.Scatter(x=t, y=1 - alpha_bar, name="1 − ᾱ_t (noise²)", line=dict(color=PALETTE[4], width=3)),
              go.Scatter(x=t, y=np.asarray(betas, dtype=float), name="β_t",
                         line=dict(color=PALETTE[2], width=2, dash="dot"))]
    shapes = [vline(t_mark, dict(color="#444", width=1, dash="dash"))] if t_mark is not None else []
    return go.Figure(data=traces, layout=dict(  # the whole layout at once (dashboard/relayout.py says why)
        height=height, title=dict(text="Noise schedule"), shapes=shapes,
        xaxis=dict(title=dict(text="t")), yaxis=dict(range=[0, 1.02]), margin=dict(l=45, r=10, t=40, b=40),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right")))


def quality_vs_steps(steps: np.ndarray | None, series: Sequence[tuple[str, np.ndarray]], y_title: str, *,
                     title: str = "Sample quality against sampling steps", higher_is_better: bool = True,
                     height: int = 300) -> go.Figure:
    """One line per sampler: a quality number against the number of network evaluations (log x)."""
    if steps is None or not len(steps) or not series:
        return empty_figure("Measured every 1,000 training steps", height)
    steps = np.asarray(steps, float)
    traces = [go.Scatter(x=steps, y=np.asarray(y, float), name=name, mode="lines+markers",
                         line=dict(color=colour, width=3))
              for (name, y), colour in zip(series, (PALETTE[1], PALETTE[4], PALETTE[2]))]
    ticks = sorted(set(steps.tolist()))  # the measured step counts: plotly's own log ticks add stray "8 9" labels
    return go.Figure(data=traces, layout=dict(
        height=height, title=dict(text=title),
        xaxis=dict(title=dict(text="sampling steps = network evaluations"), type="log",
                   tickvals=ticks, ticktext=[f"{s:,.0f}" for s in ticks]),
        yaxis=dict(title=dict(text=y_title + (" ↑" if higher_is_better else " ↓"))),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right")))
