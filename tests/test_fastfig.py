"""dashboard/fastfig.py: the live builders skip plotly's checks; the tests check every figure a page draws."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard import fastfig
from dashboard.figures import curves


def test_the_tests_check_every_drawn_figure():
    assert fastfig.CHECK  # tests/conftest.py sets GENLAB_CHECK_FIGURES before the app is imported


def test_a_bad_property_passes_the_builder_and_fails_the_check():
    fig = fastfig.Figure(data=[fastfig.Scatter(x=[0, 1], y=[1, 2], colour="red")])  # not a plotly property
    with pytest.raises(fastfig.FigureCheckError, match="colour"):
        fastfig.checked(fig)
    titled = fastfig.Figure(layout=dict(title="Loss"))  # plotly would send {"text": "Loss"}
    with pytest.raises(fastfig.FigureCheckError, match="'Loss' at .layout.title"):
        fastfig.checked(titled)


def test_a_check_failure_in_a_live_view_fails_the_test_and_other_drawing_errors_show_one_line():
    from streamlit.testing.v1 import AppTest

    script = """
import streamlit as st
from dashboard import fastfig, live

class Stub:
    active = False
    timing = {}
    def poll(self): pass

def draw(job):
    if st.session_state.get("bad_figure"):
        fastfig.checked(fastfig.Figure(layout=dict(title="Loss")))
    raise RuntimeError("a bug in a figure")

saved = live.status_line, live.end_notice  # the stub job has no status: put the module back afterwards
live.status_line, live.end_notice = (lambda job: ""), (lambda status: None)
try:
    live.live_view(Stub(), "stub", draw)
finally:
    live.status_line, live.end_notice = saved
"""
    at = AppTest.from_string(script).run()
    assert not at.exception and "Could not draw this view: RuntimeError: a bug in a figure" in at.error[0].value
    at.session_state["bad_figure"] = True
    at.run()
    assert at.exception  # an exception element (its text redacted: client.showErrorDetails), not one line


def test_an_unchecked_figure_sends_what_a_checked_one_sends():
    history = {"step": np.arange(5.0), "loss": np.linspace(1, 0, 5), "acc": np.array([0, 0.5, np.nan, 0.7, 0.8])}
    fig = curves(history, [("loss", "loss"), ("accuracy", "acc")], "Loss", "loss", y_range=(0, 1))
    assert fastfig.checked(fig) is fig
    assert fastfig.as_json(fig)["data"][1]["name"] == "accuracy"


def _decoded(spec: dict) -> np.ndarray:
    import base64

    values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype={"f4": np.float32, "f8": np.float64}[spec["dtype"]])
    return values.reshape([int(n) for n in spec["shape"].split(",")]) if "shape" in spec else values


def test_the_browser_gets_plotlys_dict_with_float32_arrays_and_the_figure_is_unchanged():
    import plotly.graph_objects as go
    import plotly.io as pio

    z = np.linspace(0, 1, 12).reshape(3, 4)
    x = np.array([0.1, np.nan, np.inf, 3.0])  # an inf: float32 would do, but keep the rule simple and safe
    steps = np.array([0.0, 2.0 ** 24 + 1])  # float32 would round this to 2**24
    fig = fastfig.Figure(data=[fastfig.Heatmap(z=z, x=np.arange(4.0), y=[0, 1, 2]),
                               fastfig.Scatter(x=x, y=np.array([1, 2, 3, 4]), marker=dict(color=np.ones(4))),
                               fastfig.Scatter(x=steps, y=np.zeros(2))],
                         layout=dict(title=dict(text="t"), xaxis=dict(range=np.array([0.0, 1.0]))))
    sent = fig.to_dict()
    plotlys = go.Figure.to_dict(fig)  # what plotly itself would send: the same keys, float64 arrays
    assert sent.keys() == plotlys.keys() and pio.to_json(sent["layout"], validate=False) == pio.to_json(plotlys["layout"], validate=False)
    heat, scatter, far = sent["data"]
    assert heat["z"]["dtype"] == "f4" and heat["z"]["shape"] == "3, 4"
    np.testing.assert_allclose(_decoded(heat["z"]), z, rtol=1e-7)
    assert heat["y"] == [0, 1, 2] and scatter["y"] == plotlys["data"][1]["y"]  # lists and integers as plotly sends them
    assert _decoded(scatter["marker"]["color"]).dtype == np.float32
    assert scatter["x"]["dtype"] == "f8" and np.array_equal(_decoded(scatter["x"]), x, equal_nan=True)
    assert far["x"]["dtype"] == "f8" and _decoded(far["x"])[1] == 2.0 ** 24 + 1
    assert isinstance(sent["layout"]["xaxis"]["range"], np.ndarray)  # a range is never sent in binary (plotly's rule)
    assert fastfig.checked(fig) is fig  # plotly's checks accept what is sent
    assert isinstance(fig.data[0].z, np.ndarray) and fig.data[0].z.dtype == np.float64  # the figure keeps its arrays


def test_add_trace_does_not_check_a_trace_again_and_the_tests_still_catch_a_bad_one():
    import plotly.graph_objects as go

    bad = dict(x=[0, 1], y=[1, 2], colour="red")  # not a plotly property
    with pytest.raises(ValueError, match="colour"):
        go.Figure().add_trace(fastfig.Scatter(**bad))  # plotly checks every property again as it adds a trace
    fig = fastfig.Figure().add_trace(fastfig.Scatter(**bad))
    with pytest.raises(fastfig.FigureCheckError, match="colour"):
        fastfig.checked(fig)
    good = fastfig.Figure().add_trace(fastfig.Scatter(x=np.arange(3.0), y=np.ones(3), name="a"))
    assert fastfig.checked(good) is good and good.data[0].name == "a"
