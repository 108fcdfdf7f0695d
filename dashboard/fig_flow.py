"""Figures of the flow-matching page: pure functions of a FlowTrainer snapshot (numpy arrays)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from dashboard.fig_samples import bounds_of, samples_figure, trajectories, vector_field
from dashboard.figures import empty_figure
from dashboard.theme import PALETTE

HEIGHT = 400
ENERGY_FLOOR = 1e-3


def flow_field_figure(snap: dict[str, np.ndarray], height: int = HEIGHT) -> go.Figure:
    """For mixtures the exact u_t (blue, setting the arrow scale), and the learned v_θ(t, ·) on top (orange)."""
    if "learned" not in snap:
        return empty_figure("No model yet", height)
    fields = [("exact u_t", snap["exact"])] if "exact" in snap else []
    fields.append(("learned v_θ", snap["learned"]))
    t = float(snap["t"])
    return vector_field(snap["grid"], fields, f"Velocity at t = {t:.2f}", data=snap.get("data"),
                        bounds=bounds_of(snap["grid"], margin=0.02), height=height)


def flow_paths_figure(snap: dict[str, np.ndarray], solver: str = "", height: int = HEIGHT) -> go.Figure:
    """Particles from φ₀ = π (green) to φ₁ ≈ p_data (orange)."""
    if "paths" not in snap:
        return empty_figure("Trajectories appear after the first measurement", height)
    nfe = int(snap.get("nfe", 0))
    title = f"Trajectories φ_t, {solver}, NFE {nfe}" if solver else "Trajectories φ_t"
    return trajectories(snap["paths"], title, data=snap.get("data"), height=height)


def flow_samples_figure(snap: dict[str, np.ndarray], height: int = HEIGHT) -> go.Figure:
    """Samples φ₁(x₀) against the data, mixture modes as crosses."""
    return samples_figure(snap.get("data"), snap.get("samples"), "Samples φ₁(x₀) vs data",
                          modes=snap.get("modes"), height=height)


def comparison_figure(snap: dict[str, np.ndarray], metric: str = "energy", height: int = 380,
                      waiting: str = "Press ▶ Play in this section to train both models") -> go.Figure:
    """Sample quality against network evaluations (log axis), one line per model; ``waiting`` is what the
    figure says before the first measurement."""
    nfe = snap.get("nfe_list")
    models: Sequence[tuple[str, str]] = (("flow matching (Euler)", "flow"), ("diffusion (DDIM)", "ddim"),
                                         ("diffusion (DDPM)", "ddpm"))
    present = [(label, key) for label, key in models if f"{key}_{metric}" in snap]
    if nfe is None or not present:
        return empty_figure(waiting, height)
    labels = {"energy": "energy distance", "high_quality": "high-quality share"}
    fig = go.Figure(layout=dict(height=height,
                                title=f"Sample quality against network evaluations (step {int(snap['step'])})"))
    for (label, key), colour in zip(present, (PALETTE[1], PALETTE[4], PALETTE[3])):
        y = np.asarray(snap[f"{key}_{metric}"], dtype=float)
        if metric == "energy":
            y = np.maximum(y, ENERGY_FLOOR)  # a log axis cannot show the 0 of "like the data"
        fig.add_trace(go.Scatter(x=nfe, y=y, name=label, mode="lines+markers", line=dict(color=colour, width=3)))
    fig.update_xaxes(title="network evaluations (NFE) per sample", type="log", tickvals=list(nfe),
                     ticktext=[f"{n:g}" for n in nfe], minor=dict(showgrid=False, ticks=""))
    fig.update_yaxes(title=labels.get(metric, metric))
    if metric == "energy":  # decades only; 1 = as far as Gaussian noise, 0.001 = the floor
        fig.update_yaxes(type="log", dtick=1, exponentformat="power")
    if metric == "high_quality":
        fig.update_yaxes(range=[0, 1.02])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return fig
