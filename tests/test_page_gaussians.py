"""AppTest tests of the Gaussians and mixtures page."""

import json
import re

import numpy as np

from tests.pagetest import chart_texts, errors, open_page, press, status, step_of, texts, wait_until

PAGE = "gaussians.py"


def job_step(at, budget: str) -> int:
    """The step count of the job whose budget reads ``/ budget``."""
    return step_of(status(at, budget))


def test_gaussian_fit_plays_to_all_points_and_writes_the_fitted_density():
    at = open_page(PAGE, {"data": "Spike amplitudes in µV (1D)"})
    press(at, "gauss_step")
    assert "step 1 /" in status(at, "40")
    assert "The recording the amplitudes are read from" in chart_texts(at)  # the spike trace they come from
    latex = " ".join(str(e.value) for e in at.get("latex"))
    assert r"\hat\mu =" in latex and r"\sqrt{2\pi\cdot" in latex
    press(at, "gauss_play")
    wait_until(at, lambda a: "finished" in status(a, "40"), "the fit to all points")
    assert "(n = 500)" in " ".join(str(e.value) for e in at.get("latex"))


def test_step_half_step_and_reset():
    at = open_page(PAGE)
    press(at, "gmm_step")
    assert job_step(at, "300") == 1
    assert "Half step: M-step" in at.button(key="gmm_half").label
    press(at, "gmm_half")  # the M-step alone: no new point on the curve yet
    assert job_step(at, "300") == 1 and "Half step: E-step" in at.button(key="gmm_half").label
    press(at, "gmm_half")  # the E-step completes the iteration
    assert job_step(at, "300") == 2 and "Half step: M-step" in at.button(key="gmm_half").label
    press(at, "gmm_reset")
    assert job_step(at, "300") == 0


def test_log_likelihood_curve_rises_and_sweep_prefers_the_blobs_count():
    at = open_page(PAGE, {"clusters": "3", "k": "3", "spread": "0.2", "n": "200"})
    press(at, "gmm_step")
    first = [float(m.value) for m in at.metric if m.label == "ℓ(θ)"]
    for _ in range(8):
        press(at, "gmm_step")
    last = [float(m.value) for m in at.metric if m.label == "ℓ(θ)"]
    assert len(first) == len(last) == 1 and last[0] > first[0]
    press(at, "gmm_sweep_play")
    wait_until(at, lambda a: "finished" in status(a, "10"), "the sweep's end")
    assert "BIC prefers **K = 3**" in texts(at)


def test_csv_source_waits_for_an_upload():
    at = open_page(PAGE, {"data": "Your CSV (1 or 2 numeric columns)"})
    assert "Upload a CSV" in texts(at)
    assert not any(b.key == "gmm_play" for b in at.button)


def test_uploaded_points_too_few_for_k_and_a_constant_column_say_so():
    at = open_page(PAGE, {"data": "Your CSV (1 or 2 numeric columns)", "k": "8"})
    points = np.c_[np.arange(6.0), np.full(6, 2.0)]  # six points, x2 constant (as a kept upload)
    at.session_state["gmm_csv"] = ("digest", points)
    at.run()
    assert any("need at least 8 points" in e for e in errors(at))
    assert "x2 is constant" in texts(at)
    at.slider(key="k").set_value(2).run()
    press(at, "gmm_step")
    assert job_step(at, "300") == 1 and not errors(at)


def test_mixture_tab_titles_fit_their_columns_at_1280_px():
    """Every figure title of the mixture tab fits the column it is drawn in on a 1280x720 projector (the main
    area is 791 px wide beside the sidebar in both modes; a title starts 2 % in; 7.5 px a character of the
    bold 18 px title, measured on the longer title that was cut), in 2D and 1D, normal and presenter mode."""
    for query in ({}, {"data": "Spike amplitudes in µV (1D)"}, {"present": "1"}):
        at = open_page(PAGE, query)
        press(at, "gmm_step")  # the figures of a fitted mixture, not the placeholders before the first step
        columns = [c for c in at.columns if any(el.proto.id.split("-")[-1].startswith("em_")
                                                for el in c.get("plotly_chart"))]
        assert columns, query
        for column in columns:
            width = (791 - 16) * column.weight
            for el in column.get("plotly_chart"):
                title = json.loads(el.proto.spec)["layout"].get("title", {}).get("text", "")
                longest = max(len(re.sub("<[^>]+>", "", line)) for line in title.split("<br>"))
                assert 7.5 * longest <= 0.98 * width - 10, (query, title, round(width))
