"""Figure builders for the energy page: the normalised density p_θ on its grid, and the grid's cost in d."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.energy import IMAGE_DIMS, grid_cells
from dashboard.fig_samples import REAL_COLOUR, square_layout  # (it loads dashboard.theme: the template)

DENSITY_SCALE = [[0.0, "#ffffff"], [0.03, "#deebf7"], [0.15, "#6baed6"], [0.5, "#2171b5"], [1.0, "#08306b"]]  # low densities visible
ATOMS_LOG10 = 80  # atoms in the observable universe, about 10^80


def density_figure(gx: np.ndarray, gy: np.ndarray, density: np.ndarray, data: np.ndarray | None, title: str,
                   height: int = 460) -> go.Figure:
    """p_θ on the quadrature grid (one cell per pixel), with the data on top."""
    fig = go.Figure(layout=dict(title=title))
    fig.add_trace(go.Heatmap(x=gx, y=gy, z=density, colorscale=DENSITY_SCALE, zmin=0,
                             colorbar=dict(title=dict(text="p_θ(x)", side="right"), thickness=12),
                             hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>p_θ=%{z:.3g}<extra></extra>"))
    if data is not None and len(data):
        d = np.asarray(data)[:600]
        fig.add_trace(go.Scatter(x=d[:, 0], y=d[:, 1], mode="markers", name="data",
                                   marker=dict(size=3, color=REAL_COLOUR, opacity=0.5)))
    half_x, half_y = (gx[1] - gx[0]) / 2, (gy[1] - gy[0]) / 2
    return square_layout(fig, (gx[0] - half_x, gx[-1] + half_x, gy[0] - half_y, gy[-1] + half_y), height)


def grid_cost_figure(per_axis: int, cells_per_s: float, height: int = 380) -> go.Figure:
    """log10 of the cells G^d against d (log x axis), with this page's grid and image sizes marked."""
    d = np.unique(np.round(np.logspace(0, np.log10(3072), 80)).astype(int))
    y = grid_cells(d, per_axis)
    fig = go.Figure(layout=dict(height=height,
                                title=f"Cells of a grid with {per_axis} points per axis: {per_axis}^d"))
    fig.add_trace(go.Scatter(x=d, y=y, mode="lines", name=f"{per_axis}^d cells", line=dict(color="#0072B2", width=3)))
    names, dims = list(IMAGE_DIMS), np.array(list(IMAGE_DIMS.values()))
    fig.add_trace(go.Scatter(x=dims, y=grid_cells(dims, per_axis), mode="markers+text", name="examples",
                             text=[f"{n}: 10^{v:,.0f}" for n, v in zip(names, grid_cells(dims, per_axis))],
                             textposition="top left", marker=dict(size=12, color="#D55E00"), showlegend=False))
    fig.add_hline(y=ATOMS_LOG10, line=dict(color="#666", dash="dash"),
                  annotation_text="atoms in the universe ≈ 10^80", annotation_position="bottom right")
    if cells_per_s > 0:
        year = np.log10(cells_per_s * 3.15e7)
        fig.add_hline(y=year, line=dict(color="#009E73", dash="dot"),
                      annotation_text=f"cells this server evaluates in a year ≈ 10^{year:.0f}",
                      annotation_position="top right")
    fig.update_xaxes(title="dimension d", type="log")
    fig.update_yaxes(title="log₁₀(cells)")
    fig.update_layout(showlegend=False)
    return fig
