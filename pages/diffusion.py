"""Diffusion models: DDPM and DDIM on a 2D target, a noise-prediction network trained live."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.diffusion import METHODS, SCHEDULES, DiffusionConfig, DiffusionTrainer
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_diffusion import forward_panels, quality_vs_steps, schedule_figure
from dashboard.fig_samples import bounds_of, samples_figure, trajectories
from dashboard.figures import curves
from dashboard.noise_net_ui import network_controls
from dashboard.presets import DIFFUSION as TRY
from dashboard.targets_ui import target_picker

NAME = "ddpm"
URL = "diffusion"  # the page's url_path (dashboard/topics.py)
BUDGET = 20_000
T_LADDER = (10, 20, 50, 100, 200, 500, 1000)
SAMPLER_LABEL = {"ddpm": "DDPM (stochastic)", "ddim": "DDIM (deterministic)"}
DEFAULT = DiffusionConfig()

notices = layout.page(
    "Diffusion models",
    "Dissolve the data into noise in T small Gaussian steps; a network ε_θ(x_t, t) learns to undo each one: "
    "sampling is *a long sequence of small denoisers*, from noise back to data.")

# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    start = live.start_from()
    st.header("Data")
    target, target_key = target_picker(default="ring")

    st.header("Sampling (applies at once)")
    sampler = ui.select("Sampler", "sampler", METHODS, DEFAULT.sampler, format_func=SAMPLER_LABEL.get)
    sample_steps = ui.slider("Sampling steps", "ssteps", 1, 1000, DEFAULT.sample_steps)
    layout.presets(TRY)
with layout.settings():
    st.header("Forward process")
    schedule = ui.select("β schedule", "sched", SCHEDULES, DEFAULT.schedule, format_func=str.capitalize)
    T = ui.log_slider("Diffusion steps T", "T", T_LADDER, DEFAULT.T)

    fourier, lr, batch, seed = network_controls(DEFAULT)

    st.header("Display")
    t_pct = ui.slider("Forward process: t as % of T", "t", 0, 100, 50, 5)

ui.show_url_notices(notices)
layout.preset_note(URL)
steps_used = min(sample_steps, T)
if sample_steps > T:
    st.caption(f"{sample_steps} sampling steps asked, but the chain has only T = {T}: sampling uses {T}.")

# ------------------------------------------------------------------ the job
if target is None:
    job = None
else:
    cfg = DiffusionConfig(data=target.name, spread=target.spread, schedule=schedule, T=T, lr=lr, fourier=fourier,
                          batch_size=batch, seed=seed, sampler=sampler, sample_steps=steps_used)
    job = live.ensure_trained_job(
        NAME, (target_key, schedule, T, fourier, batch, seed, start),
        live.RunSpec.of(DiffusionTrainer, cfg, target),
        live={"lr": lr, "sampler": sampler, "sample_steps": steps_used},
        max_steps=BUDGET, snapshot_every=1.0, snapshot_share=0.1, reset_label="Settings changed",  # new samples every
        # 1-2 s alone (a picture is a few hundred network evaluations); at the default 2 %, every 4.7 s
        model="ddpm", cfg=cfg, start=start,
    )

live.control_bar(job, NAME, weights=True)


def forward_state(snap: dict, frac: float) -> np.ndarray:
    """x_t of the shown data points at t = frac·T (the same noise draw for every t), data units."""
    ab = snap["alpha_bar"]
    idx = min(int(round(frac * (len(ab) - 1))), len(ab) - 1)
    mean, scale = snap["data_mean"], snap["data_scale"]  # the model's standardisation
    x0 = (snap["forward"][0] - mean) / scale
    z = np.random.default_rng(0).standard_normal(x0.shape)
    return (np.sqrt(ab[idx]) * x0 + np.sqrt(1 - ab[idx]) * z) * scale + mean


def draw(job) -> None:
    snap = job.snapshot()
    modes = snap.get("modes")
    T_ = len(snap["alpha_bar"])
    method = SAMPLER_LABEL[snap["sampler"]]
    frac = t_pct / 100

    box = bounds_of(snap["data"])
    left, mid, right = st.columns([1, 1, 1.1])
    with left:
        layout.chart(samples_figure(snap["data"], snap["samples"],
                                    f"{method}, {snap['sample_steps']} steps", modes=modes, bounds=box,
                                    height=380), "samples", main=True)
    with mid:
        layout.chart(trajectories(snap["paths"], "Reverse trajectories x_T → x_0", data=snap["data"],
                                  bounds=bounds_of(snap["data"], snap["paths"][0]), height=380), "paths")
    with right:
        layout.chart(curves(job.metrics(), [("ε-prediction loss", "loss")], "Loss L(θ)", "MSE", height=240,
                            reference=live.kept(NAME)), "loss")
        quality = []  # one line: three st.metric boxes in this narrow column cut their values at 1280 px
        if "metric_high_quality" in snap:
            quality += [f"modes captured **{snap['metric_modes_captured']:.0f} / {snap['metric_n_modes']:.0f}**",
                        f"high quality **{snap['metric_high_quality']:.0%}**"]
        quality.append(f"energy distance **{snap['metric_energy']:.3f}** (0 = like the data, 1 = like noise)")
        st.markdown(" · ".join(quality))
        layout.chart(schedule_figure(snap["alpha_bar"], snap["betas"], t_mark=frac * T_, height=200), "schedule")

    st.subheader("Forward process: the data dissolve into noise")
    titles = [f"t = {int(round(t))}" for t in snap["forward_t"]]
    panels = np.concatenate([snap["forward"], forward_state(snap, frac)[None]])
    layout.chart(forward_panels(panels, titles + [f"slider: t = {int(round(frac * T_))}"],
                                highlight=len(panels) - 1), "forward")

    key = "high_quality" if "quality_ddpm_high_quality" in snap else "energy"
    series = [(SAMPLER_LABEL[m], snap[f"quality_{m}_{key}"]) for m in METHODS if f"quality_{m}_{key}" in snap]
    label = "high-quality share" if key == "high_quality" else "energy distance"
    layout.chart(quality_vs_steps(snap.get("quality_steps"), series, label, higher_is_better=key != "energy",
                                  height=280), "quality")
    st.caption("Each sampling step is one evaluation of the network ε_θ. Measured on 500 samples every "
               "1,000 training steps.")


live.live_view(job, NAME, draw)
live.replay(job, NAME)

with layout.explanation():
    st.markdown(
        "The forward process adds a little Gaussian noise at each of T steps until the data are pure noise. "
        "A network ε_θ learns to tell, from a noisy point x_t and the step t, which noise was added. "
        "Sampling runs the process backwards: from noise, remove the predicted noise step by step — "
        "*a long sequence of small denoisers*."
    )
    st.latex(r"q(x_t \mid x_0) = \mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\;(1-\bar\alpha_t)\,I\big),\qquad "
             r"\bar\alpha_t = \prod_{s=1}^{t}(1-\beta_s)")
    st.latex(r"L(\theta) = \mathbb E_{x_0,\,t,\,\varepsilon}\,\big\lVert \varepsilon - "
             r"\varepsilon_\theta\big(\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon,\; t\big)\big\rVert^2")
    st.markdown(
        "**Sampling with all T steps.** DDPM draws x_T ~ N(0, I), then at each step removes the predicted noise "
        "and adds fresh noise of standard deviation σ_t, the spread of the true reverse step "
        "q(x_{t−1} | x_t, x₀) (its posterior variance β̃_t):"
    )
    st.latex(r"\text{DDPM: } x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,"
             r"\varepsilon_\theta(x_t,t)\Big) + \sigma_t z,\quad z\sim\mathcal N(0,I),\quad x_T\sim\mathcal N(0,I),"
             r"\quad \sigma_t^2 = \tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\,\beta_t")
    st.markdown(
        "Here the code computes the same step from the denoised estimate x̂₀ (defined below), first clipped to "
        "the data's range with a margin, so that a wild x̂₀ at a noisy step cannot throw the point far away: "
        "the mean is that of q(x_{t−1} | x_t, x̂₀). Without clipping the two are equal (to rounding error).\n\n"
        "**Sampling with fewer steps S < T** (the *Sampling steps* slider) visits an evenly spaced subsequence "
        "τ_S > … > τ_1 of the T steps, and both samplers take the DDIM step from τ to the next τ′ "
        "(ᾱ = 1 after the last one, which returns x̂₀). The sampler called DDPM here is this step with η = 1 "
        "(stochastic: with all T steps it is exactly the DDPM step above); DDIM is η = 0 (no noise: "
        "deterministic given x_T)."
    )
    st.latex(r"x_{\tau'} = \sqrt{\bar\alpha_{\tau'}}\;\hat x_0 + \sqrt{1-\bar\alpha_{\tau'}-\sigma^2}\;"
             r"\varepsilon_\theta(x_\tau,\tau) + \sigma z,\qquad \hat x_0 = \frac{x_\tau - \sqrt{1-\bar\alpha_\tau}\,"
             r"\varepsilon_\theta(x_\tau,\tau)}{\sqrt{\bar\alpha_\tau}}")
    st.latex(r"\sigma = \eta\,\sqrt{\frac{1-\bar\alpha_{\tau'}}{1-\bar\alpha_\tau}}\,"
             r"\sqrt{1-\frac{\bar\alpha_\tau}{\bar\alpha_{\tau'}}},\qquad "
             r"\text{DDPM: } \eta = 1,\quad \text{DDIM: } \eta = 0")
    st.markdown(
        "**The same model in continuous time** (Song et al., 2021). With many small steps the forward process "
        "becomes the stochastic differential equation (SDE) below, with β(t) the schedule and W a Brownian "
        "motion. Run backwards in time it becomes the reverse SDE, which needs only the score ∇ₓ log p_t of the "
        "noised data: that is what ε_θ gives, up to a scale, since the best guess of the noise is the score "
        "times −√(1−ᾱ_t) (Tweedie's formula; the score page learns s_θ directly). A third equation, the "
        "probability-flow ODE, has no noise at all yet carries the same marginals p_t from noise to data. "
        "The DDPM sampler above is a discretisation of the reverse SDE; DDIM (η = 0) is one of the "
        "probability-flow ODE. Both run the same trained ε_θ: switch *Sampler* to compare them, and the "
        "curve at the bottom measures both at every number of steps."
    )
    st.latex(r"\text{forward SDE: } dx = -\tfrac12\beta(t)\,x\,dt + \sqrt{\beta(t)}\,dW")
    st.latex(r"\text{reverse SDE: } dx = \big[-\tfrac12\beta(t)\,x - \beta(t)\,\nabla_x\log p_t(x)\big]\,dt "
             r"+ \sqrt{\beta(t)}\,d\bar W \qquad \text{probability-flow ODE: } \frac{dx}{dt} = "
             r"-\tfrac12\beta(t)\big[x + \nabla_x\log p_t(x)\big]")
    st.latex(r"s_\theta(x_t, t) = -\frac{\varepsilon_\theta(x_t, t)}{\sqrt{1-\bar\alpha_t}} \approx "
             r"\nabla_x \log p_t(x_t)")
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **The 25-mode grid, Fourier features 0**: a plain MLP on (x₁, x₂) blurs the modes; with 4 frequencies "
        "of sin and cos of x as extra inputs the same network gets them sharp."
    )
