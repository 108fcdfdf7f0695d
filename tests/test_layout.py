"""The page layout and presenter mode (dashboard/layout.py), through AppTest."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go

from dashboard import layout
from tests.pagetest import open_page, press


def sidebar_expanders(at):
    return [e.label for e in at.sidebar.expander]


def test_presenter_mode_from_a_link_folds_the_settings_and_the_explanation():
    at = open_page("home.py", {"present": "1"})
    assert at.toggle(key="present").value is True
    assert at.query_params["present"] in ("1", ["1"])
    at.switch_page("pages/gan.py").run()
    assert "Settings" in sidebar_expanders(at)
    assert not at.title  # a one-line heading instead of the big title
    assert at.markdown[0].value.startswith("### Generative adversarial networks") or any(
        m.value.startswith("### Generative adversarial networks") for m in at.markdown)
    assert "How it works" in [e.label for e in at.main.expander]
    assert [c for c in at.get("plotly_chart")], "the live figures are drawn"


def test_normal_mode_keeps_the_title_and_the_full_sidebar():
    at = open_page("gan.py")
    assert [t.value for t in at.title] == ["Generative adversarial networks"]
    assert "Settings" not in sidebar_expanders(at)
    assert "How it works" not in [e.label for e in at.main.expander]
    assert "How it works" in [s.value for s in at.subheader]


def _switch_app():
    import streamlit as st

    from dashboard import layout

    on = layout.presenter_switch()
    st.write(f"presenting={layout.presenting()} switch={on}")


def test_the_switch_follows_the_link_and_keeps_the_link_in_step():
    # AppTest reruns only the page after the first run, not the entry: the switch is tested on its own
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_switch_app)
    at.query_params["present"] = "1"
    at.run()
    assert at.markdown[0].value == "presenting=True switch=True"
    at.toggle(key="present").set_value(False).run()
    assert at.markdown[0].value == "presenting=False switch=False"
    assert "present" not in at.query_params
    at.toggle(key="present").set_value(True).run()
    assert at.query_params["present"] in ("1", ["1"])
    assert at.markdown[0].value == "presenting=True switch=True"


def test_without_the_link_presenter_mode_is_off():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_switch_app).run()
    assert at.markdown[0].value == "presenting=False switch=False"
    assert "present" not in at.query_params


def test_projected_figures_are_larger_and_the_main_one_fits_the_screen():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0], mode="lines", line=dict(width=2)),
                    layout=dict(height=600, font=dict(size=16)))
    out = layout.projected(go.Figure(fig), main=True)
    assert out.layout.height == layout.MAIN_HEIGHT
    assert out.layout.font.size == 16 + layout.FONT_STEP
    assert out.data[0].line.width > 2
    side = layout.projected(go.Figure(fig), main=False)
    assert side.layout.height == 600


def test_projected_tick_labels_and_legends_are_readable_and_apart():
    # Streamlit's chart theme draws tick labels at 12 px unless a figure sets a size: on a projector they
    # must grow with the font, and a legend under the plot must make room for the larger ticks
    small = 16 + layout.FONT_STEP - layout.TICK_STEP
    under = dict(orientation="h", y=-0.14, yanchor="top")
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]),
                    layout=dict(height=400, margin=dict(t=45, b=70), legend=under, font=dict(size=16),
                                yaxis=dict(tickfont=dict(size=30))))
    out = layout.projected(fig)
    assert out.layout.xaxis.tickfont.size == small
    assert out.layout.yaxis.tickfont.size == 30  # a figure's own larger size stays
    assert out.layout.legend.font.size is None  # legends keep the size their layout was made for
    plot_px = 400 - 45 - 70
    moved_px = (-0.14 - out.layout.legend.y) * plot_px
    assert moved_px >= small - layout.THEME_SMALL_PX  # at least the ticks' growth
    assert moved_px <= 3 * (small - layout.THEME_SMALL_PX)
    tall = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]),
                     layout=dict(height=600, margin=dict(t=45, b=70), legend=under, font=dict(size=16)))
    main = layout.projected(tall, main=True)  # drawn at MAIN_HEIGHT: the move is a share of that plot's height
    assert (-0.14 - main.layout.legend.y) * (layout.MAIN_HEIGHT - 45 - 70) >= small - layout.THEME_SMALL_PX
    titled = layout.projected(go.Figure(go.Scatter(x=[0], y=[0]), layout=dict(
        height=400, margin=dict(b=106), xaxis=dict(title=dict(text="step")),
        legend=dict(yref="container", y=0, yanchor="bottom"))))
    assert titled.layout.xaxis.title.font.size == small
    assert titled.layout.yaxis.title.font.size is None  # no title, nothing to size
    assert titled.layout.margin.b >= 106 + 2 * (small - layout.THEME_SMALL_PX)  # room for ticks and title
    beside = layout.projected(go.Figure(go.Scatter(x=[0], y=[0]), layout=dict(legend=dict(y=0.9))))
    assert beside.layout.legend.y == 0.9  # a legend inside or beside the plot stays where it is
    edge = go.Figure(go.Scatter(x=[0], y=[0]), layout=dict(height=400, margin=dict(b=106),
                                                           legend=dict(yref="container", y=0, yanchor="bottom")))
    lowered = layout.projected(edge)
    assert lowered.layout.legend.y == 0 and lowered.layout.margin.b >= 106 + small - layout.THEME_SMALL_PX


def test_projected_side_by_side_panels_keep_the_gap_between_them_clear():
    from plotly.subplots import make_subplots

    small = 16 + layout.FONT_STEP - layout.TICK_STEP
    out = layout.projected(make_subplots(rows=1, cols=3))
    assert [a.tickfont.size for a in out.select_xaxes()] == [small] * 3
    # the first panel's y labels grow; those of the panels right of it sit in the gaps and keep the theme's size
    assert [a.tickfont.size for a in out.select_yaxes()] == [small, None, None]


def test_every_chart_keeps_its_png_export():
    config = layout.chart_config("game")
    assert config["toImageButtonOptions"]["format"] == "png"
    assert "displayModeBar" not in config or config["displayModeBar"] is not False


def test_a_kept_run_is_drawn_faded_under_the_live_curves():
    from dashboard.figures import curves

    now = {"step": np.arange(5), "d_loss": np.linspace(1, 0.5, 5)}
    before = {"step": np.arange(8), "d_loss": np.linspace(2, 1, 8)}
    fig = curves(now, [("D loss", "d_loss")], "losses", "loss", reference=before)
    names = [t.name for t in fig.data]
    assert names == ["D loss (kept run)", "D loss"]
    assert fig.data[0].opacity < 1 and fig.data[0].line.dash == "dot" and len(fig.data[0].x) == 8
    assert [t.name for t in curves(now, [("D loss", "d_loss")], "losses", "loss").data] == ["D loss"]


def test_a_long_title_puts_the_curves_legend_on_a_row_of_its_own():
    from dashboard.figures import curves

    now = {"step": np.arange(5), "loss": np.linspace(1, 0.5, 5), "nll": np.linspace(2, 1, 5)}
    short = curves(now, [("train", "loss"), ("test", "nll")], "Loss L(θ)", "loss")
    assert short.layout.legend.y > 1 and short.layout.legend.xanchor == "right"  # beside the title, top right
    assert short.layout.margin.t is None and short.layout.title.yref is None  # the template's margin and title
    long = curves(now, [("L(θ), batch", "loss"), ("all data", "nll")], "Negative log-likelihood per point", "nats")
    assert long.layout.title.yref == "container" and long.layout.title.y == 1  # the title on the top line
    assert long.layout.legend.y == 1.0 and long.layout.legend.xanchor == "left"  # the legend right above the plot
    assert long.layout.margin.t > 45 + 20  # the top margin holds both rows
    kept = curves(now, [("L(θ), batch", "loss"), ("all data", "nll")], "Negative log-likelihood per point", "nats",
                  reference=now)
    assert long.layout.margin.t < kept.layout.margin.t <= 45 + 2 * 26  # four lines: two rows, no more
    alone = curves(now, [("L(θ), batch", "loss")], "Negative log-likelihood per point", "nats")
    assert alone.layout.margin.t is None  # one line has no legend: nothing to make room for


def test_a_legend_under_the_plot_leaves_room_for_the_axis_title():
    import plotly.graph_objects as go

    from dashboard.legends import legend_below

    fig = go.Figure([go.Contour(z=np.eye(3))] + [go.Scatter(x=[0], y=[0], name=f"s{i}") for i in range(5)])
    legend_below(fig)
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0  # at the figure's bottom edge
    assert fig.layout.legend.entrywidth == 0.5  # two columns: five entries (not the contour) make three rows
    assert fig.layout.margin.b == 50 + 28 * 3  # the axis's ticks and title, then the rows
    bars = legend_below(go.Figure([go.Bar(x=["a"], y=[1], name=f"b{i}") for i in range(3)]), axis_px=35, columns=3)
    assert bars.layout.margin.b == 35 + 28 and bars.layout.legend.entrywidth == 1 / 3  # bars are listed too


def test_a_kept_run_shows_before_the_next_run_steps_and_one_row_is_a_dot():
    from dashboard.figures import curves

    before = {"step": np.arange(8), "d_loss": np.linspace(2, 1, 8)}
    empty = {"step": np.zeros(0)}
    fig = curves(empty, [("D loss", "d_loss")], "losses", "loss", reference=before)
    assert [t.name for t in fig.data] == ["D loss (kept run)"]  # the axes of the comparison, at once
    assert not curves(empty, [("D loss", "d_loss")], "losses", "loss").data  # nothing to draw: the notice
    arrival = curves({"step": np.array([0]), "d_loss": np.array([0.7])}, [("D loss", "d_loss")], "losses", "loss")
    assert arrival.data[0].mode == "markers" and list(arrival.data[0].y) == [0.7]  # a loaded model: one dot


def test_keep_this_run_pins_the_gan_curves_for_the_next_run():
    from tests.pagetest import press

    at = open_page("gan.py", {"gw": "16", "dw": "16", "start": "scratch"})
    for _ in range(3):
        press(at, "gan_step")
    next(b for b in at.button if b.key == "gan_keep").click().run()
    press(at, "gan_reset")
    press(at, "gan_step")
    traces = [t.get("name", "") for c in at.get("plotly_chart") for t in json.loads(c.proto.spec).get("data", [])]
    assert "D loss (kept run)" in traces and "D loss" in traces
    next(b for b in at.button if b.key == "gan_forget").click().run()
    traces = [t.get("name", "") for c in at.get("plotly_chart") for t in json.loads(c.proto.spec).get("data", [])]
    assert "D loss (kept run)" not in traces


def test_a_link_can_ask_for_a_start_from_scratch():
    at = open_page("gan.py", {"start": "scratch"})
    assert not [w for w in at.warning if "start=" in str(w.value)], "start=scratch is a valid link"
    assert next(s for s in at.selectbox if s.key == "start").value == "scratch"
    assert at.query_params["start"] == ["scratch"] or at.query_params["start"] == "scratch"


def test_an_empty_figures_message_breaks_into_even_lines_that_fit_a_narrow_column():
    from dashboard.figures import EMPTY_LINE, curves, empty_figure

    text = curves({"step": np.zeros(0)}, [("loss", "loss")], "Loss", "MSE").layout.annotations[0].text
    lines = text.split("<br>")
    assert len(lines) == 2 and all(len(line) <= EMPTY_LINE for line in lines)  # was one line, cut at 1280x720
    assert " ".join(lines) == "▶ Play or Step draws this run's curves"  # no word lost or split
    assert abs(len(lines[0]) - len(lines[1])) < 6
    longer = empty_figure("Press ▶ Play in this section to train both models").layout.annotations[0].text
    assert all(len(line) <= EMPTY_LINE for line in longer.split("<br>")), longer  # two lines cannot fit: three
    assert empty_figure("No model yet").layout.annotations[0].text == "No model yet"
    kept = "The manifold is drawn for 1D or 2D noise,<br>not for noise in clusters"  # broken by hand: kept
    assert empty_figure(kept).layout.annotations[0].text == kept


def test_a_reset_notice_floats_on_the_projector_and_sits_in_the_bar_otherwise():
    """In presenter mode "Settings changed: the model was reset" is a toast: a box in the control bar's row,
    four lines tall at the projector's font size, pushed the live figures below the first screen."""
    small = {"gw": "16", "dw": "16", "batch": "64"}
    for present, where in (("1", "toast"), ("0", "info")):
        at = open_page("gan.py", small | {"present": present})
        press(at, "gan_step")
        at.slider(key="pack").set_value(1).run()
        notices = {kind: " ".join(str(e.value) for e in getattr(at, kind)) for kind in ("toast", "info")}
        assert "the model was reset and starts again from step 0" in notices[where], (present, notices)
        assert "reset" not in notices["info" if where == "toast" else "toast"], (present, notices)


def test_why_a_run_starts_from_scratch_and_left_its_preset_is_said_in_the_sidebar_not_above_the_figures():
    for present in ("1", "0"):
        at = open_page("gan.py", {"gw": "16", "dw": "16", "batch": "64", "pack": "1", "present": present})
        side = " ".join(c.value for c in at.sidebar.caption)
        main = " ".join(c.value for c in at.main.caption)
        for note in ("Starting from random weights", "Settings changed from the preset"):
            assert note in side and note not in main, (present, note, side, main)
