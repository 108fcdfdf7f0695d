"""Capacity, generalisation and over-fitting: the slide's three panels, for regression and classification."""

from __future__ import annotations

import streamlit as st

from core.capacity import (MAX_DEGREE, MLP_WIDTHS, CapacityConfig, CapacitySweepTrainer, fit_polynomial, mse,
                           predict_polynomial, three_fits)
from core.datasets import GENERATORS
from core.overfit import OverfitConfig, OverfitTrainer
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_capacity import boundary_panels, fit_figure, fit_panels, mark_steps, u_curve
from dashboard.figures import curves
from dashboard.presets import CAPACITY as TRY

SWEEP, OVERFIT = "capacity", "overfit"
URL = "capacity"  # the page's url_path (dashboard/topics.py)
REGRESSION_TRY, CLASSIFICATION_TRY = TRY[:3], TRY[3:]
L2_LADDER = (0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
WIDTH_LADDER = (8, 16, 32, 64, 128, 256)
OVERFIT_BUDGET = 3000
DONE = "cap_done_sweeps"  # finished sweeps of this session: {(model, n, noise, seed): (capacities, test errors)}
MODEL_LABELS = {"poly": "Polynomial of degree d", "mlp": "MLP of width w (2 tanh layers)"}

notices = layout.page(
    "Capacity, generalisation and over-fitting",
    "Too little capacity misses the pattern (**under-fit**), too much learns the noise of the few training "
    "points by heart (**over-fit**): the test error against capacity shows where the **right fit** lies.")

# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    st.header("Regression")
    model = ui.select("Model", "model", list(MODEL_LABELS), "poly", format_func=MODEL_LABELS.get)
    if model == "poly":
        capacity = ui.slider("Degree d of your model", "deg", 0, MAX_DEGREE, 3)
    else:
        capacity = ui.log_slider("Width w of your model", "width", MLP_WIDTHS, 8)
    n_train = ui.slider("Training samples n", "n", 5, 300, 30, 5)
    noise = ui.slider("Noise σ", "noise", 0.0, 1.0, 0.3, 0.05)
    seed = ui.number("Seed (regression)", "seed", 0, 9999, 0)
    layout.presets(TRY)

with layout.settings():
    st.header("Classification")
    cdata = ui.select("Dataset", "cdata", ["xor", "circles", "moons", "gaussians", "spiral"], "xor",
                      format_func=lambda s: GENERATORS[s][0])
    cn = ui.slider("Training points", "cn", 10, 400, 50, 10)
    cnoise = ui.slider("Noise", "cnoise", 0.0, 0.8, 0.3, 0.05)
    width = ui.log_slider("Hidden units per layer (2 layers)", "cw", WIDTH_LADDER, 64)
    l2 = ui.log_slider("L2 weight decay λ (tamed model)", "l2", L2_LADDER, 0.03)
    early = ui.toggle("Early stopping (tamed model)", "es", True)
    patience = ui.slider("Patience (steps without a better validation loss)", "pat", 20, 1000, 150, 10,
                         disabled=not early)
    cseed = ui.number("Seed (classification)", "cseed", 0, 9999, 0)

ui.show_url_notices(notices)
layout.preset_note(URL)
reg_tab, cls_tab = st.tabs(["Regression", "Classification"])

# ------------------------------------------------------------------ regression: the sweep over capacity
with reg_tab:
    cfg = CapacityConfig(family=model, n_train=n_train, noise=noise, seed=seed)
    unit = "degree d" if model == "poly" else "width w"
    sweep_key = (model, n_train, noise, seed)
    job = live.ensure_job(SWEEP, cfg, live.RunSpec.of(CapacitySweepTrainer, cfg), max_steps=cfg.total_steps(),
                          max_steps_per_s=4.0 if model == "poly" else None, reset_label="Data or model changed")
    live.control_bar(job, SWEEP, keep=False)  # the U curve keeps the last sweep itself

    def ghost_for(done: dict) -> tuple[str, object, object] | None:
        """The most recent finished sweep of the same model with other data, for comparison."""
        for key in reversed(list(done)):
            if key[0] == model and key != sweep_key:
                return f"n={key[1]}, σ={key[2]:g}", *done[key]
        return None

    def draw_sweep(job) -> None:
        snap = job.snapshot()
        done = st.session_state.setdefault(DONE, {})
        if snap["done"]:
            done.pop(sweep_key, None)
            done[sweep_key] = (snap["capacity"], snap["test_mse"])
            while len(done) > 8:  # keep the session's memory small
                done.pop(next(iter(done)))
        left, right = st.columns([1.2, 1])
        with left:  # the U curve first: the main figure, on the first screen
            layout.chart(u_curve(snap, unit, selected=capacity, ghost=ghost_for(done), log_x=model == "mlp",
                                 height=320 if layout.presenting() else 340), "cap_u", main=True)
        with right:
            curve, train_err, test_err = None, None, None
            if model == "poly":  # a polynomial fit is instant: fit the chosen degree right here
                coef = fit_polynomial(snap["x_train"], snap["y_train"], capacity)
                curve = predict_polynomial(coef, snap["grid"])
                train_err = mse(predict_polynomial(coef, snap["x_train"]), snap["y_train"])
                test_err = mse(predict_polynomial(coef, snap["x_test_all"]), snap["y_test_all"])
            elif capacity in snap["capacity"]:
                i = list(snap["capacity"]).index(capacity)
                curve, train_err, test_err = snap["curves"][i], snap["train_mse"][i], snap["test_mse"][i]
            layout.chart(fit_figure(snap, curve, f"Your model: {unit} = {capacity}"), "cap_fit")
            if train_err is None:
                st.info(f"Width {capacity} is not trained yet: the sweep reaches it soon (press Play).",
                        icon=":material/hourglass_top:")
            else:
                c1, c2 = st.columns(2)
                c1.metric("Train error", f"{train_err:.3f}")
                c2.metric("Test error", f"{test_err:.3f}")
        layout.chart(fit_panels(snap, three_fits(snap), unit.split()[0]), "cap_panels")
        if snap["done"]:  # below the figures: in presenter mode the U curve stays on the first screen
            st.caption("The sweep is complete. Change n or σ for another one: this curve stays, dotted, "
                       "for comparison.")

    live.live_view(job, SWEEP, draw_sweep)
    if not layout.presenting():  # under the figures: the U curve stays on the first screen
        st.caption("Play runs a sweep: it fits every capacity in turn (degrees 0 to 20, or widths 1 to 256) "
                   "on the same training samples and adds its train and test error to the curve.")
    with layout.explanation():
        st.markdown(
            "A model with too little capacity misses the pattern (**under-fit**: high train and test error). "
            "One with too much learns the noise of its few training points by heart (**over-fit**: tiny train "
            "error, large test error). In between lies the **right fit**. The test error against capacity has a "
            "U shape; more data moves the bottom of the U to the right and flattens its right arm."
        )
        st.latex(r"\text{train error} = \frac{1}{n}\sum_{i=1}^{n}\big(f_\theta(x_i)-y_i\big)^2,\qquad "
                 r"\text{test error} = \frac{1}{m}\sum_{j=1}^{m}\big(f_\theta(x'_j)-y'_j\big)^2")
        st.latex(r"y = f(x) + \varepsilon,\quad \varepsilon\sim\mathcal N(0,\sigma^2)")
        st.markdown(
            "**Double descent.** A polynomial of degree d has d + 1 coefficients. At the **interpolation "
            "threshold** d = n − 1 there are exactly as many coefficients as training points: the least-squares "
            "fit is forced through every noisy point and swings wildly between them, so the test error peaks. "
            "Past the threshold many polynomials pass through every point, and the fit takes the one with the "
            "smallest coefficients c in the Legendre basis P_k (the minimum-norm solution), which is smoother: "
            "the test error falls again. With n = 15 and σ = 0.3 (seeds 0 to 4) the peak lay at degree 14, once "
            "at 13, and by degree 20 the test error had fallen a thousandfold or more, though it stayed far "
            "above the bottom of the U."
        )
        st.latex(r"d \ge n - 1:\quad \hat c = \arg\min\big\{\lVert c\rVert^2 : "
                 r"\textstyle\sum_k c_k P_k(x_i) = y_i \text{ for every } i\big\}")
        layout.preset_list(REGRESSION_TRY, URL)
        st.markdown("- Switch to the **MLP**: width plays the role of the degree, but the network's curve stays "
                    "smoother.")

# ------------------------------------------------------------------ classification: over-fitting and taming it
with cls_tab:
    ocfg = OverfitConfig(data=cdata, n_train=cn, noise=cnoise, hidden=(width, width), l2=l2,
                         early_stopping=early, patience=patience, seed=cseed)
    ojob = live.ensure_job(OVERFIT, ocfg, live.RunSpec.of(OverfitTrainer, ocfg), max_steps=OVERFIT_BUDGET)
    live.control_bar(ojob, OVERFIT)

    def draw_overfit(job) -> None:
        snap, last = job.snapshot(), job.last_metrics
        stopped, best = int(snap["stopped_at"]), int(snap["best_step"])
        tamed = f"Tamed: λ = {l2:g}" + (", early stopping" if early else "")
        if stopped >= 0:
            tamed += f"<br><sub>stopped at step {stopped:,}, restored step {best:,}</sub>"
        layout.chart(boundary_panels(snap, [("under", "Under-fit: linear model"), ("tamed", tamed),
                                            ("over", f"Over-fit: 2×{width} MLP, no taming")]), "of_panels", main=True)
        if last:
            cols = st.columns(3)
            for col, key in zip(cols, ("under", "tamed", "over")):
                col.metric(f"{key}: test accuracy", f"{last.get(f'{key}_test_accuracy', 0):.1%}",
                           f"train {last.get(f'{key}_train_accuracy', 0):.0%}", delta_color="off")
        history = job.metrics()
        fig = curves(history, [("over-fit: train", "over_train_loss"), ("over-fit: validation", "over_val_loss"),
                               ("tamed: train", "tamed_train_loss"), ("tamed: validation", "tamed_val_loss")],
                     "Loss of the two MLPs", "cross-entropy", log_y=True, reference=live.kept(OVERFIT))
        if len(history.get("step", [])) and best > 0:
            marks = [(best, "best validation")] + ([(stopped, "stopped")] if stopped >= 0 else [])
            mark_steps(fig, marks)
        layout.chart(fig, "of_loss")

    live.live_view(ojob, OVERFIT, draw_overfit)
    with layout.explanation():
        st.markdown(
            "Three classifiers learn from the same few noisy points. The **linear** model cannot bend "
            "(under-fit). A large MLP left alone wraps its boundary around every noisy point (over-fit). "
            "The same MLP, from the same start, **tamed** by L2 weight decay and early stopping: training "
            "stops once the loss on separate validation points has not improved for *patience* steps, and "
            "the weights of the best validation loss are restored."
        )
        st.latex(r"L_\lambda(\theta) = -\frac{1}{n}\sum_{i=1}^{n}\log f_\theta(x_i)_{y_i} "
                 r"+ \frac{\lambda}{2}\sum_k\lVert W^{(k)}\rVert^2,\qquad "
                 r"\hat\theta = \theta_{t^*},\ t^* = \arg\min_t L_{\text{val}}(\theta_t)")
        layout.preset_list(CLASSIFICATION_TRY, URL)
        st.markdown(
            "- Watch the **validation loss** of the untamed MLP: it falls, then climbs while its train loss "
            "keeps falling. That turn is where early stopping stops."
        )
