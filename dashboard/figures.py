"""Figure builders: pure functions from numpy arrays to plotly figures (no Streamlit inside).

Pages call them with a Job's snapshot and metric history; tests call them with arrays.
"""

from __future__ import annotations

import html
import math
import textwrap
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from core.errors import shorten
from dashboard import fastfig as fast
from dashboard.fig_samples import animate
from dashboard.legends import title_and_legend
from dashboard.relayout import relayout
from dashboard.theme import DIVERGING, PALETTE, TEST_COLOUR, TRAIN_COLOUR, UNIT_SCALE


MAX_POINTS = 2000  # markers per figure part: a 20,000-row upload must not make every refresh heavy


def tile(images: np.ndarray, cols: int, gap: int = 1, flip: bool = True) -> np.ndarray:
    """Images (k, h, w), or square ones flattened to (k, h·w), side by side in rows of ``cols`` with
    NaN in the gaps, the first image top left: ONE heatmap draws them (far cheaper than subplots).

    ``flip`` turns the canvas upside down for a heatmap whose y grows upwards (the default); leave it
    off where the figure reverses its y axis instead. float32: plotly sends arrays as binary.
    """
    images = np.asarray(images, dtype=float)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        images = images.reshape(-1, side, side)
    k, h, w = images.shape
    rows = max(1, -(-k // cols))
    canvas = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = img
    return (canvas[::-1] if flip else canvas).astype(np.float32)


def thin(*arrays: np.ndarray, limit: int = MAX_POINTS) -> tuple[np.ndarray, ...]:
    """At most ``limit`` rows of each (same-length) array, evenly spread over them (the same rows in each)."""
    n = len(arrays[0])
    if n <= limit:
        return arrays
    keep = np.linspace(0, n - 1, limit).round().astype(int)
    return tuple(np.asarray(a)[keep] for a in arrays)


EMPTY_LINE = 26  # characters per line of an empty figure's message at most (about 250 px at its font size)


def balanced_lines(text: str, longest: int = EMPTY_LINE) -> str:
    """``text`` broken (``<br>``) into as few lines of even length as fit ``longest`` characters; plotly does
    not wrap an annotation, so a long one was cut at the edge of a narrow column. Text with ``<br>`` is kept."""
    if "<br>" in text or len(text) <= longest:
        return text
    for lines in range(-(-len(text) // longest), len(text.split()) + 1):  # the fewest lines, then the narrowest
        for width in range(-(-len(text) // lines), longest + 1):
            wrapped = textwrap.wrap(text, width=width, break_long_words=False)
            if len(wrapped) <= lines:
                return "<br>".join(wrapped)
    return "<br>".join(text.split())  # a word longer than ``longest``: one word a line


def empty_figure(text: str, height: int = 320) -> go.Figure:
    text = balanced_lines(text)
    return fast.Figure(layout=dict(height=height, xaxis=dict(visible=False), yaxis=dict(visible=False),
                                 annotations=[dict(text=text, showarrow=False, font=dict(size=18, color="#666"), x=0.5,
                                                   y=0.5, xref="paper", yref="paper")]))


def kept_trace(x: np.ndarray, y: np.ndarray, label: str, colour: str, **kw) -> go.Scatter:
    """A kept run's line (A/B): faded and dotted, named "<label> (kept run)", drawn under the live one."""
    x, y = np.asarray(x), np.asarray(y, dtype=float)
    keep = np.isfinite(y)
    return fast.Scatter(x=x[keep], y=y[keep], name=f"{label} (kept run)", mode="lines" if keep.sum() > 1 else "markers",
                      opacity=0.45, line=dict(color=colour, width=2, dash="dot"), marker=dict(color=colour), **kw)


def curves(
    history: dict[str, np.ndarray],
    series: Sequence[tuple[str, str]],
    title: str,
    y_title: str,
    *,
    colours: Sequence[str] = (TRAIN_COLOUR, TEST_COLOUR, PALETTE[2], PALETTE[3]),
    log_y: bool = False,
    y_range: tuple[float, float] | None = None,
    height: int = 300,
    reference: dict[str, np.ndarray] | None = None,
) -> go.Figure:
    """Lines of ``history[column]`` against ``history['step']`` for each (label, column); a kept run's
    ``reference`` history, if given, faded and dotted under them (A/B on the same axes), also before the
    live run has a step. A series of one row (a model loaded from a checkpoint, not trained yet) is a dot."""
    steps = history.get("step", np.zeros(0))
    ref_steps = (reference or {}).get("step", np.zeros(0))
    colour_of = dict(zip((col for _, col in series), colours))
    series = [(label, col) for label, col in series if col in colour_of]  # as many lines as colours
    present = [(label, col) for label, col in series if col in history and len(steps)]
    kept = [(label, col) for label, col in series if reference and col in reference and len(ref_steps)]
    if not present and not kept:
        return empty_figure("▶ Play or Step draws this run's curves", height)
    traces = [kept_trace(ref_steps, reference[col], label, colour_of[col]) for label, col in kept]
    for label, col in present:
        y = np.asarray(history[col], dtype=float)
        keep = np.isfinite(y)
        traces.append(fast.Scatter(x=steps[keep], y=y[keep], name=label, mode="lines" if keep.sum() > 1 else "markers",
                                 line=dict(color=colour_of[col], width=3), marker=dict(color=colour_of[col], size=9)))
    yaxis = dict(title=dict(text=y_title), type="log" if log_y else "linear")
    if y_range:
        yaxis["range"] = list(y_range)
    return fast.Figure(data=traces, layout=dict(  # the whole layout at once (dashboard/relayout.py says why)
        height=height, xaxis=dict(title=dict(text="step")), yaxis=yaxis,
        **title_and_legend(title, [t.name for t in traces] if len(traces) > 1 else [])))


def share_of(history: dict[str, np.ndarray] | None, column: str, total: float, name: str) -> dict | None:
    """``history`` with the column ``name`` = ``column`` / ``total`` (a count drawn as a share), if it has ``column``."""
    if not history or column not in history:
        return history
    return dict(history, **{name: np.asarray(history[column], dtype=float) / total})


def legend_text(value: object) -> str:
    """A student's label (a CSV class name) as plotly text: one short line, its tags shown, not followed."""
    return html.escape(shorten(value))


def probability_trace(gx: np.ndarray, gy: np.ndarray, proba: np.ndarray, discretise: bool = False):
    """The class probabilities ``proba`` (C, G, G) over the grid as one trace: a heatmap of P(class 1)
    for two classes; else the most probable class's colour, fading to white where the model is unsure."""
    n_classes = proba.shape[0]
    if n_classes == 2:
        z = proba[1] if not discretise else (proba[1] > 0.5).astype(float)
        return fast.Heatmap(x=gx, y=gy, z=z, zmin=0, zmax=1, colorscale=DIVERGING, opacity=0.75,
                          colorbar=dict(title=dict(text="P(class 1)", side="right"), thickness=14),
                          hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>P(class 1)=%{z:.2f}<extra></extra>")
    cls = proba.argmax(0)
    conf = np.ones_like(proba[0]) if discretise else (proba.max(0) - 1 / n_classes) / (1 - 1 / n_classes)
    rgb = np.array([_hex_rgb(PALETTE[c % len(PALETTE)]) for c in range(n_classes)])[cls]  # (G, G, 3)
    img = 255 - (255 - rgb) * (0.65 * conf[..., None])
    return go.Image(z=img.astype(np.uint8), x0=gx[0], dx=gx[1] - gx[0], y0=gy[0], dy=gy[1] - gy[0], hoverinfo="skip")


def boundary_film(snap: dict[str, np.ndarray], film: dict[str, np.ndarray], class_names: Sequence[str], *,
                  height: int = 520) -> go.Figure:
    """The decision boundary over training: ``film['proba']`` (F, C, G, G) at ``film['step']`` on the
    latest picture's grid and training points, with a Play button and a step scrubber."""
    fig = decision_boundary({**snap, "proba": film["proba"][0]}, class_names, show_test=False, height=height)
    frames = [[probability_trace(snap["grid_x"], snap["grid_y"], p)] for p in film["proba"]]
    fig = animate(fig, frames, [0], [f"step {int(s):,}" for s in film["step"]], redraw=True)
    fig.update_layout(margin=dict(t=20, b=130), legend=dict(y=-0.3))
    return fig


def decision_boundary(
    snap: dict[str, np.ndarray],
    class_names: Sequence[str],
    *,
    show_test: bool = True,
    discretise: bool = False,
    height: int = 520,
) -> go.Figure:
    """The model's class probabilities over the plane, with the data points on top.

    Two classes: a heatmap of P(class 1) from orange (0) through white to blue (1).
    More classes: the most probable class's colour, fading to white where the model is unsure.
    ``discretise`` shows only the predicted class (the decision regions).
    """
    if "proba" not in snap:
        return empty_figure("No model yet", height)
    gx, gy, proba = snap["grid_x"], snap["grid_y"], snap["proba"]  # (G,), (G,), (C, G, G)
    fig = fast.Figure(layout=dict(height=height))
    n_classes = proba.shape[0]
    fig.add_trace(probability_trace(gx, gy, proba, discretise))
    parts = [("train", snap["X_train"], snap["Y_train"], "circle")]
    if show_test:
        parts.append(("test", snap["X_test"], snap["Y_test"], "circle-open"))
    for part, X, Y, symbol in parts:
        X, Y = thin(X, Y)
        for c in range(n_classes):
            pts = X[Y == c]
            if len(pts) == 0:
                continue
            fig.add_trace(fast.Scatter(
                x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"{legend_text(class_names[c])} ({part})",
                marker=dict(color=PALETTE[c % len(PALETTE)], symbol=symbol, size=8 if part == "train" else 9,
                            line=dict(color="white" if part == "train" else PALETTE[c % len(PALETTE)], width=1.5)),
            ))
    return relayout(fig, dict(xaxis=dict(title=dict(text="x₁"), range=[gx[0], gx[-1]], constrain="domain"),
                              yaxis=dict(title=dict(text="x₂"), range=[gy[0], gy[-1]], scaleanchor="x", scaleratio=1,
                                         constrain="domain"),
                              legend=dict(orientation="h", y=-0.12, yanchor="top", x=0), margin=dict(t=20)))


def unit_heatmaps(snap: dict[str, np.ndarray], layers: int = 2, max_units: int = 16, tile_px: int = 62) -> go.Figure | None:
    """What each unit of the first hidden layers computes over the plane, as one tiled heatmap.

    Row k shows layer k's units ``h^(k)_j(x)``, each scaled to its own largest magnitude
    (orange negative, blue positive). One heatmap with gaps is far cheaper than many subplots.
    """
    rows = [snap[f"units_{k}"][:max_units] for k in range(layers) if f"units_{k}" in snap]
    if not rows:
        return None
    g = rows[0].shape[-1]
    cols = max(len(r) for r in rows)
    gap = 3
    canvas = np.full((len(rows) * (g + gap), cols * (g + gap)), np.nan)
    for k, units in enumerate(rows):
        for j, z in enumerate(units):
            scale = float(np.abs(z).max()) or 1.0
            top = (len(rows) - 1 - k) * (g + gap)  # layer 1 on top (heatmap rows grow upwards)
            canvas[top:top + g, j * (g + gap):j * (g + gap) + g] = z / scale
    labels = [dict(x=-1, y=(len(rows) - 1 - k) * (g + gap) + g / 2, text=f"layer {k + 1}", showarrow=False,
                   xanchor="right", font=dict(size=13)) for k in range(len(rows))]
    return fast.Figure(fast.Heatmap(z=canvas, zmin=-1, zmax=1, colorscale=UNIT_SCALE, showscale=False, hoverinfo="skip"),
                     layout=dict(height=max(120, len(rows) * tile_px + 20), annotations=labels,
                                 xaxis=dict(visible=False, range=[-0.5 - 0.9 * g, canvas.shape[1]]),
                                 yaxis=dict(visible=False, scaleanchor="x", scaleratio=1),
                                 margin=dict(l=5, r=5, t=5, b=5)))


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def timeline(years: Sequence[int], titles: Sequence[str], details: Sequence[str], linked: Sequence[bool],
             height: int = 340, when: Sequence[str | None] | None = None) -> go.Figure:
    """The lecture's landmarks in order along a time axis, evenly spaced (their labels carry the years);
    linked ones (with a page) are drawn filled. The axis is dotted up to 2008, where the landmarks
    are decades apart. ``when`` overrides a landmark's year label (e.g. "1953–1990"). Labels
    alternate above and below the axis, and on each side between two heights, so they never overlap.
    """
    xs = list(range(len(years)))
    labels = [(w if w else str(y)) for y, w in zip(years, when or [None] * len(years))]
    ys = [(1 if i % 2 == 0 else -1) * (0.75 if (i // 2) % 2 == 0 else 1.45) for i in xs]
    fig = fast.Figure(layout=dict(height=height))
    for x, y in zip(xs, ys):
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=y, line=dict(color="#999", width=2))
    old = sum(y < 2008 for y in years)  # the landmarks are in order
    split = old - 0.5
    if old:
        fig.add_trace(fast.Scatter(x=[-0.5, split], y=[0, 0], mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(color="#444", width=3, dash="dot")))
    fig.add_trace(fast.Scatter(x=[max(split, -0.5), len(xs) - 0.5], y=[0, 0], mode="lines", hoverinfo="skip",
                             showlegend=False, line=dict(color="#444", width=3)))
    fig.add_trace(fast.Scatter(
        x=xs, y=ys, mode="markers+text", showlegend=False,
        text=[f"<b>{label}</b><br>{t}" for label, t in zip(labels, titles)],
        textposition=["top center" if y > 0 else "bottom center" for y in ys],
        customdata=xs, hovertext=list(details), hoverinfo="text",
        marker=dict(size=18, color=[PALETTE[1] if ok else "white" for ok in linked],
                    line=dict(color=PALETTE[1], width=3)),
        textfont=dict(size=14),
    ))
    fig.update_xaxes(visible=False, range=[-1.0, len(xs) - 0.2])
    fig.update_yaxes(visible=False, range=[-2.6, 2.6])
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), dragmode=False)
    return fig
