"""Figure builders of the capacity and architectures pages (pure functions of snapshots)."""

from __future__ import annotations

import numpy as np

from core.capacity import CapacityConfig, CapacitySweepTrainer, three_fits
from core.overfit import OverfitConfig, OverfitTrainer
from dashboard.fig_capacity import boundary_panels, fit_panels, mark_steps, u_curve, y_window
from dashboard.fig_cnn import before_after, digit_gallery, filters_figure
from dashboard.figures import curves, tile


def swept(n_steps: int, **kw) -> dict:
    t = CapacitySweepTrainer(CapacityConfig(**kw))
    for _ in range(n_steps):
        t.step()
    return t.snapshot()


def test_u_curve_grows_with_the_sweep_and_keeps_zero_errors_on_the_log_axis():
    assert u_curve(swept(0), "degree d").layout.annotations  # the empty figure says "press Play"
    snap = swept(21, n_train=10, noise=0.0)  # degree >= 9 interpolates: train error 0
    fig = u_curve(snap, "degree d", selected=3, ghost=("n=30", snap["capacity"], snap["test_mse"]))
    train = next(t for t in fig.data if t.name == "train error")
    assert len(train.y) == 21 and np.all(np.asarray(train.y) > 0)
    assert fig.layout.yaxis.type == "log"
    assert not any(t.name == "noise σ²" for t in fig.data)  # σ = 0: no floor to draw
    partial = u_curve(swept(5), "degree d")
    assert len(next(t for t in partial.data if t.name == "test error").y) == 5


def test_fit_panels_titles_and_fixed_window():
    snap = swept(21)
    fig = fit_panels(snap, three_fits(snap), "degree")
    titles = " ".join(a.text for a in fig.layout.annotations)
    assert "Under-fit: degree 1" in titles and "Over-fit: degree 20" in titles
    lo, hi = y_window(snap)
    assert lo < snap["y_train"].min() and hi > snap["y_train"].max()
    assert tuple(fig.layout.yaxis.range) == (lo, hi)


def test_boundary_panels_draw_three_models():
    t = OverfitTrainer(OverfitConfig(n_train=20))
    t.step()
    fig = boundary_panels(t.snapshot(), [("under", "a"), ("tamed", "b"), ("over", "c")])
    assert sum(1 for tr in fig.data if tr.type == "heatmap") == 3


def _step_labels(steps: int, marks: list[tuple[float, str]]) -> list[tuple[float, float, str, str]]:
    """mark_steps on a loss figure of steps 0..steps: (where on the axis, 0 to 1; the row: y shifted by
    yshift pixels; the side the text grows to; the text) of each label of a step."""
    history = {"step": np.arange(0, steps + 1, 10.0)}
    history["over_val_loss"] = 1 + history["step"] / steps
    fig = mark_steps(curves(history, [("over-fit: validation", "over_val_loss")], "Loss", "cross-entropy",
                            log_y=True), marks)
    return [(a.x / steps, a.y * 1000 + (a.yshift or 0), "left" if a.xanchor == "right" else "right", a.text)
            for a in fig.layout.annotations if a.xref == "x"]


def test_step_labels_never_overlap_however_close_the_steps():
    # the tamed MLP's best validation step and its early stop, patience 150 apart: near the start of a
    # finished run (the screenshot: labels on top of each other), in the middle, near the end of a run
    # still training, at the same step; far apart. A label takes at most a quarter of the axis.
    cases = [(3000, 50, 200), (3000, 2000, 2150), (3000, 2850, 3000), (300, 150, 300), (3000, 1500, 1500),
             (3000, 100, 2900), (3000, 1000, 2000), (3000, 50, 1050), (3000, 1900, 2950)]
    for steps, best, stopped in cases:
        labels = _step_labels(steps, [(best, "best validation"), (stopped, "stopped")])
        text = " ".join(t for *_, t in labels)
        assert "best validation" in text and "stopped" in text, (steps, best, stopped)
        for i, first in enumerate(labels):  # two labels on one row grow apart, or their steps lie far enough apart
            for second in labels[i + 1:]:
                (a, row_a, side_a, _), (b, row_b, side_b, _) = sorted([first, second])
                needed = {("left", "right"): 0, ("left", "left"): 0.25, ("right", "right"): 0.25}.get(
                    (side_a, side_b), 0.5)  # growing apart, one way, towards each other
                assert row_a != row_b or b - a >= needed, (steps, best, stopped, labels)
        for at, _, side, _ in labels:  # inside the plot, not over the y axis's numbers nor past its end
            assert (side == "right" and at <= 0.75) or (side == "left" and at >= 0.25), (steps, best, stopped, labels)
        if abs(stopped - best) >= steps / 3:  # far apart: each label beside its own line
            assert sorted((round(at * steps), t) for at, _, _, t in labels) == [(best, "best validation"),
                                                                                 (stopped, "stopped")]
    assert [side for _, _, side, _ in _step_labels(300, [(290, "best validation")])] == ["left"]


def test_tiles_galleries_and_filters():
    imgs = np.arange(3 * 4, dtype=float).reshape(3, 2, 2)
    canvas = tile(imgs, cols=2, gap=1)
    assert canvas.shape == (5, 5) and np.isnan(canvas[2]).all()
    assert canvas[-1, 0] == 0 and canvas[-1, 3] == 4  # first image top left, second to its right
    fig = digit_gallery(np.zeros((3, 8, 8)), [1, 2, 3], [7, 7, 7], "mistakes")
    assert [a.text for a in fig.layout.annotations] == ["<b>1</b> (7)", "<b>2</b> (7)", "<b>3</b> (7)"]
    assert digit_gallery(np.zeros((0, 8, 8)), [], [], "none").layout.annotations[0].text.startswith("No mistakes")
    filt = filters_figure(np.random.default_rng(0).normal(size=(8, 3, 3)))
    assert np.nanmax(np.abs(filt.data[0].z)) <= 1.0
    assert before_after(np.zeros((8, 8)), np.ones((8, 8))).data[0].z.shape == (8, 19)
