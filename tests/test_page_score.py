"""AppTest tests of the score-based models page."""

import re

from tests.pagetest import open_page, press, status, texts, wait_until
from tests.test_page_diffusion import chart_titles

PAGE = "score.py"
SMALL = {"T": "3", "L": "5"}  # few Langevin steps keep each snapshot cheap


def test_langevin_settings_apply_without_reset_noise_levels_reset_with_notice():
    at = open_page(PAGE, SMALL)
    press(at, "score_step")
    press(at, "score_step")
    at.slider(key="T").set_value(4).run()
    at.toggle(key="denoise").set_value(False).run()
    assert "step 2 /" in texts(at)  # no reset
    assert "5 levels × 4 Langevin steps" in chart_titles(at)
    at.slider(key="L").set_value(4).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_learned_and_exact_score_with_their_difference_and_the_sdes():
    at = open_page(PAGE, {**SMALL, "level": "9"})
    titles = chart_titles(at)
    assert "Only L = 5 levels: showing level 5." in texts(at)
    assert any(t.startswith("Score at level 5: σ = 0.01") for t in titles)
    assert any(re.fullmatch(r"Learned − exact, same scale: \d+% of \|exact\|", t) for t in titles), titles
    latex = " ".join(str(x.value) for x in at.latex)
    assert "reverse SDE" in latex and r"\nabla_x \log p_t(x)" in latex and r"\lambda(\sigma) = \sigma^2" in latex


def test_non_mixture_target_says_the_exact_score_is_unknown():
    at = open_page(PAGE, {**SMALL, "target": "Two moons"})
    assert "exact score is known in closed form for the Gaussian mixtures" in texts(at)
    press(at, "score_step")


def mixture_shares(at) -> dict[str, float]:
    shares = {}
    for t in chart_titles(at):
        m = re.match(r"(exact samples of p|Langevin at σ = 0.1 only|annealed, σ = 20 → 0.1): π̂₂ = ([0-9.]+)", t)
        if m:
            shares[m.group(1)] = float(m.group(2))
    return shares


def test_unequal_weights_plain_langevin_wrong_annealed_right():
    at = open_page(PAGE, SMALL)
    assert "Press Play: both samplers run side by side" in texts(at)
    press(at, "mixture_play")  # the samplers run in a worker, a few chunks a second
    wait_until(at, lambda a: "finished" in status(a, 1), "both samplers at the end", timeout=120)
    shares = mixture_shares(at)
    assert len(shares) == 3, chart_titles(at)
    assert abs(shares["exact samples of p"] - 0.8) < 0.05
    assert abs(shares["Langevin at σ = 0.1 only"] - 0.8) > 0.2
    assert abs(shares["annealed, σ = 20 → 0.1"] - 0.8) < 0.05
    assert "Share of samples in each mode" in chart_titles(at)
    assert "Langevin at one small σ" in texts(at)
    assert any(r"\nabla_x \log \sum_k \pi_k" in x.value for x in at.latex)
    at.slider(key="mixw").set_value(0.95).run()
    assert "step 0" in status(at, 1) and "p = 0.05·N((−5, −5), I) + 0.95·N((5, 5), I)" in texts(at)
