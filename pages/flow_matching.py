"""Flow matching: a velocity field whose flow carries noise to data, learned by regression."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.flow import FIRST_LOOK, FlowConfig, FlowTrainer
from core.ode import SOLVER_LABELS, SOLVERS, steps_for_nfe
from core.flow_vs_diffusion import COMPARE_NFE, FlowVsDiffusion
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_flow import comparison_figure, flow_field_figure, flow_paths_figure, flow_samples_figure
from dashboard.figures import curves
from dashboard.presets import FLOW_MATCHING as TRY
from dashboard.targets_ui import target_picker

NAME = "flow"
URL = "flow_matching"  # the page's url_path (dashboard/topics.py)
CMP = "flowcmp"
LR_LADDER = (0.0001, 0.0003, 0.001, 0.002, 0.003, 0.01, 0.03, 0.1)
BUDGET = 25_000
CMP_BUDGET = 8_000
CMP_EVERY = 1_000

notices = layout.page(
    "Flow matching",
    "A velocity field v_θ(t, x), learned by plain regression, whose flow φ_t carries noise to data: "
    "p_t = (φ_t)\\_# π, from p₀ = π = N(0, I) to p₁ ≈ p_data.")

# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    start = live.start_from()
    st.header("Data")
    target, data_key = target_picker(default="ring")

    st.header("View (applies at once)")
    t_view = ui.slider("Time t of the drawn field", "t", 0.0, 0.95, 0.5, 0.05)
    solver = ui.select("ODE solver", "solver", list(SOLVERS), "euler", format_func=SOLVER_LABELS.get)
    nfe = ui.slider("Network evaluations (NFE) per sample", "nfe", 1, 100, 100)
    layout.presets(TRY)
with layout.settings():
    st.header("Pairing and network")
    ot = ui.toggle("Minibatch optimal-transport pairing", "ot", False,
                   help="Pair each batch's noise and data points so the total squared distance is smallest: "
                        "straighter paths, slower steps")
    width = ui.slider("Units per layer", "width", 16, 256, 128, 16)
    depth = ui.slider("Hidden layers", "depth", 1, 5, 3)
    n_fourier = ui.slider("Fourier features of x", "ff", 0, 64, 32, 8,
                          help="sin(Bx) and cos(Bx) for a fixed random B: sharper fields near t = 1 (0 = plain MLP)")

    st.header("Training")
    lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, 0.002)
    batch = ui.slider("Batch size", "batch", 16, 1024, 256, 16)
    seed = ui.number("Seed", "seed", 0, 9999, 0)

ui.show_url_notices(notices)
layout.preset_note(URL)
steps = steps_for_nfe(nfe, solver)

# ------------------------------------------------------------------ the job
job = None
if target is not None:
    cfg = FlowConfig(data=target.name, ot=ot, width=width, depth=depth, n_fourier=n_fourier, lr=lr,
                     batch_size=batch, seed=seed, solver=solver, sample_steps=steps)
    job = live.ensure_trained_job(
        NAME, (dataclasses.replace(cfg, lr=0.0, solver="euler", sample_steps=1), data_key, start),
        live.RunSpec.of(FlowTrainer, cfg, target), live={"lr": lr, "t": t_view, "solver": solver, "nfe": nfe},
        max_steps=BUDGET, reset_label="Settings changed",
        model="flow", cfg=cfg, start=start,
    )
live.control_bar(job, NAME, weights=True)


def draw(job) -> None:
    snap = job.snapshot()
    left, right = st.columns(2)
    with left:
        layout.chart(flow_field_figure(snap, height=390), "field", main=True)
    with right:
        layout.chart(flow_paths_figure(snap, SOLVER_LABELS[snap["solver"]], height=390), "paths")
    left, right = st.columns(2)
    with left:
        layout.chart(flow_samples_figure(snap), "samples")
    with right:
        history = job.metrics()
        layout.chart(curves(history, [("CFM loss", "loss")], "Loss L_CFM(θ)", "mean squared error", height=230,
                            reference=live.kept(NAME)),
                     "loss")
        layout.chart(curves(history, [("straightness", "straightness")], "Straightness of the paths", "ratio",
                            y_range=(0, 1.02), height=230), "straight")
    last = job.last_metrics
    cols = st.columns(5)
    cols[0].metric("NFE per sample", f"{int(snap['nfe'])}")
    if "high_quality" in last:
        cols[1].metric("High-quality samples", f"{last['high_quality']:.1%}")
        cols[2].metric("Modes captured", f"{last['modes_captured']:.0f} / {len(snap['modes'])}")
    if "energy" in last:
        cols[3].metric("Energy distance (0 = data, 1 = noise)", f"{last['energy']:.3f}")
        cols[4].metric("Straightness", f"{last['straightness']:.2f}")
    st.caption(
        f"Samples and paths are measured after {FIRST_LOOK} steps, then every {snap['eval_every']} steps, "
        "with the exponential moving average of the weights. "
        "The exact field is the one of independent pairing; with OT pairing the learned field tends to "
        "the straighter OT field instead, which differs most at small t."
    )


live.live_view(job, NAME, draw)
live.replay(job, NAME)

# ------------------------------------------------------------------ comparison with diffusion
st.divider()
st.subheader("Flow matching against diffusion: quality per network evaluation")
st.markdown(
    "Both models learn the same target side by side, each with its recommended settings and the learning rate "
    f"decaying over the same {CMP_BUDGET:,} steps: flow matching as above, the diffusion model as on its own "
    f"page (cosine β schedule, ε-prediction). Every {CMP_EVERY:,} steps each is sampled with "
    f"{', '.join(map(str, COMPARE_NFE))} network evaluations: flow matching with Euler steps, diffusion with "
    "DDIM (deterministic) and DDPM (stochastic) steps. Straighter paths need fewer steps."
)
metric = ui.select("Quality measure", "cmpm", ["energy", "high_quality"], "energy",
                   format_func={"energy": "Energy distance", "high_quality": "High-quality share"}.get)
cmp_job = None
if target is not None:
    cmp_job = live.ensure_job(
        CMP, (data_key, seed),
        live.RunSpec.of(FlowVsDiffusion, target, seed, eval_every=CMP_EVERY, decay_steps=CMP_BUDGET),
        max_steps=CMP_BUDGET, reset_label="Target or seed changed")
live.control_bar(cmp_job, CMP, keep=False)  # its curves are the latest measurement's


def draw_comparison(job) -> None:
    snap = job.snapshot()
    shown = metric if f"flow_{metric}" in snap or not snap else "energy"
    if shown != metric:
        st.caption("This target has no modes: showing the energy distance.")
    step = job.status().step
    waiting = (f"Training both models: the first curves come at step {CMP_EVERY:,} (now {step:,})"
               if job.active or step else "Press ▶ Play in this section to train both models")
    layout.chart(comparison_figure(snap, shown, waiting=waiting), "compare")
    if not snap:
        st.caption(f"The first curves appear after {CMP_EVERY:,} steps of both models.")


live.live_view(cmp_job, CMP, draw_comparison)

with layout.explanation():
    st.markdown(
        "Noise x₀ ~ π = N(0, I) is pushed to data by following a velocity field for one unit of time. "
        "The network v_θ(t, x) learns it by plain regression: pick a noise point and a data point, a time t, "
        "the point x_t on the straight segment between them, and ask v_θ for the segment's direction x₁ − x₀. "
        "The average of those directions at x is the marginal velocity u_t(x). Its flow φ_t is a map of the "
        "plane: φ_t(x) is where a point that starts at x at time 0 is at time t. It pushes the noise "
        "distribution forward, p_t = (φ_t)\\_# π, so that (φ₁)\\_# π = p_data: following u_t, noise points land "
        "distributed like the data (with the learned v_θ, approximately). With minibatch optimal-transport "
        "pairing, each batch's noise points are first matched to its data points so that the total squared "
        "distance is smallest: paths cross less and straighten."
    )
    st.latex(r"x_t = (1-t)\,x_0 + t\,x_1,\quad x_0\sim\pi=\mathcal N(0,I),\; x_1\sim p_{\text{data}}")
    st.latex(r"\mathcal L_{\text{CFM}}(\theta) = \mathbb E_{t\sim U[0,1],\,x_0,\,x_1}\,"
             r"\big\lVert v_\theta(t, x_t) - (x_1 - x_0)\big\rVert^2")
    st.latex(r"\frac{d\varphi_t(x)}{dt} = v_\theta\big(t, \varphi_t(x)\big),\quad \varphi_0(x) = x \sim \pi,"
             r"\qquad v_\theta(t, x) \approx u_t(x) = \mathbb E\,[\,x_1 - x_0 \mid x_t = x\,]")
    st.latex(r"p_t = (\varphi_t)_\#\,\pi,\qquad (\varphi_1)_\#\,\pi = p_{\text{data}}"
             r"\quad\text{(for the exact field } u_t\text{)}")
    st.latex(r"\text{straightness} = \frac{\mathbb E\,\lVert \varphi_1 - \varphi_0\rVert^2}"
             r"{\mathbb E\int_0^1 \lVert \dot\varphi_t\rVert^2\,dt}")
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **Turn on OT pairing** and press Reset: the trajectories straighten (straightness near 1), and a few "
        "Euler steps already land on the modes. Each training step is slower: an assignment problem per batch.\n"
        "- **Grid (25 modes)**: more modes to capture; compare the learned and exact arrows between modes. "
        "With 0 Fourier features the plain MLP needs many more steps to make its 25 sharp modes."
    )
