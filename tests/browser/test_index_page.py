"""The page at / in a real chromium."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import show_chart, wait_for_frame
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser


def test_index_page_loads_without_console_errors(
    page: Page, page_log: PageLog, live_server: str, screenshot: Callable[[Page, str], Path]
) -> None:
    response = page.goto(f"{live_server}/")
    assert response is not None and response.ok
    wait_for_frame(page)  # the model is open and its step drawn
    assert page.title() == "LSTM Explorer"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main#app")).to_be_attached()
    # The vendored libraries really ran: the page needs no CDN. Plotly (4.8 MB of script) waits
    # until a chart comes on screen, so the diagrams come first.
    assert page.evaluate("typeof katex === 'object' && typeof Plotly === 'undefined'")
    show_chart(page, "#chart-heat")
    assert page.evaluate("typeof Plotly === 'object'")
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "index")
    assert page_log.console_errors == []


def test_page_fixture_blocks_and_records_foreign_requests(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    page.goto(f"{live_server}/")
    # The app's Content-Security-Policy stops a foreign fetch before the route guard sees it,
    # so the guard is tested from about:blank, which has no policy. .invalid never resolves,
    # and the browser resolves no host name anyway (devices.HOST_RULES).
    page.goto("about:blank")
    # evaluate() awaits the fetch, which fails once the guard has recorded and aborted it.
    page.evaluate("fetch('http://foreign.invalid/x.json').catch(() => null)")
    assert page_log.foreign_requests == ["http://foreign.invalid/x.json"]
    assert f"{live_server}/" in page_log.requests
    page_log.foreign_requests.clear()  # expected here; otherwise the fixture fails the test
