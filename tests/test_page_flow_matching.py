"""AppTest tests of the flow-matching page."""

from tests.pagetest import chart_texts, errors, open_page, press, status, texts

PAGE = "flow_matching.py"


def test_view_settings_apply_without_reset_and_model_settings_reset_with_notice():
    at = open_page(PAGE, {"batch": "64"})
    press(at, "flow_step")
    press(at, "flow_step")
    at.slider(key="t").set_value(0.9).run()
    at.selectbox(key="solver").set_value("midpoint").run()
    at.slider(key="nfe").set_value(10).run()
    assert "step 2 /" in status(at, "25,000")  # no reset
    assert [m.value for m in at.metric if m.label == "NFE per sample"] == ["10"]
    field = at.get("plotly_chart")[0].proto.spec
    assert "t = 0.90" in field and "exact u_t" in field
    at.toggle(key="ot").set_value(True).run()
    assert "step 0 /" in status(at, "25,000") and "reset" in texts(at)  # (the comparison's job is at 0 anyway)


def test_comparison_trains_on_demand_and_csv_target_without_upload_shows_no_job():
    at = open_page(PAGE)
    assert any(t.startswith("Press ▶ Play in this section") for t in chart_texts(at))
    press(at, "flowcmp_step")  # one step of both models, on demand
    assert "step 1 / 8,000" in texts(at) and "step 0 / 25,000" in texts(at)
    waiting = [t for t in chart_texts(at) if "first curves come at step 1,000" in t]  # not "Press ▶ Play" any more
    assert waiting and "(now 1)" in waiting[0].replace("<br>", " "), chart_texts(at)
    at.selectbox(key="cmpm").set_value("high_quality").run()
    assert not errors(at)
    at.selectbox(key="target").set_value("csv").run()
    assert "Upload a CSV" in texts(at)
    assert not any(b.key in ("flow_play", "flowcmp_play") for b in at.button)
