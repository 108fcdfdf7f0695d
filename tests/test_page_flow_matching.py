"""AppTest tests of the flow-matching page."""

from tests.pagetest import chart_texts, errors, exercise_extremes, open_page, poll, press, texts

PAGE = "flow_matching.py"


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert "idle" in texts(at)
    assert at.button[0].key == "flow_play"  # the page's first Play button is the main job's
    press(at, "flow_play")
    poll(at, 1.5)
    assert "running" in texts(at)
    press(at, "flow_play")
    assert "paused" in texts(at)
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen  # paused: nothing moves


def test_step_and_reset():
    at = open_page(PAGE)
    press(at, "flow_step")
    assert "step 1 /" in texts(at)
    press(at, "flow_reset")
    assert "step 0 /" in texts(at)


def test_every_widget_at_its_extremes():
    at = open_page(PAGE, {"batch": "64", "width": "32"})
    seen = exercise_extremes(at, play_key="flow_play")
    for key in ("target", "spread", "ot", "width", "depth", "ff", "lr", "batch", "seed", "t", "solver", "nfe", "cmpm"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"target": "25 Gaussians (grid)", "ot": "true", "width": "64", "depth": "2",
                          "lr": "0.001", "seed": "7", "t": "0.8", "solver": "Runge-Kutta 4", "nfe": "20"})
    assert at.selectbox(key="target").value == "grid" and at.toggle(key="ot").value is True
    assert at.slider(key="width").value == 64 and at.slider(key="depth").value == 2
    assert at.select_slider(key="lr").value == 0.001 and at.number_input(key="seed").value == 7
    assert at.slider(key="t").value == 0.8 and at.selectbox(key="solver").value == "rk4"
    assert at.slider(key="nfe").value == 20
    assert not at.warning
    press(at, "flow_step")
    assert "NFE per sample" in str([m.label for m in at.metric]) and any(m.value == "20" for m in at.metric)


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"lr": "abc", "nfe": "0", "t": "nan", "solver": "leapfrog", "depth": "2.5",
                          "target": "zz"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("lr=abc", "nfe=0", "t=nan", "solver=leapfrog", "depth=2.5", "target=zz"):
        assert key in notice
    assert at.slider(key="nfe").value == 100 and at.select_slider(key="lr").value == 0.002
    press(at, "flow_step")  # and the page still trains
    assert not errors(at)


def test_view_settings_apply_without_reset_and_model_settings_reset_with_notice():
    at = open_page(PAGE, {"batch": "64"})
    press(at, "flow_step")
    press(at, "flow_step")
    at.slider(key="t").set_value(0.9).run()
    at.selectbox(key="solver").set_value("midpoint").run()
    at.slider(key="nfe").set_value(10).run()
    assert "step 2 /" in texts(at)  # no reset
    assert any(m.label == "NFE per sample" and m.value == "10" for m in at.metric)
    field = at.get("plotly_chart")[0].proto.spec
    assert "t = 0.90" in field and "exact u_t" in field
    at.toggle(key="ot").set_value(True).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_comparison_trains_on_demand_and_csv_target_without_upload_shows_no_job():
    at = open_page(PAGE)
    assert any(t.startswith("Press ▶ Play in this section") for t in chart_texts(at))
    press(at, "flowcmp_step")  # one step of both models, on demand
    assert "step 1 / 8,000" in texts(at) and "step 0 / 25,000" in texts(at)
    at.selectbox(key="cmpm").set_value("high_quality").run()
    assert not errors(at)
    at.selectbox(key="target").set_value("csv").run()
    assert "Upload a CSV" in texts(at)
    assert not any(b.key in ("flow_play", "flowcmp_play") for b in at.button)
