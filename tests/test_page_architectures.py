"""AppTest tests of the architectures page (CNN against MLP on 8x8 digits)."""

from __future__ import annotations

import re

from tests.pagetest import errors, exercise_extremes, open_page, poll, press, texts
from tests.test_page_capacity import chart

PAGE = "architectures.py"


def step_count(at) -> int:
    match = re.search(r"step ([\d,]+) /", texts(at))
    return int(match.group(1).replace(",", "")) if match else 0


def metric(at, start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(start))


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert "idle" in texts(at)
    press(at, "cnn_play")
    poll(at, 1.5)
    assert "running" in texts(at)
    press(at, "cnn_play")
    assert "paused" in texts(at)
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen


def test_step_reset_and_parameter_counts():
    at = open_page(PAGE)
    press(at, "cnn_step")
    assert "step 1 /" in texts(at)
    assert metric(at, "CNN: parameters") == "1,898" and metric(at, "MLP: parameters") == "4,810"
    press(at, "cnn_reset")
    assert "step 0 /" in texts(at)


def test_shift_toggle_shows_the_cnn_is_more_robust():
    at = open_page(PAGE)
    press(at, "cnn_play")
    for _ in range(60):
        poll(at, 0.5)
        if step_count(at) >= 300:
            break
    press(at, "cnn_play")  # pause, so both views show the same model
    plain = {k: float(metric(at, f"{k}: accuracy on test digits").rstrip("%")) for k in ("CNN", "MLP")}
    at.toggle(key="shift").set_value(True).run()
    shifted = {k: float(metric(at, f"{k}: accuracy on shifted test digits").rstrip("%")) for k in ("CNN", "MLP")}
    assert plain["CNN"] > 90 and plain["MLP"] > 85
    assert plain["MLP"] - shifted["MLP"] > plain["CNN"] - shifted["CNN"]  # the MLP loses more to one pixel
    assert "step" in texts(at) and "reset" not in texts(at)  # a display toggle: no reset
    titles = [chart(at, k)["layout"]["title"]["text"] for k in ("cnn_wrong", "mlp_wrong", "filters")]
    assert "CNN mistakes" in titles[0] and "MLP mistakes" in titles[1] and "3×3 filters" in titles[2]


def test_learning_rate_applies_without_reset_other_changes_reset():
    at = open_page(PAGE)
    press(at, "cnn_step")
    press(at, "cnn_step")
    at.select_slider(key="lr").set_value(0.001).run()
    assert "step 2 /" in texts(at)
    at.slider(key="ch").set_value(4).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_other_architectures_section():
    at = open_page(PAGE)
    page = texts(at)
    for word in ("Graph neural networks", "LSTM", "GRU", "Transformers"):
        assert word in page
    assert at.get("page_link") or "Text generation" in page


def test_every_widget_at_its_extremes():
    at = open_page(PAGE)
    seen = exercise_extremes(at, play_key="cnn_play")
    for key in ("ch", "hid", "lr", "batch", "seed", "shift"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"ch": "16", "hid": "128", "lr": "0.003", "batch": "32", "seed": "5", "shift": "true"})
    assert at.slider(key="ch").value == 16 and at.slider(key="hid").value == 128
    assert at.select_slider(key="lr").value == 0.003 and at.slider(key="batch").value == 32
    assert at.number_input(key="seed").value == 5 and at.toggle(key="shift").value is True
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"ch": "0", "hid": "x", "lr": "5", "shift": "perhaps", "seed": "-3"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("ch=0", "hid=x", "lr=5", "shift=perhaps", "seed=-3"):
        assert key in notice
    assert at.slider(key="ch").value == 8 and at.select_slider(key="lr").value == 0.01
    press(at, "cnn_step")
    assert not errors(at)
