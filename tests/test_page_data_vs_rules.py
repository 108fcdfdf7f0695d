"""AppTest tests of the data-versus-rules page."""

from core.rules import RuleSet, Split, accuracy, load_iris_data
from tests.pagetest import exercise_extremes, open_page, poll, press, texts

PAGE = "data_vs_rules.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert "idle" in texts(at)
    press(at, "rules_play")
    poll(at, 1.5)
    assert "running" in texts(at)
    press(at, "rules_play")
    assert "paused" in texts(at)
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen


def test_step_and_reset():
    at = open_page(PAGE)
    press(at, "rules_step")
    assert "step 1 /" in texts(at)
    press(at, "rules_reset")
    assert "step 0 /" in texts(at)


def test_every_widget_at_its_extremes():
    at = open_page(PAGE, {"r2": "true"})  # the second rule's widgets are disabled while it is off
    seen = exercise_extremes(at, play_key="rules_play")
    for key in ("r1f", "r1t", "r1lo", "r1hi", "r2", "r2side", "r2f", "r2t", "r2lo", "r2hi", "fx", "fy", "model",
                "hidden", "lr", "train", "seed", "showtest"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"r1f": "petal width", "r1t": "0.8", "r2": "true", "r2t": "1.65", "fx": "sepal length",
                          "model": "Logistic regression (no hidden layer)", "lr": "0.1", "seed": "7"})
    assert at.selectbox(key="r1f").value == "petal width" and at.slider(key="r1t").value == 0.8
    assert at.toggle(key="r2").value is True and at.slider(key="r2t").value == 1.65
    assert at.selectbox(key="fx").value == "sepal length" and at.selectbox(key="model").value == "logistic"
    assert at.select_slider(key="lr").value == 0.1 and at.number_input(key="seed").value == 7
    assert not at.warning
    assert "if petal width < 0.8 then setosa" in texts(at)


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"r1t": "abc", "r1f": "colour", "lr": "5", "hidden": "0", "r2": "maybe", "fy": "zz"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("r1t=abc", "r1f=colour", "lr=5", "hidden=0", "r2=maybe", "fy=zz"):
        assert key in notice
    assert at.slider(key="r1t").value == 2.5 and at.selectbox(key="r1f").value == "petal length"
    press(at, "rules_step")
    assert "step 1 /" in texts(at)


def test_rule_accuracy_and_the_learned_model_beating_it():
    at = open_page(PAGE)
    assert metric(at, "Rule accuracy (150 flowers)") == "66.7%"
    at.toggle(key="r2").set_value(True).run()
    iris = load_iris_data()
    two_rules = RuleSet(Split(2, 2.5, 0, 1), Split(3, 1.75, 1, 2), "above")
    assert metric(at, "Rule accuracy (150 flowers)") == f"{accuracy(iris.Y, two_rules.predict(iris.X)):.1%}"
    assert "and for flowers above 2.5 cm: if petal width < 1.75 then versicolor, else virginica" in texts(at)
    at.toggle(key="r2").set_value(False).run()
    press(at, "rules_play")
    for _ in range(20):
        poll(at, 0.5)
        if "step 0 " not in texts(at) and float(metric(at, "Model accuracy (test flowers)").rstrip("%")) > 90:
            break
    assert float(metric(at, "Model accuracy (test flowers)").rstrip("%")) > float(
        metric(at, "Rule accuracy (test flowers)").rstrip("%"))
    assert at.get("graphviz_chart"), "the two pipelines diagram is on the page"
    assert "best single-threshold rule" in texts(at) and "66.7%" in texts(at)


def test_same_feature_on_both_axes_warns_and_keeps_the_model():
    at = open_page(PAGE)
    press(at, "rules_step")
    at.selectbox(key="fy").set_value("petal length").run()
    assert any("two different features" in str(w.value) for w in at.warning)
    assert "step 1 /" in texts(at)  # the previous model is kept
    assert metric(at, "Rule accuracy (150 flowers)") == "66.7%"


def test_same_feature_in_the_url_shows_the_rule_without_a_model():
    at = open_page(PAGE, {"fx": "sepal width", "fy": "sepal width"})
    assert any("two different features" in str(w.value) for w in at.warning)
    assert metric(at, "Rule accuracy (150 flowers)") == "66.7%"
    assert "Fix the settings above to train." in texts(at)


def test_rule_off_the_plane_is_explained():
    at = open_page(PAGE, {"r1f": "sepal width"})
    assert "not on the plane" in texts(at)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "rule: " not in spec
    at = open_page(PAGE)
    assert "rule: setosa" in at.get("plotly_chart")[0].proto.spec


def test_learning_rate_applies_without_reset_other_changes_reset():
    at = open_page(PAGE)
    press(at, "rules_step")
    at.select_slider(key="lr").set_value(0.3).run()
    assert "step 1 /" in texts(at)
    at.slider(key="hidden").set_value(4).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)
