"""The arena's figure builders (dashboard/fig_arena.py): plain data in, figures and a table out."""

import numpy as np

from core.arena import FAMILIES, LABELS
from dashboard.fig_arena import arena_samples, leaderboard, quality_curves


def _row(family, mixture=True, state="training", measured=True):
    row = {"family": family, "label": LABELS[family], "state": state, "energy": 0.1 if measured else None,
           "train_seconds": 1.0, "train_steps": 10, "sample_seconds_per_1000": 0.01 if measured else None,
           "nfe": 1 if measured else None}
    if mixture:
        row.update(modes_captured=5 if measured else None, n_modes=8, high_quality=0.5 if measured else None,
                   reverse_kl=0.2 if measured else None)
    return row


def _snap(mixture=True):
    rng = np.random.default_rng(0)
    rows = [_row(f, mixture, "diverged" if f == "gan" else "training", measured=f != "vae") for f in FAMILIES]
    snap = {"families": list(FAMILIES), "labels": [LABELS[f] for f in FAMILIES], "rows": rows,
            "samples": {f: rng.normal(size=(50, 2)) for f in FAMILIES if f != "vae"},
            "reference": rng.normal(size=(80, 2)), "budget_kind": "seconds",
            "history": {f: {"budget": np.array([0.02, 1.0]), "energy": np.array([0.0, 0.5]),
                            "high_quality": np.array([0.1, 0.4])} for f in FAMILIES}}
    if mixture:
        snap["modes"] = np.zeros((8, 2))
    return snap


def test_the_table_has_a_row_per_family_and_mode_columns_only_for_mixtures():
    frame = leaderboard(_snap()["rows"])
    assert len(frame) == 7 and list(frame.columns)[:3] == ["family", "modes", "high quality"]
    assert frame.loc[2, "family"] == "GAN (diverged)" and frame.loc[0, "modes"] == "5 / 8"
    assert frame.loc[3, "energy dist."] is None or np.isnan(frame.loc[3, "energy dist."])  # the VAE: not yet measured
    curves_only = leaderboard(_snap(mixture=False)["rows"])
    assert "modes" not in curves_only.columns and "reverse KL" not in curves_only.columns


def test_small_multiples_share_square_axes_and_show_every_family():
    fig = arena_samples(_snap())
    titles = [a.text for a in fig.layout.annotations]
    assert len(titles) == 8 and titles[-1] == "Held-out data" and "(diverged)" in titles[2]
    assert all(LABELS[f] in t for f, t in zip(FAMILIES, titles))
    assert "E = 0.10 · 5/8 modes" in titles[0] and "E =" not in titles[3]  # the VAE has no measurement yet
    axes = [fig.layout[k] for k in fig.layout if k.startswith("xaxis")]
    assert len(axes) == 8 and len({tuple(a.range) for a in axes}) == 1  # the same box for every panel
    samples = [t for t in fig.data if t.name == "samples"]
    assert len(samples) == 6 and sum(t.showlegend for t in samples) == 1


def test_quality_against_budget_has_one_line_per_family():
    fig = quality_curves(_snap(), "energy")
    assert [t.name for t in fig.data] == [LABELS[f] for f in FAMILIES]
    assert min(fig.data[0].y) > 0  # 0 is drawn at the log axis' floor
    assert quality_curves({"rows": []}).layout.annotations  # nothing yet: a hint instead
    assert arena_samples({}).layout.annotations[0].text.startswith("Press")


def test_panel_titles_are_readable_and_have_room_above_their_panels():
    line_px = 1.3  # a line of text takes about 1.3 times its font size
    for size, height in ((None, 360), (15, 400)):  # normal mode (the default size), presenter mode's larger one
        fig = arena_samples(_snap(), height=height, **({} if size is None else {"title_size": size}))
        titles = list(fig.layout.annotations)
        assert all(t.font.size >= (12 if size is None else 14) for t in titles)  # at least 12 px, larger presenting
        # no smaller second line: <sup> drew the score at 70% of the title's size (about 7 px high)
        assert not any(tag in t.text for t in titles for tag in ("<sup>", "<sub>", "<span", "<small>"))
        assert "<br>E = 0.10 · 5/8 modes" in titles[0].text
        lines = max(t.text.count("<br>") + 1 for t in titles)
        need = lines * line_px * max(t.font.size for t in titles)  # pixels a two-line title takes
        plot_px = height - fig.layout.margin.t - fig.layout.margin.b
        assert fig.layout.margin.t >= need  # the first row's titles fit in the top margin
        gap = (fig.layout.yaxis.domain[0] - fig.layout.yaxis5.domain[1]) * plot_px
        assert gap >= need  # the second row's titles between the rows, not over the first row's panels
