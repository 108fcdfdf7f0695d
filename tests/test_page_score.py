"""AppTest tests of the score-based models page."""

from tests.pagetest import exercise_extremes, open_page, poll, press, texts
from tests.test_page_diffusion import chart_titles

PAGE = "score.py"
SMALL = {"T": "3", "L": "5"}  # few Langevin steps keep each snapshot cheap


def test_play_trains_and_pause_stops():
    at = open_page(PAGE, SMALL)
    assert "idle" in texts(at)
    press(at, "score_play")
    poll(at, 1.5)
    assert "running" in texts(at)
    press(at, "score_play")
    assert "paused" in texts(at)
    before = texts(at)
    poll(at, 0.5)
    assert texts(at) == before  # paused: nothing moves


def test_step_and_reset():
    at = open_page(PAGE, SMALL)
    press(at, "score_step")
    assert "step 1 /" in texts(at)
    press(at, "score_reset")
    assert "step 0 /" in texts(at)


def test_every_widget_at_its_extremes():
    at = open_page(PAGE, SMALL)
    seen = exercise_extremes(at, play_key="score_play")
    for key in ("target", "spread", "L", "smax", "smin", "fourier", "lr", "batch", "seed", "eps", "T", "denoise",
                "level", "exact"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"target": "25 Gaussians (grid)", "L": "6", "smax": "5.0", "smin": "0.03",
                          "eps": "1e-05", "T": "7", "denoise": "false", "level": "2", "seed": "3"})
    assert at.selectbox(key="target").value == "grid" and at.slider(key="L").value == 6
    assert at.select_slider(key="smax").value == 5.0 and at.select_slider(key="smin").value == 0.03
    assert at.select_slider(key="eps").value == 1e-5 and at.slider(key="T").value == 7
    assert at.toggle(key="denoise").value is False and at.slider(key="level").value == 2
    assert at.number_input(key="seed").value == 3
    assert not at.warning
    assert "Annealed Langevin: 6 levels × 7 steps" in chart_titles(at)
    assert any(t.startswith("Score at level 2: σ = 1.8") for t in chart_titles(at))  # 5·(0.03/5)^(1/5) = 1.797


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"L": "0", "smax": "4", "eps": "abc", "T": "1e9", "denoise": "maybe", "level": "x"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("L=0", "smax=4", "eps=abc", "T=1e9", "denoise=maybe", "level=x"):
        assert key in notice
    assert at.slider(key="L").value == 10 and at.select_slider(key="smax").value == 3.0
    press(at, "score_step")  # and the page still trains


def test_langevin_settings_apply_without_reset_noise_levels_reset_with_notice():
    at = open_page(PAGE, SMALL)
    press(at, "score_step")
    press(at, "score_step")
    at.slider(key="T").set_value(4).run()
    at.toggle(key="denoise").set_value(False).run()
    assert "step 2 /" in texts(at)  # no reset
    assert "Annealed Langevin: 5 levels × 4 steps" in chart_titles(at)
    at.slider(key="L").set_value(4).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_learned_and_exact_score_with_their_difference_and_the_sdes():
    at = open_page(PAGE, {**SMALL, "level": "9"})
    titles = chart_titles(at)
    assert "Only L = 5 levels: showing level 5." in texts(at)
    assert any(t.startswith("Score at level 5: σ = 0.01") for t in titles)
    assert any(t.startswith("Difference, same scale (mean |Δ| / mean |exact|") for t in titles)
    latex = " ".join(str(x.value) for x in at.latex)
    assert "reverse SDE" in latex and r"\nabla_x \log p_t(x)" in latex and r"\lambda(\sigma) = \sigma^2" in latex


def test_non_mixture_target_says_the_exact_score_is_unknown():
    at = open_page(PAGE, {**SMALL, "target": "Two moons"})
    assert "exact score is known in closed form for the Gaussian mixtures" in texts(at)
    press(at, "score_step")
