"""One layout for every page: the lesson and the live figure first, the explanation below.

A page is written top to bottom as::

    notices = layout.page("Generative adversarial networks", "G makes points, D judges them: a game.")
    with layout.settings():          # the sidebar's long forms (folded away in presenter mode)
        ...controls...
    live.control_bar(job, NAME)
    live.live_view(job, NAME, draw)  # draw() calls layout.chart(fig, key, main=True) for the big figure
    with layout.explanation():       # prose and the lecture's equations, below the live view
        st.latex(...)

**Presenter mode** (the sidebar switch, or ``present=1`` in a link) is for a 1280x720 projector:
less padding, a one-line title, larger text, thicker lines and larger fonts in every chart, the main
figure sized to fit under the controls, the sidebar's long forms folded into one "Settings" panel,
and the explanation folded into a panel below. Every chart keeps Plotly's own camera button (PNG at
twice the resolution) in both modes: figures can be taken into slides.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import plotly.graph_objects as go
import streamlit as st

from dashboard import controls as ui
from dashboard import fastfig


PRESENT = "present"
MAIN_HEIGHT = 400  # the main live figure in presenter mode: fits under title, controls and status at 720 px
NORMAL_MAIN_HEIGHT = 360  # in normal mode: fits under the title, a two-line lesson, the controls, the
# status and one more row (tabs, a heading, step buttons) at 720 px
FONT_STEP = 4  # presenter mode: chart fonts this much larger
TICK_STEP = 2  # presenter mode: axis tick labels this much smaller than the chart's font
THEME_SMALL_PX = 12  # Streamlit's chart theme: its tick labels' and axis titles' size where a figure sets none
LINE_SCALE = 1.6  # presenter mode: chart lines this much thicker
PLOTLY_HEIGHT, PLOTLY_TOP, PLOTLY_BOTTOM = 450, 100, 80  # plotly's figure height and margins where a figure sets none

_CSS = """
<style>
[data-testid="stMainBlockContainer"] {padding-top: 3.2rem; padding-bottom: 2rem;}
/* the title on one line at 1280 px beside the sidebar, and close to the lesson: the figure on the first screen */
[data-testid="stMainBlockContainer"] h1 {font-size: 2.2rem; padding-top: 0.25rem; padding-bottom: 0.5rem;}
/* a formula wider than its column breaks after a relation or an operator at the top level, as KaTeX does
   inline, instead of being cut at the right edge (KaTeX's display mode never breaks a line by itself) */
.katex-display > .katex > .katex-html {white-space: normal;}
.katex-display > .katex > .katex-html > .base {margin: 0.2em 0;}
/* a metric in a narrow column: its value shrinks to the column (up to Streamlit's 2.25rem) instead of ending
   in "…", and its label wraps onto a second line */
[data-testid="stMainBlockContainer"] [data-testid="stMetric"] {container-type: inline-size;}
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] {font-size: min(2.25rem, 19cqw);}
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] * {white-space: normal; overflow: visible;
  text-overflow: clip;}
/* a live chart stays visible while it is replaced: each new figure is a new chart element (Streamlit's id follows
   the figure), which Streamlit hides until it has measured its container; plotly has already drawn it at the
   container's width by then, and a busy browser took so long to measure that a live figure was hidden most of
   the time */
[data-testid="stPlotlyChart"] > .js-plotly-plot {visibility: visible !important;}
%s
</style>
"""
_PRESENT_CSS = """
[data-testid="stMainBlockContainer"] {padding-top: 4rem;}  /* under the top navigation bar */
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p {font-size: 1.15rem;}
[data-testid="stMainBlockContainer"] h3 {padding-top: 0; padding-bottom: 0.1rem;}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {gap: 0.6rem;}
/* metric labels: smaller than the enlarged prose, and wrapped rather than cut off in narrow columns */
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] {min-height: 2.4rem; align-items: flex-start;}
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p {font-size: 0.85rem; line-height: 1.2;}
/* a metric's value is Markdown too: it keeps its own large size, not the enlarged prose's (which shrank it) */
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p {font-size: inherit;}
"""
_TRUE = ("1", "true", "yes", "on")
_SEEN = "_genlab_present_seen"  # the URL value the switch last wrote
_PRESET_SHOWN = "_genlab_preset_shown"  # the preset just applied, whose lesson the page shows once
_PRESET_SLOT = "_genlab_preset_slot"  # presenter mode: where the sidebar's buttons leave room for that lesson


def presenting() -> bool:
    """Presenter mode: the switch's value, or the link's ``present=`` before the switch has been drawn."""
    if PRESENT in st.session_state:
        return bool(st.session_state[PRESENT])
    return _url_says()


def _url_says() -> bool | None:
    raw = st.query_params.get(PRESENT)
    return None if raw is None else str(raw).lower() in _TRUE


def presenter_switch() -> bool:
    """The sidebar switch (drawn once, by the app's entry, on every page), kept in the URL as ``present=1``.

    Not a URL-bound widget: those accept only ``true``, and a lecturer types ``present=1``.
    """
    said = _url_says()
    if said is not None and st.session_state.get(_SEEN) != st.query_params.get(PRESENT):
        st.session_state[PRESENT] = said  # a link decides (once per value it carries)
    on = st.toggle("Presenter mode", key=PRESENT,
                   help="For a projector: the live figure on the first screen, larger text and lines. "
                        "Add present=1 to a link to open a page this way.")
    if on and st.query_params.get(PRESENT) != "1":
        st.query_params[PRESENT] = "1"  # also after moving to another page: a copied link opens the same way
    elif not on and PRESENT in st.query_params:
        del st.query_params[PRESENT]
    st.session_state[_SEEN] = st.query_params.get(PRESENT)
    return on


def page(title: str, lesson: str) -> st.delta_generator.DeltaGenerator:
    """The page's title and its lesson in one sentence; returns a placeholder for notices."""
    present = presenting()
    st.html(_CSS % (_PRESENT_CSS if present else ""))
    if present:
        st.markdown(f"### {title}")
    else:
        st.title(title)
    st.markdown(lesson)
    return st.empty()


def settings() -> st.delta_generator.DeltaGenerator:
    """Where a page puts its long sidebar forms: the sidebar, or one folded panel in presenter mode."""
    if presenting():
        return st.sidebar.expander("Settings", expanded=False, icon=":material/tune:")
    return st.sidebar


@contextlib.contextmanager
def explanation(label: str = "How it works") -> Iterator[None]:
    """The longer explanation and the equations, below the live view (folded in presenter mode)."""
    if presenting():
        with st.expander(label, expanded=False, icon=":material/menu_book:"):
            yield
    else:
        st.divider()
        st.subheader(label)
        yield


@dataclass(frozen=True)
class Preset:
    """A "Try this" idea as one click: the controls it sets (widget key -> value) and its lesson."""

    name: str
    lesson: str
    values: dict[str, Any]


def preset_query(preset: Preset) -> dict[str, str | list[str]]:
    """The URL parameters that open the page with this preset's controls (as the widgets write them)."""
    return {key: ui.url_value(key, value) for key, value in preset.values.items()}


def preset_link(page_path: str, preset: Preset) -> str:
    return f"{page_path}?{urllib.parse.urlencode(preset_query(preset), doseq=True)}"


def _apply(preset: Preset) -> None:
    for key, value in preset.values.items():
        st.session_state[key] = value  # before the widgets are drawn: they take these values, and the URL
    st.session_state[_PRESET_SHOWN] = preset


def presets(items: Sequence[Preset]) -> None:
    """One button per preset (in the sidebar's essentials); ``preset_note`` then shows its lesson."""
    st.caption("Try this: one click sets the controls")
    if presenting():  # the lesson goes here, under the buttons' caption: above the live figure it would push
        st.session_state[_PRESET_SLOT] = st.empty()  # the figure below the first screen
    for i, item in enumerate(items):
        st.button(item.name, key=f"preset_{i}", on_click=_apply, args=(item,), width="stretch", help=item.lesson)


def preset_note(page_path: str) -> None:
    """Under the controls (in presenter mode: in the sidebar, above the preset buttons): the lesson of the
    preset just chosen, and the link that opens it."""
    chosen = st.session_state.pop(_PRESET_SHOWN, None)
    slot = st.session_state.pop(_PRESET_SLOT, None)
    if chosen is not None:
        (slot or st).info(f"**{chosen.name}**: {chosen.lesson} [Link to this preset]"
                          f"({preset_link(page_path, chosen)})", icon=":material/lightbulb:")


def preset_list(items: Sequence[Preset], page_path: str) -> None:
    """The presets in the explanation under a "Try this" heading, each a link a lecturer can copy."""
    st.markdown("**Try this** (each a link that opens the page with its settings; or the buttons in the sidebar)")
    st.markdown("\n".join(f"- [{p.name}]({preset_link(page_path, p)}): {p.lesson}" for p in items))


def chart_config(name: str) -> dict:
    """Plotly's mode bar, with its camera button (a PNG at twice the size) for slides."""
    return {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"genlab-{name}"}}


def projected(fig: go.Figure, main: bool = False) -> go.Figure:
    """The figure as presenter mode draws it: larger fonts, thicker lines; the main one fits the screen."""
    size = (fig.layout.font.size or 16) + FONT_STEP
    fig.update_layout(font_size=size)
    if main and (fig.layout.height or PLOTLY_HEIGHT) > MAIN_HEIGHT:
        fig.layout.height = MAIN_HEIGHT  # as chart() does in normal mode: update_layout costs 6x as much
    _readable_ticks_and_legend(fig, size - TICK_STEP)  # after the height: a legend's move is a share of it
    for trace in fig.data:
        line = getattr(trace, "line", None)
        if line is not None and getattr(line, "width", None) is not None:
            trace.line.width = line.width * LINE_SCALE
        elif line is not None and trace.type == "scatter" and "lines" in (trace.mode or ""):
            trace.line.width = 2 * LINE_SCALE
    return fig


def _readable_ticks_and_legend(fig: go.Figure, small: int) -> None:
    """Axis tick labels and titles at ``small`` px at least: Streamlit's chart theme draws them at its own
    THEME_SMALL_PX unless a figure sets a size. A legend under the plot moves down by what the larger
    labels and titles take, so they do not run into it. Legends keep their size: their entries' widths and rows are
    laid out for it (dashboard/legends.py), and a larger font made them overlap each other and the titles."""
    xaxes = list(fig.select_xaxes())
    for axis in (*xaxes, *[y for y in fig.select_yaxes() if not _inner(fig, y)]):
        if (axis.tickfont.size or 0) < small:
            axis.tickfont.size = small
        if axis.title.text and (axis.title.font.size or 0) < small:  # "step", "loss": the theme's size too
            axis.title.font.size = small
    rows = 2 if any(x.title.text for x in xaxes) else 1  # tick labels, and the axis title under them
    grow_px = 1.5 * rows * max(0, small - THEME_SMALL_PX)
    legend, margin = fig.layout.legend, fig.layout.margin
    bottom = PLOTLY_BOTTOM if margin.b is None else margin.b
    if legend.y is None or legend.y > 0.5:  # beside or above the plot
        return
    if legend.yref == "container":  # at the figure's bottom edge (legend_below): the margin above it grows
        margin.b = bottom + grow_px
    elif legend.y < 0:  # a share of the plot's height below it
        plot_px = (fig.layout.height or PLOTLY_HEIGHT) - (PLOTLY_TOP if margin.t is None else margin.t) - bottom
        legend.y = legend.y - grow_px / max(plot_px, 100)


def _inner(fig: go.Figure, yaxis: Any) -> bool:
    """Whether ``yaxis`` belongs to a panel right of another (side by side): its tick labels sit in the gap
    between the two panels, where larger ones ran into the left panel."""
    anchor = yaxis.anchor if yaxis.anchor not in (None, "free") else "x"
    xaxis = fig.layout[anchor.replace("x", "xaxis", 1)]
    return bool(xaxis.domain) and xaxis.domain[0] > 0.01 and (yaxis.side or "left") == "left"


def chart(fig: go.Figure, key: str, *, main: bool = False, **kw) -> None:
    """``st.plotly_chart`` with GenLab's export button; in presenter mode larger. The main live figure
    (``main``) is on the first screen of a 1280x720 projector in both modes."""
    if presenting():
        fig = projected(fig, main)
    elif main and (fig.layout.height or PLOTLY_HEIGHT) > NORMAL_MAIN_HEIGHT:
        fig.layout.height = NORMAL_MAIN_HEIGHT  # update_layout's batch machinery costs 6x as much
    fastfig.check(fig)  # the tests: plotly's checks, skipped by the live builders (dashboard/fastfig.py)
    st.plotly_chart(fig, key=key, config=chart_config(key), **kw)
