"""Learning from data versus expert rules: write a rule for the Iris flowers, watch a model learn one."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.rules import FEATURES, SIDES, SPECIES, RulesConfig, RulesTrainer, RuleSet, Split, accuracy, \
    best_single_rule, confusion_matrix, load_iris_data
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_rules import confusion_figure, pipelines_dot, rules_plane
from dashboard.figures import curves
from dashboard.presets import DATA_VS_RULES as TRY

NAME = "rules"
URL = "data_vs_rules"  # the page's url_path (dashboard/topics.py)
LR_LADDER = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BUDGET = 1500
PACE = 60  # steps per second: the boundary visibly moves for a few seconds
MODEL_LABELS = {"logistic": "Logistic regression (no hidden layer)", "mlp": "MLP (one hidden layer)"}

iris = load_iris_data()
BEST, BEST_ACC = best_single_rule(iris.X, iris.Y)

notices = layout.page(
    "Learning from data versus expert rules",
    "An expert system runs the program a person wrote (*data + program → results*); machine learning finds "
    "the program from the data and the results we want (*data + results → program*).")


# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    st.header("Your rule")
    r1f = ui.select("If this feature", "r1f", FEATURES, "petal length")
    r1t = ui.slider("is below the threshold t (cm)", "r1t", 0.0, 8.0, 2.5, 0.05)
    r1lo = ui.select("then the species is", "r1lo", SPECIES, "setosa")
    r1hi = ui.select("otherwise it is", "r1hi", SPECIES, "versicolor")
    second = ui.toggle("Add a second rule", "r2", False)
    r2side = ui.select("It decides the flowers", "r2side", SIDES, "above", disabled=not second,
                       format_func=lambda s: f"{s} the first threshold")
    r2f = ui.select("If this feature", "r2f", FEATURES, "petal width", disabled=not second)
    r2t = ui.slider("is below (cm)", "r2t", 0.0, 8.0, 1.75, 0.05, disabled=not second)
    r2lo = ui.select("then", "r2lo", SPECIES, "versicolor", disabled=not second)
    r2hi = ui.select("otherwise", "r2hi", SPECIES, "virginica", disabled=not second)
    layout.presets(TRY)

with layout.settings():
    st.header("The plane (model inputs)")
    fx = ui.select("Horizontal axis", "fx", FEATURES, "petal length")
    fy = ui.select("Vertical axis", "fy", FEATURES, "petal width")

    st.header("The learned model")
    kind = ui.select("Model", "model", tuple(MODEL_LABELS), "mlp", format_func=MODEL_LABELS.get)
    hidden = ui.slider("Hidden units", "hidden", 1, 32, 8, disabled=kind != "mlp")
    lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, 0.03)
    train_pct = ui.slider("Training share (%)", "train", 20, 80, 60, 5)
    seed = ui.number("Seed", "seed", 0, 9999, 0)
    show_test = ui.toggle("Show test flowers", "showtest", True)

ui.show_url_notices(notices)
layout.preset_note(URL)

index = FEATURES.index
rules = RuleSet(
    Split(index(r1f), r1t, SPECIES.index(r1lo), SPECIES.index(r1hi)),
    Split(index(r2f), r2t, SPECIES.index(r2lo), SPECIES.index(r2hi)) if second else None,
    r2side,
)
words = rules.first.describe()
if rules.second is not None:
    words += f"; and for flowers {r2side} {r1t:g} cm: {rules.second.describe()}"
st.markdown(f"**Your rule:** {words}.")


def best_rule_note() -> None:
    st.info(f"**The best single-threshold rule**, found by trying every feature and every threshold: "
            f"{BEST.describe()} ({BEST_ACC:.1%} of the 150 flowers). One threshold splits the flowers in two, "
            "so it can name at most two of the three species.", icon=":material/search:")


# ------------------------------------------------------------------ the job
if fx == fy:
    st.warning("Choose two different features for the plane's axes: the model keeps its previous inputs.",
               icon=":material/warning:")
    job = live.current_job(NAME)
else:
    cfg = RulesConfig(feature_x=fx, feature_y=fy, kind=kind, hidden=hidden, lr=lr, train_ratio=train_pct / 100,
                      seed=seed)
    job = live.ensure_job(NAME, dataclasses.replace(cfg, lr=0.0), live.RunSpec.of(RulesTrainer, cfg),
                          live={"lr": lr}, max_steps=BUDGET, max_steps_per_s=PACE, reset_label="Settings changed")

live.control_bar(job, NAME)


def rule_panel(test_rows) -> None:
    """The rule's accuracy (all flowers, and the model's test flowers) and its confusion matrix."""
    pred = rules.predict(iris.X)
    c1, c2 = st.columns(2)
    c1.metric("Rule accuracy (150 flowers)", f"{accuracy(iris.Y, pred):.1%}")
    if test_rows is not None:
        c2.metric("Rule accuracy (test flowers)", f"{accuracy(iris.Y[test_rows], pred[test_rows]):.1%}")
    layout.chart(confusion_figure(confusion_matrix(iris.Y, pred), SPECIES, "Your rule (rows: true species)",
                                  height=250), "cm_rule")


def draw(job) -> None:
    snap = job.snapshot()
    left, right = st.columns([1.25, 1])
    with left:
        fig, note = rules_plane(snap, rules, snap["fx"], snap["fy"], FEATURES, SPECIES, show_test=show_test,
                                height=340 if layout.presenting() else 470)  # on screen under a "Finished" notice
        layout.chart(fig, "plane", main=True)
        st.caption("Colours: what the model predicts (fading where it is unsure). Dashed boxes: your rule's "
                   "regions. Filled dots train the model; rings are test flowers it never sees."
                   + (f" {note}" if note else ""))
    with right:
        rule_panel(snap["test_rows"])
        last = job.last_metrics
        c1, c2 = st.columns(2)
        c1.metric("Model accuracy (test flowers)", f"{last['test_accuracy']:.1%}" if last else "—")
        c2.metric("Parameters θ", f"{snap['parameter_count']:,}")
        layout.chart(confusion_figure(snap["confusion_test"], SPECIES, "The model, test flowers (rows: true)",
                                      height=250), "cm_model")
    layout.chart(curves(job.metrics(), [("train", "train_accuracy"), ("test", "test_accuracy")],
                        "Model accuracy while it learns", "share correct", y_range=(0, 1.02), height=260,
                        reference=live.kept(NAME)), "acc")


if job is None:
    rule_panel(None)
live.live_view(job, NAME, draw)
if not layout.presenting():  # under the live view (presenter mode: in the explanation): the plane on the first screen
    best_rule_note()

with layout.explanation():
    st.markdown(
        "An **expert system** runs a program a person wrote: *data + program → results*. "
        "**Machine learning** turns this around: from data and the results we want, the computer finds the "
        "program, *data + results → program*. Above, you write a rule for the 150 Iris flowers "
        "(three species, four measurements in cm) while a model learns one from the same flowers. "
        "A **generative model** learns from data alone (no results to match): a *learning step* fits a "
        "model p_θ of the data, then a *sampling step* draws new data from it, possibly steered by a prompt "
        "(the second half of the lecture, from Gaussians to text generation)."
    )
    st.graphviz_chart(pipelines_dot(), width="stretch")
    _, equations, _ = st.columns([0.2, 1, 0.2])
    with equations:
        st.latex(r"\text{your rule: }\hat y(x) = \begin{cases} c_{\text{below}} & \text{if } x_j < t \\ "
                 r"c_{\text{above}} & \text{otherwise}\end{cases}")
        st.latex(r"\text{accuracy} = \frac{1}{n}\sum_{i=1}^{n} \mathbf{1}\big[\hat y(x_i) = y_i\big]")
        st.latex(r"f_\theta(x) = \operatorname{softmax}\big(W^{(1)}\varphi(W^{(0)}x + b^{(0)}) + b^{(1)}\big)")
        st.latex(r"L(\theta) = -\frac{1}{n}\sum_{i=1}^{n}\log f_\theta(x_i)_{y_i}")
        st.caption("x holds the two features on the plane's axes. A logistic regression has no hidden layer: "
                   "f_θ(x) = softmax(W x + b).")
    if layout.presenting():
        best_rule_note()
    layout.preset_list(TRY, URL)
