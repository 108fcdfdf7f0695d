"""AppTest tests of the diffusion page."""

import json

from tests.pagetest import exercise_extremes, open_page, poll, press, texts

PAGE = "diffusion.py"


def chart_titles(at) -> list[str]:
    titles = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        titles.append(str(layout.get("title", {}).get("text", "")))
    return titles


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert "idle" in texts(at)
    press(at, "ddpm_play")
    poll(at, 1.5)
    assert "running" in texts(at)
    press(at, "ddpm_play")
    assert "paused" in texts(at)
    before = texts(at)
    poll(at, 0.5)
    assert texts(at) == before  # paused: nothing moves


def test_step_and_reset():
    at = open_page(PAGE)
    press(at, "ddpm_step")
    assert "step 1 /" in texts(at)
    press(at, "ddpm_reset")
    assert "step 0 /" in texts(at)


def test_every_widget_at_its_extremes():
    at = open_page(PAGE, {"T": "20", "ssteps": "5"})  # small chains keep the run short
    seen = exercise_extremes(at, play_key="ddpm_play")
    for key in ("target", "spread", "sched", "T", "fourier", "lr", "batch", "seed", "sampler", "ssteps", "t"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"target": "25 Gaussians (grid)", "sched": "Linear", "T": "50",
                          "sampler": "DDIM (deterministic)", "ssteps": "20", "seed": "7", "t": "25"})
    assert at.selectbox(key="target").value == "grid" and at.selectbox(key="sched").value == "linear"
    assert at.select_slider(key="T").value == 50 and at.selectbox(key="sampler").value == "ddim"
    assert at.slider(key="ssteps").value == 20 and at.number_input(key="seed").value == 7
    assert at.slider(key="t").value == 25
    assert not at.warning
    assert "DDIM (deterministic), 20 steps" in chart_titles(at)


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"T": "7", "lr": "abc", "ssteps": "99999", "sched": "nope", "t": "nan"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("T=7", "lr=abc", "ssteps=99999", "sched=nope", "t=nan"):
        assert key in notice
    assert at.select_slider(key="T").value == 200 and at.slider(key="ssteps").value == 100
    press(at, "ddpm_step")  # and the page still trains


def test_sampler_applies_without_reset_schedule_resets_with_notice():
    at = open_page(PAGE, {"T": "50"})
    press(at, "ddpm_step")
    press(at, "ddpm_step")
    at.selectbox(key="sampler").set_value("ddim").run()
    at.slider(key="ssteps").set_value(10).run()
    assert "step 2 /" in texts(at)  # no reset
    assert "DDIM (deterministic), 10 steps" in chart_titles(at)
    at.selectbox(key="sched").set_value("linear").run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_forward_process_schedule_and_quality_curve_are_drawn():
    at = open_page(PAGE, {"T": "20", "ssteps": "50"})
    press(at, "ddpm_step")
    titles = chart_titles(at)
    assert "Noise schedule" in titles and "Sample quality against sampling steps" in titles
    assert "Forward process" in texts(at) or any("Forward" in str(h.value) for h in at.subheader)
    assert "the chain has only T = 20: sampling uses 20" in texts(at)
    assert "DDPM (stochastic), 20 steps" in titles


def test_an_uploaded_csv_is_needed_before_training():
    at = open_page(PAGE, {"target": "Your CSV of points (x1, x2)"})
    assert "Upload a CSV" in texts(at)
    assert "Fix the settings above to train." in texts(at)
