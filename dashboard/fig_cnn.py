"""Figures of the architectures page: learned convolution filters and galleries of 8x8 digits.

Many small images are drawn as one heatmap with gaps (far cheaper than many subplots).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.figures import empty_figure, tile
from dashboard.theme import UNIT_SCALE

GREYS = [[0.0, "#ffffff"], [1.0, "#111111"]]


def _image_layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(height=height, margin=dict(l=5, r=5, t=35, b=5))
    return fig


def filters_figure(filters: np.ndarray, cols: int = 8, height: int = 170) -> go.Figure:
    """The first convolution's 3x3 filters, each scaled to its own largest weight (orange -, blue +)."""
    if filters.size == 0:
        return empty_figure("No filters", height)
    scale = np.abs(filters).reshape(len(filters), -1).max(1).clip(1e-9)[:, None, None]
    canvas = tile(filters / scale, min(cols, len(filters)))
    fig = go.Figure(go.Heatmap(z=canvas, zmin=-1, zmax=1, colorscale=UNIT_SCALE, showscale=False, hoverinfo="skip"),
                    layout=dict(title="Learned 3×3 filters of the first convolution"))
    return _image_layout(fig, height)


def digit_gallery(images: np.ndarray, predicted: Sequence[int], true: Sequence[int], title: str,
                  cols: int = 6, height: int = 250) -> go.Figure:
    """Digits with 'predicted (true)' under each one; empty when nothing is misclassified."""
    if len(images) == 0:
        return empty_figure("No mistakes among the test digits", height)
    side = images.shape[-1]
    gap = 3
    canvas = tile(images, cols, gap=gap)
    fig = go.Figure(go.Heatmap(z=canvas, zmin=0, zmax=1, colorscale=GREYS, showscale=False, hoverinfo="skip"),
                    layout=dict(title=title))
    rows = -(-len(images) // cols)
    for i, (p, t) in enumerate(zip(predicted, true)):
        r, c = divmod(i, cols)
        y = (rows - 1 - r) * (side + gap) - 1.6  # below the image (rows are flipped)
        fig.add_annotation(x=c * (side + gap) + side / 2 - 0.5, y=y, text=f"<b>{int(p)}</b> ({int(t)})",
                           showarrow=False, font=dict(size=13, color="#D55E00"))
    fig.update_yaxes(range=[-3.2, canvas.shape[0]])
    return _image_layout(fig, height)


def before_after(before: np.ndarray, after: np.ndarray, height: int = 170) -> go.Figure:
    """One test digit as trained on, and the same digit shifted: what the shift toggle does."""
    side = before.shape[-1]
    canvas = tile(np.stack([before, after]), cols=2, gap=3)
    fig = go.Figure(go.Heatmap(z=canvas, zmin=0, zmax=1, colorscale=GREYS, showscale=False, hoverinfo="skip"))
    for i, text in enumerate(("test digit", "shifted")):
        fig.add_annotation(x=i * (side + 3) + side / 2 - 0.5, y=-1.4, text=text, showarrow=False, font=dict(size=13))
    fig.update_yaxes(range=[-2.4, canvas.shape[0]])
    return _image_layout(fig, height)
