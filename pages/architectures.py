"""Other architectures: a small CNN against an MLP on 8x8 digits, trained live side by side."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.cnn import CnnConfig, CnnVsMlpTrainer
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_cnn import before_after, digit_gallery, filters_figure
from dashboard.figures import curves
from dashboard.presets import ARCHITECTURES as TRY
from dashboard.topics import topic_for

NAME = "cnn"
URL = "architectures"  # the page's url_path (dashboard/topics.py)
LR_LADDER = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
BUDGET = 4000

notices = layout.page(
    "Other architectures: convolutions for images",
    "An architecture builds the data's structure into the model: a CNN slides the same 3×3 filter over "
    "every position of a digit, while an MLP sees 64 numbers whose order means nothing to it.")

with layout.settings():
    st.header("CNN")
    channels = ui.slider("Filters in the first convolution", "ch", 2, 32, 8)
    st.header("MLP")
    hidden = ui.slider("Hidden units", "hid", 8, 256, 64, 8)
    st.header("Training")
    lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, 0.01)
    batch = ui.slider("Batch size", "batch", 8, 256, 64, 8)
    seed = ui.number("Seed", "seed", 0, 9999, 0)
with st.sidebar:
    start = live.start_from()
    st.header("Test")
    shifted = ui.toggle("Shift the test digits one pixel right", "shift", False)
    layout.presets(TRY)

ui.show_url_notices(notices)
layout.preset_note(URL)

cfg = CnnConfig(channels=channels, mlp_hidden=hidden, lr=lr, batch_size=batch, seed=seed)
job = live.ensure_trained_job(NAME, (dataclasses.replace(cfg, lr=0.0), start), live.RunSpec.of(CnnVsMlpTrainer, cfg),
                              live={"lr": lr}, max_steps=BUDGET, model="cnn", cfg=cfg, start=start)
live.control_bar(job, NAME)

PART = "shifted" if shifted else "test"
WHAT = "shifted test digits" if shifted else "test digits"


def draw(job) -> None:
    snap, history = job.snapshot(), job.metrics()
    left, right = st.columns(2)
    for col, name, label in ((left, "cnn", "CNN"), (right, "mlp", "MLP")):
        with col:
            acc = float(snap[f"{name}_{PART}_accuracy"])
            other = float(snap[f"{name}_{'test' if shifted else 'shifted'}_accuracy"])
            # the curves first: in presenter mode they are what the first screen shows
            layout.chart(curves(history, [("train", f"{name}_train_accuracy"), ("test", f"{name}_test_accuracy"),
                                          ("shifted test", f"{name}_shifted_accuracy")],
                                f"{label} accuracy", "share correct", y_range=(0, 1.02), height=270,
                                reference=live.kept(NAME)),
                         f"{name}_acc", main=name == "cnn")
            c1, c2 = st.columns(2)
            c1.metric(f"{label}: accuracy on {WHAT}", f"{acc:.1%}",
                      f"{acc - other:+.1%} vs {'unshifted' if shifted else 'shifted'}", delta_color="off")
            c2.metric(f"{label}: parameters θ", f"{snap[f'{name}_parameters']:,}")
            wrong = snap[f"{name}_{PART}_wrong_images"]
            layout.chart(digit_gallery(wrong, snap[f"{name}_{PART}_wrong_pred"], snap[f"{name}_{PART}_wrong_true"],
                                       f"{label} mistakes: predicted (true)"), f"{name}_wrong")
    filt, pair = st.columns([3, 1])
    with filt:
        layout.chart(filters_figure(snap["filters"]), "filters")
        st.caption("Orange: negative weights, blue: positive. Each filter responds to one small pattern "
                   "(an edge, a stroke's end) wherever it appears in the digit.")
    with pair:
        layout.chart(before_after(snap["test_example"], snap["shifted_example"]), "shift_pair")
        st.caption("The shift toggle tests both models on every test digit moved one pixel right; "
                   "neither saw shifted digits in training.")


live.live_view(job, NAME, draw)

with layout.explanation():
    st.markdown(
        "Other neural networks are models suited to some specific data. An **MLP** sees an 8×8 digit as a list "
        "of 64 numbers whose order means nothing to it. A **convolutional network (CNN)** slides the same small "
        "3×3 filter over every position of the image: few parameters, and a stroke is recognised wherever it is. "
        "Both learn here from the same batches of scikit-learn's 1,797 handwritten digits."
    )
    st.latex(r"h_{c,i,j} = \varphi\Big(b_c + \sum_{c'}\sum_{u,v=-1}^{1} w_{c,c',u,v}\,x_{c',\,i+u,\,j+v}\Big)"
             r"\qquad\text{(the same } w \text{ at every position } (i, j)\text{)}")
    st.markdown("**Models suited to other data**")
    text = topic_for("text.py")
    st.markdown(
        "Only the CNN and the MLP are trained on this page; the others are named here for where they fit. "
        "**Recurrent networks (RNN, LSTM, GRU)** suit sequences: they read one element at a time and carry a "
        "hidden state from step to step, with the same weights at every time step; LSTM and GRU add gates so "
        "the state can keep information over long sequences. **Graph neural networks (GNNs)** suit graphs "
        "(molecules, social networks, road maps): they pass messages along the edges and, like a convolution, "
        "use the same weights at every node. **Transformers** let every element of a sequence look at every "
        "other through attention; they power today's language models. A **vision transformer (ViT)** reads an "
        "image as a sequence: it cuts the image into p×p patches and gives each patch, flattened, to the "
        "transformer as one token. It does not build in the CNN's assumption that nearby pixels belong "
        "together, and it typically needs far more training images than the 1,797 digits here to make up for it."
    )
    if text is not None and text.built:
        st.page_link(str(text.path), label="Text generation: from bigram counts to a tiny Transformer",
                     icon=text.icon)
    else:
        st.markdown("The *Text generation* topic (coming) trains such sequence models on characters.")

    layout.preset_list(TRY, URL)
