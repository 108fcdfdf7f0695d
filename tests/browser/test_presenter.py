"""Presenter mode on a 1280x720 projector: every page's live figure on the first screen, changing as it trains."""

from __future__ import annotations

import pytest

from tests.browser.chromium import new_tab
from tests.browser.conftest import ROOT
from tests.browser.test_app import BUILT, assert_no_exception, play

pytestmark = pytest.mark.timeout(300)

VIEW_W, VIEW_H = 1280, 720


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
        for _ in range(20):  # up to ~20 s on a busy machine (fast demos finish within a second)
            page.wait_for_timeout(1000)
            on_screen = charts_on_screen(page)
            changed = [b for b in on_screen if b not in before or chart_picture(page, b) != before[b]]
            if changed:
                break
        assert on_screen, f"{topic.url_path}: no chart lies fully inside {VIEW_W}x{VIEW_H}"
        assert changed, f"{topic.url_path}: no on-screen chart changed while training"
        assert_no_exception(page, f"{topic.url_path} after Play")
    except BaseException:
        shots = ROOT / ".pytest_cache"
        if shots.is_dir():  # what the projector would have shown, for the failure's reader
            page.screenshot(path=str(shots / f"presenter-{topic.url_path}.png"))
        raise
    finally:
        page.context.close()
