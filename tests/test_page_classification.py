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
