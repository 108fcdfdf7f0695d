"""AppTest tests of the "beyond generation" page (five demonstrations, one shown at a time)."""

from tests.pagetest import chart_texts as chart_titles
from tests.pagetest import open_page, press, status, texts, wait_until

PAGE = "beyond.py"
DEMOS = {"outlier": "Outlier detection", "denoise": "Denoising digits", "restore": "Restoring with a generative prior",
         "estimate": "Parameter estimation", "abc": "A simulator's parameters (ABC)"}


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_outlier_threshold_moves_the_operating_point_without_retraining():
    at = open_page(PAGE)
    assert at.button[0].key == "outlier_play"  # the page's first Play button, for the browser test
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
    wait_until(at, lambda a: any(m.label == "Error after" for m in a.metric) and
               float(metric(a, "Error after")) < 0.7 * float(metric(a, "Error before")), "a denoised error")
    press(at, "denoise_play")
    assert float(metric(at, "Error after")) < 0.7 * float(metric(at, "Error before"))


def test_estimate_converges_to_the_end_of_its_budget():
    at = open_page(PAGE, {"demo": DEMOS["estimate"], "e_nmax": "1000"})
    press(at, "estimate_play")
    wait_until(at, lambda a: "finished" in status(a), "the end of the budget")
    assert "n = 1,000" in texts(at)


def test_abc_keeps_parameters_near_the_truth_of_the_observed_outbreak():
    at = open_page(PAGE, {"demo": DEMOS["abc"], "a_beta": "0.6", "a_gamma": "0.2"})
    for _ in range(30):
        press(at, "abc_step")
    assert "step 30 /" in texts(at)
    beta = float(metric(at, "β estimate").split("±")[0])
    growth = float(metric(at, "Growth r = β − γ").split("±")[0])
    assert abs(beta - 0.6) < 0.15 and abs(growth - 0.4) < 0.1
    assert "The closest 100 of 6,000 simulations" in " ".join(chart_titles(at))


def test_the_vae_prior_restores_erased_squares_better_than_the_average_digit():
    at = open_page(PAGE, {"demo": DEMOS["restore"]})
    for _ in range(3):
        press(at, "restore_step")
    press(at, "restore_play")
    wait_until(at, lambda a: "finished" in status(a), "the end of the search", timeout=120)
    assert float(metric(at, "VAE prior")) < float(metric(at, "Average digit"))
    assert "Starting from random weights" not in texts(at)
