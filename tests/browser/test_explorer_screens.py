"""Screenshots of every view of the explorer page at 1280×800 and 1920×1080, saved under
screenshots/ (git-ignored) for a person to look at; the test itself checks the layout holds:
nothing wider than the window, no chart left empty, no console error."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.explorer import (
    open_explorer,
    show_charts,
    train_from_the_controls,
    wait_for_frame,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}
VIEWS = {
    "default": "",
    "forward": "t=12",
    "backward": "t=30&mode=backward",
    "odyssey-fgr": "variant=FGR&diagram=odyssey&t=8",
    "cifg-backward": "variant=CIFG&t=20&mode=backward&unit=1",
    "rnn": "cell=rnn&t=10",
    "compare": "compare=true&t=40&mode=backward",
    "large": "hidden_size=32&length=300&t=250",
    "help": "t=3",
}

LAYOUT_JS = """() => ({
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  emptyPlots: [...document.querySelectorAll('.chart-card')]
    .filter((c) => c.offsetParent && !c.querySelector('.main-svg')).map((c) => c.id),
})"""
# Every visible chart has drawn (Plotly adds its .main-svg when it has).
CHARTS_DRAWN_JS = f"() => ({LAYOUT_JS})().emptyPlots.length === 0"
# The width each visible chart's drawing has now.
PLOT_WIDTHS_JS = """() => [...document.querySelectorAll('.chart-card')].filter((c) => c.offsetParent)
  .map((c) => c.querySelector('.main-svg').getBoundingClientRect().width)"""


def check_and_save(
    page: Page, page_log: PageLog, screenshot: Callable[[Page, str], Path], name: str
) -> None:
    """Every visible chart drawn, nothing wider than the window, no console error; saved from
    the top (a whole-page capture draws the sticky status bar where the window is scrolled)."""
    page.wait_for_function(CHARTS_DRAWN_JS)
    page.evaluate("() => window.scrollTo(0, 0)")
    layout = page.evaluate(LAYOUT_JS)
    assert layout["overflow"] <= 0, f"page wider than the window by {layout['overflow']} px"
    assert layout["emptyPlots"] == []
    path = screenshot(page, name)
    assert path.stat().st_size > 20_000
    assert page_log.console_errors == []


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("view", list(VIEWS))
def test_screenshot_view(
    page: Page,
    page_log: PageLog,
    live_server: str,
    screenshot: Callable[[Page, str], Path],
    view: str,
    size: str,
) -> None:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    open_explorer(page, live_server, VIEWS[view])
    show_charts(page)  # a reader scrolls down to them: each chart draws as it comes on screen
    if view == "help":
        page.keyboard.press("?")
        page.locator(".help-popover").wait_for(state="visible")
    check_and_save(page, page_log, screenshot, f"page-{view}-{size}")


def test_screenshot_trained_model_at_each_size(
    page: Page, page_log: PageLog, live_server: str, screenshot: Callable[[Page, str], Path]
) -> None:
    """After 150 updates, at 1280x800, then with the window made 1920x1080: the charts follow
    the new width (one training serves both sizes: it is most of the test's time)."""
    open_explorer(page, live_server, "t=49")
    show_charts(page)
    train_from_the_controls(page, 150, timeout=90_000)
    wait_for_frame(page)
    check_and_save(page, page_log, screenshot, "page-trained-1280x800")
    widths = page.evaluate(PLOT_WIDTHS_JS)
    page.set_viewport_size({"width": 1920, "height": 1080})
    show_charts(page)  # scrolled through again at the new width, then back to the top
    page.wait_for_function(
        f"(before) => ({PLOT_WIDTHS_JS})().every((w, k) => w > before[k])", arg=widths
    )
    check_and_save(page, page_log, screenshot, "page-trained-1920x1080")
