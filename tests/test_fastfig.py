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
    with pytest.raises(ValueError, match="colour"):
        fastfig.checked(fig)


def test_an_unchecked_figure_sends_what_a_checked_one_sends():
    history = {"step": np.arange(5.0), "loss": np.linspace(1, 0, 5), "acc": np.array([0, 0.5, np.nan, 0.7, 0.8])}
    fig = curves(history, [("loss", "loss"), ("accuracy", "acc")], "Loss", "loss", y_range=(0, 1))
    assert fastfig.checked(fig) is fig
    assert fastfig.as_json(fig)["data"][1]["name"] == "accuracy"
