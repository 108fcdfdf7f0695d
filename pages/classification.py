"""Neural networks: classification. TensorFlow Playground's MLP, trained live with torch."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.classify import FEATURES, OPTIMIZERS, ClassifyConfig, ClassifyTrainer
from core.nets import ACTIVATIONS
from core.datasets import GENERATORS, labelled_from_csv
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.figures import boundary_film, curves, decision_boundary, unit_heatmaps
from dashboard.presets import CLASSIFICATION as TRY

NAME = "classify"
URL = "classification"  # the page's url_path (dashboard/topics.py)
LR_LADDER = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2_LADDER = (0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
UPLOAD = "upload"
BUDGET = 20_000
CSV_STATE = "cls_csv"  # the last good upload: (digest, LabelledData)

notices = layout.page(
    "Neural networks: classification",
    "A neural network f_θ maps a point's features to the probability of each class; training chooses the "
    "weights θ that make the training points' labels likely.")

# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    st.header("Data")
    sources = (*GENERATORS, UPLOAD)
    source = ui.select("Dataset", "data", sources, "moons",
                       format_func=lambda s: "Your CSV (x1, x2, label)" if s == UPLOAD else GENERATORS[s][0])
    if source == UPLOAD:
        ui.kept_upload("CSV with columns x1, x2, label", "cls_file", labelled_from_csv, CSV_STATE, "dataset")
    noise = ui.slider("Noise", "noise", 0.0, 0.5, 0.1, 0.01, disabled=source == UPLOAD)
    n_points = ui.slider("Number of points", "n", 50, 2000, 400, 50, disabled=source == UPLOAD)
    train_pct = ui.slider("Training share (%)", "train", 10, 90, 50, 5)
    layout.presets(TRY)

with layout.settings():
    st.header("Features")
    features = ui.multiselect("Input features", "feat", list(FEATURES), ["x1", "x2"],
                              format_func=lambda f: f.replace("^2", "²").replace("*", "·").replace("_", " "))

    st.header("Network")
    depth = ui.slider("Hidden layers", "layers", 0, 6, 2)
    widths = tuple(ui.slider(f"Units in layer {k + 1}", f"h{k + 1}", 1, 64, 8) for k in range(depth))
    activation = ui.select("Activation φ", "act", list(ACTIVATIONS), "tanh", format_func=str.capitalize)

    st.header("Training")
    optimizer = ui.select("Optimiser", "opt", OPTIMIZERS, "adam",
                          format_func={"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}.get)
    lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, 0.03)
    l2 = ui.log_slider("L2 weight decay λ", "l2", L2_LADDER, 0.0)
    batch = ui.slider("Batch size", "batch", 1, 256, 32)
    seed = ui.number("Seed", "seed", 0, 9999, 0)

    st.header("Display")
    show_test = ui.toggle("Show test points", "showtest", True)
    discretise = ui.toggle("Discretise output", "discrete", False)

ui.show_url_notices(notices)
layout.preset_note(URL)

# ------------------------------------------------------------------ the job
if not features:
    st.warning("Choose at least one input feature in the sidebar.", icon=":material/warning:")
    job = live.current_job(NAME)
elif source == UPLOAD and CSV_STATE not in st.session_state:
    st.info("Upload a CSV with columns x1, x2, label (two or more classes) in the sidebar.",
            icon=":material/upload_file:")
    job = None
else:
    data = st.session_state[CSV_STATE][1] if source == UPLOAD else None
    cfg = ClassifyConfig(
        data=source if source != UPLOAD else "csv", noise=noise, n_points=n_points, train_ratio=train_pct / 100,
        features=tuple(features), hidden=widths, activation=activation, optimizer=optimizer, lr=lr, l2=l2,
        batch_size=batch, seed=seed,
    )
    data_key = st.session_state[CSV_STATE][0] if source == UPLOAD else None
    job = live.ensure_job(
        NAME, (dataclasses.replace(cfg, lr=0.0), data_key), live.RunSpec.of(ClassifyTrainer, cfg, data),
        live={"lr": lr}, max_steps=BUDGET, reset_label="Settings changed", film=("proba",),
    )

live.control_bar(job, NAME)


def draw(job) -> None:
    snap = job.snapshot()
    history = job.metrics()
    left, right = st.columns([1.15, 1])
    with left:
        layout.chart(decision_boundary(snap, snap["class_names"], show_test=show_test, discretise=discretise),
                     "boundary", main=True)
    with right:
        layout.chart(curves(history, [("train", "train_loss"), ("test", "test_loss")], "Loss L(θ)",
                            "cross-entropy", reference=live.kept(NAME)), "loss")
        layout.chart(curves(history, [("train", "train_accuracy"), ("test", "test_accuracy")], "Accuracy",
                            "share correct", y_range=(0, 1.02), reference=live.kept(NAME)), "acc")
        last = job.last_metrics
        if last:
            c1, c2, c3 = st.columns(3)
            c1.metric("Test accuracy", f"{last.get('test_accuracy', 0):.1%}")
            c2.metric("Test loss", f"{last.get('test_loss', 0):.3f}")
            c3.metric("Parameters θ", f"{snap['parameter_count']:,}")
    units = unit_heatmaps(snap)
    if units is not None:
        st.caption("What each hidden unit computes over the plane (first two layers, up to 16 units each).")
        layout.chart(units, "units")


live.live_view(job, NAME, draw)
live.training_replay(job, NAME, lambda film: boundary_film(job.snapshot(), film, job.snapshot()["class_names"]))

with layout.explanation():
    st.markdown(
        "**The supervised setting.** The data are n points with d features each, stacked as the rows of X, "
        "and their labels Y; learning finds a function f_θ that predicts the label of a new point."
    )
    st.latex(r"X = (x_1, \dots, x_n)^\top \in \mathbb{R}^{n\times d},\qquad Y = (y_1, \dots, y_n),\qquad "
             r"\{(x_i, y_i)\}_{i=1}^{n},\quad x_i \in \mathbb{R}^d,\ y_i \in \mathcal{Y}")
    st.latex(r"\text{classification: } \mathcal{Y} = \{1, \dots, m\}\qquad\text{regression: } "
             r"\mathcal{Y} = \mathbb{R}^p\qquad \hat y = f_\theta(x)")
    st.markdown(
        "We want θ to do well on points we have not seen, on average over the unknown distribution of (x, y): "
        "the **expected risk**. We cannot compute it, so training minimises the **empirical risk**, the average "
        "loss on the n training points; the test points estimate the expected risk."
    )
    st.latex(r"\min_\theta\; \mathbb{E}_{(x, y)}\big[L(y, f_\theta(x))\big]"
             r"\qquad\text{is replaced by}\qquad "
             r"\min_\theta\; \frac{1}{n}\sum_{i=1}^{n} L\big(y_i, f_\theta(x_i)\big)")
    st.markdown(
        "Here d is the number of chosen input features, m the number of classes (two for the built-in data "
        "sets), and n the training share of the points. A network with one hidden layer (Hidden layers = 1) "
        "is the function below, σ being the activation φ; its m outputs are scores that the softmax turns "
        "into class probabilities, and L is the cross-entropy, minus the log-probability of the true class."
    )
    st.latex(r"f_\theta(x) = W_2\,\sigma(W_1 x + b_1) + b_2,\qquad \theta = (W_1, b_1, W_2, b_2)")
    st.markdown(
        "A neural network maps the input features of a point to the probability of each class. "
        "Training chooses the weights θ that make the training points' labels likely; the colours show "
        "what the network currently believes over the whole plane. The input layer h⁽⁰⁾ holds the chosen "
        "features of x = (x₁, x₂). With K hidden layers:"
    )
    st.latex(r"h^{(k+1)} = \varphi\big(W^{(k)} h^{(k)} + b^{(k)}\big),\qquad "
             r"f_\theta(x) = \operatorname{softmax}\big(W^{(K)} h^{(K)} + b^{(K)}\big)")
    st.latex(r"L(\theta) = -\frac{1}{n}\sum_{i=1}^{n} \log f_\theta(x_i)_{y_i} \;+\; "
             r"\frac{\lambda}{2}\sum_k \lVert W^{(k)}\rVert^2")
    layout.preset_list(TRY, URL)
