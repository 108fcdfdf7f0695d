"""A 1280x720 projector: in presenter mode every page's live figure on the first screen, changing as it trains;
in normal mode the main live figure of the pages that had it below the fold."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.chromium import new_tab
from tests.browser.conftest import ROOT
from tests.browser.test_app import BUILT, assert_no_exception, play

pytestmark = pytest.mark.timeout(300)

VIEW_W, VIEW_H = 1280, 720
STATUS = r"\w+ · step [\d,]+[^\n]*"  # a job's status line, for a failure's message


def wait_until_drawn(page, timeout_ms: int = 60_000) -> None:
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h3', timeout=timeout_ms)
    page.wait_for_function(
        "() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]');"
        " return !w || !/Running|Stop/.test(w.innerText); }", timeout=timeout_ms)
    page.wait_for_timeout(800)


def charts_on_screen(page) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, width, height) of the plotly charts that lie fully inside the viewport (not slivers)."""
    boxes = page.evaluate(
        """([w, h]) => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
               const r = el.getBoundingClientRect();
               return [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height),
                       r.top >= 0 && r.left >= 0 && r.bottom <= h && r.right <= w && r.width > 250
                       && r.height > 200]; })""",
        [VIEW_W, VIEW_H])
    return [tuple(b[:4]) for b in boxes if b[4]]


def chart_picture(page, box: tuple[int, int, int, int]) -> bytes:
    """What the screen shows in the chart's box (charts are redrawn as new elements: the box stays)."""
    x, y, w, h = box
    return page.screenshot(clip={"x": x, "y": y, "width": w, "height": h})


@pytest.mark.parametrize("topic", BUILT, ids=[t.url_path for t in BUILT])
def test_presenter_mode_shows_a_live_figure_on_the_first_screen(server, browser, topic):
    page = new_tab(browser)
    try:
        page.goto(f"{server}/{topic.url_path}?present=1")
        wait_until_drawn(page)
        assert_no_exception(page, topic.url_path)
        assert page.locator('[data-testid="stMainBlockContainer"] h1').count() == 0  # the compact heading
        before = {box: chart_picture(page, box) for box in charts_on_screen(page)}  # the untrained picture
        play(page)
        page.wait_for_function(  # the job's own status line, on screen
            r"() => /(running|finished)[^\n]*step [\d,]+/.test(document.body.innerText)", timeout=60_000)
        changed, on_screen = [], []
        deadline = time.monotonic() + 60  # in CI's slowest runs the text and score pages took over 20 s
        while time.monotonic() < deadline:  # (fast demos finish within a second)
            page.wait_for_timeout(1000)
            on_screen = charts_on_screen(page)
            changed = [b for b in on_screen if b not in before or chart_picture(page, b) != before[b]]
            if changed:
                break
        assert on_screen, f"{topic.url_path}: no chart lies fully inside {VIEW_W}x{VIEW_H}"
        assert changed, (f"{topic.url_path}: no on-screen chart changed while training; the page says "
                         f"{re.findall(STATUS, page.inner_text('body'))}")
        assert_no_exception(page, f"{topic.url_path} after Play")
    except BaseException:
        shots = ROOT / ".pytest_cache"
        if shots.is_dir():  # what the projector would have shown, for the failure's reader
            page.screenshot(path=str(shots / f"presenter-{topic.url_path}.png"))
        raise
    finally:
        page.context.close()


# The pages whose main live figure (layout.chart(..., main=True)) lay below 720 px in normal mode (issue 12), by
# the keys of their main charts (the first one drawn counts: tabs and demos show one at a time).
NORMAL_MAIN = {"data_vs_rules": ["plane"], "optimisation": ["lin_land"], "classification": ["boundary"],
               "capacity": ["cap_u"], "gaussians": ["fit_2d", "fit_curve"], "energy": ["density"], "gan": ["game"],
               "gan_vs_vae": ["gan_samples", "gan_grid"], "score": ["field"], "arena": ["arena_samples"],
               "text": ["bars"], "beyond": ["o_plane"]}


def main_chart_box(page, keys: list[str]) -> list[int] | None:
    """(top, bottom) of the first drawn chart under one of these keys, in the viewport's coordinates."""
    return page.evaluate(
        """(keys) => { const el = Array.from(document.querySelectorAll('.js-plotly-plot')).find(el =>
               el.getBoundingClientRect().height > 0 && keys.some(k => el.closest('.st-key-' + k)));
               if (!el) return null; const r = el.getBoundingClientRect();
               return [Math.round(r.top), Math.round(r.bottom)]; }""", keys)


def drawn_main_chart_box(page, keys: list[str], timeout_ms: int = 10_000) -> list[int] | None:
    """:func:`main_chart_box` once the chart is drawn. Streamlit 1.67 gives a passive chart an id made from
    its figure, so every redraw mounts a new chart (``newPlot``) beside the old one and then drops the old:
    for a moment (up to 0.4 s measured, with the niced browser) neither has a size. Wait out that moment."""
    for _ in range(timeout_ms // 50):
        box = main_chart_box(page, keys)
        if box is not None:
            return box
        page.wait_for_timeout(50)
    return None


@pytest.mark.parametrize("path", list(NORMAL_MAIN))
def test_normal_mode_shows_the_main_figure_on_the_first_screen(server, browser, path):
    page = new_tab(browser)
    try:
        page.goto(f"{server}/{path}")
        page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=60_000)  # normal mode's title
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        page.wait_for_timeout(800)
        play(page)
        page.wait_for_function(
            r"() => /(running|finished)[^\n]*step [\d,]+/.test(document.body.innerText)", timeout=60_000)
        for wait_ms in (3000, 5000):  # while it trains, and after a short run has finished (its notice shown)
            page.wait_for_timeout(wait_ms)
            box = drawn_main_chart_box(page, NORMAL_MAIN[path])
            assert box is not None, f"{path}: no main chart drawn"
            assert box[0] >= 0 and box[1] <= VIEW_H, f"{path}: the main chart spans {box}, not inside 0..{VIEW_H}"
        assert_no_exception(page, f"{path} after Play")
    except BaseException:
        shots = ROOT / ".pytest_cache"
        if shots.is_dir():
            page.screenshot(path=str(shots / f"normal-{path}.png"))
        raise
    finally:
        page.context.close()


@contextlib.contextmanager
def drawn(browser, url: str, selector: str):
    """A new tab on ``url``, the page drawn and ``selector`` on it; closed afterwards."""
    page = new_tab(browser)
    try:
        page.goto(url)
        wait_until_drawn(page)
        page.wait_for_selector(selector)
        yield page
    finally:
        page.context.close()


def settled(page, script: str, tries: int = 20, pause_ms: int = 500):
    """``script``'s reading once two in a row, ``pause_ms`` apart, agree (the last one after ``tries``)."""
    last = page.evaluate(script)
    for _ in range(tries):
        page.wait_for_timeout(pause_ms)
        now = page.evaluate(script)
        if now == last:
            return now
        last = now
    return last


def test_presenter_mode_draws_a_metric_s_value_larger_than_its_label_and_the_prose(server, browser):
    """The enlarged prose of presenter mode (Markdown paragraphs) once caught the metrics' values too, which are
    Markdown inside: "66.7%" came out smaller than its own label's line."""
    with drawn(browser, f"{server}/data_vs_rules?present=1", '[data-testid="stMetricValue"] p') as page:
        sizes = page.evaluate(
            """() => { const px = el => parseFloat(getComputedStyle(el).fontSize);
                       const prose = document.querySelector('[data-testid="stMainBlockContainer"] '
                                                            + '[data-testid="stMarkdownContainer"] p');
                       return [px(prose), Array.from(document.querySelectorAll('[data-testid="stMetric"]')).map(m =>
                         [px(m.querySelector('[data-testid="stMetricValue"] p')),
                          px(m.querySelector('[data-testid="stMetricLabel"] p'))])]; }""")
    prose, metrics = sizes
    assert metrics, "data_vs_rules shows no metric"
    for value, label in metrics:
        assert value > 1.5 * prose and value > 1.5 * label, (value, label, prose)


@pytest.mark.parametrize("path", ["diffusion", "gan", "autoencoders", "text"])
def test_every_formula_fits_its_column_at_1280_px(server, browser, path):
    """A display formula wider than the column breaks after a relation or an operator (dashboard/layout.py's
    CSS); KaTeX alone never breaks one, and the right end of the DDPM step, of the GAN's preset and of others
    was cut off at 1280 px."""
    with drawn(browser, f"{server}/{path}", ".katex-display") as page:
        # The page's CSS (dashboard/layout.py) is a style-only st.html, which Streamlit renders in its event
        # container apart from the page: a loaded CI browser once measured the auto-encoder page's formulas
        # before that style applied (10-185 px over, just what they measure without it). Measure once it applies.
        try:
            page.wait_for_function(
                """() => Array.from(document.querySelectorAll('.katex-display > .katex > .katex-html'))
                       .every(k => getComputedStyle(k).whiteSpace === 'normal')""", timeout=20_000)
        except PlaywrightTimeout:
            pass  # measured all the same: the assertion names the formulas that stay cut off
        cut = settled(page, """() => Array.from(document.querySelectorAll('.katex-display')).filter(d => d.offsetParent)
                 .map(d => {
                   const edge = d.getBoundingClientRect().right;
                   const over = Array.from(d.querySelectorAll('.katex-html > .base'))
                       .map(b => b.getBoundingClientRect().right - edge).filter(x => x > 1);
                   const tex = d.querySelector('annotation');  // the formula's TeX source
                   return [(tex ? tex.textContent : d.innerText).slice(0, 60),
                           over.length ? Math.round(Math.max(...over)) : 0]; })
                 .filter(([, px]) => px > 0)""")
    assert not cut, f"{path}: formulas running past their column's edge (px): {cut}"


@pytest.mark.parametrize("topic", BUILT, ids=[t.url_path for t in BUILT])
def test_every_chart_title_fits_its_chart_at_1280_px(server, browser, topic):
    """Plotly never wraps a title: a long one ran past its chart's right edge and was cut off ("Difference, same
    scale (mean |Δ| / mean |exact| = 0.1", "Annealed Langevin: 10 levels × 30 st") in the score page's columns."""
    with drawn(browser, f"{server}/{topic.url_path}", ".js-plotly-plot") as page:
        cut = settled(page, """() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(p => p.offsetParent)
                 .flatMap(p => { const box = p.getBoundingClientRect();
                   return Array.from(p.querySelectorAll('.gtitle')).map(t => { const r = t.getBoundingClientRect();
                     return [t.textContent.slice(0, 70), Math.round(Math.max(box.left - r.left, r.right - box.right))];
                   }); })
                 .filter(([, px]) => px > 1)""")
    assert not cut, f"{topic.url_path}: chart titles running past their chart's edge (px): {cut}"


def test_no_metric_is_cut_off_in_a_narrow_column(server, browser):
    """Normal mode at 1280 px: a metric's label wraps and its value shrinks to its column; both ended in "…"
    ("Rule accuracy (150 flow…", "100.…")."""
    with drawn(browser, f"{server}/data_vs_rules", '[data-testid="stMetricValue"] p') as page:
        cut = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                   '[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"],'
                   + ' [data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"]'))
                 .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.innerText)""")
    assert not cut, f"metrics cut off: {cut}"


def test_presenter_mode_keeps_the_main_figure_on_the_first_screen_after_a_slider_resets_the_model(server, browser):
    """A slider that resets the model (the GAN page's spread) makes the page say so and, as the trained
    model no longer fits, why it starts from random weights: a notice box in the control bar's row and a
    line above it pushed the main figure 140 px down, its lower half below 720 px."""
    page = new_tab(browser)
    try:
        page.goto(f"{server}/gan?present=1")
        wait_until_drawn(page)
        play(page)
        page.wait_for_function(r"() => /running[^\n]*step [1-9]/.test(document.body.innerText)", timeout=60_000)
        thumb = page.get_by_role("slider").first
        thumb.focus()
        for _ in range(3):
            thumb.press("ArrowLeft")
        page.wait_for_function("() => /starts again from step 0/.test(document.body.innerText)", timeout=30_000)
        page.wait_for_function(r"() => /running[^\n]*step [1-9]/.test(document.body.innerText)", timeout=60_000)
        page.wait_for_timeout(1500)
        box = drawn_main_chart_box(page, NORMAL_MAIN["gan"])
        assert box is not None, "gan: no main chart drawn after the reset"
        assert box[0] >= 0 and box[1] <= VIEW_H, f"gan: the main chart spans {box}, not inside 0..{VIEW_H}"
        assert_no_exception(page, "gan after a reset")
    except BaseException:
        shots = ROOT / ".pytest_cache"
        if shots.is_dir():
            page.screenshot(path=str(shots / "presenter-gan-reset.png"))
        raise
    finally:
        page.context.close()
