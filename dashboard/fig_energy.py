"""Figure builders for the energy page: the normalised density p_θ on its grid, and the grid's cost in d."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.energy import IMAGE_DIMS, grid_cells
from dashboard import fastfig as fast
from dashboard.fig_samples import REAL_COLOUR, square_figure  # (it loads dashboard.theme: the template)

DENSITY_SCALE = [[0.0, "#ffffff"], [0.03, "#deebf7"], [0.15, "#6baed6"], [0.5, "#2171b5"], [1.0, "#08306b"]]  # low densities visible
ATOMS_LOG10 = 80  # atoms in the observable universe, about 10^80


def density_figure(gx: np.ndarray, gy: np.ndarray, density: np.ndarray, data: np.ndarray | None, title: str,
                   height: int = 460) -> go.Figure:
    """p_θ on the quadrature grid (one cell per pixel), with the data on top; a live figure, built with
    fastfig and its layout at once."""
    traces = [fast.Heatmap(x=gx, y=gy, z=density, colorscale=DENSITY_SCALE, zmin=0,
                           colorbar=dict(title=dict(text="p_θ(x)", side="right"), thickness=12),
                           hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>p_θ=%{z:.3g}<extra></extra>")]
    if data is not None and len(data):
        d = np.asarray(data)[:600]
        traces.append(fast.Scatter(x=d[:, 0], y=d[:, 1], mode="markers", name="data",
                                   marker=dict(size=3, color=REAL_COLOUR, opacity=0.5)))
    half_x, half_y = (gx[1] - gx[0]) / 2, (gy[1] - gy[0]) / 2
    return square_figure(traces, title, (gx[0] - half_x, gx[-1] + half_x, gy[0] - half_y, gy[-1] + half_y), height)


def grid_cost_figure(per_axis: int, cells_per_s: float, height: int = 380) -> go.Figure:
    """log10 of the cells G^d against d (log x axis), with this page's grid and image sizes marked.

    Every label stays inside the plot area at any width: a point's label runs towards the middle of the
    x axis (right of the points in its left half, left of those in its right half; the top one beside its
    point, under the top of the y range), and the two reference lines are named in a legend in the empty
    top-left corner rather than by labels on the lines, which ran into the points' labels near y = 0."""
    d = np.unique(np.round(np.logspace(0, np.log10(3072), 80)).astype(int))
    y = grid_cells(d, per_axis)
    fig = go.Figure(layout=dict(height=height,
                                title=f"Cells of a grid with {per_axis} points per axis: {per_axis}^d"))
    fig.add_trace(go.Scatter(x=d, y=y, mode="lines", name=f"{per_axis}^d cells", line=dict(color="#0072B2", width=3),
                             showlegend=False))
    names, dims = list(IMAGE_DIMS), np.array(list(IMAGE_DIMS.values()))
    log_d, span = np.log10(dims), np.log10(d[-1])
    place = ["top right" if x < span / 3 else "top center" if x < span * 2 / 3 else "top left" for x in log_d]
    place[int(np.argmax(dims))] = "middle left"  # the highest point: its label beside it, not above the range
    fig.add_trace(go.Scatter(x=dims, y=grid_cells(dims, per_axis), mode="markers+text", name="examples",
                             text=[f"{n}: 10^{v:,.0f}" for n, v in zip(names, grid_cells(dims, per_axis))],
                             textposition=place, marker=dict(size=12, color="#D55E00"), showlegend=False))
    lines = [(ATOMS_LOG10, "atoms in the universe ≈ 10^80", dict(color="#666", dash="dash"))]
    if cells_per_s > 0:
        year = np.log10(cells_per_s * 3.15e7)
        lines.append((year, f"cells this server evaluates in a year ≈ 10^{year:.0f}", dict(color="#009E73", dash="dot")))
    for level, name, line in lines:
        fig.add_trace(go.Scatter(x=[d[0], d[-1]], y=[level, level], mode="lines", name=name, line=dict(width=2, **line),
                                 hoverinfo="name"))
    top = float(y.max())
    fig.update_xaxes(title="dimension d", type="log")
    fig.update_yaxes(title="log₁₀(cells)", range=[-0.04 * top, 1.06 * top])
    fig.update_layout(showlegend=True, legend=dict(x=0.01, y=0.99, xanchor="left", yanchor="top"))
    return fig
