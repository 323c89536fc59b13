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
# context's HTTP cache, already compiled (V8's code cache), instead of fetching and compiling
# them again for every test. What a test could leave behind there is wiped when its page
# closes: every page of the context, cookies, permissions granted later, and the server's
# origin's storage (the theme the page keeps in localStorage).
_contexts: dict[tuple[int, str, str], BrowserContext] = {}
# Each context also keeps one idle tab on the server's origin (a JSON page: no script) for its
# whole life: with --process-per-site (the `browser` fixture) every test's fresh page then
# joins that tab's renderer process instead of starting one, and finds the app's scripts
# already compiled there (V8 compiles a script once per process). A new process per page cost
# ~1.6 CPU-s per test (0.7 s with the process kept), ~2.5 s (1.3 s) when Plotly was loaded.
ANCHOR_PATH = "/api/v1/health"
_anchors: dict[BrowserContext, Page] = {}
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
    _anchor(context, live_server)
    return context


def _anchor(context: BrowserContext, live_server: str) -> Page:
    """The context's idle tab that keeps its renderer process alive between tests."""
    anchor = _anchors.get(context)
    if anchor is None or anchor.is_closed():
        anchor = context.new_page()
        anchor.goto(live_server + ANCHOR_PATH)
        _anchors[context] = anchor
    return anchor


def _wipe(context: BrowserContext, live_server: str) -> None:
    """Close the test's pages and forget what they stored (the HTTP cache stays)."""
    anchor = _anchor(context, live_server)
    cdp = context.new_cdp_session(anchor)
    cdp.send(
        "Storage.clearDataForOrigin",
        {
            "origin": live_server,
            "storageTypes": "cookies,local_storage,indexeddb,websql,service_workers,"
            "cache_storage,file_systems",
        },
    )
    cdp.detach()
    for page in context.pages:
        if page is not anchor:
            page.close()
    context.clear_cookies()


@contextmanager
def pooled_page(browser: Browser, live_server: str, log: PageLog, **options: Any) -> Iterator[Page]:
    """A fresh page in the shared context of `options` (new_context's); requests to any host
    but the test server are recorded in `log.foreign_requests` (and fail, see HOST_RULES)."""
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

    page = context.new_page()
    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: log.console_errors.append(f"uncaught: {error}"))
    try:
        yield page
    finally:
        try:
            _wipe(context, live_server)
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
