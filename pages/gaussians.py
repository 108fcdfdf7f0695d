"""Gaussians and mixtures: maximum likelihood, EM step by step, sampling, and choosing K."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.gmm import COVARIANCE_TYPES, INITS, K_MAX, GaussianFitTrainer, GmmConfig, GmmTrainer, sample_mixture
from core.gmm_data import (DATA_LABELS, DATA_NAMES, SAMPLE_HZ, THRESHOLD_UV, data_warnings, load_data,
                           points_from_csv, spike_trace)
from core.gmm_select import SweepTrainer
from core.runner import TERMINAL
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_gaussians import (
    criteria_figure,
    gaussian_1d,
    gaussian_2d,
    mixture_1d,
    mixture_2d,
    samples_1d,
    samples_by_component,
    spike_trace_figure,
)
from dashboard.fig_samples import bounds_of, samples_figure
from dashboard.figures import curves
from dashboard.presets import GAUSSIANS as TRY

FIT, EM, SWEEP = "gauss", "gmm", "gmm_sweep"
URL = "gaussians"  # the page's url_path (dashboard/topics.py)
UPLOAD = "csv"
CSV_STATE = "gmm_csv"  # the last good upload: (digest, (n, d) array)
FLOORS = (0.000001, 0.00001, 0.0001, 0.001, 0.01, 0.1, 1.0)
SPREADS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8)
EM_BUDGET, EM_RATE = 300, 6.0  # EM iterations per run; iterations per second, slow enough to watch

notices = layout.page(
    "Gaussians and mixtures",
    "**Learning = estimating the parameters; generating = sampling from the fit.**")

# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    st.header("Data")
    source = ui.select("Data set", "data", (*DATA_NAMES, UPLOAD), "blobs",
                       format_func=lambda s: "Your CSV (1 or 2 numeric columns)" if s == UPLOAD else DATA_LABELS[s])
    if source == UPLOAD:
        ui.kept_upload("CSV with one or two numeric columns", "gmm_file", points_from_csv, CSV_STATE, "data")
    builtin = source != UPLOAD
    n_points = ui.slider("Number of points", "n", 20, 2000, 500, 10, disabled=not builtin)
    spread = ui.log_slider("Spread (std of each cluster, or noise)", "spread", SPREADS, 0.3,
                           disabled=source in (UPLOAD, "voltage"))
    clusters = ui.slider("Clusters (blobs)", "clusters", 1, 10, 4, disabled=source != "blobs")
    layout.presets(TRY)

with layout.settings():
    st.header("Mixture")
    k = ui.slider("Components K", "k", 1, K_MAX, 4)
    init = ui.select("Initial means", "init", INITS, "kmeans++",
                     format_func={"kmeans++": "k-means++", "random": "random points"}.get)
    kind = ui.select("Covariance", "cov", COVARIANCE_TYPES, "full",
                     format_func={"full": "full (any ellipse)", "diag": "diagonal (axis-aligned)",
                                  "spherical": "spherical (circles)"}.get)
    floor = ui.log_slider("Covariance floor ε (variances ≥ ε)", "floor", FLOORS, 0.000001)
    seed = ui.number("Seed", "seed", 0, 9999, 0)
    n_samples = ui.slider("Samples to draw", "ns", 50, 3000, 500, 50)

ui.show_url_notices(notices)
layout.preset_note(URL)

# ------------------------------------------------------------------ the data
if builtin:
    x = load_data(source, n_points, spread, clusters, seed)
    data_key: tuple = (source, n_points, spread, clusters, seed)
elif CSV_STATE in st.session_state:
    data_key, x = ("csv", st.session_state[CSV_STATE][0]), st.session_state[CSV_STATE][1]
else:
    x, data_key = None, None
    st.info("Upload a CSV with one or two numeric columns in the sidebar (for example spike amplitudes).",
            icon=":material/upload_file:")
x_title = "amplitude (µV)" if source == "voltage" else "x"
if x is not None:
    for note in data_warnings(x, floor):
        st.warning(note, icon=":material/warning:")
if source == "voltage":
    with st.expander("The recording these amplitudes are read from", icon=":material/electric_bolt:"):
        layout.chart(spike_trace_figure(spike_trace(n_points, seed), SAMPLE_HZ, THRESHOLD_UV), "spike_trace")
        st.caption("Three neurons near one electrode fire at their own rates; each spike adds a brief waveform "
                   "to the electrode's noise. A detector takes the peak of every rise above the threshold: those "
                   "peaks are the data. The colours are the truth, which the mixture must find without being told.")

fit_tab, em_tab, k_tab = st.tabs(["Gaussian fit", "Mixture by EM", "Choosing K"])


def _vec(v: np.ndarray) -> str:
    return r"\begin{pmatrix}" + r"\\ ".join(f"{a:.3g}" for a in v) + r"\end{pmatrix}"


def _mat(m: np.ndarray) -> str:
    return r"\begin{pmatrix}" + r"\\ ".join(" & ".join(f"{a:.3g}" for a in row) for row in m) + r"\end{pmatrix}"


# ------------------------------------------------------------------ tab 1: one Gaussian
with fit_tab:
    fit_job = None
    if x is not None:
        fit_job = live.ensure_job(FIT, (data_key, floor, n_samples),
                                  live.RunSpec.of(GaussianFitTrainer, x, floor=floor, n_samples=n_samples, seed=seed),
                                  max_steps=GaussianFitTrainer.BATCHES, max_steps_per_s=8.0,
                                  reset_label="Data changed")
    live.control_bar(fit_job, FIT, keep=False)

    def draw_fit(job) -> None:
        snap = job.snapshot()
        xs, seen, mu, cov, samples = snap["x"], int(snap["seen"]), snap["mean"], snap["cov"], snap["samples"]
        charts = st.container()
        formula = st.container()  # the fit's formula goes below the charts: they stay on the first screen
        tall = 340 if layout.presenting() else 360  # on screen under the tabs
        if xs.shape[1] == 1:
            var = float(cov[0, 0])
            formula.latex(rf"p(x) = \frac{{1}}{{\sqrt{{2\pi\cdot {var:.4g}}}}}\,"
                          rf"\exp\!\Big(-\frac{{(x - {mu[0]:.4g})^2}}{{2\cdot {var:.4g}}}\Big)"
                          rf"\qquad \hat\mu = {mu[0]:.4g},\ \hat\sigma = {np.sqrt(var):.4g}\quad (n = {seen})")
            left, right = charts.columns(2)
            with left:
                layout.chart(gaussian_1d(xs, mu[0], var, f"Data and the fit N(μ̂, σ̂²) (first {seen} points)",
                                         x_title, seen=seen, height=tall), "fit_curve", main=True)
            with right:
                layout.chart(samples_1d(xs[:seen], samples, f"{len(samples)} samples from the fit beside the data",
                                        x_title, height=tall), "fit_samples")
        else:
            det = float(np.linalg.det(cov))
            formula.latex(rf"p(x) = \frac{{1}}{{2\pi\sqrt{{{det:.4g}}}}}\exp\!\Big(-\tfrac12 (x-\hat\mu)^\top "
                          rf"\hat\Sigma^{{-1}}(x-\hat\mu)\Big)")
            formula.latex(rf"\hat\mu = {_vec(mu)},\quad \hat\Sigma = {_mat(cov)}\quad (n = {seen})")
            bounds = bounds_of(xs, samples)
            left, right = charts.columns(2)
            with left:
                layout.chart(gaussian_2d(xs, mu, cov, f"Data, density and 1σ/2σ ellipses (first {seen} points)",
                                         seen=seen, height=tall), "fit_2d", main=True)
            with right:
                layout.chart(samples_figure(None, samples, f"{len(samples)} samples from N(μ̂, Σ̂)",
                                            fake_name="samples", bounds=bounds, height=tall),
                             "fit_samples")
        hist = job.metrics()
        if len(hist.get("step", [])):
            st.caption(f"Mean log-likelihood of all {len(xs)} points under the fit: "
                       f"{hist['log_likelihood'][-1]:.4f} (largest for the fit to all n = {len(xs)} points, the "
                       "maximum-likelihood fit; on the way there it can fall as well as rise from one batch to the "
                       "next).")

    live.live_view(fit_job, FIT, draw_fit)
    with layout.explanation():
        st.markdown("A Gaussian is fitted by maximum likelihood in closed form: the maximum-likelihood Gaussian "
                    "is the mean and the covariance of the data. **Play** shows "
                    "the data to the fit a batch at a time: the estimate settles as n grows.")
        st.latex(r"\hat\mu = \frac1n\sum_{i=1}^n x_i,\qquad "
                 r"\hat\Sigma = \frac1n\sum_{i=1}^n (x_i-\hat\mu)(x_i-\hat\mu)^\top")
        st.latex(r"\text{sample: } x = \hat\mu + L z,\quad LL^\top = \hat\Sigma,\quad z\sim\mathcal N(0, I)")
        st.markdown(
            "The caption under the charts scores every fit on **all** the points. The fit to all of them is the "
            "maximum-likelihood fit, so no fit to fewer points can score higher; but a fit to the first m "
            "points is not always better than the fit to fewer: a batch of unusual points can pull it away "
            "for a while, and the score falls before it rises again."
        )

# ------------------------------------------------------------------ tab 2: the mixture by EM
with em_tab:
    em_job = None
    if x is not None:
        cfg = GmmConfig(data="page", k=k, init=init, covariance=kind, floor=floor, seed=seed)
        em_job = live.ensure_job(EM, (data_key, k, init, kind, floor, seed), live.RunSpec.of(GmmTrainer, cfg, x),
                                 max_steps=EM_BUDGET, max_steps_per_s=EM_RATE)
    live.control_bar(em_job, EM)

    def _next_m(job) -> bool:
        """True when the next half of an EM iteration is the M-step (the colours are up to date)."""
        return bool(job.snapshot().get("next_m", True))

    def _half(job) -> None:
        if _next_m(job):
            job.set_live(half_step=True)  # the M-step alone: not a step, no new point on the curve
        else:
            job.step_once()  # the E-step completes the iteration: one step, one point on the curve

    if em_job is not None:
        next_m = _next_m(em_job)
        c1, c2 = st.columns([1.4, 3], vertical_alignment="center")
        c1.button(":material/call_split: Half step: " + ("M-step" if next_m else "E-step"), key="gmm_half",
                  on_click=_half, args=(em_job,), disabled=em_job.active or em_job.state in TERMINAL,
                  width="stretch", help="Run only the next half of an EM iteration")
        c2.caption("Next: **M-step**, move every component to the points it is responsible for." if next_m else
                   "Next: **E-step**, recolour every point by the components' new responsibilities.")

    def draw_em(job) -> None:
        snap = job.snapshot()
        xs, resp, w, mu, covs = snap["x"], snap["resp"], snap["weights"], snap["means"], snap["covs"]
        left, right = st.columns([1.2, 1])
        # short enough for the left column at 1280 px (423 px; the longer title was cut at its right edge)
        title = "Responsibilities (colours), " + ("component curves" if xs.shape[1] == 1 else "1σ/2σ ellipses")
        with left:
            tall = 320 if layout.presenting() else 470  # presenter mode: on screen under the half-step row
            fig = (mixture_1d(xs, resp, w, mu, covs, title, x_title, height=tall) if xs.shape[1] == 1
                   else mixture_2d(xs, resp, w, mu, covs, title, height=tall))
            layout.chart(fig, "em_mix", main=True)
        with right:
            hist = job.metrics()
            layout.chart(curves(hist, [("ℓ(θ)", "log_likelihood")], "Mean log-likelihood per point",
                                "(1/n) Σ log p_θ(xᵢ)", height=280, reference=live.kept(EM)), "em_ll")
            last = job.last_metrics
            if last:
                c1, c2, c3 = st.columns(3)
                c1.metric("ℓ(θ)", f"{last['log_likelihood']:.4f}")
                c2.metric("BIC", f"{last['bic']:,.1f}")
                c3.metric("AIC", f"{last['aic']:,.1f}")
                ll = hist.get("log_likelihood", np.zeros(0))
                if len(ll) > 1 and ll[-1] - ll[-2] < 1e-6:
                    st.success("Converged: the last iteration gained less than 10⁻⁶ per point.",
                               icon=":material/check_circle:")
        samples, comps = sample_mixture(w, mu, covs, n_samples, seed)
        left, right = st.columns([1.2, 1])
        with left:
            layout.chart(samples_by_component(samples, comps, len(w), f"{n_samples} samples, coloured by component",
                                              x_title, data=xs if xs.shape[1] == 2 else None, height=380),
                         "em_samples")
        right.markdown("**Generating = sampling.** For each new point, pick a component k with probability π_k, "
                       "then draw from that Gaussian:")
        right.latex(r"k \sim \mathrm{Categorical}(\pi_1,\dots,\pi_K),\qquad x = \mu_k + L_k z,\ "
                    r"L_k L_k^\top = \Sigma_k,\ z\sim\mathcal N(0, I)")
        right.caption("The grey points are the data; the samples are new points from p_θ, as many as you like "
                      "(sidebar: Samples to draw).")

    live.live_view(em_job, EM, draw_em)
    with layout.explanation():
        st.markdown("A mixture of K Gaussians is fitted by EM, which alternates two easy steps and never lowers "
                    "the likelihood: the E-step gives every point its responsibilities r_ik, the M-step refits "
                    "every component to the points it is responsible for.")
        st.latex(r"p_\theta(x) = \sum_{k=1}^K \pi_k\,\mathcal N(x\mid\mu_k,\Sigma_k),\qquad "
                 r"\text{E: } r_{ik} = \frac{\pi_k\,\mathcal N(x_i\mid\mu_k,\Sigma_k)}"
                 r"{\sum_j \pi_j\,\mathcal N(x_i\mid\mu_j,\Sigma_j)}")
        st.latex(r"\text{M: } N_k = \sum_i r_{ik},\quad \pi_k = \frac{N_k}{n},\quad "
                 r"\mu_k = \frac{1}{N_k}\sum_i r_{ik}x_i,"
                 r"\quad \Sigma_k = \frac{1}{N_k}\sum_i r_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top \succeq \varepsilon I")

# ------------------------------------------------------------------ tab 3: choosing K
with k_tab:
    sweep_job = None
    if x is not None:
        sweep_job = live.ensure_job(SWEEP, (data_key, init, kind, floor, seed),
                                    live.RunSpec.of(SweepTrainer, x, K_MAX, init=init, kind=kind, floor=floor,
                                                    seed=seed),
                                    max_steps=K_MAX)
    live.control_bar(sweep_job, SWEEP, keep=False)

    def draw_sweep(job) -> None:
        snap = job.snapshot()
        layout.chart(criteria_figure(snap["k"], snap["bic"], snap["aic"], K_MAX), "sweep", main=True)
        if len(snap["k"]):
            best_b = int(snap["k"][np.nanargmin(snap["bic"])]) if np.isfinite(snap["bic"]).any() else None
            best_a = int(snap["k"][np.nanargmin(snap["aic"])]) if np.isfinite(snap["aic"]).any() else None
            st.markdown(f"So far BIC prefers **K = {best_b}** and AIC **K = {best_a}** "
                        f"(fitted K = 1 … {len(snap['k'])}).")

    live.live_view(sweep_job, SWEEP, draw_sweep)
    with layout.explanation():
        st.markdown("More components always fit the data better, so the likelihood alone cannot choose K. "
                    "BIC and AIC charge for every free parameter p; the K with the lowest value wins. "
                    "**Play** fits K = 1 … 10 (best of 3 starts each) in the background.")
        st.latex(r"\mathrm{BIC} = -2\log L(\hat\theta) + p\log n,\qquad "
                 r"\mathrm{AIC} = -2\log L(\hat\theta) + 2p")

with layout.explanation("Try this"):
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **Step in halves** on the blobs: after an M-step the ellipses move but the colours lag; the E-step "
        "recolours the points.\n"
        "- **Where the spike amplitudes come from**: they are read off a simulated recording (open *The "
        "recording*). Their law is close to a mixture of three Gaussians, one per neuron, with weights π_k = each "
        "neuron's share of the spikes, but the electrode's noise widens each bump, so σ̂_k comes out a little "
        "larger than the neuron's own spread."
    )
