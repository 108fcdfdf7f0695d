"""The arena: all seven generative families on one target, one budget each, one yardstick, live."""

from __future__ import annotations

import streamlit as st

from core.arena import FAMILIES, LABELS, ArenaConfig, ArenaTrainer
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_arena import COLUMNS, TITLE_SIZE, arena_samples, leaderboard, quality_curves
from dashboard.presets import ARENA as TRY
from dashboard.targets_ui import target_picker

NAME = "arena"
URL = "arena"
SECONDS = (5, 10, 20, 40, 60)
STEPS = (250, 500, 1000, 2000, 4000, 8000)
KINDS = {"seconds": "CPU seconds per family", "steps": "training steps per family"}
SAMPLING = {"standard": "each family's own sampler", "few": "few network evaluations (about 10)"}
PRESENT_TITLE_SIZE = TITLE_SIZE + 2  # presenter mode: larger, and "Score model (annealed Langevin)" still fits its panel

notices = layout.page(
    "The arena",
    "Seven generative families, the same data, the same budget, one yardstick: "
    "who is sharp, who covers every mode, and what does a sample cost?")

with st.sidebar:
    st.header("Data and budget")
    target, target_key = target_picker(default="ring")
    kind = ui.select("Budget", "budget", list(KINDS), "seconds", format_func=KINDS.get,
                     help="CPU seconds: each family trains for the same time (fair to cheap and costly steps). "
                          "Steps: each takes the same number of optimisation steps (or EM iterations).")
    if kind == "seconds":
        amount = ui.log_slider("CPU seconds per family", "secs", SECONDS, 20)
    else:
        amount = ui.log_slider("Steps per family", "steps", STEPS, 2000)
    sampling = ui.select("Sampling", "sampling", list(SAMPLING), "standard", format_func=SAMPLING.get,
                         help="Few: diffusion, the score model, flow matching and the energy model's Langevin chain "
                              "get about 10 network evaluations per sample. Applies at once, without retraining.")
    layout.presets(TRY)
with layout.settings():
    seed = ui.number("Seed", "seed", 0, 9999, 0)

ui.show_url_notices(notices)

cfg = ArenaConfig(budget_kind=kind, budget=float(amount), seed=seed)
job = None
if target is not None:
    job = live.ensure_job(NAME, (target_key, kind, amount, seed), live.RunSpec.of(ArenaTrainer, cfg, target),
                          live={"sampling": sampling}, max_steps=cfg.units * len(FAMILIES),
                          reset_label="Settings changed")
layout.preset_note(URL)
live.control_bar(job, NAME, keep=lambda job: job.snapshot().get("history", {}))  # A/B: the curves below


def draw(job) -> None:
    snap = job.snapshot()
    present = layout.presenting()  # the panels' titles larger on a projector, at the height the figure is drawn
    layout.chart(arena_samples(snap, height=layout.MAIN_HEIGHT if present else layout.NORMAL_MAIN_HEIGHT,
                               title_size=PRESENT_TITLE_SIZE if present else TITLE_SIZE), "arena_samples", main=True)
    rows = snap.get("rows", [])
    if rows:
        formats = {"high quality": "%.2f", "energy dist.": "%.3f", "reverse KL": "%.3f", "train (s)": "%.1f",
                   "s / 1000 samples": "%.4f"}
        config = {c: st.column_config.NumberColumn(c, help=h, format=formats[c]) if c in formats
                  else st.column_config.Column(c, help=h) for c, h in COLUMNS.items()}
        st.dataframe(leaderboard(rows), hide_index=True, width="stretch", column_config=config)
        for row in rows:
            if row.get("message"):
                st.warning(f"{row['label']} {row['message']}; the others go on.", icon=":material/warning:")
    mixture = snap.get("modes") is not None
    tabs = st.tabs(["Quality against budget: energy distance", "High-quality share"] if mixture
                   else ["Quality against budget: energy distance"])
    with tabs[0]:
        layout.chart(quality_curves(snap, "energy", reference=live.kept(NAME)), "arena_energy")
    if mixture:
        with tabs[1]:
            layout.chart(quality_curves(snap, "high_quality", reference=live.kept(NAME)), "arena_quality")


live.live_view(job, NAME, draw)
quantum = (f"{cfg.quantum * 1000:.0f} ms of one family's CPU time" if kind == "seconds"
           else "one training step of one family")
st.caption(f"All seven train as one run, taking turns: one step of the run is {quantum}, given to the family "
           "furthest behind, so they advance together. Measuring samples is not charged to the budget.")

with layout.explanation():
    st.markdown(
        "Every family learns $p_\\theta \\approx p_{\\mathrm{data}}$ from the same points and is judged on the same "
        "held-out set. What differs is what each one optimises, and how it turns that into samples:")
    st.markdown(f"**{LABELS['gmm']}**: maximum likelihood by EM; sampling picks a component, then a Gaussian point.")
    st.latex(r"\max_\theta \sum_i \log \sum_k \pi_k\, \mathcal{N}(x_i \mid \mu_k, \Sigma_k)"
             r"\qquad k \sim \pi,\; x = \mu_k + L_k z,\; \Sigma_k = L_k L_k^\top")
    st.markdown(f"**{LABELS['energy']}**: maximum likelihood with $Z(\\theta)$ summed on a grid; Langevin "
                "dynamics needs only $\\nabla_x f_\\theta$.")
    st.latex(r"L(\theta) = -\frac{1}{n}\sum_i f_\theta(x_i) + \log Z(\theta)"
             r"\qquad x \leftarrow x + \tfrac{\eta}{2}\nabla_x f_\theta(x) + \sqrt{\eta}\,\varepsilon")
    st.markdown(f"**{LABELS['gan']}**: a game between generator and discriminator; one pass through $G_\\theta$.")
    st.latex(r"\min_G \max_D\; V(G, D) = \mathbb{E}_{x\sim p_{\mathrm{data}}}[\log D(x)] + "
             r"\mathbb{E}_{z}[\log(1 - D(G(z)))]\qquad x = G_\theta(z)")
    st.markdown(f"**{LABELS['vae']}**: a bound on the likelihood; decode a draw of the prior.")
    st.latex(r"\mathcal{L}_{\mathrm{VAE}} = \mathbb{E}_{q_\phi(z|x)}[-\log p_\theta(x|z)] + "
             r"\beta\,\mathrm{KL}(q_\phi(z|x)\,\|\,p(z))\qquad z \sim \mathcal{N}(0, I),\; x \sim p_\theta(x|z)")
    st.markdown(f"**{LABELS['score']}**: denoising score matching at noise levels $\\sigma_1 > \\dots > \\sigma_L$; "
                "annealed Langevin from $\\sigma_1$ down to $\\sigma_L$ ($L \\cdot T + 1$ evaluations).")
    st.latex(r"\frac{1}{2L}\sum_i \sigma_i^2\, \mathbb{E}\,\big\| s_\theta(x + \sigma_i z, \sigma_i) + z/\sigma_i \big\|^2"
             r"\qquad x \leftarrow x + \tfrac{\alpha_i}{2} s_\theta(x, \sigma_i) + \sqrt{\alpha_i}\, z")
    st.markdown(f"**{LABELS['ddpm']}**: predict the noise added to the data; undo it in many small reverse steps.")
    st.latex(r"\mathbb{E}\,\big\|\varepsilon_\theta(\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon, t)"
             r" - \varepsilon\big\|^2\qquad x_T \sim \mathcal{N}(0, I) \to x_{T-1} \to \dots \to x_0")
    st.markdown(f"**{LABELS['flow']}**: regress a velocity onto straight paths from noise to data; Euler steps "
                "carry $\\varphi_0 = \\pi = \\mathcal{N}(0, I)$ to $\\varphi_1 \\approx p_{\\mathrm{data}}$.")
    st.latex(r"\mathbb{E}_{t, x_0, x_1}\, \big| v_\theta(t, x_t) - (x_1 - x_0) \big|^2,\; x_t = (1-t)x_0 + t x_1"
             r"\qquad x \leftarrow x + h\, v_\theta(t, x)")
    st.markdown(
        "**The yardstick** (the same for all): 1,000 samples from fixed noise against 2,000 held-out points. "
        "The energy distance needs no bandwidth; it is divided by its value for Gaussian noise, so 0 means "
        "*like the data* and 1 *like noise*. For mixtures of Gaussians: a sample is of high quality within 3 "
        "standard deviations of a mode, a mode is captured when enough samples land on it, and the reverse KL "
        "of the high-quality samples over the modes is 0 when they spread evenly.")
    st.latex(r"E = 2\,\mathbb{E}|x - y| - \mathbb{E}|x - x'| - \mathbb{E}|y - y'|,\quad x \sim p_\theta,\; y \sim p_{\mathrm{data}}")
    st.markdown(
        "**The budget**: CPU seconds are counted inside each family's own training step only "
        "(`time.process_time`), so measuring, drawing and other students' models do not use it up. "
        "A family that diverges stops and is marked in the table; the others go on.")
    st.markdown("**Try this**")
    layout.preset_list(TRY, URL)
    st.markdown("- **8 Gaussians (ring)**: the data *is* a Gaussian mixture, so EM fits the true model in a "
                "fraction of a second. Then try a **Spiral** or the **Checkerboard**, which ten Gaussians can only approximate.\n"
                "- **25 Gaussians (grid)**: which families still find every mode in 20 seconds?\n"
                "- **Your CSV**: upload your own points; the mode columns appear only for Gaussian mixtures.")
