"""The page against `lstm-explorer serve --workers 2` on Redis: when the workers die mid-play, the
page reconnects with back-off, resumes at the session's cursor, and says so in the status bar."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.app.cli_server import CliServer, cli_server, wait_for_workers
from tests.app.redis_server import redis_server
from tests.browser.explorer import open_explorer, session_id

pytestmark = pytest.mark.browser

LINK = "#status [data-status=link]"
RUN = "#status [data-status=run]"
_server: list[CliServer] = []


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    """Two workers sharing their sessions through a Redis of this module's own."""
    with (
        redis_server() as redis,
        cli_server({"LSTM_EXPLORER_REDIS_URL": redis.url}, "--workers", "2") as server,
    ):
        wait_for_workers(server, 2)
        _server.append(server)
        try:
            yield server.base_url
        finally:
            _server.remove(server)


def test_page_playing_when_workers_die_reconnects_and_resumes_at_its_cursor(
    page: Page, live_server: str
) -> None:
    (server,) = _server
    open_explorer(page, live_server, "length=400")
    expect(page.locator(LINK)).to_have_text("")  # the stream is open
    page.locator("#play").click()
    expect(page.locator(RUN)).to_have_text("playing")
    page.wait_for_function(
        "() => /t = ([3-9]|\\d\\d+) \\//.test(document.querySelector("
        "'#status [data-status=t]').textContent)"
    )
    for pid in wait_for_workers(server, 2):  # the parent stays and starts new ones
        os.kill(pid, signal.SIGKILL)
    resumed = page.locator(LINK)
    expect(resumed).to_have_text(
        re.compile(r"^stream: reconnected, resumed at t = \d+$"), timeout=60_000
    )
    at = int(re.findall(r"\d+", resumed.text_content() or "")[-1])
    expect(page.locator(RUN)).to_have_text("playing")
    page.wait_for_function(
        f"() => Number(/t = (\\d+)/.exec(document.querySelector('#status [data-status=t]')"
        f".textContent)[1]) >= {at + 3}",
        timeout=30_000,
    )
    # The server's cursor and the page's agree: it went on from where it was.
    page.locator("#play").click()
    expect(page.locator(RUN)).to_have_text("paused")
    cursors = httpx.get(f"{live_server}/api/v1/sessions/{session_id(page)}").json()["cursors"]
    expect(page.locator("#status [data-status=t]")).to_contain_text(
        f"t = {cursors['forward_t'] - 1} /"
    )
