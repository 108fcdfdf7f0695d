"""AppTest tests of the auto-encoder and VAE page."""

from tests.pagetest import exercise_extremes, open_page, poll, press, texts

PAGE = "autoencoders.py"
POINTS = {"data": "2D points"}


def _specs(at) -> str:
    """Every chart's figure JSON as one string (titles, axis names) to search in."""
    return " ".join(c.proto.spec for c in at.get("plotly_chart"))


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert "idle" in texts(at)
    for name in ("vae", "ae"):
        press(at, f"{name}_play")
        poll(at, 1.5)
        assert "running" in texts(at)
        press(at, f"{name}_play")
        assert "running" not in texts(at) and "paused" in texts(at)
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen  # paused: nothing moves


def test_step_and_reset():
    at = open_page(PAGE)
    press(at, "vae_step")
    press(at, "vae_step")
    assert "step 2 /" in texts(at)
    press(at, "ae_step")
    assert "step 1 /" in texts(at)
    press(at, "vae_reset")
    assert "step 2 /" not in texts(at) and "step 1 /" in texts(at)  # the AE keeps its step
    press(at, "ae_reset")
    assert "step 1 /" not in texts(at)


AE_KEYS = ("ae_k", "ae_w", "ae_lr")
VAE_KEYS = ("vae_k", "beta", "dec", "vae_w", "vae_lr")


def test_every_widget_at_its_extremes_on_digits():
    at = open_page(PAGE)
    seen = exercise_extremes(at, play_key="vae_play", skip=AE_KEYS)  # the VAE steps at every end
    seen += exercise_extremes(at, play_key="ae_play", skip=VAE_KEYS)  # the AE steps at every end
    for key in ("data", "seed", *AE_KEYS, *VAE_KEYS):
        assert key in seen


def test_every_target_widget_at_its_extremes():
    at = open_page(PAGE, POINTS)
    skip = ("seed", "ae_w", "ae_lr", "vae_w", "vae_lr", "beta")  # exercised on digits above
    seen = exercise_extremes(at, play_key="vae_play", skip=skip + ("ae_k",))
    seen += exercise_extremes(at, play_key="ae_play", skip=skip + ("vae_k", "dec", "data"))
    for key in ("target", "spread", "vae_k", "ae_k", "dec"):
        assert key in seen


def test_url_reproduces_settings():
    query = {"data": "2D points", "target": "25 Gaussians (grid)", "spread": "0.1", "vae_k": "4", "beta": "0.3",
             "ae_k": "16", "seed": "7"}
    at = open_page(PAGE, query)
    assert at.selectbox(key="data").value == "points" and at.selectbox(key="target").value == "grid"
    assert at.select_slider(key="spread").value == 0.1
    assert at.slider(key="vae_k").value == 4 and at.select_slider(key="beta").value == 0.3
    assert at.select_slider(key="ae_k").value == 16 and at.number_input(key="seed").value == 7
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"beta": "abc", "vae_k": "99", "ae_k": "3", "dec": "poisson", "seed": "1.5",
                          "data": "images"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("beta=abc", "vae_k=99", "ae_k=3", "dec=poisson", "seed=1.5", "data=images"):
        assert key in notice
    assert at.select_slider(key="beta").value == 1.0 and at.slider(key="vae_k").value == 2
    assert at.selectbox(key="data").value == "digits"
    press(at, "vae_step")  # and the page still trains
    assert "step 1 /" in texts(at)


def test_digits_vae_shows_latent_plane_and_sample_judge():
    at = open_page(PAGE)
    press(at, "vae_step")
    assert len(at.get("plotly_chart")) >= 12  # AE: 5; VAE: recon, samples, interpolation, codes, plane, 2 curves
    assert "Decoding the latent plane" in _specs(at) and "From a 2 to a 7" in _specs(at)
    assert any(m.label == "Classes in samples" for m in at.metric)


def test_beta_applies_without_reset_latent_size_resets_with_notice():
    at = open_page(PAGE)
    press(at, "vae_step")
    press(at, "vae_step")
    at.select_slider(key="beta").set_value(4.0).run()
    assert "step 2 /" in texts(at)  # β applies between two steps
    at.slider(key="vae_k").set_value(8).run()
    assert "step 2 /" not in texts(at) and "reset" in texts(at)
    assert "first 2 principal axes" in _specs(at)


def test_ae_latent_size_switches_the_shown_model_without_reset():
    at = open_page(PAGE)
    press(at, "ae_step")
    press(at, "ae_step")
    at.select_slider(key="ae_k").set_value(1).run()
    assert "step 2 /" in texts(at)
    assert any(m.label == "Test MSE with k = 1" for m in at.metric)
    assert "Decoding random codes (k = 1)" in _specs(at)


def test_points_show_posteriors_and_only_a_gaussian_decoder():
    at = open_page(PAGE, POINTS)
    assert list(at.selectbox(key="dec").options) == ["Gaussian"]
    press(at, "vae_step")
    assert "Posteriors q(z|x)" in _specs(at) and "Samples x ~ p(x|z)" in _specs(at)
    assert any(m.label == "Modes captured" for m in at.metric)
    assert "Decoder spread" in texts(at)


def test_csv_target_without_upload_asks_for_one_and_trains_nothing():
    at = open_page(PAGE, {"data": "2D points", "target": "Your CSV of points (x1, x2)"})
    assert "Upload a CSV" in texts(at)
    assert not any(b.key in ("vae_play", "ae_play") for b in at.button)
