"""Models and choosing θ: descend the loss landscape of y = a·x + b, then of a tiny MLP."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.nets import ACTIVATIONS
from core.linreg import LinRegConfig, LinRegTrainer
from core.mlp1d import TARGETS, Mlp1dConfig, Mlp1dTrainer
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_linreg import curve_fit_figure, landscape_figure, line_figure
from dashboard.figures import curves
from dashboard.presets import OPTIMISATION as TRY

LINE, MLP = "linreg", "mlp1d"
URL = "optimisation"  # the page's url_path (dashboard/topics.py)
LR_LINE = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 1.0, 3.0, 10.0)
LR_MLP = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
OPT_LABELS = {"gd": "Gradient descent (all points)", "sgd": "SGD (minibatches)", "momentum": "SGD with momentum",
              "adam": "Adam"}
LOSS_LABELS = {"mse": "Mean squared error", "mae": "Mean absolute error"}

notices = layout.page(
    "Models and choosing θ",
    "**Learning** picks the parameters θ of a model f_θ that make the loss L(θ) small: an optimiser walks "
    "downhill on the loss landscape, one gradient step at a time.")
# Presenter mode: the tabs' forms fold into the one Settings panel, so the figures get the page's width.
SETTINGS = layout.settings() if layout.presenting() else None
with st.sidebar:
    layout.presets(TRY)  # all on the straight line's tab
layout.preset_note(URL)


def form_and_view(title: str):
    """The tab's form beside its live view; in presenter mode the form goes into the Settings panel."""
    if SETTINGS is None:
        return st.columns([1, 3.2])
    SETTINGS.subheader(title)
    return SETTINGS, st.container()


def lr_job(name: str, cfg, model_class, **job_kw):
    """The session's job for ``cfg``: a new one when anything but the learning rate changes."""
    return live.ensure_job(name, dataclasses.replace(cfg, lr=0.0), live.RunSpec.of(model_class, cfg),
                           live={"lr": cfg.lr}, reset_label="Settings changed", **job_kw)


tab_line, tab_mlp = st.tabs(["Straight line y = a·x + b", "Tiny MLP on 1D data"])

# ================================================================== the line
with tab_line:
    controls, view = form_and_view("Straight line y = a·x + b")
    with controls:
        n_points = ui.slider("Number of points n", "n", 5, 200, 30, 5)
        noise = ui.slider("Noise", "noise", 0.0, 3.0, 0.5, 0.1)
        outlier = ui.toggle("Add an outlier", "outlier", False)
        loss = ui.select("Loss", "loss", tuple(LOSS_LABELS), "mse", format_func=LOSS_LABELS.get)
        optimizer = ui.select("Optimiser", "opt", tuple(OPT_LABELS), "gd", format_func=OPT_LABELS.get)
        batch = ui.slider("Batch size", "batch", 1, 50, 5, disabled=optimizer == "gd",
                          help="Points per step for SGD, momentum and Adam; gradient descent uses all n")
        lr = ui.log_slider("Learning rate η (applies at once)", "lr", LR_LINE, 0.1)
        a0 = ui.slider("Start a", "a0", -2.0, 4.0, -1.5, 0.5)
        b0 = ui.slider("Start b", "b0", -3.5, 3.5, 3.0, 0.5)
        seed = ui.number("Seed", "seed", 0, 9999, 0)
    with view:
        cfg = LinRegConfig(n_points=n_points, noise=noise, outlier=outlier, loss=loss, optimizer=optimizer,
                           batch_size=batch, lr=lr, a0=a0, b0=b0, seed=seed)
        # A picture after every (paced, cheap) step: a run that diverges within ten steps still shows
        # the path leaving the map, not its start.
        line_job = lr_job(LINE, cfg, LinRegTrainer, max_steps=1500, max_steps_per_s=30, snapshot_every=0.0)
        live.control_bar(line_job, LINE)

        def draw_line(job) -> None:
            snap = job.snapshot()
            left, right = st.columns([1.15, 1])
            with left:
                # presenter mode: 340 px keeps it on screen under a "Finished" or "Diverged" notice
                layout.chart(landscape_figure(snap, "MAE" if snap["loss_kind"] == "mae" else "MSE",
                                              height=340 if layout.presenting() else 470), "lin_land", main=True)
            with right:
                layout.chart(line_figure(snap), "lin_line")
                layout.chart(curves(job.metrics(), [("L(θ), all points", "loss"), ("minibatch", "batch_loss")],
                                    "Loss along the path", "L", log_y=True, height=250,
                                    reference=live.kept(LINE)), "lin_loss")
            a, b = snap["theta"]
            best = snap["best"]
            limit = snap["max_stable_lr"]
            stable = (f" For these points gradient descent on the squared error converges only while "
                      f"η < 2/λ_max = {limit:.3f}, λ_max being the largest curvature of L." if limit else "")
            st.caption(f"Now a = {a:.3f}, b = {b:.3f}; the minimum (green star) is a* = {best[0]:.3f}, "
                       f"b* = {best[1]:.3f}.{stable}")

        live.live_view(line_job, LINE, draw_line)
    with layout.explanation():
        st.markdown(
            "A model is a family of functions f_θ; **learning** picks the parameters θ that make the loss L(θ) "
            "small on the data. With two parameters the loss is a landscape we can draw, and an optimiser is a "
            "walker going downhill on it, one gradient step at a time."
        )
        st.latex(r"f_\theta(x) = a\,x + b,\quad \theta = (a, b),\qquad "
                 r"L(a, b) = \frac{1}{n}\sum_{i=1}^{n}\big(y_i - a x_i - b\big)^2 \;\text{ or }\; "
                 r"\frac{1}{n}\sum_{i=1}^{n}\big|y_i - a x_i - b\big|")
        st.latex(r"\text{GD / SGD: }\theta \leftarrow \theta - \eta\,\nabla_\theta L_B(\theta)\qquad"
                 r"\text{momentum: } v \leftarrow 0.9\,v + \nabla_\theta L_B,\ \theta \leftarrow \theta - \eta v")
        st.latex(r"\text{Adam: } \theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)")
        st.caption("L_B is the loss on a minibatch B of points (all of them for gradient descent); η is the "
                   "learning rate.")
        layout.preset_list(TRY, URL)
        st.markdown("- **Learning rate 0.3**, between the two: each step overshoots a little more, and the run "
                    "slowly diverges.")

# ================================================================== the tiny MLP
with tab_mlp:
    controls, view = form_and_view("Tiny MLP on 1D data")
    with controls:
        target = ui.select("Target function", "m_target", tuple(TARGETS), "sine", format_func=lambda t: TARGETS[t][0])
        m_n = ui.slider("Number of points", "m_n", 5, 200, 40, 5)
        m_noise = ui.slider("Noise", "m_noise", 0.0, 1.0, 0.1, 0.05)
        depth = ui.slider("Hidden layers", "m_depth", 1, 4, 2)
        width = ui.slider("Units per layer", "m_width", 1, 64, 16)
        act = ui.select("Activation φ", "m_act", tuple(ACTIVATIONS), "tanh", format_func=str.capitalize)
        m_opt = ui.select("Optimiser", "m_opt", ("sgd", "momentum", "adam"), "adam", format_func=OPT_LABELS.get)
        m_lr = ui.log_slider("Learning rate η (applies at once)", "m_lr", LR_MLP, 0.01)
        m_batch = ui.slider("Batch size", "m_batch", 1, 200, 40)
        m_seed = ui.number("Seed", "m_seed", 0, 9999, 0)
    with view:
        mcfg = Mlp1dConfig(target=target, n_points=m_n, noise=m_noise, width=width, depth=depth, activation=act,
                           optimizer=m_opt, lr=m_lr, batch_size=m_batch, seed=m_seed)
        mlp_job = lr_job(MLP, mcfg, Mlp1dTrainer, max_steps=5000, max_steps_per_s=300)
        live.control_bar(mlp_job, MLP)

        def draw_mlp(job) -> None:
            snap = job.snapshot()
            p = snap["parameter_count"]
            left, right = st.columns([1.1, 1])
            with left:
                layout.chart(curve_fit_figure(snap, height=340 if layout.presenting() else 380), "mlp_fit", main=True)
            with right:
                layout.chart(curves(job.metrics(), [("L(θ), all points", "loss"), ("minibatch", "batch_loss")],
                                    "Loss curve", "mean squared error", log_y=True, height=320,
                                    reference=live.kept(MLP)), "mlp_loss")
            st.info(f"**Why no landscape here?** This network has θ with **{p:,} numbers**. Its loss L(θ) is a "
                    f"surface over a space of {p:,} dimensions, one axis per weight or bias; a contour map "
                    "shows two. The line had exactly two parameters, a and b, so its landscape fits on the "
                    "screen. Here we can only follow the loss along the path the optimiser takes.",
                    icon=":material/visibility_off:")

        live.live_view(mlp_job, MLP, draw_mlp)
    with layout.explanation():
        st.latex(r"f_\theta(x) = W^{(K)}\varphi\big(\cdots\varphi(W^{(0)}x + b^{(0)})\cdots\big) + b^{(K)},\qquad "
                 r"L(\theta) = \frac{1}{n}\sum_{i=1}^{n}\big(y_i - f_\theta(x_i)\big)^2")
        st.markdown("**Try this**")
        st.markdown(
            "- **One hidden unit** can only bend the line once: the sine is out of reach.\n"
            "- The **step** target with ReLU against tanh: which one draws the jump more sharply?\n"
            "- **Learning rate 1** with SGD: the loss explodes and the run stops as diverged.\n"
            "- **SGD with batch size 1**: the minibatch loss jumps around while the full loss still falls."
        )

ui.show_url_notices(notices)
