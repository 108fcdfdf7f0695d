"""AppTest tests of the GAN page."""

from core.gan import COLLAPSE, PRESETS
from tests.pagetest import exercise_extremes, open_page, poll, press, texts

PAGE = "gan.py"
SMALL = {"gw": "16", "dw": "16", "batch": "64"}  # keep the page cheap under test


def test_play_trains_and_pause_stops():
    at = open_page(PAGE, SMALL)
    assert "idle" in texts(at)
    assert any(r"\min_{\theta}\max_{\phi}" in x.value and r"D_\phi(G_\theta(z))" in x.value for x in at.latex)
    press(at, "gan_play")
    poll(at, 1.5)
    assert "running" in texts(at)
    press(at, "gan_play")
    assert "paused" in texts(at)
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen
    assert len(at.get("plotly_chart")) >= 4  # game, manifold, losses, coverage


def test_step_reset_and_half_steps():
    at = open_page(PAGE, SMALL)
    press(at, "gan_step")
    assert "step 1 /" in texts(at) and "D updates: 1 · G updates: 1" in texts(at)
    press(at, "gan_dstep")
    assert "D updates: 2 · G updates: 1" in texts(at)
    press(at, "gan_gstep")
    press(at, "gan_gstep")
    assert "D updates: 2 · G updates: 3" in texts(at) and "step 4 /" in texts(at)
    press(at, "gan_reset")
    assert "step 0" in texts(at)


def test_every_widget_at_its_extremes():
    at = open_page(PAGE, SMALL)
    seen = exercise_extremes(at, play_key="gan_play")
    for key in ("target", "spread", "preset", "loss", "dsteps", "lrg", "lrd", "batch", "pack", "seed", "zlaw",
                "zdim", "gl", "gw", "dl", "dw", "heat", "arrows"):
        assert key in seen


def test_preset_fills_the_controls_and_url_reproduces_them():
    at = open_page(PAGE)
    at.selectbox(key="preset").set_value(COLLAPSE).run()
    wanted = PRESETS[COLLAPSE]
    assert at.slider(key="pack").value == wanted.get("pack", 2)
    assert at.select_slider(key="lrg").value == wanted["lr_g"]
    assert "Settings changed from the preset" not in texts(at)
    assert at.query_params["lrg"] == str(wanted["lr_g"])  # the filled values go into the URL
    at.slider(key="pack").set_value(3).run()
    assert "Settings changed from the preset" in texts(at)
    # the copied URL (the browser adds the values the student changed) brings all of it back
    url = {k: at.query_params[k] for k in at.query_params} | {"preset": COLLAPSE, "pack": "3"}
    again = open_page(PAGE, url)
    assert again.slider(key="pack").value == 3 and again.selectbox(key="preset").value == COLLAPSE
    assert again.select_slider(key="lrg").value == wanted["lr_g"]
    assert "Settings changed from the preset" in texts(again) and not again.warning


def test_url_reproduces_settings():
    at = open_page(PAGE, {"target": "25 Gaussians (grid)", "loss": "Least squares", "zdim": "1", "gl": "2",
                          "lrd": "0.001", "pack": "4", "seed": "7"})
    assert at.selectbox(key="target").value == "grid" and at.selectbox(key="loss").value == "lsgan"
    assert at.slider(key="zdim").value == 1 and at.slider(key="gl").value == 2
    assert at.select_slider(key="lrd").value == 0.001 and at.slider(key="pack").value == 4
    assert at.number_input(key="seed").value == 7 and not at.warning
    press(at, "gan_step")
    assert "step 1 /" in texts(at)


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"lrg": "abc", "pack": "99", "zdim": "nan", "loss": "nope", "preset": "best", "gl": "1.5"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("lrg=abc", "pack=99", "zdim=nan", "loss=nope", "preset=best", "gl=1.5"):
        assert key in notice
    assert at.slider(key="pack").value == 2 and at.select_slider(key="lrg").value == 5e-4
    press(at, "gan_step")


def test_learning_rates_apply_without_reset_other_changes_reset():
    at = open_page(PAGE, SMALL)
    press(at, "gan_step")
    press(at, "gan_step")
    at.select_slider(key="lrd").set_value(0.001).run()
    assert "step 2 /" in texts(at)
    at.slider(key="pack").set_value(1).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)
