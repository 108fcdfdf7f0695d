"""AppTest tests of the GAN-against-VAE page."""

from tests.pagetest import open_page, press, status, step_of, texts, wait_until

PAGE = "gan_vs_vae.py"


def _metric_labels(at) -> str:
    return " ".join(m.label for m in at.metric)


def test_both_button_starts_and_pauses_both():
    at = open_page(PAGE)
    press(at, "gvv_both")
    assert texts(at).count("running") == 2
    wait_until(at, lambda a: min(step_of(status(a, i)) for i in (0, 1)) > 0, "a step of each model")
    assert texts(at).count("running") == 2
    press(at, "gvv_both")
    assert texts(at).count("paused") == 2


def test_digits_show_sample_grids_and_the_judge():
    at = open_page(PAGE, {"data": "8x8 digits"})
    press(at, "gvv_gan_step")
    press(at, "gvv_vae_step")
    labels = _metric_labels(at)
    assert labels.count("Recognised with confidence > 0.9") == 2 and labels.count("Classes among them") == 2
    assert len(at.get("plotly_chart")) >= 6  # two grids, two class histograms, two curves


def test_beta_applies_without_reset_latent_resets():
    at = open_page(PAGE)
    press(at, "gvv_vae_step")
    at.select_slider(key="beta").set_value(4.0).run()
    assert "step 1 /" in status(at, 1)
    at.slider(key="latent").set_value(3).run()
    assert "step 0 /" in status(at, 1) and "reset" in texts(at)
