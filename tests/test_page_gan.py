"""AppTest tests of the GAN page."""

import json
import re

from core.gan_presets import COLLAPSE, PRESETS, SHARP, SHARP_DRS, preset
from dashboard.presets import GAN as TRY
from tests.pagetest import chart_texts, open_page, press, texts

PAGE = "gan.py"
SMALL = {"gw": "16", "dw": "16", "batch": "64"}  # keep the page cheap under test


def test_step_reset_and_half_steps():
    at = open_page(PAGE, SMALL)
    press(at, "gan_step")
    assert "step 1 /" in texts(at) and "D updates: 1 · G updates: 1" in texts(at)
    press(at, "gan_dstep")
    assert "D updates: 2 · G updates: 1" in texts(at)
    press(at, "gan_gstep")
    press(at, "gan_gstep")
    assert "D updates: 2 · G updates: 3" in texts(at) and "step 4 /" in texts(at)
    press(at, "gan_reset")
    assert "step 0" in texts(at)


def test_preset_fills_the_controls_and_url_reproduces_them():
    at = open_page(PAGE)
    at.selectbox(key="preset").set_value(COLLAPSE).run()
    wanted = PRESETS[COLLAPSE]
    assert at.slider(key="pack").value == wanted.get("pack", 2)
    assert at.select_slider(key="lrg").value == wanted["lr_g"]
    assert "Settings changed from the preset" not in texts(at)
    assert at.query_params["lrg"] == str(wanted["lr_g"])  # the filled values go into the URL
    at.slider(key="pack").set_value(3).run()
    assert "Settings changed from the preset" in texts(at)
    # the copied URL (the browser adds the values the student changed) brings all of it back
    url = {k: at.query_params[k] for k in at.query_params} | {"preset": COLLAPSE, "pack": "3"}
    again = open_page(PAGE, url)
    assert again.slider(key="pack").value == 3 and again.selectbox(key="preset").value == COLLAPSE
    assert again.select_slider(key="lrg").value == wanted["lr_g"]
    assert "Settings changed from the preset" in texts(again) and not again.warning


def test_learning_rates_apply_without_reset_other_changes_reset():
    at = open_page(PAGE, SMALL)
    press(at, "gan_step")
    press(at, "gan_step")
    at.select_slider(key="lrd").set_value(0.001).run()
    assert "step 2 /" in texts(at)
    at.slider(key="pack").set_value(1).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_optimal_discriminator_and_jsd_are_drawn():
    at = open_page(PAGE, SMALL)
    press(at, "gan_step")
    assert "What D should be, for this G" in chart_texts(at) and "Jensen–Shannon divergence" in chart_texts(at)
    shown = texts(at)
    assert "D* = p_data / (p_data + p_g): p_data exact (a Gaussian mixture)" in shown
    jsd = float(re.search(r"JSD now: ([0-9.]+) nats", shown).group(1))
    assert 0.3 < jsd <= 0.694  # one step: G is still far from the ring
    assert any(r"V(G, D^*) = -\log 4 + 2\,\mathrm{JSD}" in x.value for x in at.latex)
    at.selectbox(key="loss").set_value("wgan-gp").run()
    press(at, "gan_step")
    assert "only D* is drawn" in texts(at)


def test_sharp_targets_preset_sets_the_average_and_the_decay():
    at = open_page(PAGE)
    assert at.select_slider(key="gema").value == 0.0 and at.select_slider(key="lrdecay").value == 0
    at.selectbox(key="preset").set_value(SHARP).run()
    wanted = preset(SHARP)
    assert at.select_slider(key="gema").value == wanted.g_ema > 0
    assert at.select_slider(key="lrdecay").value == wanted.lr_decay_steps > 0
    assert at.select_slider(key="lrg").value == wanted.lr_g and at.slider(key="zdim").value == wanted.noise_dim
    assert at.select_slider(key="zmix").value == wanted.latent_modes > 0
    assert at.select_slider(key="dfour").value == wanted.d_fourier > 0
    assert at.select_slider(key="inoise").value == wanted.instance_noise > 0
    assert at.select_slider(key="infade").value == wanted.instance_noise_steps == 4000
    assert at.query_params["infade"] == "4000" and not at.select_slider(key="infade").disabled
    assert any(r"z = \mu_c + s\,\varepsilon" in x.value for x in at.latex)
    assert (at.query_params["zmix"], at.query_params["dfour"]) == (str(wanted.latent_modes), str(wanted.d_fourier))
    assert "Settings changed from the preset" not in texts(at)
    assert at.query_params["gema"] == str(wanted.g_ema)
    assert any(r"\bar\theta \leftarrow \mu\,\bar\theta + (1 - \mu)\,\theta" in x.value for x in at.latex)
    # the "Try this" link opens the sharp ring with the recipe, and a step draws from the average
    link = next(p for p in TRY if p.values.get("preset") == SHARP)
    fresh = open_page(PAGE, {k: str(v) for k, v in link.values.items()} | SMALL)
    assert fresh.select_slider(key="spread").value == 0.02 and fresh.select_slider(key="gema").value == wanted.g_ema
    press(fresh, "gan_step")
    assert "D updates: 1 · G updates: 1" in texts(fresh) and not fresh.exception
    at.select_slider(key="inoise").set_value(0.0).run()  # no noise: nothing fades
    assert at.select_slider(key="infade").disabled


def test_drs_toggle_rejects_and_reports_g_alone_beside_after_rejection():
    at = open_page(PAGE, SMALL)
    assert at.toggle(key="drs").value is False
    press(at, "gan_step")
    assert "G + DRS" not in texts(at) and "DRS keeps" not in texts(at)
    at.toggle(key="drs").set_value(True).run()
    assert "step 0 /" in texts(at)  # a second discriminator to train: a reset
    press(at, "gan_step")
    shown = texts(at)
    assert "| | G alone | G + DRS |" in shown
    row = re.search(r"\| within 3σ of a mode \| (\d+)% \| (\d+)% \|", shown)
    assert row and 0 <= int(row.group(1)) <= 100 and 0 <= int(row.group(2)) <= 100
    assert re.search(r"\| points kept \| 100% \| \*\*\d+%\*\* \|", shown)
    kept = int(re.search(r"DRS keeps (\d+)% of G's points", shown).group(1))
    assert 0 < kept <= 100
    assert any(r"\exp\big(r(x) - \hat r\big)" in x.value for x in at.latex)
    names = {t.get("name") for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"]}
    assert {"G(z) kept by DRS", "G(z) rejected"} <= names and "G(z)" not in names
    at.toggle(key="drs").set_value(False).run()
    press(at, "gan_step")
    assert "G + DRS" not in texts(at) and "High quality" in [m.label for m in at.metric]


def test_sharp_drs_preset_turns_the_toggle_on():
    at = open_page(PAGE)
    at.selectbox(key="preset").set_value(SHARP_DRS).run()
    assert at.toggle(key="drs").value is True and at.select_slider(key="gema").value == preset(SHARP_DRS).g_ema
    assert "Settings changed from the preset" not in texts(at)
    at.selectbox(key="preset").set_value(SHARP).run()
    assert at.toggle(key="drs").value is False
