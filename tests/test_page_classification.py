"""AppTest tests of the classification page."""

from tests.pagetest import assert_clean, errors, exercise_extremes, open_page, poll, press, texts

PAGE = "classification.py"


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert "idle" in texts(at)
    press(at, "classify_play")
    poll(at, 1.5)
    assert "running" in texts(at)
    press(at, "classify_play")
    assert "paused" in texts(at)
    step_text = texts(at)
    poll(at, 0.5)
    assert texts(at) == step_text  # paused: nothing moves


def test_step_and_reset():
    at = open_page(PAGE)
    press(at, "classify_step")
    assert "step 1 " in texts(at) or "step 1\n" in texts(at) or "step 1 /" in texts(at)
    press(at, "classify_reset")
    assert "step 0" in texts(at)


def test_every_widget_at_its_extremes():
    at = open_page(PAGE)
    seen = exercise_extremes(at, play_key="classify_play")
    for key in ("data", "noise", "n", "train", "feat", "layers", "act", "opt", "lr", "l2", "batch", "seed"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"data": "Spiral", "layers": "3", "h1": "16", "act": "Relu", "lr": "0.3", "seed": "7"})
    assert at.selectbox(key="data").value == "spiral"
    assert at.slider(key="layers").value == 3 and at.slider(key="h1").value == 16
    assert at.selectbox(key="act").value == "relu"
    assert at.select_slider(key="lr").value == 0.3 and at.number_input(key="seed").value == 7
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"lr": "abc", "n": "99999", "noise": "nan", "act": "nope", "layers": "2.5", "feat": ["x1", "zz"]})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("lr=abc", "n=99999", "noise=nan", "act=nope", "layers=2.5", "feat=zz"):
        assert key in notice
    assert at.slider(key="n").value == 400 and at.select_slider(key="lr").value == 0.03
    press(at, "classify_step")  # and the page still trains


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
    for _ in range(20):
        poll(at, 0.5)
        if "diverged" in texts(at):
            break
    assert "diverged" in texts(at) and any("learning rate" in e for e in errors(at))
    assert len(at.get("plotly_chart")) >= 3  # the last good picture stays
