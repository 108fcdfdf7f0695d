"""AppTest tests of the "beyond generation" page (three demonstrations, one shown at a time)."""

import pytest

from tests.pagetest import exercise_extremes, open_page, poll, press, texts

PAGE = "beyond.py"
DEMOS = {"outlier": "Outlier detection", "denoise": "Denoising digits", "estimate": "Parameter estimation"}


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert at.button[0].key == "outlier_play"  # the page's first Play button, for the browser test
    at = open_page(PAGE, {"demo": DEMOS["denoise"]})  # the longest job: EM on outliers may end within a second
    assert "idle" in texts(at)
    press(at, "denoise_play")
    poll(at, 1.0)
    assert "running" in texts(at)
    press(at, "denoise_play")
    assert "paused" in texts(at)
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen


@pytest.mark.parametrize("name", DEMOS)
def test_step_and_reset(name):
    at = open_page(PAGE, {"demo": DEMOS[name]})
    press(at, f"{name}_step")
    assert "step 1 /" in texts(at)
    press(at, f"{name}_reset")
    assert "step 0 /" in texts(at)


@pytest.mark.parametrize("name, keys", [
    ("outlier", ("demo", "o_data", "o_n", "o_share", "o_spread", "o_k", "seed", "o_flag")),
    ("denoise", ("d_kind", "d_level", "d_train", "d_latent", "lr", "seed")),
    ("estimate", ("e_proc", "e_mu", "e_sigma", "e_nmax", "seed")),
])
def test_every_widget_at_its_extremes(name, keys):
    at = open_page(PAGE, {"demo": DEMOS[name]})
    seen = exercise_extremes(at, play_key=f"{name}_play")
    for key in keys:
        assert key in seen


@pytest.mark.parametrize("process, key", [("Exponential with rate λ", "e_rate"),
                                          ("Mixture of two Gaussians (EM)", "e_sep")])
def test_estimate_process_widgets_at_their_extremes(process, key):
    at = open_page(PAGE, {"demo": DEMOS["estimate"], "e_proc": process})
    assert key in exercise_extremes(at, play_key="estimate_play", skip=("demo", "e_proc"))


def test_url_reproduces_settings():
    at = open_page(PAGE, {"demo": DEMOS["denoise"], "d_kind": "Erased square (level = side / 8)", "d_level": "0.5",
                          "d_train": "clean digits (plain AE)", "d_latent": "4", "seed": "3"})
    assert at.selectbox(key="demo").value == "denoise" and at.selectbox(key="d_kind").value == "block"
    assert at.slider(key="d_level").value == 0.5 and at.selectbox(key="d_train").value == "clean"
    assert at.slider(key="d_latent").value == 4 and at.number_input(key="seed").value == 3
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"o_k": "99", "o_flag": "abc", "o_data": "blob"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("o_k=99", "o_flag=abc", "o_data=blob"):
        assert key in notice
    assert at.slider(key="o_k").value == 6
    at = open_page(PAGE, {"demo": "nope"})
    assert "demo=nope" in " ".join(str(w.value) for w in at.warning)
    press(at, "outlier_step")


def test_outlier_threshold_moves_the_operating_point_without_retraining():
    at = open_page(PAGE)
    for _ in range(10):
        press(at, "outlier_step")
    assert "step 10 /" in texts(at)
    found_5 = int(metric(at, "Outliers found (TPR)").rstrip("%"))
    at.slider(key="o_flag").set_value(40).run()
    assert "step 10 /" in texts(at)  # the threshold is a decision, not a new model
    assert int(metric(at, "Outliers found (TPR)").rstrip("%")) > found_5
    assert int(metric(at, "Inliers flagged (FPR)").rstrip("%")) >= 30


def test_denoising_error_falls_below_the_damage():
    at = open_page(PAGE, {"demo": DEMOS["denoise"]})
    press(at, "denoise_play")
    for _ in range(30):
        poll(at, 0.5)
        if any(m.label == "Error after" for m in at.metric) and \
                float(metric(at, "Error after")) < 0.7 * float(metric(at, "Error before")):
            break
    press(at, "denoise_play")
    assert float(metric(at, "Error after")) < 0.7 * float(metric(at, "Error before"))


def test_estimate_converges_to_the_end_of_its_budget():
    at = open_page(PAGE, {"demo": DEMOS["estimate"], "e_nmax": "1000"})
    press(at, "estimate_play")
    for _ in range(30):
        poll(at, 0.5)
        if "finished" in texts(at):
            break
    assert "finished" in texts(at) and "n = 1,000" in texts(at)
