"""Presets as links: one click sets the controls; the link the page advertises opens the same controls."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from dashboard import presets
from tests.pagetest import assert_clean, open_page

PAGES = {  # page file -> its presets
    "gan.py": presets.GAN, "classification.py": presets.CLASSIFICATION, "capacity.py": presets.CAPACITY,
    "optimisation.py": presets.OPTIMISATION, "gaussians.py": presets.GAUSSIANS,
    "autoencoders.py": presets.AUTOENCODERS, "text.py": presets.TEXT, "diffusion.py": presets.DIFFUSION,
    "flow_matching.py": presets.FLOW_MATCHING, "arena.py": presets.ARENA,
    "data_vs_rules.py": presets.DATA_VS_RULES, "architectures.py": presets.ARCHITECTURES,
    "energy.py": presets.ENERGY, "gan_vs_vae.py": presets.GAN_VS_VAE, "score.py": presets.SCORE,
    "beyond.py": presets.BEYOND,
}
CASES = [(page, i) for page, items in PAGES.items() for i in range(len(items))]
LINK = re.compile(r"\[([^\]]+)\]\(([a-z_]+)\?([^)]*)\)")


def widget_value(at, key):
    for kind in ("selectbox", "slider", "select_slider", "number_input", "toggle", "multiselect", "text_input"):
        found = [w for w in at.get(kind) if getattr(w, "key", None) == key]
        if found:
            return found[0].value
    raise KeyError(key)


def advertised(at, name: str) -> dict[str, list[str]]:
    """The query of the link the page shows for the preset ``name`` (in its explanation)."""
    for md in at.markdown:
        for label, _path, query in LINK.findall(str(md.value)):
            if label == name:
                return urllib.parse.parse_qs(query)
    raise AssertionError(f"no link for the preset {name!r}")


@pytest.mark.parametrize("page,index", CASES, ids=[f"{p[:-3]}-{i}" for p, i in CASES])
def test_a_preset_sets_its_controls_and_its_link_opens_them(page, index):
    preset = PAGES[page][index]
    at = open_page(page)
    link = advertised(at, preset.name)
    next(b for b in at.button if b.key == f"preset_{index}").click().run()
    assert_clean(at)
    for key, value in preset.values.items():
        assert widget_value(at, key) == value, (preset.name, key)
    assert any(preset.lesson in str(i.value) for i in at.info), "the lesson is shown"
    bar = {k: ([v] if isinstance(v, str) else list(v)) for k, v in at.query_params.items()}
    differ = {k: v for k, v in preset.values.items() if k in bar}
    assert differ, "the preset changed no URL parameter"
    for key in differ:  # the address bar now agrees with the advertised link
        assert bar[key] == link[key], key
    fresh = open_page(page, {k: v if len(v) > 1 else v[0] for k, v in link.items()})
    for key, value in preset.values.items():
        assert widget_value(fresh, key) == value, (preset.name, key, "opened from the link")


def test_autoencoders_diverse_preset_is_a_measured_row_with_far_more_recall():
    """The "diverse digits" preset is a row of the bench's table (assets/vae_latent_pr.json) whose samples
    cover far more test digits than the default latent 2 at β = 1, still realistic."""
    from core.vae import latent_reference

    preset = next(p for p in presets.AUTOENCODERS if p.name.startswith("Diverse"))
    rows = {(r["latent"], r["beta"]): r for r in latent_reference()["rows"]}
    chosen, default = rows[(preset.values["vae_k"], preset.values["beta"])], rows[(2, 1.0)]
    assert chosen["recall"] > max(0.2, 5 * default["recall"]) and chosen["precision"] > 0.8, (chosen, default)


def test_in_presenter_mode_the_lesson_shows_in_the_sidebar_and_leaves_the_live_figure_in_place():
    preset = presets.ENERGY[0]
    at = open_page("energy.py", {"present": "1"})
    next(b for b in at.button if b.key == "preset_0").click().run()
    assert_clean(at)
    assert any(preset.lesson in str(i.value) for i in at.sidebar.info), "the lesson is beside the buttons"
    assert not any(preset.lesson in str(i.value) for i in at.main.info), "nothing pushes the live figure down"
