"""The page at / in a real chromium."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.local_server import uvicorn_process
from tests.browser.conftest import REPO_ROOT
from tests.browser.devices import device_page
from tests.browser.explorer import open_explorer, show_chart, wait_for_frame
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


def test_a_second_visit_takes_every_file_from_the_browsers_cache(
    browser: Browser, page_log: PageLog, tmp_path: Path
) -> None:
    """The page's files are versioned and immutable (app/static_assets.py): loaded again, even
    from a server whose files were all written a moment ago (a new install, a new image), none
    of them is asked of the server again."""
    static = tmp_path / "static"
    shutil.copytree(REPO_ROOT / "static", static)
    with (
        uvicorn_process(env={"LSTM_EXPLORER_STATIC_DIR": str(static)}) as server,
        device_page(browser, server, page_log, (1280, 800)) as page,
    ):
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        from_network: list[str] = []
        from_cache: set[str] = set()
        cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
        cdp.on(
            "Network.responseReceived",
            lambda e: (
                from_network.append(e["response"]["url"])
                if not e["response"].get("fromDiskCache") and e["requestId"] not in from_cache
                else None
            ),
        )
        open_explorer(page, server, "t=3")
        show_chart(page, "#chart-heat")  # Plotly too: its address is versioned (below)
        page.goto(f"{server}/api/v1/health")
        from_network.clear()
        open_explorer(page, server, "t=4")
        cdp.detach()
    static_asked = [url for url in from_network if "/static/" in url]
    assert static_asked == [], f"asked the server again for {static_asked}"
    assert f"{server}/" in from_network  # the page itself is always asked for
    unversioned = [u for u in requested if "/static/" in u and "/static/v/" not in u]
    assert unversioned == []
