"""AppTest tests of the capacity page (regression sweep and over-fitting classifiers)."""

from __future__ import annotations

import base64
import json

import numpy as np

from tests.pagetest import open_page, press, status, texts, wait_until

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


def test_sweep_draws_the_u_and_the_three_panels():
    at = open_page(PAGE, {"n": "30", "noise": "0.3"})
    press(at, "capacity_play")
    lengths = []
    wait_until(at, lambda a: lengths.append(len(test_error(a))) or "finished" in status(a), "the sweep's end")
    assert any(0 < n < 21 for n in lengths)  # seen while growing, not all at once
    test = test_error(at)
    assert len(test) == 21 and test[-1] > 2 * test.min()  # the U's right arm
    titles = " ".join(a["text"] for a in chart(at, "cap_panels")["layout"]["annotations"])
    assert "Under-fit: degree 1" in titles and "Right fit" in titles and "Over-fit: degree 20" in titles
    # more data: a new sweep, with the first one kept as a dotted comparison curve
    at.slider(key="n").set_value(150).run()
    assert "step 0 /" in status(at) and "reset" in texts(at)
    press(at, "capacity_play")
    wait_until(at, lambda a: "finished" in status(a), "the second sweep's end")
    names = [t.get("name", "") for t in chart(at, "cap_u")["data"]]
    assert "test, n=30, σ=0.3" in names
    assert test_error(at)[-1] < test[-1]  # the right arm has dropped


def test_step_and_reset():
    """The sweep's curve grows one degree per step; its job and the classifiers' step and reset apart."""
    at = open_page(PAGE)
    for n in (1, 2, 3):
        press(at, "capacity_step")
        assert f"step {n} /" in status(at, "21") and len(test_error(at)) == n
    press(at, "overfit_step")
    assert "step 1 /" in status(at, "3,000") and "step 3 /" in status(at, "21")
    press(at, "capacity_reset")
    assert "step 0 /" in status(at, "21") and "step 1 /" in status(at, "3,000")
    press(at, "overfit_reset")
    assert "step 0 /" in status(at, "3,000")


def test_degree_slider_fits_at_once_and_mlp_width_waits_for_the_sweep():
    at = open_page(PAGE, {"deg": "20", "n": "15"})
    assert "Your model: degree d = 20" in chart(at, "cap_fit")["layout"]["title"]["text"]
    assert [m.label for m in at.metric] == ["Train error", "Test error"]  # shown before any training
    at.selectbox(key="model").set_value("mlp").run()
    assert any("not trained yet" in str(i.value) for i in at.info)
    assert at.select_slider(key="width").value == 8


def test_overfit_classifiers_train_and_early_stopping_stops():
    at = open_page(PAGE, {"pat": "20", "cn": "30"})
    press(at, "overfit_play")
    wait_until(at, lambda a: "stopped at step" in json.dumps(chart(a, "of_panels")["layout"]["annotations"]),
               "early stopping")
    press(at, "overfit_play")
    assert any("test accuracy" in m.label for m in at.metric)
