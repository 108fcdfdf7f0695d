"""Figure builders for 2D generative models: samples against data, vector fields, trajectories.

Pure functions (arrays in, plotly figure out), shared by the GAN, VAE, score, diffusion and flow
pages so that every model's samples look the same and can be compared at a glance.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard import fastfig as fast
from dashboard.legends import legend_below
from dashboard.relayout import merged, relayout
from dashboard.theme import PALETTE

REAL_COLOUR, FAKE_COLOUR = "#999999", "#D55E00"


def square_layout(fig: go.Figure, bounds: tuple[float, float, float, float] | None, height: int, *,
                  constrain: bool = False) -> go.Figure:
    """Equal axes over ``bounds`` = (xmin, xmax, ymin, ymax), legend under the plot; ``constrain``: the
    plot area shrinks to the square (plotly's ``constrain="domain"``) instead of the ranges growing."""
    return relayout(fig, square(bounds, height, constrain=constrain))


def square(bounds: tuple[float, float, float, float] | None, height: int, *, constrain: bool = False) -> dict:
    """:func:`square_layout`'s settings as a layout dict, for a figure built with its layout at once (a
    second layout costs plotly as much to take as the first: dashboard/relayout.py)."""
    xaxis: dict = dict(constrain="domain") if constrain else {}
    yaxis: dict = dict(scaleanchor="x", scaleratio=1, **xaxis)
    if bounds is not None:
        xaxis["range"], yaxis["range"] = [bounds[0], bounds[1]], [bounds[2], bounds[3]]
    return dict(height=height, margin=dict(l=40, r=10, t=45, b=70),  # legend under the plot
                legend=dict(orientation="h", y=-0.14, yanchor="top", x=0, xanchor="left"), xaxis=xaxis, yaxis=yaxis)


def square_figure(traces: list, title: str, bounds: tuple[float, float, float, float] | None, height: int, *,
                  constrain: bool = False, layout: dict | None = None) -> go.Figure:
    """A live figure of ``traces`` with :func:`square`'s layout and ``title`` (and ``layout`` merged over them:
    axis titles, a legend of its own), given at once (not laid out again after, as :func:`square_layout` does:
    that second layout cost as much as the first)."""
    own = dict(square(bounds, height, constrain=constrain), title=dict(text=title))
    return fast.Figure(data=traces, layout=merged(own, layout) if layout else own)


def bounds_of(*clouds: np.ndarray, margin: float = 0.15, cap: float = 1e3) -> tuple[float, float, float, float]:
    """A square box around the finite points of ``clouds`` (data first), clipped to ±cap."""
    pts = [np.asarray(c, dtype=float).reshape(-1, 2) for c in clouds if c is not None and len(c)]
    pts = [p[np.isfinite(p).all(1)] for p in pts]
    pts = np.concatenate(pts) if pts else np.zeros((0, 2))
    if not len(pts):
        return (-3.0, 3.0, -3.0, 3.0)
    lo, hi = np.clip(np.percentile(pts, 0.5, axis=0), -cap, cap), np.clip(np.percentile(pts, 99.5, axis=0), -cap, cap)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-3) * (1 + margin)
    return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def samples_figure(real: np.ndarray | None, fake: np.ndarray | None, title: str, *,
                   fake_name: str = "generated", modes: np.ndarray | None = None,
                   bounds: tuple[float, float, float, float] | None = None, height: int = 420,
                   max_points: int = 1500) -> go.Figure:
    """Data (grey) and samples (orange) in one square plot; mixture modes as crosses."""
    traces = []
    if real is not None and len(real):
        r = np.asarray(real)[:max_points]
        traces.append(fast.Scatter(x=r[:, 0], y=r[:, 1], mode="markers", name="data",
                                   marker=dict(size=4, color=REAL_COLOUR, opacity=0.5)))
    if fake is not None and len(fake):
        f = np.asarray(fake)[:max_points]
        traces.append(fast.Scatter(x=f[:, 0], y=f[:, 1], mode="markers", name=fake_name,
                                   marker=dict(size=4, color=FAKE_COLOUR, opacity=0.7)))
    if modes is not None:
        traces.append(fast.Scatter(x=modes[:, 0], y=modes[:, 1], mode="markers", name="modes",
                                   marker=dict(symbol="x-thin", size=12, line=dict(width=2, color="#000"))))
    return square_figure(traces, title, bounds or bounds_of(real, fake), height)


def arrows(x: np.ndarray, v: np.ndarray, scale: float, colour: str = "#0072B2", name: str = "field",
           head: float = 0.3) -> go.Scatter:
    """One line trace drawing an arrow from each x (n, 2) along v (n, 2)·scale (fast: no shapes)."""
    x, v = np.asarray(x, float), np.asarray(v, float) * scale
    end = x + v
    left = end - head * (v + 0.5 * v[:, ::-1] * [1, -1])
    right = end - head * (v - 0.5 * v[:, ::-1] * [1, -1])
    nan = np.full_like(x, np.nan)
    seg = np.stack([x, end, nan, left, end, right, nan], 1).reshape(-1, 2)
    return fast.Scatter(x=seg[:, 0], y=seg[:, 1], mode="lines", name=name, hoverinfo="skip",
                      line=dict(color=colour, width=1.6))


def field_scale(v: np.ndarray, spacing: float) -> float:
    """Arrow scale so that the longest typical arrow spans about one grid spacing."""
    norms = np.linalg.norm(np.asarray(v, float), axis=1)
    norms = norms[np.isfinite(norms)]
    top = float(np.percentile(norms, 95)) if len(norms) else 0.0
    return 0.9 * spacing / top if top > 0 else 0.0


def vector_field(points: np.ndarray, vectors: Sequence[tuple[str, np.ndarray]], title: str, *,
                 data: np.ndarray | None = None, bounds: tuple[float, float, float, float] | None = None,
                 spacing: float | None = None, height: int = 420) -> go.Figure:
    """Arrows of each named field at the grid ``points`` (n, 2), over the data in grey.

    All fields share one scale (the first field's), so the learned and exact fields compare.
    """
    traces = []
    if data is not None and len(data):
        d = np.asarray(data)[:1000]
        traces.append(fast.Scatter(x=d[:, 0], y=d[:, 1], mode="markers", name="data",
                                   marker=dict(size=3, color=REAL_COLOUR, opacity=0.4)))
    pts = np.asarray(points, float)
    if spacing is None:
        spacing = float(np.ptp(pts[:, 0])) / max(np.sqrt(len(pts)) - 1, 1)
    scale = field_scale(vectors[0][1], spacing) if vectors else 0.0
    for (name, v), colour in zip(vectors, ("#0072B2", "#D55E00", "#009E73")):
        traces.append(arrows(pts, np.nan_to_num(np.asarray(v, float)), scale, colour, name))
    return square_figure(traces, title, bounds or bounds_of(pts), height)


def trajectories(paths: np.ndarray, title: str, *, data: np.ndarray | None = None,
                 bounds: tuple[float, float, float, float] | None = None, height: int = 420) -> go.Figure:
    """Paths (steps, n, 2) of a few particles from start (small dots) to end (large dots)."""
    paths = np.asarray(paths, float)
    traces = []
    if data is not None and len(data):
        d = np.asarray(data)[:1000]
        traces.append(fast.Scatter(x=d[:, 0], y=d[:, 1], mode="markers", name="data",
                                   marker=dict(size=3, color=REAL_COLOUR, opacity=0.35)))
    if paths.ndim == 3 and paths.shape[0]:
        nan = np.full((1, paths.shape[1], 2), np.nan)
        seg = np.concatenate([paths, nan]).transpose(1, 0, 2).reshape(-1, 2)
        traces.append(fast.Scatter(x=seg[:, 0], y=seg[:, 1], mode="lines", name="paths", hoverinfo="skip",
                                   line=dict(color=PALETTE[1], width=1.2), opacity=0.6))
        traces.append(fast.Scatter(x=paths[0, :, 0], y=paths[0, :, 1], mode="markers", name="start",
                                   marker=dict(size=4, color=PALETTE[2])))
        traces.append(fast.Scatter(x=paths[-1, :, 0], y=paths[-1, :, 1], mode="markers", name="end",
                                   marker=dict(size=6, color=FAKE_COLOUR)))
    return square_figure(traces, title, bounds or bounds_of(data, paths.reshape(-1, 2) if paths.size else None),
                         height)


def animate(fig: go.Figure, frames: Sequence[list], traces: list[int], names: Sequence[str], *,
            frame_ms: int = 120, redraw: bool = False) -> go.Figure:
    """Give ``fig`` frames that replace its ``traces`` (each frame a list of traces, one per index), a
    Play/pause button and a scrubber labelled ``names``: the animation runs in the browser, costing the
    server nothing more. ``redraw`` for traces Plotly cannot morph (heatmaps, images)."""
    fig.frames = [go.Frame(data=data, traces=traces, name=n) for data, n in zip(frames, names)]
    step_args = dict(mode="immediate", frame=dict(duration=0, redraw=redraw), transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=-0.08, xanchor="left", yanchor="top",
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, dict(frame=dict(duration=frame_ms, redraw=redraw),
                                                         transition=dict(duration=0), fromcurrent=True)]),
                                   dict(label="❚❚", method="animate", args=[[None], step_args])])],
        sliders=[dict(active=0, x=0.12, len=0.88, y=-0.04, currentvalue=dict(prefix=""),
                      steps=[dict(label=n, method="animate", args=[[n], step_args]) for n in names])],
    )
    return fig


def replay_figure(replay: dict, title: str, *, height: int = 460, frame_ms: int = 120,
                  time_format: str = ".3g") -> go.Figure:
    """A cloud of points over time as a Plotly animation with a Play button and a time scrubber:
    a sampler's from noise to data (``replay`` from ``core/replay.frames``), or a generator's over
    training (``training_film``). ``replay``: frames (F, n, 2), times (F,), time_label, optional data."""
    frames, times, label = replay["frames"], replay["times"], replay["time_label"]
    data = replay.get("data")
    fig = fast.Figure()
    if data is not None and len(data):
        fig.add_trace(fast.Scatter(x=data[:, 0], y=data[:, 1], mode="markers", name="data",
                                 marker=dict(size=4, color="#999999", opacity=0.35)))
    fig.add_trace(fast.Scatter(x=frames[0][:, 0], y=frames[0][:, 1], mode="markers", name="samples",
                             marker=dict(size=5, color=PALETTE[0], opacity=0.8)))
    moving = len(fig.data) - 1  # only the samples change from frame to frame
    names = [f"{label} = {t:{time_format}}" for t in times]
    fig = animate(fig, [[fast.Scatter(x=f[:, 0], y=f[:, 1])] for f in frames], [moving], names, frame_ms=frame_ms)
    fig = square_layout(fig, bounds_of(*frames, *([data] if data is not None else [])), height)
    fig.update_layout(title=dict(text=title), margin=dict(b=110))
    return fig


def training_film(film: dict, key: str, data: np.ndarray | None, title: str, *, height: int = 460) -> go.Figure:
    """A model's samples over its training (``film[key]`` (F, n, 2) at ``film['step']``), on the data."""
    return replay_figure({"frames": film[key], "times": film["step"], "time_label": "step", "data": data},
                         title, height=height, time_format=",d")


def mode_share_bars(shares: Sequence[tuple[str, np.ndarray]], true: np.ndarray, title: str, *,
                    mode_names: Sequence[str] | None = None, height: int = 300) -> go.Figure:
    """Grouped bars: each sampler's share of samples in each mode, beside the true weights."""
    true = np.asarray(true, float)
    names = list(mode_names or [f"mode {k + 1}" for k in range(len(true))])
    fig = fast.Figure(layout=dict(title=dict(text=title)))
    for (label, share), colour in zip([("true weights π", true), *shares], ["#000000", *PALETTE]):
        share = np.asarray(share, float)
        fig.add_trace(go.Bar(x=names, y=share, name=label, marker_color=colour, text=[f"{v:.2f}" for v in share],
                             textposition="outside", cliponaxis=False))
    fig.update_yaxes(title=dict(text="share of samples"), range=[0, 1.12])
    fig.update_layout(height=height, barmode="group", margin=dict(l=55, r=10, t=45))
    return legend_below(fig, axis_px=35)  # the modes' names under the bars, no axis title
