"""Pages on other devices than the default 1280x800 desktop: phones and tablets (touch, mobile
viewport), themes, and the page that axe-core audits. Requests to any host but the test server
are blocked and recorded, as the `page` fixture does."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request
from playwright.sync_api import Error as PlaywrightError

from tests.browser.page_log import PageLog

# Phones and tablets of the issue, portrait and landscape; the two desktops for comparison.
TOUCH_SIZES = {
    "360x640": (360, 640),
    "390x844": (390, 844),
    "768x1024": (768, 1024),
    "1024x768": (1024, 768),
}
DESKTOP_SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}
DRAWER_BELOW = 900  # px: narrower than this the controls are a drawer

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


# One browser context per set of options (viewport, touch, theme, permissions...) for the
# whole pytest process: a page opened in it finds plotly.js, KaTeX and the app's scripts in the
# context's HTTP cache instead of fetching them again for every test. What a test could leave
# behind there is wiped after it: every page it opened, cookies, permissions granted later, and
# the server's origin's storage (the theme the page keeps in localStorage).
_contexts: dict[tuple[int, str, str], BrowserContext] = {}
# Between tests each context keeps one page on an idle address of the server's origin (JSON, no
# script), the test's own page once it is done: with --process-per-site (the `browser`
# fixture) the next test's fresh page joins its renderer process, where the app's scripts are
# already compiled (V8 compiles a script once per process), and the idle page is closed before
# the test starts, so a test has its process to itself. A new process per page cost ~1.6 CPU-s
# per test (0.7 s with the process kept), ~2.5 s (1.3 s) when Plotly was loaded.
IDLE_PATH = "/api/v1/health"
_idle: dict[BrowserContext, Page] = {}
# Foreign hosts are recorded from the page's requests (the `request` event), not intercepted:
# any route turns the browser's cache off. The browser itself resolves no host name
# (HOST_RULES in the `browser` fixture), so such a request fails at once, as an aborted one did.
FOREIGN_SCHEMES = {"http", "https", "ws", "wss"}
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def _shared_context(browser: Browser, live_server: str, options: dict[str, Any]) -> BrowserContext:
    key = (id(browser), live_server, repr(sorted(options.items())))
    context = _contexts.get(key)
    if context is None or context not in browser.contexts:
        context = browser.new_context(**options)
        _contexts[key] = context
    return context


def _fresh_page(context: BrowserContext, live_server: str) -> Page:
    """A new page on the idle address, in the process of the context's idle page (closed)."""
    page = context.new_page()
    page.goto(live_server + IDLE_PATH)
    idle = _idle.pop(context, None)
    if idle is not None and not idle.is_closed():
        idle.close()
    return page


def _release(context: BrowserContext, live_server: str, page: Page) -> None:
    """After a test: its page goes back to the idle address (the app's page unloads) and stays
    as the context's idle page; every other page is closed, and what they stored forgotten."""
    try:
        page.goto(live_server + IDLE_PATH)
        idle = page
    except PlaywrightError:  # closed or crashed by the test: a new process next time
        idle = context.new_page()
        idle.goto(live_server + IDLE_PATH)
    cdp = context.new_cdp_session(idle)
    cdp.send(
        "Storage.clearDataForOrigin",
        {
            "origin": live_server,
            "storageTypes": "cookies,local_storage,indexeddb,websql,service_workers,"
            "cache_storage,file_systems",
        },
    )
    cdp.detach()
    for other in context.pages:
        if other is not idle:
            other.close()
    context.clear_cookies()
    _idle[context] = idle


@contextmanager
def pooled_page(browser: Browser, live_server: str, log: PageLog, **options: Any) -> Iterator[Page]:
    """A fresh page in the shared context of `options` (new_context's), on an idle address of
    the server; requests to any host but the test server are recorded in
    `log.foreign_requests` (and fail, see HOST_RULES)."""
    permissions = options.pop("permissions", None)
    context = _shared_context(browser, live_server, options)
    server_host = urlsplit(live_server).netloc
    if permissions:
        context.grant_permissions(permissions, origin=live_server)

    def on_request(request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in FOREIGN_SCHEMES and url.netloc != server_host:
            log.foreign_requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            log.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_page_error(error: PlaywrightError) -> None:
        log.console_errors.append(f"uncaught: {error}")

    page = _fresh_page(context, live_server)
    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield page
    finally:
        try:
            if not page.is_closed():  # what the page does on its way out is not the test's
                page.remove_listener("console", on_console)
                page.remove_listener("pageerror", on_page_error)
            _release(context, live_server, page)
        finally:
            if permissions:
                context.clear_permissions()


@contextmanager
def device_page(
    browser: Browser, live_server: str, log: PageLog, size: tuple[int, int], **options: Any
) -> Iterator[Page]:
    """A fresh page of `size`; a touch device (mobile viewport, touch events, coarse pointer)
    when `touch` is true (default: below 1100 px). Other options go to new_context (the
    page's context is shared with the other pages of these options, see pooled_page)."""
    width, height = size
    touch = options.pop("touch", width < 1100)
    with pooled_page(
        browser,
        live_server,
        log,
        viewport={"width": width, "height": height},
        has_touch=touch,
        is_mobile=touch,
        **options,
    ) as page:
        yield page
    assert log.foreign_requests == [], f"page requested other hosts: {log.foreign_requests}"


def viewport_shot(page: Page, directory: Path, name: str) -> Path:
    """Save what the window shows now (a full-page capture would drop the touch emulation)."""
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.png"
    partial = path.with_name(f".{name}.{os.getpid()}.png")
    partial.write_bytes(page.screenshot())
    partial.replace(path)
    return path
