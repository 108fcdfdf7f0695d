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
