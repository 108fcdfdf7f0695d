"""What only a browser shows: the app starts, every page opens cleanly, training makes the charts grow."""

from __future__ import annotations

import pytest

from dashboard.topics import TOPICS

pytestmark = pytest.mark.timeout(300)

EXCEPTION = '[data-testid="stException"]'
BUILT = [t for t in TOPICS if t.built]


def wait_until_rendered(page, timeout_ms: int = 30_000) -> None:
    """Streamlit has drawn the page: the main block exists and the script is not running."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"]', timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(800)


def assert_no_exception(page, where: str) -> None:
    assert page.locator(EXCEPTION).count() == 0, f"{where}: {page.locator(EXCEPTION).first.inner_text()[:500]}"
    assert "Traceback" not in page.inner_text("body"), where


def plot_points(page, title: str) -> int:
    """Number of points in the first trace of the plotly chart whose title contains ``title``."""
    return page.evaluate(
        """(title) => {
            for (const el of document.querySelectorAll('.js-plotly-plot')) {
                const t = el.layout && el.layout.title && (el.layout.title.text || el.layout.title);
                if (t && String(t).includes(title) && el.data && el.data.length) return el.data[0].x.length;
            }
            return -1;
        }""",
        title,
    )


def test_app_starts_with_the_lecture_map(server, page):
    page.goto(server)
    wait_until_rendered(page)
    assert page.get_by_text("GenLab: machine learning and generative models, live").is_visible()
    assert_no_exception(page, "home")
    nav = page.locator('[data-testid="stSidebarNav"] a')
    assert nav.count() == 1 + len(BUILT)


@pytest.mark.parametrize("topic", BUILT, ids=[t.url_path for t in BUILT])
def test_every_page_opens_and_starts_training(server, page, topic):
    page.goto(f"{server}/{topic.url_path}")
    wait_until_rendered(page)
    assert_no_exception(page, topic.url_path)
    play = page.get_by_role("button", name="Play")
    if play.count():
        play.first.click()
        page.wait_for_timeout(3000)
        assert_no_exception(page, f"{topic.url_path} after Play")
        assert page.get_by_text("running").count() + page.get_by_text("finished").count() \
            + page.get_by_text("queued").count() > 0


def test_training_makes_the_loss_chart_grow(server, page):
    page.goto(f"{server}/classification")
    wait_until_rendered(page)
    assert plot_points(page, "Loss") == -1  # nothing trained yet: an empty chart
    page.get_by_role("button", name="Play").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".some(el => el.layout && el.layout.title && String(el.layout.title.text).includes('Loss'))",
                           timeout=20_000)
    first = plot_points(page, "Loss")
    page.wait_for_timeout(2500)
    later = plot_points(page, "Loss")
    assert first > 0 and later > first, (first, later)
    page.screenshot(path=str(__import__("pathlib").Path(__file__).parent / "last-classification.png"))
    assert_no_exception(page, "classification while training")
