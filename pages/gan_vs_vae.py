"""GAN against VAE: both trained on the same data at the same time, samples and metrics side by side."""

from __future__ import annotations

import functools

import streamlit as st

from core.gan_presets import PRESETS, RECOMMENDED
from core.gan_vs_vae import gan_side, real_digits_score, reference, vae_side
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_gan import class_bars, digit_grid
from dashboard.fig_samples import bounds_of, samples_figure
from dashboard.figures import curves, share_of
from dashboard.presets import GAN_VS_VAE as TRY
from dashboard.targets_ui import target_picker

GAN, VAE = "gvv_gan", "gvv_vae"
URL = "gan_vs_vae"  # the page's url_path (dashboard/topics.py)
POINTS, DIGITS = "points", "digits"
BETAS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
BUDGET = 30_000

notices = layout.page(
    "GAN against VAE",
    "Two generators on the same data: the GAN (a game) is sharp but may drop modes; the VAE "
    "(at β = 1, a bound on the likelihood) covers the data but blurs.")

with st.sidebar:
    st.header("Data")
    source = ui.select("Data", "data", (POINTS, DIGITS), POINTS,
                       format_func={POINTS: "2D points", DIGITS: "8x8 digits"}.get)
    if source == POINTS:
        target, target_key = target_picker(default="ring")
    else:
        target, target_key = None, DIGITS
    st.header("GAN")
    gan_preset = ui.select("GAN preset", "gpreset", [p for p in PRESETS if not PRESETS[p].get("drs")], RECOMMENDED)
    layout.presets(TRY)
with layout.settings():
    seed = ui.number("Seed", "seed", 0, 9999, 0)
    st.header("VAE")
    latent = ui.slider("VAE latent dimension", "latent", 1, 16, 2)
    beta = ui.log_slider("VAE β (weight of the KL)", "beta", BETAS, 1.0)

ui.show_url_notices(notices)
layout.preset_note(URL)

waiting = source == POINTS and target is None  # a CSV is still to be uploaded
gan_job = vae_job = None
if not waiting:
    gan_job = live.ensure_job(GAN, (target_key, seed, gan_preset),
                              live.RunSpec.of(gan_side, target, seed, gan_preset),
                              max_steps=BUDGET, reset_label="Settings changed")
    vae_job = live.ensure_job(VAE, (target_key, seed, latent), live.RunSpec.of(vae_side, target, seed, latent, beta),
                              live={"beta": beta}, max_steps=BUDGET, reset_label="Settings changed")

bounds = bounds_of(reference(target)) if target is not None else None


def draw_side(title: str, kind: str, job) -> None:
    """One side's samples, metrics and quality curve; ``kind`` ("gan" or "vae") keys its charts."""
    snap, history, last = job.snapshot(), job.metrics(), job.last_metrics
    kept = live.kept(job.name)  # A/B: the run kept by this side's Save menu
    if snap.get("is_digits", source == DIGITS):
        layout.chart(digit_grid(snap.get("images", []), f"{title}: samples"), f"{kind}_grid", main=True)
        if last:
            m1, m2 = st.columns(2)
            m1.metric("Recognised with confidence > 0.9", f"{last.get('confident', 0):.0%}")
            m2.metric("Classes among them", f"{last.get('classes', 0):.0f} / 10")
        layout.chart(class_bars(snap.get("class_counts"), "Confident samples per class"), f"{kind}_bars")
        history, kept = (share_of(h, "classes", 10, "classes_share") for h in (history, kept))
        series = [("confident share", "confident"), ("classes found (share)", "classes_share")]
    else:
        modes = snap.get("modes")
        layout.chart(samples_figure(snap.get("real"), snap.get("samples"), f"{title}: samples", modes=modes,
                                    bounds=bounds, height=330), f"{kind}_samples", main=True)
        if last:
            cols = st.columns(3 if modes is not None else 1)
            cols[0].metric("Energy distance", f"{last.get('energy', float('nan')):.3f}",
                           help="To held-out data, normalised: 0 = like the data, 1 = like Gaussian noise")
            if modes is not None:
                cols[1].metric("Modes captured", f"{last.get('modes_captured', 0):.0f} / {len(modes)}")
                cols[2].metric("High quality", f"{last.get('high_quality', 0):.0%}")
        if modes is not None and "modes_captured" in history:
            history, kept = (share_of(h, "modes_captured", len(modes), "modes_share") for h in (history, kept))
            series = [("modes captured (share)", "modes_share"), ("high quality", "high_quality")]
        else:
            series = [("energy distance", "energy")]
    layout.chart(curves(history, series, "Quality over training", "share" if series[0][1] != "energy"
                        else "normalised energy", height=260, reference=kept), f"{kind}_curves")


if source == DIGITS:
    real = real_digits_score()
    st.caption(f"The judge is a logistic regression trained on real digits only. For scale, it recognises "
               f"{real['confident']:.0%} of the real held-out digits with confidence > 0.9, "
               f"covering {real['classes']} classes.")
left, right = st.columns(2)
with left:
    st.subheader("GAN")
    live.control_bar(gan_job, GAN, narrow=True)
    live.live_view(gan_job, GAN, functools.partial(draw_side, "GAN", "gan"))
with right:
    st.subheader("VAE")
    live.control_bar(vae_job, VAE, narrow=True)
    live.live_view(vae_job, VAE, functools.partial(draw_side, "VAE", "vae"))


def both() -> None:
    jobs = [j for j in (gan_job, vae_job) if j is not None]
    if any(j.active for j in jobs):
        for j in jobs:
            j.pause()
    else:
        for j in jobs:
            j.start()


if gan_job is not None and vae_job is not None:
    st.button("Start / pause both", key="gvv_both", on_click=both,
              help="Train the two models side by side, from the same moment")

with layout.explanation():
    st.markdown(
        "Both draw noise and apply a network to sample. The GAN learns by a game against a discriminator: "
        "sharp samples when it works, but it may drop modes. The VAE maximises a bound on the likelihood "
        "(at β = 1: −L_VAE is the evidence lower bound, ELBO ≤ log p_θ(x)): stable, covers the data, but "
        "blurry. With β ≠ 1 it weighs reconstruction against the KL instead: for β < 1 its objective is no "
        "longer a bound on log p_θ(x), for β > 1 it is a looser one than the ELBO. Here both learn the same "
        "data at the same time and are measured with the same yardstick."
    )
    st.latex(r"\text{GAN: }\min_G \max_D\; \mathbb{E}_{x\sim p_{\mathrm{data}}}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]")
    st.latex(r"\text{VAE: }\mathcal{L}_{\mathrm{VAE}} = \mathbb{E}_{q_\phi(z|x)}\big[-\log p_\theta(x|z)\big]"
             r" + \beta\,\mathrm{KL}\big(q_\phi(z|x)\,\|\,p(z)\big)")
    st.latex(r"\beta = 1:\quad -\mathcal{L}_{\mathrm{VAE}} = \log p_\theta(x) - \mathrm{KL}\big(q_\phi(z|x)\,\|\,"
             r"p_\theta(z|x)\big) \;\le\; \log p_\theta(x)")
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **Ring**: the GAN's points sit tightly on the modes (high quality), the VAE's smear between "
        "them (lower high-quality share) but no mode is left empty.\n"
        "- **Digits**: the GAN's digits are crisp, with ink strokes like the real ones, but some are "
        "malformed; the VAE's are blurry averages. The judge is a linear classifier, and blurry averages "
        "look like its prototypes: it is often *more* confident about the VAE's samples. A confident "
        "judge is not a sharp sample: look at the grids too. Raise β and watch the VAE's digits blur."
    )
