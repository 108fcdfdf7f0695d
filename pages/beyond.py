"""Beyond generation: a density finds outliers, an auto-encoder removes noise, maximum likelihood
estimates parameters, and a simulator's parameters are found by simulating (ABC); a generative prior restores
damaged digits."""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from core.abc_inference import AbcConfig, AbcTrainer
from core.denoising import CORRUPTIONS, DenoiseConfig, DenoiseTrainer
from core.estimation import PROCESSES, EstimateConfig, EstimateTrainer, steps_to_reach
from core.restoration import DAMAGES, RestoreConfig, RestoreTrainer
from core.outliers import OutlierConfig, OutlierTrainer, rates_at
from core.targets2d import TARGET_LABELS, TARGET_NAMES
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_beyond import abc_figures, digit_rows, error_vs_n, estimates_vs_n, histogram_fit, outlier_plane, roc_figure
from dashboard.figures import curves
from dashboard.presets import BEYOND as TRY

DEMOS = {"outlier": "Outlier detection", "denoise": "Denoising digits", "restore": "Restoring with a generative prior",
         "estimate": "Parameter estimation", "abc": "A simulator's parameters (ABC)"}
LR_LADDER = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
N_MAX_LADDER = (1_000, 3_000, 10_000, 30_000, 100_000)
URL = "beyond"  # the page's url_path (dashboard/topics.py)

notices = layout.page(
    "Beyond generation",
    "A model of p_data is useful even if we never sample from it: its likelihood finds outliers, it restores "
    "damaged data, and fitting it estimates the parameters of the process that made the data.")

with st.sidebar:
    demo = ui.select("Demonstration", "demo", list(DEMOS), "outlier", format_func=DEMOS.get)
    layout.presets(TRY)
layout.preset_note(URL)


def try_this(prose: str = "") -> None:
    """The demonstration's presets and its other ideas; then the links to the other demonstrations' presets."""
    mine = [p for p in TRY if p.values["demo"] == demo]
    if mine:
        layout.preset_list(mine, URL)
    else:
        st.markdown("**Try this**")
    if prose:
        st.markdown(prose)
    others = [p for p in TRY if p.values["demo"] != demo]
    st.markdown("In the other demonstrations: " + " · ".join(
        f"[{p.name}]({layout.preset_link(URL, p)}) ({DEMOS[p.values['demo']]})" for p in others))


# =========================================================================== outlier detection
def outlier_demo() -> None:
    st.subheader("Outlier detection: flag what the density finds unlikely")
    with st.sidebar:
        st.header("Data")
        data = ui.select("Inliers", "o_data", TARGET_NAMES, "moons", format_func=TARGET_LABELS.get)
        st.header("Decision")
        flag = ui.slider("Flag the least likely (% of points)", "o_flag", 1, 50, 5)
    with layout.settings():
        st.header("Inliers and outliers")
        n = ui.slider("Number of inliers", "o_n", 50, 2000, 400, 50)
        share = ui.slider("Injected outliers (% of all points)", "o_share", 1, 30, 5)
        spread = ui.slider("Inlier noise (std)", "o_spread", 0.0, 0.3, 0.1, 0.01)
        st.header("Density model")
        k = ui.slider("Mixture components K", "o_k", 1, 12, 6)
        seed = ui.number("Seed", "seed", 0, 9999, 0)
    ui.show_url_notices(notices)
    cfg = OutlierConfig(data=data, n_inliers=n, outlier_share=share / 100, spread=spread, k=k, seed=seed)
    job = live.ensure_job("outlier", cfg, live.RunSpec.of(OutlierTrainer, cfg), max_steps=300, max_steps_per_s=15)
    live.control_bar(job, "outlier")

    def draw(job) -> None:
        snap = job.snapshot()
        score, truth = snap["score"], snap["is_outlier"]
        threshold = float(np.quantile(score, 1 - flag / 100, method="higher"))
        rates = rates_at(score, truth, threshold)
        left, right = st.columns([1.15, 1])
        with left:
            layout.chart(outlier_plane(snap, threshold), "o_plane", main=True)
        with right:
            layout.chart(roc_figure(snap["fpr"], snap["tpr"], float(snap["auc"]), (rates["fpr"], rates["tpr"])),
                         "o_roc")
            c1, c2, c3 = st.columns(3)
            c1.metric("Outliers found (TPR)", f"{rates['tpr']:.0%}")
            c2.metric("Inliers flagged (FPR)", f"{rates['fpr']:.0%}")
            c3.metric("Flags that are outliers", f"{rates['precision']:.0%}")
            st.caption(f"Threshold τ = {threshold:.2f} (dashed contour: log p_θ(x) = −τ). "
                       f"{int(truth.sum())} of {len(truth)} points are injected outliers; the model was not told which. "
                       "Outliers that fall inside the data's region cannot be found by any density.")
        layout.chart(curves(job.metrics(), [("mean log-likelihood", "log_likelihood")],
                            "EM: mean log-likelihood of all points", "(1/n) Σ log p_θ(xᵢ)", height=240,
                            reference=live.kept("outlier")), "o_ll")

    live.live_view(job, "outlier", draw)
    with layout.explanation():
        st.markdown(
            "A model of p_data is useful even if we never sample from it. Its likelihood tells how *typical* "
            "a point is (outliers are unlikely), what a damaged image should have looked like (denoising, "
            "restoration), and fitting it is estimating the parameters of the process that made the data."
        )
        st.latex(r"p_\theta(x) = \sum_{k=1}^K \pi_k\,\mathcal N(x\mid\mu_k,\Sigma_k)\ \text{(EM on all points)}")
        st.latex(r"\text{score}(x) = -\log p_\theta(x),\qquad \text{flag } x \text{ if score}(x) \ge \tau")
        try_this("- **30 % outliers**: flagging 5 % of the points can now find at most a sixth of the outliers "
                 "(17 % here): choose the share to flag from how many outliers you expect.")


# =========================================================================== denoising
def denoise_demo() -> None:
    st.subheader("Denoising: an auto-encoder restores damaged digits")
    with layout.settings():
        st.header("Damage")
        kind = ui.select("Corruption", "d_kind", list(CORRUPTIONS), "noise", format_func=CORRUPTIONS.get)
        level = ui.slider("Level", "d_level", 0.0, 1.0, 0.4, 0.05)
        train_on = ui.select("Train the auto-encoder on", "d_train", ("corrupted", "clean"), "corrupted",
                             format_func={"corrupted": "damaged digits (denoising AE)",
                                          "clean": "clean digits (plain AE)"}.get)
        st.header("Auto-encoder")
        latent = ui.slider("Latent size (code z)", "d_latent", 1, 32, 16)
        lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, 0.003)
        seed = ui.number("Seed", "seed", 0, 9999, 0)
    ui.show_url_notices(notices)
    cfg = DenoiseConfig(corruption=kind, level=level, train_on=train_on, latent=latent, lr=lr, seed=seed)
    job = live.ensure_job("denoise", dataclasses.replace(cfg, lr=0.0), live.RunSpec.of(DenoiseTrainer, cfg),
                          live={"lr": lr}, max_steps=20_000)
    live.control_bar(job, "denoise")

    def draw(job) -> None:
        snap = job.snapshot()
        left, right = st.columns([1.2, 1])
        with left:
            layout.chart(digit_rows([("clean x", snap.get("clean")), ("damaged x̃", snap.get("corrupted")),
                                     ("restored", snap.get("restored"))]), "d_digits", main=True)
            st.caption("Test digits the auto-encoder never trained on, with one fixed damage.")
        with right:
            layout.chart(curves(job.metrics(), [("before: damaged", "error_before"),
                                                ("after: restored", "error_after")],
                                "Error on the test digits", "squared error per image", height=300,
                                reference=live.kept("denoise")), "d_err")
            last = job.last_metrics
            if last:
                c1, c2 = st.columns(2)
                c1.metric("Error before", f"{last['error_before']:.2f}")
                c2.metric("Error after", f"{last['error_after']:.2f}",
                          delta=f"{last['error_after'] - last['error_before']:+.2f}", delta_color="inverse")

    live.live_view(job, "denoise", draw)
    with layout.explanation():
        st.markdown(
            "A model of p_data is useful even if we never sample from it. Its likelihood tells how *typical* "
            "a point is (outliers are unlikely), what a damaged image should have looked like (denoising, "
            "restoration), and fitting it is estimating the parameters of the process that made the data."
        )
        st.latex(r"\tilde x = \mathrm{corrupt}(x),\qquad \min_{E,D}\ \mathbb E\,\big\lVert D(E(\tilde x)) - x\big\rVert^2"
                 r"\qquad\text{error before } \lVert \tilde x - x\rVert^2 \ \text{vs after } \lVert D(E(\tilde x)) - x\rVert^2")
        try_this(
            "- **Plain AE** (trained on clean digits) against the **denoising AE**: both project onto what "
            "digits look like, but the one trained on damage restores far better.\n"
            "- **Erased square, level 0.5**: a quarter of the digit is gone; the model fills it in from what "
            "it knows digits look like (inpainting).\n"
            "- **Latent size 1 or 2**: every restoration looks like one of a few typical digits."
        )


# =========================================================================== restoring with a generative prior
def restore_demo() -> None:
    st.subheader("Restoring with a generative prior (the VAE)")
    with layout.settings():
        st.header("Damage")
        damage = ui.select("Damage", "r_kind", list(DAMAGES), "block", format_func=DAMAGES.get)
        level = ui.slider("Level (square side / 8, or share of pixels missing)", "r_level", 0.1, 0.9, 0.5, 0.05,
                          disabled=damage == "half")
        st.header("Search in the latent space")
        restarts = ui.slider("Codes tried per digit", "r_restarts", 1, 32, 8)
        seed = ui.number("Seed", "seed", 0, 9999, 0)
    ui.show_url_notices(notices)
    cfg = RestoreConfig(damage=damage, level=level, restarts=restarts, seed=seed)
    job = live.ensure_job("restore", cfg, live.RunSpec.of(RestoreTrainer, cfg), max_steps=300, max_steps_per_s=30)
    live.control_bar(job, "restore")

    def draw(job) -> None:
        snap = job.snapshot()
        left, right = st.columns([1.2, 1])
        with left:
            shown = slice(0, 8)  # the errors are measured on all 16
            layout.chart(digit_rows([("x", snap["truth"][shown]), ("left", snap["damaged"][shown]),
                                     ("x̂", snap["restored"][shown])]), "r_digits", main=True)
            st.caption("Test digits (8 of the 16 measured): the truth x, what is left, the restoration x̂. The VAE "
                       "was trained on clean digits only and never saw this damage.")
        with right:
            layout.chart(curves(job.metrics(), [("VAE prior: D(z*)", "error_prior"),
                                                ("average digit", "error_mean_digit")],
                                "Error on the missing pixels", "mean squared error", height=300,
                                reference=live.kept("restore")), "r_err")
            c1, c2 = st.columns(2)
            c1.metric("VAE prior", f"{float(snap['error_prior']):.3f}")
            c2.metric("Average digit", f"{float(snap['error_mean_digit']):.3f}")

    live.live_view(job, "restore", draw)
    with layout.explanation():
        st.markdown(
            "The denoising auto-encoder learned to undo one kind of damage from examples of it. A **generative "
            "model** needs no such examples: it knows what digits look like. Here the VAE of the auto-encoder page, "
            "trained on clean digits only, restores a damaged digit by asking which code z most probably produced "
            "the pixels that are left (M), under its prior p(z) = N(0, I); the decoder then fills in the missing "
            "pixels. Each step is one gradient step on z; several starting codes per digit (the encoder's guess "
            "and draws from the prior) avoid poor local optima, and each digit keeps its best."
        )
        st.latex(r"z^* = \arg\max_z\ \log p_\theta(x_M \mid z) + \log p(z)\qquad "
                 r"\hat x_i = \begin{cases} x_i & i \in M \\ D(z^*)_i & i \notin M\end{cases}")
        try_this(
            "- **Missing bottom half**: from the top half alone, is it a 7 or a 9? The prior picks the most probable "
            "digit, not always the right one.\n"
            "- Compare with the **average digit**: a prior with no model fills every hole with the same blur."
        )


# =========================================================================== parameter estimation
def estimate_demo() -> None:
    st.subheader("Parameter estimation: maximum likelihood converges as n grows")
    with layout.settings():
        st.header("The process that makes the data")
        process = ui.select("Process", "e_proc", list(PROCESSES), "gaussian", format_func=PROCESSES.get)
        mu = sigma = rate = sep = None
        if process == "gaussian":
            mu = ui.slider("True μ", "e_mu", -3.0, 3.0, 1.0, 0.1)
            sigma = ui.slider("True σ", "e_sigma", 0.2, 3.0, 2.0, 0.1)
        elif process == "exponential":
            rate = ui.slider("True λ", "e_rate", 0.2, 5.0, 1.5, 0.1)
        else:
            sep = ui.slider("Distance between the two means", "e_sep", 0.5, 6.0, 3.0, 0.5)
        n_max = ui.log_slider("Samples at the end", "e_nmax", N_MAX_LADDER, 100_000)
        seed = ui.number("Seed", "seed", 0, 9999, 0)
    ui.show_url_notices(notices)
    defaults = EstimateConfig()
    cfg = EstimateConfig(process=process, mu=mu if mu is not None else defaults.mu,
                         sigma=sigma if sigma is not None else defaults.sigma,
                         rate=rate if rate is not None else defaults.rate,
                         separation=sep if sep is not None else defaults.separation, n_max=n_max, seed=seed)
    job = live.ensure_job("estimate", cfg, live.RunSpec.of(EstimateTrainer, cfg),
                          max_steps=steps_to_reach(n_max), max_steps_per_s=10)
    live.control_bar(job, "estimate")

    def draw(job) -> None:
        history = job.metrics()
        snap = job.snapshot()
        truth, estimate = snap["truth"], snap["estimate"]
        c1, c2, c3 = st.columns(3)
        with c1:
            layout.chart(histogram_fit(snap), "e_hist")
        with c2:
            layout.chart(estimates_vs_n(history, truth, reference=live.kept("estimate")), "e_est", main=True)
        with c3:
            layout.chart(error_vs_n(history, reference=live.kept("estimate")), "e_err")
        if estimate:
            shown = " · ".join(f"{k}̂ = {v:.3f} (true {truth[k]:g})" for k, v in estimate.items())
            st.markdown(f"**n = {int(snap['n']):,}**: {shown}")

    live.live_view(job, "estimate", draw)
    with layout.explanation():
        st.markdown(
            "A model of p_data is useful even if we never sample from it. Its likelihood tells how *typical* "
            "a point is (outliers are unlikely), what a damaged image should have looked like (denoising, "
            "restoration), and fitting it is estimating the parameters of the process that made the data."
        )
        st.latex(r"\hat\theta_n = \arg\max_\theta \sum_{i=1}^n \log p_\theta(x_i),\qquad "
                 r"\text{Gaussian: } \hat\mu = \bar x,\ \hat\sigma^2 = \tfrac1n\textstyle\sum (x_i-\bar x)^2,\quad "
                 r"\text{exponential: } \hat\lambda = 1/\bar x,\qquad \lVert\hat\theta_n - \theta\rVert \sim 1/\sqrt n")
        try_this(
            "- The error line follows the dashed slope −1/2: **100 times more data, 10 times smaller error**.\n"
            "- **Mixture** with the means 0.5 apart: the two bumps merge and EM needs far more samples to "
            "tell them apart.\n"
            "- Change the **seed**: the path of the estimate changes, the rate does not."
        )


# =========================================================================== a simulator's parameters
def simulator_demo() -> None:
    st.subheader("A simulator's parameters, found by simulating (ABC)")
    with layout.settings():
        st.header("The outbreak we observe")
        beta = ui.slider("True infection rate β", "a_beta", 0.1, 1.0, 0.4, 0.05)
        gamma = ui.slider("True recovery rate γ", "a_gamma", 0.05, 0.5, 0.15, 0.01)
        population = ui.log_slider("Town size N", "a_n", (300, 1000, 3000, 10_000), 1000)
        st.header("Inference")
        keep = ui.log_slider("Parameters kept", "a_keep", (20, 50, 100, 200, 500), 100)
        seed = ui.number("Seed", "seed", 0, 9999, 0)
    ui.show_url_notices(notices)
    cfg = AbcConfig(beta=beta, gamma=gamma, population=population, keep=keep, seed=seed)
    job = live.ensure_job("abc", cfg, live.RunSpec.of(AbcTrainer, cfg), max_steps=500, max_steps_per_s=10)
    live.control_bar(job, "abc", keep=False)

    def draw(job) -> None:
        snap = job.snapshot()
        plane, cases = abc_figures(snap)
        left, right = st.columns(2)
        with left:
            layout.chart(plane, "a_plane", main=True)
        with right:
            layout.chart(cases, "a_cases")
        last = job.last_metrics
        if last:
            c1, c2, c3, c4 = st.columns(4)
            c1.metric("β estimate", f"{last['beta']:.3f} ± {last['beta_sd']:.3f}", help=f"true {beta:g}")
            c2.metric("γ estimate", f"{last['gamma']:.3f} ± {last['gamma_sd']:.3f}", help=f"true {gamma:g}")
            c3.metric("Growth r = β − γ", f"{last['growth']:.3f} ± {last['growth_sd']:.3f}",
                      help=f"true {beta - gamma:.3f}: early on, cases grow like exp(r·t)")
            c4.metric("Tolerance ε", f"{last['tolerance']:.3f}", help="the largest distance still kept")

    live.live_view(job, "abc", draw)
    with layout.explanation():
        st.markdown(
            "A **simulator** is a generative model we can run but whose likelihood nobody can write down: here an "
            "epidemic, day by day, in a town of N people (a stochastic SIR model). We see one outbreak's daily "
            "new cases. Which infection and recovery rates made it? **Approximate Bayesian computation** (ABC) "
            "needs only the simulator: draw θ = (β, γ) from the prior, simulate, and keep the θ whose outbreak "
            "is closest to the one observed. As simulations accumulate, the tolerance ε shrinks and the kept "
            "θ approach the posterior."
        )
        st.latex(r"\theta \sim p(\theta),\quad x \sim p(x \mid \theta) \text{ (simulate)},\quad "
                 r"\text{keep } \theta \text{ if } d(x, x_{\text{obs}}) \le \varepsilon"
                 r"\quad\Longrightarrow\quad \text{kept } \theta \sim p\big(\theta \mid d(x, x_{\text{obs}}) "
                 r"\le \varepsilon\big) \xrightarrow[\varepsilon \to 0]{} p(\theta \mid x_{\text{obs}})")
        st.latex(r"d(x, x_{\text{obs}}) = \Big(\tfrac1T \textstyle\sum_t \big(\sqrt{x_t} - "
                 r"\sqrt{x_{\text{obs},t}}\big)^2\Big)^{1/2}")
        try_this(
            "- Watch the kept cloud: it becomes a **ridge** along β = γ + r. The outbreak pins down its early "
            "growth rate r = β − γ (compare the ± of r with those of β and γ) far better than β and γ apart: "
            "not every parameter can be read off one outbreak.\n"
            "- **Keep 20 instead of 500**: a smaller tolerance, a tighter but noisier cloud.\n"
            "- **β below γ** (r < 0): the outbreak dies out at once, and many θ explain it equally well."
        )


{"outlier": outlier_demo, "denoise": denoise_demo, "restore": restore_demo, "estimate": estimate_demo,
 "abc": simulator_demo}[demo]()
