"""Figures of the arena (core/arena.py): every family's samples on the same axes, the leaderboard, and
quality against budget. Pure: a snapshot's plain data in, a plotly figure or a pandas table out."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.fig_samples import FAKE_COLOUR, REAL_COLOUR, bounds_of
from dashboard.figures import empty_figure, kept_trace
from dashboard.theme import PALETTE

COLS = 4  # small multiples per row: 7 families and the held-out data make two rows
METRICS = {  # metric -> (axis title, lower is better)
    "energy": ("energy distance (0 = data, 1 = noise)", True),
    "high_quality": ("high-quality share", False),
    "modes_captured": ("modes captured", False),
    "reverse_kl": ("reverse KL over modes", True),
}
STATE_WORDS = {"training": "", "done": "", "diverged": " (diverged)", "failed": " (failed)"}


def _panel_title(row: dict[str, Any]) -> str:
    words = STATE_WORDS.get(row.get("state", ""), "")
    if row.get("energy") is None:
        return f"{row['label']}{words}"
    score = f"E = {row['energy']:.2f}"
    if row.get("modes_captured") is not None:
        score += f" · {row['modes_captured']}/{row['n_modes']} modes"
    return f"{row['label']}{words}<br>{score}"  # the score at the title's size: <sup> drew it 7 px high


TITLE_SIZE = 13  # the panels' titles (both lines), normal mode; the page passes a larger one in presenter mode
LINE_PX = 1.3  # a title's line height, in font sizes


def arena_samples(snap: dict[str, Any], *, height: int = 420, marker: int = 3, title_size: int = TITLE_SIZE) -> go.Figure:
    """Small multiples: each family's samples (orange) over the held-out data (faint grey), on the same
    square axes, and a last panel of the held-out data alone; mixture modes as crosses. Each panel's title
    (two lines: the family, its score) is ``title_size`` px, with room for both lines above the panel."""
    rows_data = snap.get("rows") or []
    if not rows_data:
        return empty_figure("Press ▶ Play to start the arena", height)
    ref, samples, modes = snap.get("reference"), snap.get("samples", {}), snap.get("modes")
    n = len(rows_data) + 1
    n_rows = -(-n // COLS)
    titles = [_panel_title(r) for r in rows_data] + ["Held-out data"]
    top, bottom = max(40, round(2 * LINE_PX * title_size) + 6), 30  # the first row's titles in the top margin
    gap = 2 * LINE_PX * title_size + 8  # pixels between two rows: the lower row's two-line titles
    fig = make_subplots(rows=n_rows, cols=COLS, subplot_titles=titles, shared_xaxes="all", shared_yaxes="all",
                        horizontal_spacing=0.015,
                        vertical_spacing=min(0.3, gap / max(height - top - bottom, 1)) if n_rows > 1 else 0.0)
    bounds = bounds_of(ref)
    for i, row in enumerate([*rows_data, None]):
        r, c = divmod(i, COLS)
        where = dict(row=r + 1, col=c + 1)
        if ref is not None and len(ref):
            fig.add_trace(go.Scattergl(x=ref[:, 0], y=ref[:, 1], mode="markers", name="held-out data",
                                       legendgroup="data", showlegend=i == 0, hoverinfo="skip",
                                       marker=dict(size=marker, color=REAL_COLOUR,
                                                   opacity=0.6 if row is None else 0.18)), **where)
        x = samples.get(row["family"]) if row is not None else None
        if x is not None and len(x):
            fig.add_trace(go.Scattergl(x=x[:, 0], y=x[:, 1], mode="markers", name="samples", legendgroup="samples",
                                       showlegend="samples" not in {t.name for t in fig.data}, hoverinfo="skip",
                                       marker=dict(size=marker, color=FAKE_COLOUR, opacity=0.6)), **where)
        if modes is not None:
            fig.add_trace(go.Scattergl(x=modes[:, 0], y=modes[:, 1], mode="markers", name="modes", legendgroup="modes",
                                       showlegend=i == 0, hoverinfo="skip",
                                       marker=dict(symbol="x-thin", size=8, line=dict(width=1.5, color="#000"))),
                          **where)
    fig.update_layout(height=height, margin=dict(l=16, r=16, t=top, b=bottom),  # l, r: room for a long title
                      legend=dict(orientation="h", y=-0.01, yanchor="top", x=0.5, xanchor="center",
                                  font=dict(size=13)))
    fig.update_xaxes(range=[bounds[0], bounds[1]], showticklabels=False, ticks="")
    fig.update_yaxes(range=[bounds[2], bounds[3]], showticklabels=False, ticks="")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig.update_annotations(font_size=title_size)  # the panels' titles
    return fig


SHORT = {"gmm": "Mixture (EM)", "energy": "Energy (Langevin)", "gan": "GAN", "vae": "VAE",
         "score": "Score (Langevin)", "ddpm": "Diffusion (DDPM)", "flow": "Flow matching"}  # the table's names
COLUMNS = {  # the table's short headers -> what they mean (the page shows these as the headers' help)
    "family": "The generative family and its sampler; marked when it diverged or failed (it stops, the others go on)",
    "modes": "Modes captured: modes with enough high-quality samples (Gaussian-mixture targets)",
    "high quality": "High-quality share: samples within 3 standard deviations of a mode",
    "energy dist.": "Energy distance to the held-out data, normalised: 0 = like the data, 1 = like Gaussian noise",
    "reverse KL": "Reverse KL of the high-quality samples over the modes: 0 = spread evenly, log K = all in one",
    "train (s)": "Training time: CPU seconds inside the family's own training steps",
    "steps": "Training steps (EM iterations for the mixture)",
    "s / 1000 samples": "Sampling time: CPU seconds to draw 1,000 samples",
    "NFE / sample": "Network evaluations per sample (0: the mixture samples without a network)",
}
MODE_COLUMNS = ("modes", "high quality", "reverse KL")


def leaderboard(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The table: one row per family (headers: ``COLUMNS``), the mode columns only for Gaussian-mixture targets."""
    mixture = any("modes_captured" in r for r in rows)
    out = []
    for r in rows:
        values = {"family": SHORT.get(r["family"], r["label"]) + STATE_WORDS.get(r["state"], ""),
                  "modes": None if r.get("modes_captured") is None else f"{r['modes_captured']} / {r['n_modes']}",
                  "high quality": r.get("high_quality"), "energy dist.": r["energy"], "reverse KL": r.get("reverse_kl"),
                  "train (s)": r["train_seconds"], "steps": r["train_steps"],
                  "s / 1000 samples": r["sample_seconds_per_1000"], "NFE / sample": r["nfe"]}
        out.append({k: v for k, v in values.items() if mixture or k not in MODE_COLUMNS})
    return pd.DataFrame(out, columns=[c for c in COLUMNS if mixture or c not in MODE_COLUMNS])


def quality_curves(snap: dict[str, Any], metric: str = "energy", *, height: int = 380,
                   reference: dict[str, dict[str, np.ndarray]] | None = None) -> go.Figure:
    """Each family's ``metric`` at each measurement against the budget it had used (the stored history);
    a kept run's histories (``reference``, by family) faded under them."""
    history, labels, families = snap.get("history", {}), snap.get("labels", []), snap.get("families", [])
    kind = snap.get("budget_kind", "seconds")
    reference = reference or {}
    if not any(len(h.get(f, {}).get(metric, ())) for f in families for h in (history, reference)):
        return empty_figure("Press ▶ Play: each family is measured as it uses its budget", height)
    title, lower = METRICS[metric]
    fig = go.Figure(layout=dict(height=height,
                                title=f"Quality against budget ({'lower' if lower else 'higher'} is better)"))
    for i, (family, label) in enumerate(zip(families, labels)):
        h = reference.get(family, {})
        if len(h.get(metric, ())):
            y = np.clip(np.asarray(h[metric], float), 1e-2, 10.0) if metric == "energy" else h[metric]
            fig.add_trace(kept_trace(h["budget"], y, label, PALETTE[i % len(PALETTE)], legendgroup=family))
    for i, (family, label) in enumerate(zip(families, labels)):
        h = history.get(family, {})
        if len(h.get(metric, ())):
            # the energy on a log axis, floored at 0.01 (about the yardstick's own noise at 1,000 samples)
            y = np.clip(np.asarray(h[metric], float), 1e-2, 10.0) if metric == "energy" else h[metric]
            fig.add_trace(go.Scatter(x=h["budget"], y=y, mode="lines+markers", name=label,
                                     line=dict(color=PALETTE[i % len(PALETTE)], width=2), marker=dict(size=5)))
    fig.update_xaxes(title="CPU seconds of training" if kind == "seconds" else "training steps")
    fig.update_yaxes(title=title, type="log" if metric == "energy" else "linear")
    fig.update_layout(legend=dict(font=dict(size=13)))
    return fig
