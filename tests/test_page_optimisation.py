"""AppTest tests of the optimisation page (the line's landscape and the tiny MLP)."""

from tests.pagetest import errors, open_page, press, status_lines, texts, wait_until

PAGE = "optimisation.py"


def status(at, name: str) -> str:
    """The status line of job ``name`` (the line's comes first on the page, the MLP's second)."""
    return status_lines(at)[0 if name == "linreg" else 1]


def chart_spec(at, key: str) -> str:
    return next(c.proto.spec for c in at.get("plotly_chart") if c.proto.id and key in c.proto.id)


def test_huge_learning_rate_diverges_safely():
    at = open_page(PAGE, {"lr": "10.0"})
    press(at, "linreg_play")
    wait_until(at, lambda a: "diverged" in status(a, "linreg"), "a diverged run")
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
