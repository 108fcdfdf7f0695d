"""AppTest tests of the diffusion page."""

import json

from tests.pagetest import open_page, press, texts

PAGE = "diffusion.py"


def chart_titles(at) -> list[str]:
    titles = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        titles.append(str(layout.get("title", {}).get("text", "")))
    return titles


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
    assert "Forward process: the data dissolve into noise" in [str(h.value) for h in at.subheader]
    assert "the chain has only T = 20: sampling uses 20" in texts(at)
    assert "DDPM (stochastic), 20 steps" in titles


def test_an_uploaded_csv_is_needed_before_training():
    at = open_page(PAGE, {"target": "Your CSV of points (x1, x2)"})
    assert "Upload a CSV" in texts(at)
    assert "Fix the settings above to train." in texts(at)
