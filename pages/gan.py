"""Generative adversarial networks: the min-max game on 2D targets, live, as GAN Lab shows it."""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from core.gan import LOSSES, NOISE_LAWS, PRESETS, RECOMMENDED, GanConfig, GanTrainer, preset
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.presets import GAN as TRY
from dashboard.presets import GAN_FIELDS as FIELDS
from dashboard.fig_gan import game_figure, manifold_figure
from dashboard.fig_samples import training_film
from dashboard.figures import curves
from dashboard.targets_ui import target_picker

NAME = "gan"
URL = "gan"  # the page's url_path (dashboard/topics.py)
LR_LADDER = (1e-5, 3e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2)
WIDTHS = (4, 8, 16, 32, 64, 128, 256)
BUDGET = 30_000
LOSS_LATEX = {
    "minimax": r"\min_\theta\; \mathbb{E}_{z}\big[\log\big(1 - D_\phi(G_\theta(z))\big)\big]"
               r"\quad\text{(the original game: flat while } D \text{ wins)}",
    "nonsat": r"\min_\theta\; -\,\mathbb{E}_{z}\big[\log D_\phi(G_\theta(z))\big]\quad\text{(non-saturating)}",
    "wgan-gp": r"\min_\phi\; \mathbb{E}_z[D_\phi(G_\theta(z))] - \mathbb{E}_x[D_\phi(x)]"
               r" + \lambda\,\mathbb{E}_{\hat x}\big[(\lVert\nabla_{\hat x} D_\phi(\hat x)\rVert - 1)^2\big],"
               r"\qquad \min_\theta\; -\,\mathbb{E}_z[D_\phi(G_\theta(z))]",
    "lsgan": r"\min_\phi\; \tfrac12\mathbb{E}_x[(D_\phi(x) - 1)^2] + \tfrac12\mathbb{E}_z[D_\phi(G_\theta(z))^2],"
             r"\qquad \min_\theta\; \tfrac12\mathbb{E}_z[(D_\phi(G_\theta(z)) - 1)^2]",
}

notices = layout.page(
    "Generative adversarial networks",
    "A generator G_θ turns noise into points, a discriminator D_φ tells them from the data: "
    "a two-player game, not a loss going down.")


def apply_preset() -> None:
    """Fill every control with the chosen preset's values (the preset only sets them when chosen)."""
    cfg = preset(st.session_state["preset"])
    for key, field in FIELDS.items():
        st.session_state[key] = getattr(cfg, field)


# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    st.header("Data")
    target, target_key = target_picker(default="ring")

    chosen = ui.select("Preset (fills the settings below)", "preset", list(PRESETS), RECOMMENDED,
                       on_change=apply_preset)
    start = live.start_from()
    layout.presets(TRY)
with layout.settings():
    st.header("Game")
    base = GanConfig()
    loss = ui.select("Loss", "loss", list(LOSSES), base.loss, format_func=LOSSES.get)
    d_steps = ui.slider("D steps per G step", "dsteps", 1, 10, base.d_steps)
    lr_g = ui.log_slider("Learning rate of G", "lrg", LR_LADDER, base.lr_g)
    lr_d = ui.log_slider("Learning rate of D", "lrd", LR_LADDER, base.lr_d)
    batch = ui.slider("Batch size", "batch", 16, 1024, base.batch_size, 16)
    pack = ui.slider("Packing (PacGAN: samples per D input)", "pack", 1, 8, base.pack,
                     help="D judges this many samples at once: a collapsed G is easy to spot. 1 = off.")
    seed = ui.number("Seed", "seed", 0, 9999, base.seed)

    st.header("Generator G_θ")
    noise_law = ui.select("Noise law p(z)", "zlaw", NOISE_LAWS, base.noise,
                          format_func={"gaussian": "Gaussian N(0, I)", "uniform": "Uniform [-1, 1]"}.get)
    noise_dim = ui.slider("Noise dimension", "zdim", 1, 16, base.noise_dim)
    g_depth = ui.slider("G hidden layers", "gl", 0, 4, base.g_depth)
    g_width = ui.log_slider("G units per layer", "gw", WIDTHS, base.g_width)

    st.header("Discriminator D_φ")
    d_depth = ui.slider("D hidden layers", "dl", 0, 4, base.d_depth)
    d_width = ui.log_slider("D units per layer", "dw", WIDTHS, base.d_width)

    st.header("Display")
    show_heat = ui.toggle("D's output as a heatmap", "heat", True)
    show_arrows = ui.toggle("Gradient arrows on G(z)", "arrows", True)

ui.show_url_notices(notices)

# ------------------------------------------------------------------ the job
cfg = GanConfig(
    data=target.name if target is not None else "ring", spread=target.spread if target is not None else 0.05,
    noise_dim=noise_dim, noise=noise_law, g_depth=g_depth, g_width=g_width, d_depth=d_depth, d_width=d_width,
    loss=loss, d_steps=d_steps, lr_g=lr_g, lr_d=lr_d, batch_size=batch, pack=pack, seed=seed,
    eval_every=100,
)
if cfg != preset(chosen, data=cfg.data, spread=cfg.spread, seed=seed, eval_every=100):
    st.caption(f"Settings changed from the preset “{chosen}”.")
if target is None:
    job = None
else:
    job = live.ensure_trained_job(
        NAME, (dataclasses.replace(cfg, lr_g=0.0, lr_d=0.0), target_key, start),
        live.RunSpec.of(GanTrainer, cfg, target=target),
        live={"lr_g": lr_g, "lr_d": lr_d}, max_steps=BUDGET, reset_label="Settings changed", film=("fake",),
        model="gan", cfg=cfg, start=start,
    )

live.control_bar(job, NAME, weights=True)
layout.preset_note(URL)


def half_step(job, phase: str) -> None:
    """One discriminator update or one generator update, nothing else."""
    job.set_live(phase=phase)  # the trainer keeps the phase for its next step
    job.step_once()


if job is not None:
    idle = job.active or job.state in ("finished", "diverged", "failed", "stopped")
    c1, c2, c3 = st.columns([1, 1, 3.6], vertical_alignment="center")
    c1.button("D step", key="gan_dstep", on_click=half_step, args=(job, "d"), disabled=idle,
              use_container_width=True, help="One update of the discriminator only")
    c2.button("G step", key="gan_gstep", on_click=half_step, args=(job, "g"), disabled=idle,
              use_container_width=True, help="One update of the generator only")
    if not layout.presenting():
        c3.caption("Step mode: watch D's colours change on a D step, and the orange points follow the arrows "
                   "on a G step. ▶ Play alternates them.")


def draw(job) -> None:
    snap = job.snapshot()
    history = job.metrics()
    modes = snap.get("modes")
    prob = snap.get("loss") in ("nonsat", "minimax")
    left, right = st.columns([1.2, 1])
    with left:
        layout.chart(game_figure(snap, "Data, G(z), and D's output", probability=prob, modes=modes,
                                 show_heat=show_heat, show_arrows=show_arrows), "game", main=True)
        grad = np.linalg.norm(snap["arrow"], axis=1).mean() if "arrow" in snap else float("nan")
        n_g, n_d = snap["parameter_count"]
        st.caption(f"D updates: {snap['d_updates']:,} · G updates: {snap['g_updates']:,} · "
                   f"mean |∇ₓ L_G| = {grad:.1e} (arrows rescaled to be visible) · "
                   f"parameters of G / D: {n_g:,} / {n_d:,}"
                   + (f" · with packing, D is drawn on {snap['pack']} copies of each point"
                      if snap["pack"] > 1 else ""))
    with right:
        layout.chart(manifold_figure(snap, "Manifold: G applied to a grid of noise"), "manifold")
        last = job.last_metrics
        if last and "modes_captured" in last and modes is not None:
            m1, m2, m3 = st.columns(3)
            m1.metric("Modes captured", f"{last['modes_captured']:.0f} / {len(modes)}")
            m2.metric("High quality", f"{last['high_quality']:.0%}")
            m3.metric("Energy distance", f"{last['energy']:.3f}")
        elif last and "energy" in last:
            st.metric("Energy distance (0 = like the data, 1 = like noise)", f"{last['energy']:.3f}")
    c1, c2 = st.columns(2)
    with c1:
        layout.chart(curves(history, [("D loss", "d_loss"), ("G loss", "g_loss")], "D and G losses", "loss",
                            height=280, reference=live.kept(NAME)), "losses")
    with c2:
        if modes is not None and "modes_captured" in history:
            history = dict(history, modes_share=history["modes_captured"] / len(modes))
            kept_share = live.kept(NAME)
            if kept_share is not None and "modes_captured" in kept_share:
                kept_share = dict(kept_share, modes_share=kept_share["modes_captured"] / len(modes))
            layout.chart(curves(history, [("modes captured (share)", "modes_share"),
                                          ("high-quality samples", "high_quality")],
                                "Mode coverage", "share", y_range=(0, 1.02), height=280,
                                reference=kept_share), "coverage")
        else:
            layout.chart(curves(history, [("energy distance", "energy")], "Distance to the data",
                                "normalised energy", height=280), "coverage")


live.live_view(job, NAME, draw)
live.training_replay(job, NAME, lambda film: training_film(film, "fake", job.snapshot().get("real"),
                                                         "G(z) for the same noise z over training"))

with layout.explanation():
    st.markdown(
        "D climbs the value function, G descends it. The orange points are G(z), the colours are what D "
        "believes (blue: data, orange: generated), and the arrows show where G's next update pushes each "
        "generated point."
    )
    st.latex(r"\min_{\theta}\max_{\phi}\; V(\theta, \phi) = \mathbb{E}_{x\sim p_{\mathrm{data}}}\big[\log D_\phi(x)\big]"
             r" + \mathbb{E}_{z\sim p(z)}\big[\log\big(1 - D_\phi(G_\theta(z))\big)\big]")
    st.markdown("With the chosen loss, the players minimise:")
    st.latex(LOSS_LATEX[loss])
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **Step mode**: press D step five times, then G step once, and watch the arrows.\n"
        "- *WGAN-GP* (in the preset list) is steady but slow: five D steps per G step."
    )
