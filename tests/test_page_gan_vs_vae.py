"""AppTest tests of the GAN-against-VAE page."""

from core.gan import COLLAPSE
from tests.pagetest import exercise_extremes, open_page, poll, press, texts

PAGE = "gan_vs_vae.py"


def _metric_labels(at) -> str:
    return " ".join(m.label for m in at.metric)


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert any("V" in x.value or "KL" in x.value for x in at.latex) and len(at.latex) >= 2
    assert texts(at).count("idle") == 2
    press(at, "gvv_gan_play")
    press(at, "gvv_vae_play")
    poll(at, 1.5)
    assert texts(at).count("running") == 2
    press(at, "gvv_gan_play")
    press(at, "gvv_vae_play")
    assert texts(at).count("paused") == 2
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen


def test_both_button_starts_and_pauses_both():
    at = open_page(PAGE)
    press(at, "gvv_both")
    poll(at, 1.0)
    assert texts(at).count("running") == 2
    press(at, "gvv_both")
    assert texts(at).count("paused") == 2


def test_step_and_reset_each_side():
    at = open_page(PAGE)
    press(at, "gvv_gan_step")
    press(at, "gvv_vae_step")
    press(at, "gvv_vae_step")
    assert "step 1 /" in texts(at) and "step 2 /" in texts(at)
    assert "Modes captured" in _metric_labels(at) and "High quality" in _metric_labels(at)
    press(at, "gvv_gan_reset")
    assert "step 0" in texts(at) and "step 2 /" in texts(at)


def test_digits_show_sample_grids_and_the_judge():
    at = open_page(PAGE, {"data": "8x8 digits"})
    press(at, "gvv_gan_step")
    press(at, "gvv_vae_step")
    labels = _metric_labels(at)
    assert labels.count("Recognised with confidence > 0.9") == 2 and labels.count("Classes among them") == 2
    assert len(at.get("plotly_chart")) >= 6  # two grids, two class histograms, two curves


def test_every_widget_at_its_extremes():
    at = open_page(PAGE)
    seen = exercise_extremes(at, play_key="gvv_gan_play")
    for key in ("data", "target", "spread", "seed", "gpreset", "latent", "beta"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"target": "25 Gaussians (grid)", "gpreset": COLLAPSE, "latent": "4", "beta": "2.0",
                          "seed": "3"})
    assert at.selectbox(key="target").value == "grid" and at.selectbox(key="gpreset").value == COLLAPSE
    assert at.slider(key="latent").value == 4 and at.select_slider(key="beta").value == 2.0
    assert at.number_input(key="seed").value == 3 and not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"data": "faces", "latent": "99", "beta": "x", "gpreset": "best"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("data=faces", "latent=99", "beta=x", "gpreset=best"):
        assert key in notice
    assert at.slider(key="latent").value == 2
    press(at, "gvv_gan_step")


def test_beta_applies_without_reset_latent_resets():
    at = open_page(PAGE)
    press(at, "gvv_vae_step")
    at.select_slider(key="beta").set_value(4.0).run()
    assert "step 1 /" in texts(at)
    at.slider(key="latent").set_value(3).run()
    assert "step 1 /" not in texts(at) and "reset" in texts(at)
