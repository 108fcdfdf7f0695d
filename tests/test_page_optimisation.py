"""AppTest tests of the optimisation page (the line's landscape and the tiny MLP)."""

from tests.pagetest import errors, exercise_extremes, open_page, poll, press, texts

PAGE = "optimisation.py"
LINE_KEYS = ("n", "noise", "outlier", "loss", "opt", "batch", "lr", "a0", "b0", "seed")
MLP_KEYS = ("m_target", "m_n", "m_noise", "m_depth", "m_width", "m_act", "m_opt", "m_lr", "m_batch", "m_seed")


def status(at, name: str) -> str:
    """The status line of job ``name`` (the line's comes first on the page, the MLP's second)."""
    lines = [m.value for m in at.markdown if "server:" in m.value]
    return lines[0 if name == "linreg" else 1]


def chart_spec(at, key: str) -> str:
    return next(c.proto.spec for c in at.get("plotly_chart") if c.proto.id and key in c.proto.id)


def test_play_trains_and_pause_stops():
    at = open_page(PAGE)
    assert "idle" in status(at, "linreg") and "idle" in status(at, "mlp1d")
    press(at, "linreg_play")
    poll(at, 1.5)
    assert "running" in status(at, "linreg") and "idle" in status(at, "mlp1d")
    press(at, "linreg_play")
    assert "paused" in status(at, "linreg")
    frozen = texts(at)
    poll(at, 0.5)
    assert texts(at) == frozen
    press(at, "mlp1d_play")
    poll(at, 1.0)
    assert "running" in status(at, "mlp1d")
    press(at, "mlp1d_play")
    assert "paused" in status(at, "mlp1d")


def test_step_and_reset_both_jobs():
    at = open_page(PAGE)
    press(at, "linreg_step")
    press(at, "linreg_step")
    assert "step 2 /" in status(at, "linreg")
    press(at, "mlp1d_step")
    assert "step 1 /" in status(at, "mlp1d")
    press(at, "linreg_reset")
    assert "step 0 /" in status(at, "linreg") and "step 1 /" in status(at, "mlp1d")
    press(at, "mlp1d_reset")
    assert "step 0 /" in status(at, "mlp1d")


def test_every_line_widget_at_its_extremes():
    # The batch size is disabled for gradient descent. Seed 1: after lr=10 has diverged, the seed's
    # end (0) must change the settings, or Play stays disabled until Reset, as it should.
    at = open_page(PAGE, {"opt": "SGD (minibatches)", "seed": "1"})
    seen = exercise_extremes(at, play_key="linreg_play", skip=MLP_KEYS)
    assert set(LINE_KEYS) <= set(seen)


def test_every_mlp_widget_at_its_extremes():
    at = open_page(PAGE, {"m_seed": "1"})  # see above: the seed follows the learning rate
    seen = exercise_extremes(at, play_key="mlp1d_play", skip=LINE_KEYS)
    assert set(MLP_KEYS) <= set(seen)


def test_url_reproduces_settings():
    at = open_page(PAGE, {"opt": "Adam", "lr": "0.03", "loss": "Mean absolute error", "outlier": "true", "n": "50",
                          "a0": "2.0", "m_target": "a step", "m_width": "32", "m_act": "Relu", "m_seed": "5"})
    assert at.selectbox(key="opt").value == "adam" and at.select_slider(key="lr").value == 0.03
    assert at.selectbox(key="loss").value == "mae" and at.toggle(key="outlier").value is True
    assert at.slider(key="n").value == 50 and at.slider(key="a0").value == 2.0
    assert at.selectbox(key="m_target").value == "step" and at.slider(key="m_width").value == 32
    assert at.selectbox(key="m_act").value == "relu" and at.number_input(key="m_seed").value == 5
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"lr": "0.123", "n": "-3", "opt": "lbfgs", "a0": "inf", "m_width": "1e9", "m_target": "tan"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("lr=0.123", "n=-3", "opt=lbfgs", "a0=inf", "m_width=1e9", "m_target=tan"):
        assert key in notice
    assert at.select_slider(key="lr").value == 0.1 and at.slider(key="n").value == 30
    press(at, "linreg_step")
    assert "step 1 /" in status(at, "linreg")


def test_huge_learning_rate_diverges_safely():
    at = open_page(PAGE, {"lr": "10.0"})
    press(at, "linreg_play")
    for _ in range(20):
        poll(at, 0.5)
        if "diverged" in status(at, "linreg"):
            break
    assert "diverged" in status(at, "linreg")
    assert any("learning rate is too large" in e for e in errors(at))
    assert "left the map" in chart_spec(at, "lin_land")  # the path is drawn cut at the map's edge


def test_path_moves_on_the_landscape_and_lr_applies_without_reset():
    at = open_page(PAGE)
    assert "a = -1.500, b = 3.000" in texts(at)
    press(at, "linreg_step")
    assert "a = -1.500, b = 3.000" not in texts(at)
    at.select_slider(key="lr").set_value(0.01).run()
    assert "step 1 /" in status(at, "linreg")
    at.toggle(key="outlier").set_value(True).run()
    assert "step 0 /" in status(at, "linreg") and "reset" in texts(at)
    assert "2/λ_max" in texts(at)


def test_mlp_tab_says_why_its_landscape_cannot_be_drawn():
    at = open_page(PAGE)
    assert "Why no landscape here?" in texts(at) and "**321 numbers**" in texts(at)
    at.slider(key="m_width").set_value(4).run()
    assert "**33 numbers**" in texts(at)  # (1·4+4) + (4·4+4) + (4·1+1)
