"""Generative adversarial networks: the min-max game on 2D targets, live, as GAN Lab shows it."""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from core.gan import LATENT_SPREAD, LOSSES, NOISE_LAWS, GanConfig, GanTrainer
from core.gan_presets import PRESETS, RECOMMENDED, preset
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.presets import GAN as TRY
from dashboard.presets import GAN_FIELDS as FIELDS
from dashboard.fig_gan import live_figures
from dashboard.fig_samples import training_film
from dashboard.targets_ui import target_picker

NAME = "gan"
URL = "gan"  # the page's url_path (dashboard/topics.py)
LR_LADDER = (1e-5, 3e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2)
WIDTHS = (4, 8, 16, 32, 64, 128, 256)
EMA_LADDER = (0.0, 0.9, 0.99, 0.995, 0.998, 0.999)
DECAY_LADDER = (0, 2000, 5000, 10_000, 15_000, 20_000, 30_000)
CLUSTER_LADDER = (0, 10, 25, 50, 100, 200, 500)
FOURIER_LADDER = (0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
BLUR_LADDER = (0.0, 0.1, 0.2, 0.35, 0.5, 1.0)
FADE_LADDER = (500, 1000, 2000, 4000, 8000)
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
    preset_changed = st.empty()  # filled once the settings below are read
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

    st.header("Sharp modes")
    g_ema = ui.log_slider("Average of G's weights μ (0 = off)", "gema", EMA_LADDER, base.g_ema,
                          help="Samples are drawn by a moving average of G's weights, not by G itself: it "
                               "smooths the back-and-forth of the game. 0 = off.")
    lr_decay = ui.log_slider("Learning rates decay over (steps, 0 = constant)", "lrdecay", DECAY_LADDER,
                             base.lr_decay_steps,
                             help="Both learning rates fall along a cosine to 5 % of their value over these "
                                  "steps: the players take smaller and smaller steps.")
    clusters = ui.log_slider("Noise as K tight clusters (0 = off)", "zmix", CLUSTER_LADDER, base.latent_modes,
                             help=f"z = μ_c + {LATENT_SPREAD}·ε with c one of K fixed centres: G maps each cluster to "
                                  "a point, instead of stretching one connected cloud over separate modes (which "
                                  "leaves points on the bridges between them).")
    fourier = ui.log_slider("Fourier features in D (frequency scale, 0 = off)", "dfour", FOURIER_LADDER,
                            base.d_fourier,
                            help="D also sees sin(xB + b) and cos(xB + b) for 64 fixed random directions B: it can "
                                 "tell a point at the centre of a sharp mode from one just beside it.")
    blur = ui.log_slider("Instance noise σ₀ (fades out)", "inoise", BLUR_LADDER, base.instance_noise,
                         help="Noise of this std (in data standard deviations) is added to every point D sees, "
                              "falling to 0 over the steps below: at the start D's gradient reaches modes G has "
                              "not found yet.")
    fade = ui.log_slider("… fading to 0 over (steps)", "infade", FADE_LADDER, base.instance_noise_steps,
                         disabled=blur == 0, help="Longer: D's gradient reaches empty modes for longer, and the "
                                                  "points settle into the modes later.")
    drs = ui.toggle("Reject samples with D (DRS)", "drs", base.drs,
                    help="Discriminator Rejection Sampling: a second discriminator learns the ratio "
                         "p_data / p_g, and each drawn point is kept with a probability that grows with it. "
                         "The metrics show G alone and after rejection.")

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
    loss=loss, d_steps=d_steps, lr_g=lr_g, lr_d=lr_d, batch_size=batch, pack=pack, g_ema=g_ema,
    lr_decay_steps=lr_decay, drs=drs, latent_modes=clusters, d_fourier=fourier, instance_noise=blur,
    instance_noise_steps=fade, seed=seed,
    eval_every=100,
)
if cfg != preset(chosen, data=cfg.data, spread=cfg.spread, seed=seed, eval_every=100):
    preset_changed.caption(f"Settings changed from the preset “{chosen}”.")
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
    modes = snap.get("modes")
    figs = live_figures(snap, job.metrics(), kept=live.kept(NAME), show_heat=show_heat, show_arrows=show_arrows)
    left, right = st.columns([1.2, 1])
    with left:
        layout.chart(figs["game"], "game", main=True)
        grad = np.linalg.norm(snap["arrow"], axis=1).mean() if "arrow" in snap else float("nan")
        n_g, n_d = snap["parameter_count"]
        if "accepted" in snap:
            st.caption(f"DRS keeps {snap['drs_acceptance']:.0%} of G's points (faint: rejected).")
        st.caption(f"D updates: {snap['d_updates']:,} · G updates: {snap['g_updates']:,} · "
                   f"mean |∇ₓ L_G| = {grad:.1e} (arrows rescaled to be visible) · "
                   f"parameters of G / D: {n_g:,} / {n_d:,}"
                   + (f" · with packing, D is drawn on {snap['pack']} copies of each point"
                      if snap["pack"] > 1 else ""))
    with right:
        layout.chart(figs["manifold"], "manifold")
        last = job.last_metrics
        if last and "drs_acceptance" in last and modes is not None:
            draw_drs_metrics(last, len(modes))
        elif last and "modes_captured" in last and modes is not None:
            m1, m2, m3 = st.columns(3)
            m1.metric("Modes captured", f"{last['modes_captured']:.0f} / {len(modes)}")
            m2.metric("High quality", f"{last['high_quality']:.0%}")
            m3.metric("Energy distance", f"{last['energy']:.3f}")
        elif last and "energy" in last:
            st.metric("Energy distance (0 = like the data, 1 = like noise)", f"{last['energy']:.3f}")
    c1, c2 = st.columns(2)
    with c1:
        layout.chart(figs["losses"], "losses")
    with c2:
        layout.chart(figs["coverage"], "coverage")
    if "optimum" in figs:
        draw_optimum(snap, figs)


def draw_drs_metrics(last: dict, n_modes: int) -> None:
    """G alone beside after rejection, and the share kept: a filter, not a better G."""
    def cell(key: str, fmt: str) -> str:
        return fmt.format(last[key]) if key in last else "–"

    st.markdown(
        "| | G alone | G + DRS |\n| --- | --- | --- |\n"
        f"| modes captured | {last['modes_captured']:.0f} / {n_modes} | {cell('drs_modes_captured', '{:.0f}')} / {n_modes} |\n"
        f"| within 3σ of a mode | {last['high_quality']:.0%} | {cell('drs_high_quality', '{:.0%}')} |\n"
        f"| energy distance | {last['energy']:.3f} | {cell('drs_energy', '{:.3f}')} |\n"
        f"| points kept | 100% | **{last['drs_acceptance']:.0%}** |")


def draw_optimum(snap: dict, figs: dict) -> None:
    """D* = p_data / (p_data + p_g) beside the learned D_φ, and the JSD over training."""
    loss_kind = snap["loss"]
    c1, c2 = st.columns([1.2, 1])
    with c1:
        layout.chart(figs["optimum"], "optimum")
        source = ("exact (a Gaussian mixture)" if snap["p_data_exact"]
                  else "a kernel density estimate of held-out data")
        st.caption(f"D* = p_data / (p_data + p_g): p_data {source}, p_g a kernel density estimate of 1,000 "
                   f"samples of G, both smoothed by the same Gaussian kernel (h = {snap['kde_bandwidth']:.2f})"
                   + (f"; with packing, D* on {snap['pack']} copies of a point is p_data^m / (p_data^m + p_g^m)"
                      if snap["pack"] > 1 else "")
                   + (". The Wasserstein critic is not a probability: only D* is drawn."
                      if loss_kind == "wgan-gp" else "."))
    with c2:
        layout.chart(figs["jsd"], "jsd")
        st.caption(f"JSD now: {snap['jsd']:.3f} nats (0 = the same law, log 2 ≈ 0.693 = no overlap)"
                   + (f"; with packing {snap['pack']}, D's loss measures the JSD of packs, which is larger"
                      if snap["pack"] > 1 and loss_kind in ("nonsat", "minimax") else ""))


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
    st.markdown(
        "For a fixed G_θ, with p_g the law of G_θ(z), the best discriminator is known point by point, and at "
        "it the value of the game is the Jensen–Shannon divergence between the data and the generator, up to "
        "constants (Goodfellow et al., 2014). The page draws D* for the current G beside the learned D_φ, and "
        "measures the JSD on D's grid:")
    st.latex(r"D^*(x) = \frac{p_{\mathrm{data}}(x)}{p_{\mathrm{data}}(x) + p_g(x)},\qquad "
             r"V(G, D^*) = -\log 4 + 2\,\mathrm{JSD}(p_{\mathrm{data}} \,\|\, p_g)")
    st.latex(r"\mathrm{JSD}(p \,\|\, q) = \tfrac12\,\mathrm{KL}\big(p \,\|\, m\big) + \tfrac12\,"
             r"\mathrm{KL}\big(q \,\|\, m\big),\quad m = \tfrac12 (p + q),\qquad 0 \le \mathrm{JSD} \le \log 2")
    st.markdown(
        "So while D_φ stays near D*, G_θ descends the JSD. Two caveats the page shows: D_φ is only near D* "
        "where it has seen points, so its loss gives a lower bound on the JSD (the curve (log 4 − L_D)/2, "
        "from noisy batches); and when p_data and p_g do not overlap the JSD is stuck at log 2 whatever G "
        "does, so its gradient vanishes: one reason for the non-saturating and Wasserstein losses. The "
        "densities are smoothed by one Gaussian kernel so both are judged alike (the smoothed JSD is 0 only "
        "for p_g = p_data); with 1,000 samples the JSD of a perfect G is about 0.001 on the ring.")
    st.markdown("With the chosen loss, the players minimise:")
    st.latex(LOSS_LATEX[loss])
    st.markdown(
        "**Sharp modes.** When each mode is as narrow as 1 % of the ring's radius, the generator's points keep "
        "circling the modes, because the game never settles. The preset *sharp targets* draws the samples with a "
        "moving average θ̄ of G's weights (Yazıcı et al., 2019), and lets both learning rates η fall along a "
        "cosine over T steps, so the last moves are small:")
    st.latex(r"\bar\theta \leftarrow \mu\,\bar\theta + (1 - \mu)\,\theta,\qquad"
             r"\eta_t = \eta\,\Big(0.05 + 0.95\cdot\tfrac12\big(1 + \cos(\pi\, t / T)\big)\Big)")
    st.markdown(
        "Three more remedies in the preset, each a control under *Sharp modes*. A continuous G_θ of one Gaussian "
        "cloud z must stretch that cloud over separate modes, which leaves points on the bridges between them; "
        "drawing z from K tight clusters lets G send each cluster to a mode. D_φ also reads random Fourier "
        "features of its input (Tancik et al., 2020), so it can tell the centre of a narrow mode from a point "
        "just beside it. And in the first steps D sees every point blurred by instance noise of a fading std "
        "σ_t (Sønderby et al., 2017): the data and G's points overlap, so D's gradient reaches modes G has "
        "not found yet.")
    st.latex(r"z = \mu_c + s\,\varepsilon,\; c \sim \mathcal{U}\{1..K\},\; \varepsilon \sim p(z);\qquad "
             r"D_\phi\big([x,\ \sin(xB + b),\ \cos(xB + b)]\big);\qquad"
             r"\tilde x = x + \sigma_t\,\epsilon,\; \sigma_t = \sigma_0\,\max(0,\ 1 - t / T_\sigma)")
    st.markdown(
        "**Rejecting samples with D (DRS).** A continuous G_θ of Gaussian noise cannot jump between separate "
        "modes: it always leaves some points on the bridges between them. Discriminator Rejection Sampling "
        "(Azadi et al., 2019) filters them out afterwards. The logit of the optimal D* is the log density ratio, "
        "so a point x = G_θ(z) drawn from p_g and kept with probability proportional to p_data(x) / p_g(x) "
        "is a sample of p_data (rejection sampling):")
    st.latex(r"r(x) = \log\frac{D_{\phi'}(x)}{1 - D_{\phi'}(x)} \;\approx\; \log\frac{D^*(x)}{1 - D^*(x)}"
             r" = \log\frac{p_{\mathrm{data}}(x)}{p_g(x)}")
    st.latex(r"\text{keep } x = G_\theta(z) \text{ with probability } a(x) = \min\Big(1,\; "
             r"\exp\big(r(x) - \hat r\big)\Big)")
    st.markdown(
        "r̂ is the 99th percentile of r over a first batch of 1,000 points (the points above it are always "
        "kept). The game's D_φ is not used: it is trained against the raw G while the points are drawn by the average of G's weights, and at the end of "
        "the game a plain MLP D_φ is nearly blind (D_φ ≈ ½ everywhere). A second discriminator D_φ' learns, beside the "
        "game, to tell the data from the points actually drawn, on random Fourier features of x so that it "
        "resolves narrow modes. The better points cost proposals: the page shows how many G draws are kept, and "
        "the quality of G alone beside the quality after rejection.")
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **Step mode**: press D step five times, then G step once, and watch the arrows.\n"
        "- *WGAN-GP* (in the preset list) is steady but slow: five D steps per G step."
    )
