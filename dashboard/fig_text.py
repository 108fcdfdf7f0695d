"""Figures of the text-generation page: pure functions from arrays to plotly figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures import curves, empty_figure
from dashboard.relayout import hline, relayout
from dashboard.theme import PALETTE, TEST_COLOUR, TRAIN_COLOUR

SHOWN = {"\n": "⏎", " ": "␣", "\t": "⇥"}


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
    labels = [f"'{show_char(str(chars[i]))}'" for i in order]
    tail = prompt[-25:].replace("\n", "⏎")
    fig = go.Figure(go.Bar(x=labels, y=probs[order], marker_color=PALETTE[1],
                           text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs[order]], textposition="outside",
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_layout(height=height,
                      title=f"p(next character | “…{tail}”)" if prompt else "p(next character | start of a line)")
    fig.update_xaxes(type="category", tickfont=dict(size=16))
    fig.update_yaxes(title="probability", range=[0, min(1.0, float(probs[order[0]]) * 1.2 + 0.02)])
    return fig


def embedding_plane(xy: np.ndarray, chars: np.ndarray, counts: np.ndarray, height: int = 420) -> go.Figure:
    """Each character at its embedding's 2D projection (PCA); letters, digits and the rest coloured."""
    if xy is None or len(xy) == 0 or not np.any(xy):
        return empty_figure("Embeddings appear once the model has learned something", height)
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
    for (name, mask), colour in zip(groups, PALETTE):
        if not mask.any():
            continue
        fig.add_trace(go.Scatter(
            x=xy[mask, 0], y=xy[mask, 1], mode="text+markers", name=name,
            text=[show_char(c) for c, m in zip(chars, mask) if m], textfont=dict(size=17, color="#1a1a1a"),
            marker=dict(color=colour, size=size[mask], opacity=0.35),
            hovertemplate="'%{text}'<extra></extra>",
        ))
    fig.update_xaxes(title="first principal direction", zeroline=False)
    fig.update_yaxes(title="second", zeroline=False)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), margin=dict(t=40))
    return fig
