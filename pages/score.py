"""Score-based models: denoising score matching at several noise levels, annealed Langevin sampling."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import langevin_mixture
from core.score import ScoreConfig, ScoreTrainer
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_diffusion import capped
from dashboard.fig_samples import bounds_of, mode_share_bars, samples_figure, trajectories, vector_field
from dashboard.figures import curves
from dashboard.noise_net_ui import network_controls
from dashboard.presets import SCORE as TRY
from dashboard.targets_ui import target_picker

NAME = "score"
URL = "score"  # the page's url_path (dashboard/topics.py)
MIXTURE = "mixture"  # the unequal-weights demo's job
BUDGET = 20_000
SMAX_LADDER = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
SMIN_LADDER = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
EPS_LADDER = (1e-6, 3e-6, 1e-5, 2e-5, 5e-5, 1e-4, 3e-4, 1e-3)
DEFAULT = ScoreConfig()

notices = layout.page(
    "Score-based models and Langevin dynamics",
    "A network s_θ(x, σ) learns the score ∇ₓ log p_σ(x) of the data blurred at levels σ₁ > … > σ_L; "
    "Langevin dynamics follow its arrows, with a little noise, from coarse to fine: noise becomes data.")

# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    start = live.start_from()
    st.header("Data")
    target, target_key = target_picker(default="ring")

    st.header("Display")
    level = ui.slider("Show the score at level i", "level", 1, 20, 5)
    show_exact = ui.toggle("Exact score beside the learned one", "exact", True)
    layout.presets(TRY)
with layout.settings():
    st.header("Noise levels (in data std units)")
    n_levels = ui.slider("Number of levels L", "L", 1, 20, DEFAULT.n_levels)
    sigma_max = ui.log_slider("σ_max = σ₁", "smax", SMAX_LADDER, DEFAULT.sigma_max)
    sigma_min = ui.log_slider("σ_min = σ_L", "smin", SMIN_LADDER, DEFAULT.sigma_min)

    fourier, lr, batch, seed = network_controls(DEFAULT)

    st.header("Langevin sampling (applies at once)")
    step_size = ui.log_slider("Step size ε", "eps", EPS_LADDER, DEFAULT.step_size)
    steps_per_level = ui.slider("Steps per level T", "T", 1, 100, DEFAULT.steps_per_level)
    denoise = ui.toggle("Final denoising step (Tweedie)", "denoise", DEFAULT.denoise)

ui.show_url_notices(notices)
layout.preset_note(URL)

# ------------------------------------------------------------------ the job
job = None
if target is not None:  # the ladders keep σ_min < σ_max
    cfg = ScoreConfig(data=target.name, spread=target.spread, n_levels=n_levels, sigma_max=sigma_max,
                      sigma_min=sigma_min, fourier=fourier, lr=lr, batch_size=batch, seed=seed,
                      step_size=step_size, steps_per_level=steps_per_level, denoise=denoise)
    job = live.ensure_trained_job(
        NAME, (target_key, n_levels, sigma_max, sigma_min, fourier, batch, seed, start),
        live.RunSpec.of(ScoreTrainer, cfg, target),
        live={"lr": lr, "step_size": step_size, "steps_per_level": steps_per_level, "denoise": denoise},
        max_steps=BUDGET, snapshot_every=1.0, snapshot_share=0.06, reset_label="Settings changed",  # new samples every
        # 3-4 s alone (a picture is 300 network evaluations of 300 points; the default 2 % made it 9-13 s; at 10 %
        # the page read 0.80 of the CLI's steps/s)
        model="score", cfg=cfg, start=start,
    )

live.control_bar(job, NAME, weights=True)


def draw(job) -> None:
    snap = job.snapshot()
    sigmas = snap["sigmas"]
    i = min(level, len(sigmas)) - 1
    if level > len(sigmas):
        st.caption(f"Only L = {len(sigmas)} levels: showing level {len(sigmas)}.")
    learned = snap["field_learned"][i]
    exact = snap.get("field_exact")
    grid, data = snap["grid"], snap["data"]
    box = bounds_of(grid, margin=0.0)
    title = f"Score at level {i + 1}: σ = {sigmas[i]:.3g}"

    reference = exact[i] if exact is not None else learned
    cap = float(np.percentile(np.linalg.norm(reference, axis=1), 80))  # arrows longer than this are capped
    left, right = st.columns(2)
    with left:
        fields = [("learned s_θ", capped(learned, cap))]
        if exact is not None and show_exact:
            fields.append(("exact ∇ log p_σ", capped(exact[i], cap)))
        layout.chart(vector_field(grid, fields, title, data=data, bounds=box, height=400), "field", main=True)
        st.caption("Near sharp modes the score grows like 1/σ: arrows longer than the field's 80th percentile "
                   "are drawn at that length, in both figures.")
    with right:
        if exact is not None:
            diff = learned - exact[i]
            rel = float(np.linalg.norm(diff, axis=1).mean() / max(np.linalg.norm(exact[i], axis=1).mean(), 1e-12))
            # drawn at the scale of the left figure (arrows capped alike): short arrows = a small error
            spacing = float(np.ptp(grid[:, 0])) / (np.sqrt(len(grid)) - 1)
            ratio = np.percentile(np.linalg.norm(capped(diff, cap), axis=1), 95) / max(
                np.percentile(np.linalg.norm(capped(learned, cap), axis=1), 95), 1e-12)
            layout.chart(vector_field(grid, [("learned − exact", capped(diff, cap))], f"Learned − exact, same scale: "
                                      f"{rel:.0%} of |exact|", data=data, bounds=box,
                                      spacing=spacing * max(ratio, 1e-6), height=400), "diff")
        else:
            st.info("The exact score is known in closed form for the Gaussian mixtures (ring, grid) only.",
                    icon=":material/info:")

    left, mid, right = st.columns([1, 1, 1.1])
    with left:
        title = f"{len(sigmas)} levels × {snap['steps_per_level']} Langevin steps"
        layout.chart(samples_figure(data, snap["samples"], title,
                                    modes=snap.get("modes"), bounds=bounds_of(data), height=380), "samples")
    with mid:
        paths = snap["paths"]
        layout.chart(trajectories(paths, "Particles from noise to data", data=data, height=380,
                                  bounds=bounds_of(data, paths[len(paths) // 2:].reshape(-1, 2))), "paths")
        st.caption("Each particle's position after each noise level; the first levels lie outside the frame, "
                   "at the scale of σ₁.")
    with right:
        layout.chart(curves(job.metrics(), [("σ²-weighted DSM loss", "loss")], "Loss L(θ)", "loss",
                            height=240, reference=live.kept(NAME)), "loss")
        c1, c2, c3 = st.columns(3)
        if "metric_high_quality" in snap:
            c1.metric("Modes captured", f"{snap['metric_modes_captured']:.0f} / {snap['metric_n_modes']:.0f}")
            c2.metric("High quality", f"{snap['metric_high_quality']:.0%}")
        c3.metric("Energy dist.", f"{snap['metric_energy']:.3f}", help="0 = like the data, 1 = like noise")
        st.caption("σ levels: " + ", ".join(f"{s:.3g}" for s in sigmas))


live.live_view(job, NAME, draw)
live.replay(job, NAME)


st.subheader("Why anneal? A mixture with unequal weights")
MIX = langevin_mixture.LangevinMixtureConfig()
c1, c2, c3 = st.columns(3)
with c1:
    mix_w = ui.slider("Weight π₂ of the mode at (5, 5)", "mixw", 0.5, 0.95, MIX.weight, 0.05)
with c2:
    mix_t = ui.slider("Steps per level T (annealed)", "mixT", 10, 500, MIX.steps_per_level, 10)
with c3:
    mix_seed = ui.number("Seed", "mixseed", 0, 9999, MIX.seed)
mix_cfg = langevin_mixture.LangevinMixtureConfig(weight=float(mix_w), steps_per_level=int(mix_t), seed=int(mix_seed))
mix_job = live.ensure_job(MIXTURE, mix_cfg, live.RunSpec.of(langevin_mixture.LangevinMixtureTrainer, mix_cfg),
                          max_steps=10**6, max_steps_per_s=10, reset_label="Mixture changed")
live.control_bar(mix_job, MIXTURE, keep=False)
BOX = (-10.0, 10.0, -10.0, 10.0)


def draw_mixture(job) -> None:
    demo = job.snapshot()
    sigmas, level = demo["sigmas"], int(demo["level"])
    finished = demo["updates"] >= demo["total"]
    clouds = [("exact samples of p", demo["exact"], demo["weights_exact"]),
              (f"Langevin at σ = {sigmas[-1]:g} only", demo["plain"], demo["weights_plain"]),
              (f"annealed, σ = {sigmas[0]:g} → {sigmas[-1]:g}", demo["annealed"], demo["weights_annealed"])]
    cols = st.columns(3)
    for col, (name, x, w), key in zip(cols, clouds, ("mix_exact", "mix_plain", "mix_annealed")):
        with col:
            layout.chart(samples_figure(None, x, f"{name}: π̂₂ = {w[1]:.2f}", fake_name="samples",
                                        modes=demo["modes"], bounds=BOX, height=340), key)
    left, right = st.columns([1.2, 1])  # the bars' legend: two columns of "annealed Langevin"
    with left:
        layout.chart(mode_share_bars([("exact samples", demo["weights_exact"]),
                                      ("Langevin, one σ", demo["weights_plain"]),
                                      ("annealed Langevin", demo["weights_annealed"])], demo["true_weights"],
                                     "Share of samples in each mode",
                                     mode_names=["mode at (−5, −5)", "mode at (5, 5)"]), "mix_shares")
    with right:
        st.markdown(
            f"p = {1 - mix_w:.2f}·N((−5, −5), I) + {mix_w:.2f}·N((5, 5), I), its score exact (no network), "
            f"{len(demo['exact']):,} particles from the same uniform start on [−8, 8]², {int(demo['total']):,} score "
            f"evaluations for each sampler. Annealing is at level {level + 1} of {len(sigmas)} "
            f"(σ = {sigmas[level]:.3g}), update {int(demo['updates']):,}.")
        if not finished:
            st.caption("Press Play: both samplers run side by side, and the annealed cloud splits between the "
                       "modes level by level.")
            return
        st.markdown(
            f"**Langevin at one small σ** gives the mode at (5, 5) a share of {demo['weights_plain'][1]:.2f} "
            f"instead of {mix_w:.2f}: the share of the start cloud on its side was {demo['weights_start'][1]:.2f}. "
            "Far from where the components overlap the score of the sum is the score of the nearer component, "
            "whatever its weight, so each particle falls into the mode it starts near and never crosses the empty "
            "region between them.\n\n"
            f"**Annealed Langevin** gives {demo['weights_annealed'][1]:.2f}: at σ₁ = {sigmas[0]:g} the blurred "
            "mixture is one wide bump, and the particles split between the modes while the levels still connect "
            "them, in proportion to the weights. With few steps per level they freeze too early and the split "
            "lags behind the weights (try T = 10).")


live.live_view(mix_job, MIXTURE, draw_mixture)

with layout.explanation():
    st.markdown(
        "The *score* ∇ₓ log p(x) is an arrow field pointing towards where data are more likely. A network "
        "s_θ(x, σ) learns it for the data blurred at several noise levels σ₁ > … > σ_L — blurred, the field is "
        "defined everywhere; barely blurred, it is sharp. Langevin dynamics then follow the arrows, with a little "
        "noise, from coarse to fine: noise becomes data."
    )
    st.latex(r"\mathcal L(\theta) = \frac{1}{2L}\sum_{i=1}^{L} \lambda(\sigma_i)\;\mathbb E_{x\sim p_{\text{data}},\,"
             r"\tilde x\sim\mathcal N(x,\sigma_i^2 I)}\Big\lVert s_\theta(\tilde x,\sigma_i) + \frac{\tilde x - x}"
             r"{\sigma_i^2}\Big\rVert^2,\qquad \lambda(\sigma) = \sigma^2")
    st.latex(r"\text{annealed Langevin: for } i = 1..L,\ \alpha_i = \epsilon\,\sigma_i^2/\sigma_L^2,\ "
             r"T\text{ times: } x \leftarrow x + \tfrac{\alpha_i}{2}\,s_\theta(x,\sigma_i) + \sqrt{\alpha_i}\,z")
    st.latex(r"\text{forward SDE: } dx = f(x,t)\,dt + g(t)\,dw")
    st.latex(r"\text{reverse SDE: } dx = \big[f(x,t) - g(t)^2\,\nabla_x \log p_t(x)\big]\,dt + g(t)\,d\bar w")
    st.caption("Here the forward SDE is variance exploding: f = 0, g(t)² = dσ²(t)/dt, so p_t is the data blurred "
               "by σ(t); the reverse SDE needs only the score, which s_θ(x, σ) provides.")
    st.markdown(
        "Why annealing matters (Song & Ermon, 2019, fig. 3): the score of a mixture Σ π_k p_k only sees a "
        "weight π_k where the components overlap, since away from them"
    )
    st.latex(r"\nabla_x \log \sum_k \pi_k\, p_k(x) = \sum_k \underbrace{\frac{\pi_k\, p_k(x)}"
             r"{\sum_j \pi_j\, p_j(x)}}_{\approx\, 1 \text{ for the nearest } k}\, \nabla_x \log p_k(x)")
    st.markdown(
        "so Langevin dynamics at one small σ cannot move mass between far-apart modes. Blurring by a large σ "
        "makes the components overlap, and the annealed sampler passes through those levels first.")
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **Level slider**: compare the learned and exact score at σ₁ (smooth, one big basin) and at σ_L "
        "(one sharp basin per mode). Where is the error largest, and why is there little data there?\n"
        "- **No final denoising step**: the samples keep noise of size σ_L around each mode.\n"
        "- **Fourier features 0** on the 25-mode grid: can a plain MLP make 25 sharp basins? Compare the "
        "difference field at the last levels with 4 frequencies."
    )
