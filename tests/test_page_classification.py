"""AppTest tests of the classification page."""

from tests.pagetest import errors, open_page, press, status, texts, wait_until

PAGE = "classification.py"


def test_learning_rate_applies_without_reset_other_changes_reset_with_notice():
    at = open_page(PAGE)
    press(at, "classify_step")
    press(at, "classify_step")
    at.select_slider(key="lr").set_value(0.1).run()
    assert "step 2 /" in texts(at)  # no reset
    at.slider(key="noise").set_value(0.2).run()
    assert "step 0 /" in texts(at)
    assert "reset" in texts(at)


def test_diverging_run_says_so_and_keeps_the_page():
    at = open_page(PAGE, {"opt": "SGD", "lr": "10.0", "act": "Linear", "layers": "4"})
    press(at, "classify_play")
    wait_until(at, lambda a: "diverged" in status(a), "a diverged run")
    assert any("learning rate" in e for e in errors(at))
    assert len(at.get("plotly_chart")) >= 3  # the last good picture stays
