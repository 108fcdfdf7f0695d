"""Densities e^{f_θ}/Z(θ): an energy network normalised on a grid, why that fails for images, and Langevin."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from core.energy import GRIDS, IMAGE_DIMS, EnergyConfig, EnergyTrainer, LangevinTrainer, grid_cells
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_energy import density_figure, grid_cost_figure
from dashboard.fig_samples import bounds_of, samples_figure, trajectories
from dashboard.figures import curves
from dashboard.presets import ENERGY as TRY
from dashboard.targets_ui import target_picker
from dashboard.topics import FAMILIES, topic_for

NAME, SAMPLER = "energy", "langevin"
URL = "energy"  # the page's url_path (dashboard/topics.py)
LR_LADDER = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
ETA_LADDER = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02)
BUDGET, LANGEVIN_BUDGET = 5000, 3000

notices = layout.page(
    "Densities exp(f_θ) / Z(θ)",
    "Any network f_θ defines a density p_θ = exp(f_θ) / Z(θ) once divided by the normalising constant Z(θ): "
    "a sum over a grid in 2D, out of reach for images.")

with st.sidebar:
    st.header("Data")
    target, data_key = target_picker(default="ring", default_spread=0.1)
    layout.presets(TRY)
with layout.settings():
    st.header("Energy network f_θ")
    layers = ui.slider("Hidden layers", "layers", 1, 4, 2)
    hidden = ui.slider("Units per layer", "hidden", 8, 128, 32, 8)
    grid = ui.log_slider("Grid G (G × G cells for Z)", "grid", GRIDS, 64)
    lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, 0.01)
    seed = ui.number("Seed", "seed", 0, 9999, 0)
    st.header("Langevin sampler")
    particles = ui.slider("Particles", "particles", 50, 2000, 500, 50)
    eta = ui.log_slider("Step size η", "eta", ETA_LADDER, 0.002)

ui.show_url_notices(notices)
layout.preset_note(URL)

# ------------------------------------------------------------------ the energy model
job = None
if target is not None:
    cfg = EnergyConfig(target=target.name, spread=target.spread, grid=grid, hidden=hidden, layers=layers, lr=lr,
                       seed=seed)
    job = live.ensure_job(NAME, (dataclasses.replace(cfg, lr=0.0), data_key),
                          live.RunSpec.of(EnergyTrainer, cfg, target), live={"lr": lr}, max_steps=BUDGET)
live.control_bar(job, NAME)


def draw(job) -> None:
    snap = job.snapshot()
    hist = job.metrics()
    left, right = st.columns([1.1, 1])
    with left:
        layout.chart(density_figure(snap["grid_x"], snap["grid_y"], snap["density"], snap["data"],
                                    f"p_θ on the {len(snap['grid_x'])}×{len(snap['grid_x'])} grid"),
                     "density", main=True)
    with right:
        layout.chart(curves(hist, [("L(θ), batch", "loss"), ("all data", "nll")],
                            "Negative log-likelihood per point", "nats", height=280,
                            reference=live.kept(NAME)), "nll")
        layout.chart(curves(hist, [("log Z(θ)", "log_z")], "The normaliser log Z(θ)", "log Z", height=230,
                            reference=live.kept(NAME)), "logz")
        last = job.last_metrics
        if last:
            c1, c2, c3 = st.columns(3)
            c1.metric("−log-likelihood", f"{last.get('nll', float('nan')):.3f}")
            c2.metric("log Z(θ)", f"{last.get('log_z', float('nan')):.2f}")
            c3.metric("Grid cells / s", f"{float(snap['cells_per_s']):,.0f}")


live.live_view(job, NAME, draw)

# ------------------------------------------------------------------ Langevin
st.subheader("Sampling without Z: Langevin dynamics")
st.caption("Langevin dynamics follows the gradient of f_θ plus noise; its equation is in *How it works* below.")
sampler = None
if job is not None and "weights" in job.snapshot():  # a copy of f_θ as the page last saw it
    sampler = live.ensure_job(SAMPLER, (job.id, particles, eta, seed),
                              live.RunSpec.of(LangevinTrainer.from_weights, cfg, target, job.snapshot()["weights"],
                                              n=particles, step_size=eta, seed=seed),
                              max_steps=LANGEVIN_BUDGET, reset_label="Sampler settings changed")
live.control_bar(sampler, SAMPLER, keep=False)
st.caption("The sampler uses a copy of f_θ taken when it was created: press its **Reset** to copy the current "
           "f_θ and start new particles (uniform in the box).")


def draw_sampler(sampler) -> None:
    snap = sampler.snapshot()
    data = snap["data"]
    bounds = bounds_of(data)
    left, right = st.columns(2)
    with left:
        layout.chart(samples_figure(data, snap["particles"], f"{len(snap['particles'])} particles",
                                    fake_name="particles", bounds=bounds), "lv_particles")
    with right:
        layout.chart(trajectories(snap["paths"], "Recent paths of a few particles", data=data, bounds=bounds),
                     "lv_paths")
    last = sampler.last_metrics
    if last:
        st.caption(f"Energy distance of the particles to the data: {last['energy_distance']:.3f} "
                   "(0 = like the data, 1 = like a Gaussian blob).")


live.live_view(sampler, SAMPLER, draw_sampler)


# The grid's cost table, under its figure: beside it (a third of the page) its last column was cut at 1280 px.
# Every column is as wide as its longest entry ("CIFAR-10 32×32×3", "10^6,473.3" and
# "10^6,460 years" at G = 128).
COST_COLUMNS = [1.5, 1]
COST_TABLE = {
    "data": st.column_config.TextColumn("data", width=140),
    "d": st.column_config.NumberColumn("d", width=60),
    "cells": st.column_config.TextColumn("cells", width=100, help="G^d: the grid's cells in d dimensions"),
    "time at this server's rate": st.column_config.TextColumn(
        "time here", width=120, help="G^d cells at the rate this server evaluates f_θ (measured while training)"),
}


def _duration(log10_seconds: float) -> str:
    if not np.isfinite(log10_seconds):
        return ""
    if log10_seconds < 6:
        return f"{10 ** log10_seconds:.3g} s"
    return f"10^{log10_seconds - np.log10(3.15e7):,.0f} years"


def families_table() -> None:
    """How each generative family avoids computing Z(θ), and how it samples; each row opens its page."""
    st.markdown("**How each family avoids Z(θ), and how it samples**")
    widths = [1.4, 1.6, 2.1, 1.8]
    with st.container(border=True):
        for col, head in zip(st.columns(widths), ("family", "models", "Z(θ)", "sampling")):
            col.markdown(f"**{head}**")
        for fam in FAMILIES:
            topic = topic_for(fam.page)
            name, models, z, sample = st.columns(widths, vertical_alignment="center")
            if topic is not None and topic.built:
                with name:
                    st.page_link(str(topic.path), label=fam.name)
            else:
                name.markdown(fam.name)
            models.markdown(fam.models)
            z.markdown(fam.avoids_z)
            sample.markdown(fam.samples)


with layout.explanation():
    st.markdown(
        "Any network f_θ(x) can define a density, but only after dividing by the **normalising constant** Z(θ), "
        "an integral over the whole space. In 2D that integral is a sum over a grid, so we can train f_θ by plain "
        "maximum likelihood here, and see why nobody can do it for images."
    )
    st.latex(r"p_\theta(x) = \frac{e^{f_\theta(x)}}{Z(\theta)},\qquad Z(\theta) = \int e^{f_\theta(x)}\,dx "
             r"\;\approx\; \sum_{g=1}^{G^2} e^{f_\theta(x_g)}\,\Delta A")
    st.latex(r"L(\theta) = -\frac1n\sum_{i=1}^n f_\theta(x_i) + \log Z(\theta),\qquad "
             r"\nabla_\theta L = -\mathbb E_{\text{data}}[\nabla_\theta f_\theta] + \mathbb E_{p_\theta}[\nabla_\theta f_\theta]")
    st.caption("Quadrature: f_θ is evaluated at the centre of every cell of a box around the data (area ΔA each); "
               "log Z is a log-sum-exp of those values. Autograd through that sum gives the second expectation "
               "of ∇L exactly (p_θ restricted to the box), so this is maximum likelihood with no approximation "
               "beyond the grid's resolution.")

    # ------------------------------------------------------------------ why this fails in high dimension
    st.markdown("**Why Z(θ) is out of reach for images**")
    st.markdown(f"The same resolution in d dimensions needs G^d cells. With G = {grid}:")
    measured = float(job.snapshot().get("cells_per_s", 0.0)) if job is not None else 0.0
    layout.chart(grid_cost_figure(grid, measured), "cost")

    rows = []
    for name, d in IMAGE_DIMS.items():
        log_cells = float(grid_cells(d, grid))
        log_seconds = log_cells - np.log10(measured) if measured > 0 else float("nan")
        rows.append({"data": name, "d": d, "cells": f"10^{log_cells:,.1f}",
                     "time at this server's rate": _duration(log_seconds)})
    left, right = st.columns(COST_COLUMNS)
    left.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=COST_TABLE)
    right.caption("Measured: the grid cells per second this server evaluates f_θ at (with its gradient) while "
                  "training. Score matching, contrastive divergence and diffusion models avoid Z altogether.")

    st.markdown("**Sampling without Z: Langevin dynamics**")
    st.latex(r"x_{t+1} = x_t + \frac{\eta}{2}\,\nabla_x f_\theta(x_t) + \sqrt{\eta}\,\varepsilon_t,\qquad "
             r"\varepsilon_t\sim\mathcal N(0, I)\quad(\nabla_x \log p_\theta = \nabla_x f_\theta:\ Z\text{ drops out})")
    st.markdown(
        "Langevin dynamics is one **Markov chain Monte Carlo** (MCMC) method: a chain whose steps leave p_θ "
        "unchanged (Langevin's, with a small η, nearly so), run until it forgets where it started. The oldest, "
        "Metropolis et al. (1953), proposes a symmetric move x → x′ and accepts it with probability "
        "min(1, exp(f_θ(x′) − f_θ(x))): only a ratio of densities, so Z cancels. Bayesian statistics samples "
        "posteriors p(θ | data) ∝ p(data | θ) p(θ), whose Z is the evidence, the same way (Gibbs sampling, "
        "brought to Bayesian statistics in 1990). Langevin's step needs no accept test but is slightly biased; "
        "adding the Metropolis test (with its proposal's asymmetry in the ratio) removes the bias (MALA).")
    families_table()
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **Stop early**: sample with Langevin after 200 steps, then after 2,000 (Reset the sampler): the "
        "particles follow whatever f_θ has learnt so far."
    )
