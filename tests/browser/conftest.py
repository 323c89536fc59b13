"""Real-browser plumbing: the app in a uvicorn subprocess, Debian's chromium via Playwright.

Fixtures: `live_server` (base URL), `browser`, `page` (1280x800) with `page_log`
(console errors, every request, requests to foreign hosts), `screenshot`. The server and the
browser are started once per pytest process: under pytest-xdist, once per worker.
"""

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from devtools.local_server import CHROMIUM_ARGS, uvicorn_process
from tests.browser.page_log import PageLog
from tests.browser.page_pool import HOST_RULES, pooled_page

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "screenshots"
# While a screenshot is taken: draw the parts of the page the browser skips while off screen.
DRAW_EVERYTHING = "* { content-visibility: visible !important; }"
CHROMIUM_MISSING = "chromium not found: apt-get install chromium (Debian) to run browser tests"


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Base URL (http://127.0.0.1:PORT) of the app running in a uvicorn subprocess; if it does
    not start, the session fails with the server's log."""
    with tempfile.TemporaryFile() as output:
        started = False
        try:
            with uvicorn_process(output=output) as base_url:
                started = True
                yield base_url
        except RuntimeError as error:
            if started:
                raise
            output.seek(0)
            log = output.read().decode(errors="replace")
            pytest.fail(f"app did not start: {error}\n{log}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; skipped when missing, except under CI=true where that is a failure."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(CHROMIUM_MISSING)
        pytest.skip(CHROMIUM_MISSING)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless chromium for the whole session, resolving no host name (HOST_RULES).

    --process-per-site: the pages of one context share a renderer process (kept alive by the
    context's idle page, page_pool.IDLE_PATH), each test still getting a fresh document.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=[*CHROMIUM_ARGS, HOST_RULES, "--process-per-site"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_log() -> PageLog:
    """Filled in by the `page` fixture while the test runs."""
    return PageLog()


@pytest.fixture
def page(browser: Browser, live_server: str, page_log: PageLog) -> Iterator[Page]:
    """A 1280x800 page (in a context shared by the process's 1280x800 pages, its HTTP cache
    warm, its storage wiped after every test: page_pool.pooled_page); requests to any host but
    the test server fail and fail the test."""
    with pooled_page(
        browser, live_server, page_log, viewport={"width": 1280, "height": 800}
    ) as new_page:
        new_page.on("request", lambda request: page_log.requests.append(request.url))
        yield new_page


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """save(page, name) writes screenshots/<name>.png at the repo root and returns its path.

    Written whole under a temporary name, then renamed: a reader never sees half a file,
    however many pytest-xdist workers are saving at once."""

    def save(target: Page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        partial = path.with_name(f".{name}.{os.getpid()}.png")
        partial.write_bytes(whole_page_png(target))
        partial.replace(path)
        return path

    return save


def whole_page_png(target: Page) -> bytes:
    """The whole page, with what the browser skips off screen (content-visibility: auto) drawn
    too: a capture beyond the viewport would show those parts blank."""
    return target.screenshot(full_page=True, style=DRAW_EVERYTHING)
