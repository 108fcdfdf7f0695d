"""AppTest tests of the energy page (e^{f_θ}/Z(θ), the grid's cost, Langevin)."""

from tests.pagetest import exercise_extremes, open_page, poll, press, texts
from tests.test_page_gaussians import job_status as _status
from tests.test_page_gaussians import job_step as _step


PAGE = "energy.py"
ENERGY, LANGEVIN = "5,000", "3,000"


def test_play_trains_and_pause_stops():
    at = open_page(PAGE, {"grid": "32"})
    assert at.button[0].key == "energy_play"
    press(at, "energy_play")
    poll(at, 1.5)
    assert "running" in _status(at, ENERGY)
    press(at, "energy_play")
    assert "paused" in _status(at, ENERGY)
    steps = _step(at, ENERGY)
    assert steps > 0
    poll(at, 0.5)
    assert _step(at, ENERGY) == steps


def test_step_and_reset_and_the_normaliser_is_shown():
    at = open_page(PAGE, {"grid": "32"})
    press(at, "energy_step")
    assert _step(at, ENERGY) == 1
    assert any(m.label == "log Z(θ)" for m in at.metric)
    press(at, "energy_reset")
    assert _step(at, ENERGY) == 0


def test_grid_cost_table_grows_with_the_grid():
    at = open_page(PAGE, {"grid": "32"})
    table = at.dataframe[0].value
    assert list(table["d"]) == [2, 64, 784, 3072]
    assert table["cells"][2] == "10^1,180.0"  # 32^784
    at.select_slider(key="grid").set_value(128).run()
    assert at.dataframe[0].value["cells"][2] == "10^1,652.1"  # 128^784


def test_langevin_particles_move_and_reset_copies_the_current_energy():
    at = open_page(PAGE, {"grid": "32", "particles": "200"})
    for _ in range(3):
        press(at, "energy_step")
    press(at, "langevin_step")
    assert _step(at, LANGEVIN) == 1 and "Energy distance of the particles" in texts(at)
    press(at, "langevin_play")
    poll(at, 1.0)
    press(at, "langevin_play")
    assert _step(at, LANGEVIN) > 1
    press(at, "langevin_reset")
    assert _step(at, LANGEVIN) == 0
    at.slider(key="particles").set_value(300).run()  # new settings: a new sampler, the notice says so
    assert _step(at, LANGEVIN) == 0


def test_every_widget_at_its_extremes():
    at = open_page(PAGE, {"grid": "32"})
    seen = exercise_extremes(at, play_key="energy_play")
    for key in ("target", "spread", "layers", "hidden", "grid", "lr", "seed", "particles", "eta"):
        assert key in seen


def test_url_reproduces_settings():
    at = open_page(PAGE, {"target": "Two moons", "grid": "48", "hidden": "64", "lr": "0.003", "eta": "0.005",
                          "seed": "3"})
    assert at.selectbox(key="target").value == "moons" and at.select_slider(key="grid").value == 48
    assert at.slider(key="hidden").value == 64 and at.select_slider(key="lr").value == 0.003
    assert at.select_slider(key="eta").value == 0.005 and at.number_input(key="seed").value == 3
    assert not at.warning


def test_bad_url_values_fall_back_with_a_notice():
    at = open_page(PAGE, {"grid": "7", "lr": "x", "layers": "9", "eta": "-1", "target": "cats"})
    notice = " ".join(str(w.value) for w in at.warning)
    for key in ("grid=7", "lr=x", "layers=9", "eta=-1", "target=cats"):
        assert key in notice
    assert at.select_slider(key="grid").value == 64
    press(at, "energy_step")
    assert _step(at, ENERGY) == 1


def test_learning_rate_applies_without_reset():
    at = open_page(PAGE, {"grid": "32"})
    press(at, "energy_step")
    press(at, "energy_step")
    at.select_slider(key="lr").set_value(0.001).run()
    assert _step(at, ENERGY) == 2
    at.slider(key="hidden").set_value(16).run()
    assert _step(at, ENERGY) == 0 and "reset" in texts(at)
