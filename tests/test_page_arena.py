"""AppTest tests of the arena page: all seven families train at once, one table, sampling changes live."""

from core.arena import LABELS
from tests.pagetest import chart_texts, open_page, press, status, step_of, wait_until

PAGE = "arena.py"


def table(at):
    return at.dataframe[0].value


def test_play_trains_every_family_at_once_and_fills_the_table():
    at = open_page(PAGE, {"secs": "5"})
    press(at, "arena_play")
    wait_until(at, lambda a: len(a.dataframe) and (table(a)["steps"] > 0).all(), "a step of every family")
    press(at, "arena_play")
    frame = table(at)
    assert list(frame["family"]) == ["Mixture (EM)", "Energy (Langevin)", "GAN", "VAE", "Score (Langevin)",
                                     "Diffusion (DDPM)", "Flow matching"]
    assert list(frame.columns) == ["family", "modes", "high quality", "energy dist.", "reverse KL",
                                   "train (s)", "steps", "s / 1000 samples", "NFE / sample"]
    titles = " ".join(chart_texts(at))
    assert all(label in titles for label in LABELS.values()) and "Held-out data" in titles  # 8 panels
    assert "Quality against budget" in titles


def test_few_sampling_steps_apply_without_a_reset():
    at = open_page(PAGE)
    for _ in range(7):  # one step of each family: each is measured once
        press(at, "arena_step")
    assert list(table(at)["NFE / sample"]) == [0, 300, 1, 1, 301, 100, 100]
    at.selectbox(key="sampling").set_value("few").run()
    assert step_of(status(at)) == 7  # the same trained models...
    assert list(table(at)["NFE / sample"]) == [0, 10, 1, 1, 11, 10, 10]  # ...sampled in few steps


def test_a_curve_target_has_no_mode_columns():
    at = open_page(PAGE, {"target": "Two moons", "budget": "training steps per family"})
    press(at, "arena_step")
    columns = list(table(at).columns)
    assert "modes" not in columns and "reverse KL" not in columns and "energy dist." in columns
    assert "step 1 / 14,000" in status(at)  # 2,000 steps for each of 7 families


def test_the_explanation_has_each_family_s_objective():
    at = open_page(PAGE)
    formulas = " ".join(str(x.value) for x in at.latex)
    for piece in (r"\log Z(\theta)", r"\min_G \max_D", r"\mathcal{L}_{\mathrm{VAE}}", r"s_\theta(x + \sigma_i z, \sigma_i)",
                  r"\varepsilon_\theta", r"v_\theta(t, x_t)", r"\mathcal{N}(x_i \mid \mu_k, \Sigma_k)"):
        assert piece in formulas, piece


def test_presets_set_the_budget_and_the_sampling():
    at = open_page(PAGE)
    press(at, "preset_1")  # equal steps
    assert at.selectbox(key="budget").value == "steps" and at.select_slider(key="steps").value == 2000
    assert "step 0 / 14,000" in status(at) and "Equal steps" in " ".join(str(i.value) for i in at.info)
    press(at, "preset_2")  # few sampling steps
    assert at.selectbox(key="budget").value == "seconds" and at.selectbox(key="sampling").value == "few"
    assert "step 0 / 7,000" in status(at)  # 20 s in quanta of 20 ms, for each of 7 families
