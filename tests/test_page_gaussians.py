"""AppTest tests of the Gaussians and mixtures page."""

import re

import numpy as np

from tests.pagetest import errors, exercise_extremes, open_page, poll, press, texts

PAGE = "gaussians.py"


def job_status(at, name_budget: str) -> str:
    """The status line of the job whose budget reads ``/ name_budget``."""
    for line in texts(at).splitlines():
        if re.search(rf"/ {name_budget}(\*\*| ·)", line):
            return line
    raise AssertionError(f"no status line with budget {name_budget}")


def job_step(at, budget: str) -> int:
    """The step count in that status line."""
    return int(re.search(r"step ([\d,]+) /", job_status(at, budget)).group(1).replace(",", ""))


def test_first_play_is_the_gaussian_fit_and_play_trains_pause_stops():
    at = open_page(PAGE)
    assert at.button[0].key == "gauss_play"
    press(at, "gmm_play")
    poll(at, 1.5)
    assert "running" in job_status(at, "300")
    press(at, "gmm_play")
    assert "paused" in job_status(at, "300")
    steps = job_step(at, "300")
    assert steps >= 2
    poll(at, 0.6)
    assert job_step(at, "300") == steps  # paused: nothing moves


def test_gaussian_fit_plays_to_all_points_and_writes_the_fitted_density():
    at = open_page(PAGE, {"data": "Spike amplitudes in µV (1D)"})
    press(at, "gauss_step")
    assert "step 1 / 40" in texts(at)
    latex = " ".join(str(e.value) for e in at.get("latex"))
    assert r"\hat\mu =" in latex and r"\sqrt{2\pi\cdot" in latex
    press(at, "gauss_play")
    for _ in range(20):
        poll(at, 0.5)
        if "finished" in job_status(at, "40"):
            break
    assert "finished" in job_status(at, "40") and "(n = 500)" in " ".join(str(e.value) for e in at.get("latex"))


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


def test_every_widget_at_its_extremes():
    at = open_page(PAGE, {"n": "100"})
    seen = exercise_extremes(at, play_key="gmm_play")
    for key in ("data", "n", "spread", "clusters", "k", "init", "cov", "floor", "seed", "ns"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"data": "8 Gaussians (ring)", "k": "8", "init": "random points",
                          "cov": "spherical (circles)", "floor": "0.001", "seed": "7", "n": "300"})
    assert at.selectbox(key="data").value == "ring" and at.slider(key="k").value == 8
    assert at.selectbox(key="init").value == "random" and at.selectbox(key="cov").value == "spherical"
    assert at.select_slider(key="floor").value == 0.001 and at.number_input(key="seed").value == 7
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"k": "99", "floor": "abc", "cov": "tied", "n": "nan", "seed": "1.5"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("k=99", "floor=abc", "cov=tied", "n=nan", "seed=1.5"):
        assert key in notice
    assert at.slider(key="k").value == 4 and at.selectbox(key="cov").value == "full"
    press(at, "gmm_step")


def test_log_likelihood_curve_rises_and_sweep_prefers_the_blobs_count():
    at = open_page(PAGE, {"clusters": "3", "k": "3", "spread": "0.2", "n": "200"})
    press(at, "gmm_step")
    first = [float(m.value) for m in at.metric if m.label == "ℓ(θ)"]
    for _ in range(8):
        press(at, "gmm_step")
    last = [float(m.value) for m in at.metric if m.label == "ℓ(θ)"]
    assert len(first) == len(last) == 1 and last[0] > first[0]
    press(at, "gmm_sweep_play")
    for _ in range(40):
        poll(at, 0.5)
        if "finished" in job_status(at, "10"):
            break
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
