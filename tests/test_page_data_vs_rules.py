"""AppTest tests of the data-versus-rules page."""

from core.rules import RuleSet, Split, accuracy, load_iris_data
from tests.pagetest import open_page, press, status, step_of, texts, wait_until

PAGE = "data_vs_rules.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


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
    wait_until(at, lambda a: step_of(status(a)) > 0 and
               float(metric(a, "Model accuracy (test flowers)").rstrip("%")) > 90, "a model above 90%")
    assert float(metric(at, "Model accuracy (test flowers)").rstrip("%")) > float(
        metric(at, "Rule accuracy (test flowers)").rstrip("%"))
    assert at.get("graphviz_chart"), "the three pipelines diagram is on the page"
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
