"""AppTest tests of the capacity page (regression sweep and over-fitting classifiers)."""

from __future__ import annotations

import base64
import json

import numpy as np

from tests.pagetest import errors, exercise_extremes, open_page, poll, press, texts

PAGE = "capacity.py"


def chart(at, key: str) -> dict:
    """The plotly figure (as a dict) of the chart with this key."""
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith(f"-{key}"):
            return json.loads(el.proto.spec)
    raise KeyError(key)


def values(trace: dict, axis: str) -> np.ndarray:
    """A trace's x or y values, decoding plotly's base64 arrays."""
    v = trace.get(axis, [])
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, dtype=float)


def test_error(at) -> np.ndarray:
    fig = chart(at, "cap_u")
    trace = next((t for t in fig["data"] if t.get("name") == "test error"), None)
    return values(trace, "y") if trace else np.zeros(0)


test_error.__test__ = False  # a helper, not a test


def wait_for(at, predicate, tries: int = 40, pause: float = 0.5):
    for _ in range(tries):
        if predicate(at):
            return at
        poll(at, pause)
    raise AssertionError("condition not reached")


def test_play_trains_and_pause_stops():
    """With the MLP family: its sweep is long enough not to finish before Pause on a busy machine."""
    at = open_page(PAGE, {"n": "20", "model": "MLP of width w (2 tanh layers)"})
    assert "idle" in texts(at)
    press(at, "capacity_play")
    poll(at, 1.0)
    assert "running" in texts(at)
    press(at, "capacity_play")
    assert "paused" in texts(at)
    frozen = texts(at)
    poll(at, 0.6)
    assert texts(at) == frozen


def test_sweep_draws_the_u_and_the_three_panels():
    at = open_page(PAGE, {"n": "30", "noise": "0.3"})
    press(at, "capacity_play")
    lengths = []
    wait_for(at, lambda a: lengths.append(len(test_error(a))) or "finished" in texts(a))
    assert any(0 < n < 21 for n in lengths)  # seen while growing, not all at once
    test = test_error(at)
    assert len(test) == 21 and test[-1] > 2 * test.min()  # the U's right arm
    titles = " ".join(a["text"] for a in chart(at, "cap_panels")["layout"]["annotations"])
    assert "Under-fit: degree 1" in titles and "Right fit" in titles and "Over-fit: degree 20" in titles
    # more data: a new sweep, with the first one kept as a dotted comparison curve
    at.slider(key="n").set_value(150).run()
    assert "reset" in texts(at) or "step 0" in texts(at)
    press(at, "capacity_play")
    wait_for(at, lambda a: "finished" in texts(a))
    names = [t.get("name", "") for t in chart(at, "cap_u")["data"]]
    assert "test, n=30, σ=0.3" in names
    assert test_error(at)[-1] < test[-1]  # the right arm has dropped


def test_step_and_reset():
    at = open_page(PAGE)
    press(at, "capacity_step")
    assert "step 1 /" in texts(at)
    press(at, "capacity_step")
    press(at, "capacity_step")
    assert len(test_error(at)) == 3  # the curve grows one degree per step
    press(at, "capacity_reset")
    assert "step 0 /" in texts(at)
    press(at, "overfit_step")
    assert "step 1 / 3,000" in texts(at)
    press(at, "overfit_reset")
    assert "step 0 / 3,000" in texts(at)


def test_degree_slider_fits_at_once_and_mlp_width_waits_for_the_sweep():
    at = open_page(PAGE, {"deg": "20", "n": "15"})
    assert "Your model: degree d = 20" in chart(at, "cap_fit")["layout"]["title"]["text"]
    assert len(at.metric) >= 2  # train and test error shown before any training
    at.selectbox(key="model").set_value("mlp").run()
    assert any("not trained yet" in str(i.value) for i in at.info)
    assert at.select_slider(key="width").value == 8


def test_overfit_classifiers_train_and_early_stopping_stops():
    at = open_page(PAGE, {"pat": "20", "cn": "30"})
    press(at, "overfit_play")
    wait_for(at, lambda a: "stopped at step" in json.dumps(chart(a, "of_panels")["layout"]["annotations"]))
    press(at, "overfit_play")
    assert any("test accuracy" in m.label for m in at.metric)


def test_every_widget_at_its_extremes():
    """Each tab's widgets with its own job playing (a finished sweep disables its Play, so one at a time)."""
    at = open_page(PAGE, {"n": "10", "cn": "10"})
    classification = ("cdata", "cn", "cnoise", "cw", "l2", "es", "pat", "cseed")
    seen = exercise_extremes(at, play_key="capacity_play", skip=classification)
    seen += exercise_extremes(at, play_key="overfit_play", skip=tuple(seen))
    for key in ("model", "n", "noise", "seed", "cdata", "cn", "cnoise", "cw", "l2", "es", "pat", "cseed"):
        assert key in seen
    assert "deg" in seen or "width" in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"model": "MLP of width w (2 tanh layers)", "width": "64", "n": "100", "noise": "0.5",
                          "cdata": "Circles", "l2": "0.1", "es": "false", "cseed": "3"})
    assert at.selectbox(key="model").value == "mlp" and at.select_slider(key="width").value == 64
    assert at.slider(key="n").value == 100 and at.slider(key="noise").value == 0.5
    assert at.selectbox(key="cdata").value == "circles" and at.select_slider(key="l2").value == 0.1
    assert at.toggle(key="es").value is False and at.number_input(key="cseed").value == 3
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"deg": "25", "n": "abc", "noise": "inf", "l2": "7", "cdata": "nope", "es": "maybe"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("deg=25", "n=abc", "noise=inf", "l2=7", "cdata=nope", "es=maybe"):
        assert key in notice
    assert at.slider(key="deg").value == 3 and at.slider(key="n").value == 30
    press(at, "capacity_step")
    assert not errors(at)
