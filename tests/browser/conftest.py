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
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright

from devtools.local_server import CHROMIUM_ARGS, uvicorn_process
from tests.browser.page_log import PageLog

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "screenshots"
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
    """One headless chromium for the whole session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
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
    """A 1280x800 page at a fresh context; requests to any host but the test server are
    blocked and fail the test."""
    server_host = urlsplit(live_server).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 800})

    def guard(route: Route, request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.netloc != server_host:
            page_log.foreign_requests.append(request.url)
            route.abort()
        else:
            route.continue_()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            page_log.console_errors.append(f"{message.text} ({message.location.get('url')})")

    context.route("**/*", guard)
    new_page = context.new_page()
    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: page_log.console_errors.append(f"uncaught: {error}"))
    new_page.on("request", lambda request: page_log.requests.append(request.url))
    try:
        yield new_page
    finally:
        context.close()
    if page_log.foreign_requests:
        pytest.fail(f"page requested other hosts: {page_log.foreign_requests}")


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """save(page, name) writes screenshots/<name>.png at the repo root and returns its path.

    Written whole under a temporary name, then renamed: a reader never sees half a file,
    however many pytest-xdist workers are saving at once."""

    def save(target: Page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        partial = path.with_name(f".{name}.{os.getpid()}.png")
        partial.write_bytes(target.screenshot(full_page=True))
        partial.replace(path)
        return path

    return save
