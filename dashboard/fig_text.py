"""Figures of the text-generation page: pure functions from arrays to plotly figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures import curves, empty_figure
from dashboard.relayout import hline, relayout
from dashboard.theme import PALETTE, TEST_COLOUR, TRAIN_COLOUR

SHOWN = {"\n": "⏎", " ": "␣", "\t": "⇥"}
TICK_SIZE = 18  # the next-character bars' labels, in both modes
LABEL_SIZE = 17  # the characters' labels on the embedding plane
PLANE_PX = (290, 300)  # the embedding plane's plot area (width, height) at its smallest on a 1280 px screen,
# for placing its labels: a larger plot only moves them further apart
CHAR_PX = (13, 18)  # a label's box in pixels (one character of LABEL_SIZE, with a little room)


def show_char(c: str) -> str:
    """A character as it can be read on a plot label (new line, space and tab made visible)."""
    return SHOWN.get(c, c)


def loss_with_baselines(history: dict[str, np.ndarray], baselines: dict[str, float], height: int = 320,
                        reference: dict[str, np.ndarray] | None = None) -> go.Figure:
    """Train and validation loss (nats per character) with the uniform and bigram reference lines, and a
    kept run's ``reference`` losses faded under them."""
    fig = curves(history, [("train", "train_loss"), ("validation", "val_loss")], "Loss (nats per character)",
                 "nats / char", colours=(TRAIN_COLOUR, TEST_COLOUR), height=height, reference=reference)
    if not fig.data:  # nothing drawn yet
        return fig
    runs = [h for h in (history, reference) if h and len(h.get("step", ()))]
    shapes, notes = [], []
    for (name, value), colour in zip(sorted(baselines.items()), ("#555555", PALETTE[2])):
        label = {"uniform": "uniform log V", "bigram": "bigram counts"}.get(name, name)
        shape, note = hline(value, f"{label}: {value:.2f}", colour)
        shape["line"]["width"] = 2
        shapes.append(shape)
        notes.append(dict(note, font=dict(size=13, color=colour)))
    losses = [np.asarray(h[c], dtype=float) for h in runs for c in ("train_loss", "val_loss") if c in h]
    losses = [v[np.isfinite(v)] for v in losses if np.isfinite(v).any()]
    top = max([*(v.max() for v in losses), *baselines.values()])
    low = min([*(v.min() for v in losses), *baselines.values()])
    # one assignment, not add_hline per line (dashboard/relayout.py); curves() draws no shapes or notes of its own
    relayout(fig, {"shapes": shapes, "annotations": notes,
                   "yaxis": {"range": [max(0.0, low - 0.25), top + 0.25]}})
    return fig


def next_char_bars(chars: np.ndarray, probs: np.ndarray, prompt: str, top: int = 15, height: int = 320) -> go.Figure:
    """The ``top`` most likely next characters after the prompt, as bars."""
    if probs is None or len(probs) == 0:
        return empty_figure("No model yet", height)
    order = np.argsort(-probs)[:top]
    labels = [show_char(str(chars[i])) for i in order]  # one character each, no quotes: 15 fit side by side
    tail = prompt[-25:].replace("\n", "⏎")
    fig = go.Figure(go.Bar(x=labels, y=probs[order], marker_color=PALETTE[1],
                           text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs[order]], textposition="outside",
                           hovertemplate="'%{x}': %{y:.3f}<extra></extra>"))
    fig.update_layout(height=height,
                      title=f"p(next character | “…{tail}”)" if prompt else "p(next character | start of a line)")
    # every bar labelled, horizontally, at a fixed size in both modes: plotly turned the labels 90° when they
    # seemed too wide for their slots (presenter mode's larger fonts), or left out every other one on a narrow plot
    fig.update_xaxes(type="category", tickmode="linear", tick0=0, dtick=1, tickangle=0,
                     tickfont=dict(size=TICK_SIZE))
    fig.update_yaxes(title="probability", range=[0, min(1.0, float(probs[order[0]]) * 1.2 + 0.02)])
    return fig


# where a label may go around its marker: plotly's textposition -> the direction of the label's centre from it
SPOTS = {"middle center": (0, 0), "top center": (0, 1), "bottom center": (0, -1), "middle right": (1, 0),
         "middle left": (-1, 0), "top right": (1, 1), "top left": (-1, 1), "bottom right": (1, -1),
         "bottom left": (-1, -1)}


def label_centre(x: float, y: float, spot: str, radius: float) -> tuple[float, float]:
    """The centre (pixels, y up) of a one-character label at ``spot`` around a marker of ``radius`` at (x, y),
    as plotly places it (the text starts radius / 0.8 + 1 px from the marker's centre)."""
    dx, dy = SPOTS[spot]
    gap = radius / 0.8 + 1
    return x + dx * (gap + CHAR_PX[0] / 2), y + dy * (gap + CHAR_PX[1] / 2)


def place_labels(px: np.ndarray, radius: np.ndarray, order: np.ndarray,
                 size: tuple[float, float] = PLANE_PX) -> list[str | None]:
    """A textposition for each point (pixels, y up), or None where a label would cover one already placed or
    leave the plot: the points in ``order`` (the most important first) take the first free spot, on the
    marker or around it."""
    placed: list[tuple[float, float]] = []
    spots: list[str | None] = [None] * len(px)
    w, h = CHAR_PX
    for i in order:
        for spot in SPOTS:
            cx, cy = label_centre(px[i, 0], px[i, 1], spot, radius[i])
            inside = w / 2 <= cx <= size[0] - w / 2 and h / 2 <= cy <= size[1] - h / 2
            if inside and all(abs(cx - ox) >= w or abs(cy - oy) >= h for ox, oy in placed):
                placed.append((cx, cy))
                spots[i] = spot
                break
    return spots


def embedding_plane(xy: np.ndarray, chars: np.ndarray, counts: np.ndarray, height: int = 460) -> go.Figure:
    """Each character at its embedding's 2D projection (PCA); letters, digits and the rest coloured.

    Every character has a marker (its size: how often it occurs; its name on hover); the labels are placed
    so that none covers another, the most frequent characters first, on their marker or beside it. Those
    with no free spot around them (in a dense cluster) stay unlabelled."""
    if xy is None or len(xy) == 0 or not np.any(xy):
        return empty_figure("Embeddings appear once the model has learned something", height)
    xy = np.asarray(xy, dtype=float)
    counts = np.asarray(counts, dtype=float)
    kinds = {"lower-case": str.islower, "upper-case": str.isupper, "digit": str.isdigit}
    fig = go.Figure(layout=dict(height=height))
    chars = [str(c) for c in chars]
    assigned = np.zeros(len(chars), dtype=bool)
    groups = []
    for name, test in kinds.items():
        mask = np.array([test(c) for c in chars]) & ~assigned
        assigned |= mask
        groups.append((name, mask))
    groups.append(("space and punctuation", ~assigned))
    size = 10 + 14 * np.sqrt(counts / max(counts.max(), 1.0))
    low, high = xy.min(axis=0), xy.max(axis=0)
    pad = np.maximum(0.08 * (high - low), 1e-3)  # room for the labels of the outermost points
    low, high = low - pad, high + pad
    spots = place_labels((xy - low) / (high - low) * PLANE_PX, size / 2, np.argsort(-counts, kind="stable"))
    for (name, mask), colour in zip(groups, PALETTE):
        if not mask.any():
            continue
        where = np.flatnonzero(mask)
        fig.add_trace(go.Scatter(
            x=xy[mask, 0], y=xy[mask, 1], mode="text+markers", name=name,
            text=[show_char(chars[i]) if spots[i] else "" for i in where],
            textposition=[spots[i] or "middle center" for i in where],
            textfont=dict(size=LABEL_SIZE, color="#1a1a1a"),
            customdata=[show_char(chars[i]) for i in where],
            marker=dict(color=colour, size=size[mask], opacity=0.35),
            hovertemplate="'%{customdata}'<extra></extra>",
        ))
    fig.update_xaxes(title="first principal direction", zeroline=False, range=[low[0], high[0]])
    fig.update_yaxes(title="second", zeroline=False, range=[low[1], high[1]])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, entrywidth=0.5,
                                  entrywidthmode="fraction"),  # two rows of two, not four rows over the plane
                      margin=dict(t=40))
    return fig
