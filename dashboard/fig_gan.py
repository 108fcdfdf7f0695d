"""Figure builders of the GAN pages: the game on the plane (D's heatmap, data, samples, arrows),
the generator's manifold, and digit sample grids. Pure functions of a GanTrainer snapshot."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from dashboard import fastfig as fast
from dashboard.fig_samples import FAKE_COLOUR, REAL_COLOUR, arrows, bounds_of, field_scale, square_figure
from dashboard.figures import curves, empty_figure, share_of, tile
from dashboard.relayout import hline, relayout, side_by_side
from dashboard.theme import DIVERGING, PALETTE

ARROW_COLOUR = "#000000"
GREYS = get_colorscale("Greys")  # as a list: what plotly's check makes of the name (dashboard/fastfig.py)


def game_figure(snap: dict[str, np.ndarray], title: str, *, probability: bool = True,
                modes: np.ndarray | None = None, show_heat: bool = True, show_arrows: bool = True,
                height: int = 470) -> go.Figure:
    """D's output over the plane beneath the data (grey) and G's samples (orange), with the arrows
    −∇ₓ L_G that G's next update follows. ``probability``: D(x) in [0, 1] (else a raw score). With
    ``snap["accepted"]`` (DRS) the points rejected are drawn faint."""
    if "fake" not in snap:
        return empty_figure("No model yet", height)
    traces = []  # the figure is built at once, its layout with it (dashboard/fig_samples.py: square_figure)
    box = None
    if "d_grid" in snap:
        gx, gy = snap["grid_x"], snap["grid_y"]
        box = (gx[0], gx[-1], gy[0], gy[-1])
        if show_heat:
            z = snap["d_grid"]
            rng = dict(zmin=0.0, zmax=1.0) if probability else dict(zmid=float(np.median(z)))
            name = "D(x)" if probability else "D(x) score"
            traces.append(fast.Heatmap(x=gx, y=gy, z=z, colorscale=DIVERGING, opacity=0.6, **rng,
                                     colorbar=dict(title=dict(text=name, side="right"), thickness=12),
                                     hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>" + name + "=%{z:.2f}<extra></extra>"))
    real, fake = snap["real"], snap["fake"]
    traces.append(fast.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name="data",
                               marker=dict(size=4, color=REAL_COLOUR, opacity=0.6)))
    accepted = snap.get("accepted")
    if accepted is None:
        traces.append(fast.Scatter(x=fake[:, 0], y=fake[:, 1], mode="markers", name="G(z)",
                                 marker=dict(size=4, color=FAKE_COLOUR, opacity=0.8)))
    else:  # Discriminator Rejection Sampling: the kept points as G's, the rejected ones faint
        kept, out = fake[accepted], fake[~accepted]
        traces.append(fast.Scatter(x=out[:, 0], y=out[:, 1], mode="markers", name="G(z) rejected",
                                 marker=dict(size=3, color=FAKE_COLOUR, opacity=0.15)))
        traces.append(fast.Scatter(x=kept[:, 0], y=kept[:, 1], mode="markers", name="G(z) kept by DRS",
                                 marker=dict(size=4, color=FAKE_COLOUR, opacity=0.9)))
    if show_arrows and "arrow" in snap and len(snap["arrow"]):
        b = box or bounds_of(real)
        scale = field_scale(snap["arrow"], 0.06 * (b[1] - b[0]))
        traces.append(arrows(snap["arrow_from"], snap["arrow"], scale, ARROW_COLOUR, "−∇ₓ L_G"))
    if modes is not None:
        traces.append(fast.Scatter(x=modes[:, 0], y=modes[:, 1], mode="markers", name="modes", hoverinfo="skip",
                                 marker=dict(symbol="x-thin", size=10, line=dict(width=2, color="#000"))))
    return square_figure(traces, title, box or bounds_of(real, fake), height, constrain=True)


def manifold_figure(snap: dict[str, np.ndarray], title: str, *, height: int = 330) -> go.Figure:
    """The image under G of a line (1D noise) or a mesh (2D noise): how G folds the noise space."""
    if "manifold" not in snap:
        return empty_figure("The manifold is drawn for 1D or 2D noise,<br>not for noise in clusters", height)
    m = np.asarray(snap["manifold"], float)  # (rows, cols, 2)
    nan = np.full((1, 2), np.nan)
    segs = [np.concatenate([row, nan]) for row in m]  # lines of constant z₁
    if m.shape[0] > 1:
        segs += [np.concatenate([col, nan]) for col in m.transpose(1, 0, 2)]  # constant z₂
    seg = np.concatenate(segs)
    traces = []
    real = snap.get("real")
    if real is not None:
        traces.append(fast.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name="data",
                                   marker=dict(size=3, color=REAL_COLOUR, opacity=0.4)))
    traces.append(fast.Scatter(x=seg[:, 0], y=seg[:, 1], mode="lines", name="G(noise grid)", hoverinfo="skip",
                               line=dict(color=PALETTE[1], width=1.2)))
    box = (snap["grid_x"][0], snap["grid_x"][-1], snap["grid_y"][0], snap["grid_y"][-1]) if "grid_x" in snap else None
    return square_figure(traces, title, box or bounds_of(real, m.reshape(-1, 2)), height)


def digit_grid(images: np.ndarray, title: str, *, cols: int = 6, height: int = 330,
               labels: list[str] | None = None) -> go.Figure:
    """(n, 64) images in load_digits units (0..16) tiled in a grid, dark ink on white."""
    images = np.asarray(images, float).reshape(-1, 8, 8)
    if not len(images):
        return empty_figure("No samples yet", height)
    canvas = tile(images, cols, flip=False)  # the y axis is reversed below
    fig = fast.Figure(fast.Heatmap(z=canvas, zmin=0, zmax=16, colorscale=GREYS, showscale=False, hoverinfo="skip"),
                    layout=dict(title=dict(text=title)))
    if labels:
        for i, text in enumerate(labels[:len(images)]):
            r, c = divmod(i, cols)
            fig.add_annotation(x=c * 9 + 7.4, y=r * 9 + 0.3, text=text, showarrow=False,
                               font=dict(size=11, color=PALETTE[4]), xanchor="right", yanchor="top")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1)
    fig.update_layout(height=height, margin=dict(l=5, r=5, t=40, b=5))
    return fig


def class_bars(counts, title: str, *, height: int = 220) -> go.Figure:
    """(10,) counts of confidently recognised samples per digit class."""
    if counts is None or not len(counts):
        return empty_figure("No samples yet", height)
    fig = fast.Figure(go.Bar(x=[str(c) for c in range(len(counts))], y=np.asarray(counts, float),
                           marker_color=PALETTE[1]), layout=dict(title=dict(text=title)))
    fig.update_xaxes(title=dict(text="class"), type="category")
    fig.update_yaxes(title=dict(text="samples"))
    fig.update_layout(height=height, margin=dict(l=45, r=10, t=40, b=40))
    return fig


def optimum_figure(snap: dict[str, np.ndarray], title: str, *, probability: bool = True,
                   modes: np.ndarray | None = None, height: int = 330) -> go.Figure:
    """The learned D_φ (left, when it is a probability) beside the optimal D* = p_data / (p_data + p_g)
    for the current G (right), on the same grid and colour scale, with the target's modes."""
    if "d_star" not in snap:
        return empty_figure("D* is drawn for 2D targets", height)
    gx, gy = snap["grid_x"], snap["grid_y"]
    panels = ([("learned D_φ(x)", snap["d_grid"])] if probability else []) + [("optimal D*(x)", snap["d_star"])]
    lay, axes = side_by_side([p[0] for p in panels])
    traces = []
    for col, ((name, z), (xa, ya)) in enumerate(zip(panels, axes), start=1):
        traces.append(fast.Heatmap(x=gx, y=gy, z=z, colorscale=DIVERGING, zmin=0.0, zmax=1.0, showscale=col == 1,
                                 colorbar=dict(thickness=10, len=0.9), name=name, xaxis=xa, yaxis=ya,
                                 hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>" + name + "=%{z:.2f}<extra></extra>"))
        if modes is not None:
            traces.append(fast.Scatter(x=modes[:, 0], y=modes[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                                     xaxis=xa, yaxis=ya,
                                     marker=dict(symbol="x-thin", size=8, line=dict(width=1.5, color="#000"))))
        lay["xaxis" + xa[1:]].update(range=[gx[0], gx[-1]], constrain="domain")
        lay["yaxis" + ya[1:]].update(range=[gy[0], gy[-1]], scaleanchor=xa, scaleratio=1, constrain="domain")
    return fast.Figure(data=traces, layout=dict(lay, height=height, title=dict(text=title),
                                              margin=dict(l=10, r=10, t=60, b=10)))


def live_figures(snap: dict, history: dict[str, np.ndarray], *, kept: dict | None = None, show_heat: bool = True,
                 show_arrows: bool = True) -> dict[str, go.Figure]:
    """The GAN page's live figures from one snapshot and metric history, by chart key: the game, the manifold,
    the losses, the coverage (or the distance to the data), and for 2D targets D against D* and the JSD.
    What pages/gan.py draws at each poll, and what bench/bench_runner.py times; ``kept``: a kept run's history."""
    modes = snap.get("modes")
    loss = snap.get("loss")
    figs = {
        "game": game_figure(snap, "Data, G(z), and D's output", probability=loss in ("nonsat", "minimax"),
                            modes=modes, show_heat=show_heat, show_arrows=show_arrows),
        "manifold": manifold_figure(snap, "Manifold: G applied to a grid of noise"),
        "losses": curves(history, [("D loss", "d_loss"), ("G loss", "g_loss")], "D and G losses", "loss",
                         height=280, reference=kept),
    }
    if modes is not None and "modes_captured" in history:
        shares, kept_share = (share_of(h, "modes_captured", len(modes), "modes_share") for h in (history, kept))
        after = [("high quality after DRS", "drs_high_quality")] if "drs_high_quality" in shares else []
        figs["coverage"] = curves(shares, [("modes captured (share)", "modes_share"),
                                           ("high-quality samples", "high_quality"), *after],
                                  "Mode coverage", "share", y_range=(0, 1.02), height=280, reference=kept_share)
    else:
        figs["coverage"] = curves(history, [("energy distance", "energy")], "Distance to the data",
                                  "normalised energy", height=280, reference=kept)
    if "d_star" in snap:
        figs["optimum"] = optimum_figure(snap, "What D should be, for this G", modes=modes,
                                         probability=loss in ("nonsat", "minimax", "lsgan"))
        series = [("JSD(p_data ‖ p_g) on the grid", "jsd")]
        if loss in ("nonsat", "minimax") and "d_loss" in history:
            # D's loss is −V(G, D_φ) on a batch: (V + log 4) / 2 is the JSD if D_φ were D*
            history = dict(history, jsd_from_loss=(np.log(4.0) - np.asarray(history["d_loss"], float)) / 2)
            series.append(("(log 4 − L_D) / 2 from D_φ", "jsd_from_loss"))
        fig = curves(history, series, "Jensen–Shannon divergence", "nats", y_range=(-0.05, 0.75), height=330)
        line, note = hline(np.log(2.0), "log 2 (disjoint)")
        figs["jsd"] = relayout(fig, dict(legend=dict(orientation="h", y=-0.42, yanchor="top", x=0, xanchor="left"),
                                         margin=dict(b=100), shapes=[line], annotations=[note]))
    return figs
