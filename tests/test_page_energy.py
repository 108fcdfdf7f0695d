"""AppTest tests of the energy page (e^{f_θ}/Z(θ), the grid's cost, Langevin)."""

import json

from dashboard.topics import FAMILIES
from tests.pagetest import ROOT, open_page, press, status, step_of, texts, wait_until


PAGE = "energy.py"
ENERGY, LANGEVIN = "5,000", "3,000"


def _step(at, budget: str) -> int:
    return step_of(status(at, budget))


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
    wait_until(at, lambda a: _step(a, LANGEVIN) > 1, "Langevin steps")
    press(at, "langevin_play")
    assert _step(at, LANGEVIN) > 1
    press(at, "langevin_reset")
    assert _step(at, LANGEVIN) == 0
    at.slider(key="particles").set_value(300).run()  # new settings: a new sampler, the notice says so
    assert _step(at, LANGEVIN) == 0


def test_learning_rate_applies_without_reset():
    at = open_page(PAGE, {"grid": "32"})
    press(at, "energy_step")
    press(at, "energy_step")
    at.select_slider(key="lr").set_value(0.001).run()
    assert _step(at, ENERGY) == 2
    at.slider(key="hidden").set_value(16).run()
    assert _step(at, ENERGY) == 0 and "reset" in texts(at)


def test_families_table_links_every_row_to_an_existing_page():
    at = open_page(PAGE, {"grid": "32"})
    links = {link.proto.label: link.proto for link in at.get("page_link")}
    assert set(links) == {f.name for f in FAMILIES}
    for fam in FAMILIES:
        link = links[fam.name]
        assert link.page == fam.page.removesuffix(".py") and link.page_script_hash  # a page of the navigation
        assert (ROOT / "pages" / fam.page).is_file()
    shown = texts(at)
    assert "How each family avoids Z(θ), and how it samples" in shown
    assert "contrastive divergence" in shown and "ELBO" in shown and "Z drops out" in shown
    assert "Markov chain Monte Carlo" in shown and "Metropolis" in shown  # the timeline's MCMC entry opens this page
    at.switch_page("pages/" + FAMILIES[2].page).run()  # the GAN row's page opens
    assert not at.exception and "Generative adversarial networks" in [t.value for t in at.title]


def test_grid_cost_table_columns_fit_their_column_at_1280_px():
    """Every column of the cost table has a width that holds its longest entry, and together they fit the
    column the table is drawn in on a 1280x720 projector (presenter mode's explanation: 755 px, less a gap)."""
    at = open_page(PAGE, {"grid": "128"})
    table = at.dataframe[0]
    config = json.loads(table.proto.columns)
    widths = {name: config.get(name, {}).get("width") for name in table.value.columns}
    assert all(isinstance(w, int) for w in widths.values()), widths
    for name in ("data", "d", "cells"):
        longest = max(len(str(v)) for v in [config[name].get("label", name), *table.value[name]])
        assert widths[name] >= 7.5 * longest + 16, (name, widths[name])  # 14 px Source Sans and the padding
    assert len(config["time at this server's rate"]["label"]) <= 12  # "10^6,460 years" sets its width
    weight = next(c.weight for c in at.columns if any(d.proto is table.proto for d in c.dataframe))
    assert sum(widths.values()) + 2 <= (755 - 16) * weight, (widths, weight)
