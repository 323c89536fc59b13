"""Pages for the browser tests, kept and handed on from test to test: a test gets a tab with a
fresh document and nothing of the previous test's left in it, without the cost of a new tab.

Measured (one page load of the explorer, median of 12, CPU of every chromium process): a new
tab in a new renderer process 1.6 CPU s; a new tab joining a live process 0.95; the same tab
navigated again 0.5. Every test still loads the page it tests from its address, in a new
document, with the origin's storage wiped and no listener, route, script or emulation of an
earlier test on it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request
from playwright.sync_api import Error as PlaywrightError

from tests.browser.page_log import PageLog

# Foreign hosts are recorded from the page's requests (the `request` event), not intercepted:
# any route turns the browser's cache off. The browser itself resolves no host name
# (HOST_RULES in the `browser` fixture), so such a request fails at once, as an aborted one did.
FOREIGN_SCHEMES = {"http", "https", "ws", "wss"}
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"

# Between tests a page waits on an address of the server's origin with no script (JSON): the
# app's page has unloaded, and with --process-per-site (the `browser` fixture) the renderer
# process, where the app's scripts are compiled, stays alive for the next test.
IDLE_PATH = "/api/v1/health"
# The contexts' own viewports (a page a test opens itself in the context has it).
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_VIEWPORT = {"width": 390, "height": 844}

# What a page keeps for its whole life and no API takes back (init scripts, exposed functions,
# emulated media, routes, headers, timeouts): a test calling one gets a page of its own, closed
# after it, and the next test a new tab. A Page method of a newer Playwright whose effect
# outlives a navigation belongs here too.
KEEPS_FOR_LIFE = (
    "add_init_script",
    "expose_function",
    "expose_binding",
    "emulate_media",
    "route",
    "route_from_har",
    "route_web_socket",
    "set_extra_http_headers",
    "set_default_timeout",
    "set_default_navigation_timeout",
)
# Cleared on the server's origin between tests (sessionStorage is the tab's: see _release).
STORAGE_TYPES = "cookies,local_storage,indexeddb,websql,service_workers,cache_storage,file_systems"


@dataclass
class Visit:
    """What one test did to a page that would outlive the test."""

    listeners: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)
    kept_for_life: str | None = None  # the first call of KEEPS_FOR_LIFE, if any
    state: dict[str, Any] = field(default_factory=dict)  # helpers' own, see per_test_state


# One browser context per pool and set of options (touch or not, anything else a test asks of
# new_context; the viewport is the page's, see _context_options) for the whole pytest process:
# its HTTP cache serves plotly.js, KaTeX and the app's scripts to every test's page. What a test
# leaves there is wiped after it: every other page it opened, cookies, permissions granted for
# it, the origin's storage.
_contexts: dict[tuple[int, str, str, str], BrowserContext] = {}
_idle: dict[BrowserContext, Page] = {}
_visits: "WeakKeyDictionary[Page, Visit]" = WeakKeyDictionary()


def per_test_state(page: Page) -> dict[str, Any]:
    """A dict for helpers to keep things about `page` for the current test only (a page
    handed to the next test starts with an empty one)."""
    visit = _visits.get(page)
    if visit is None:
        visit = _visits[page] = Visit()
    return visit.state


def _watch(page: Page) -> None:
    """Record, on the page object itself, what a test adds to the page: its listeners (removed
    after the test) and the calls whose effect no API undoes (the page is then not reused)."""

    def recording(name: str) -> Callable[[str, Callable[..., Any]], None]:
        add = getattr(page, name)

        def add_listener(event: str, handler: Callable[..., Any]) -> None:
            _visits[page].listeners.append((event, handler))
            add(event, handler)

        return add_listener

    def marking(name: str) -> Callable[..., Any]:
        call = getattr(page, name)

        def mark_and_call(*args: Any, **kwargs: Any) -> Any:
            visit = _visits[page]
            visit.kept_for_life = visit.kept_for_life or name
            return call(*args, **kwargs)

        return mark_and_call

    for name in ("on", "once"):
        setattr(page, name, recording(name))
    for name in KEEPS_FOR_LIFE:
        setattr(page, name, marking(name))


def _shared_context(
    browser: Browser, live_server: str, options: dict[str, Any], pool: str
) -> BrowserContext:
    key = (id(browser), live_server, pool, repr(sorted(options.items())))
    context = _contexts.get(key)
    if context is None or context not in browser.contexts:
        context = browser.new_context(**options)
        _contexts[key] = context
    return context


def _context_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    """(what the context is made with, the viewport the page then takes). Pages of every size
    share one desktop context, or one touch context (its pages resized; Playwright gives a
    resized page the screen and orientation of its new size, as a context of that size does),
    so one renderer process, with the page's code compiled and its files cached, serves them
    all: a new context cost its first page ~2 CPU s more."""
    options = {k: v for k, v in options.items() if not (k in ("has_touch", "is_mobile") and not v)}
    default = PHONE_VIEWPORT if options.get("is_mobile") else DESKTOP_VIEWPORT
    viewport = options.pop("viewport", None) or default
    return {**options, "viewport": default}, viewport


def _reusable(page: Page | None) -> bool:
    if page is None or page.is_closed():
        return False
    visit = _visits.get(page)
    return visit is None or visit.kept_for_life is None


def _page_for_test(context: BrowserContext, live_server: str) -> Page:
    """The context's idle page when the last test left nothing on it for life; else a new tab
    on the idle address, in the idle page's process (then closed)."""
    idle = _idle.pop(context, None)
    if _reusable(idle):
        assert idle is not None
        page = idle
    else:
        page = context.new_page()
        page.goto(live_server + IDLE_PATH)
        if idle is not None and not idle.is_closed():
            idle.close()
        _watch(page)
    _visits[page] = Visit()
    return page


def _release(context: BrowserContext, live_server: str, page: Page) -> None:
    """After a test: its listeners go, its page goes back to the idle address (the app's page
    unloads) and waits there for the next test, its history and storage reset; every other page
    is closed, and what they stored forgotten."""
    visit = _visits.get(page) or Visit()
    try:
        for event, handler in visit.listeners:
            page.remove_listener(event, handler)
        page.goto(live_server + IDLE_PATH)
        idle = page
    except PlaywrightError:  # closed or crashed by the test: a new process next time
        idle = context.new_page()
        idle.goto(live_server + IDLE_PATH)
        _watch(idle)
    cdp = context.new_cdp_session(idle)
    cdp.send("Storage.clearDataForOrigin", {"origin": live_server, "storageTypes": STORAGE_TYPES})
    cdp.send("Page.resetNavigationHistory")  # no way back to the last test's pages
    cdp.detach()
    idle.evaluate("() => sessionStorage.clear()")
    idle.mouse.move(0, 0)  # where a new tab's pointer is: nothing hovered when the page loads
    for other in context.pages:
        if other is not idle:
            other.close()
    context.clear_cookies()
    _idle[context] = idle


@contextmanager
def pooled_page(
    browser: Browser, live_server: str, log: PageLog, pool: str = "", **options: Any
) -> Iterator[Page]:
    """A page on an idle address of the server, in the shared context of `pool` and `options`
    (new_context's): the previous test's tab when it can serve (see the module's docstring),
    else a new one. Requests to any host but the test server are recorded in
    `log.foreign_requests` (and fail, see HOST_RULES), and fail the test when it ends with any
    left there; console errors go to `log.console_errors`.
    A named `pool` keeps its own context, for what tests set on a whole context (routes)."""
    permissions = options.pop("permissions", None)
    context_options, viewport = _context_options(options)
    context = _shared_context(browser, live_server, context_options, pool)
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

    page = _page_for_test(context, live_server)
    if page.viewport_size != viewport:
        page.set_viewport_size(viewport)
    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield page
    finally:
        try:
            _release(context, live_server, page)
        finally:
            if permissions:
                context.clear_permissions()
    if log.foreign_requests:
        pytest.fail(f"page requested other hosts: {log.foreign_requests}")
