"""Files on the explorer page: download the parameters and the trace, upload them back or a CSV
sequence; and the page without its WebSocket (REST only) still steps, plays and trains."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.explorer import (
    eq_value,
    explorer_state,
    js_fmt,
    open_explorer,
    session_id,
    shown_t,
    train_from_the_controls,
    wait_for_frame,
    wait_for_t,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

MODE_SHOWN = "#controls .segmented[aria-label=mode] .seg.on"


def test_download_and_upload_parameters(
    page: Page, page_log: PageLog, live_server: str, tmp_path: Path
) -> None:
    open_explorer(page, live_server, "t=0")
    page.select_option("select[name=param-format]", "json")
    with page.expect_download() as download:
        page.get_by_role("button", name="Save the current parameters").click()
    saved = tmp_path / "params.json"
    download.value.save_as(saved)
    params = json.loads(saved.read_text())
    assert {"W_z", "R_i", "p_f", "b_o", "V", "b_V"} <= set(params)
    before = eq_value(page, "c")
    old_id = session_id(page)

    page.set_input_files("input[name=upload-params]", str(saved))
    expect(page.locator("#banner")).to_contain_text("Loaded your file")
    wait_for_frame(page)
    assert session_id(page) != old_id
    # Same weights, same data: the same numbers, now from the uploaded file.
    assert eq_value(page, "c") == before

    with page.expect_download() as trace_download:
        page.get_by_role("button", name="Save every computed value and error").click()
    assert trace_download.value.suggested_filename == "trace.json"
    assert page_log.console_errors == []


def test_upload_a_csv_sequence(
    page: Page, page_log: PageLog, live_server: str, tmp_path: Path
) -> None:
    open_explorer(page, live_server)
    csv = tmp_path / "ramp.csv"
    csv.write_text("x,target\n" + "".join(f"{k / 10},{(k + 1) / 10}\n" for k in range(12)))
    page.set_input_files("input[name=upload-sequence]", str(csv))
    expect(page.locator("#status")).to_contain_text("t = 0 / 11")
    wait_for_frame(page)
    x_label = page.locator('#dg-circuit [data-key="x"]').first
    expect(x_label).to_contain_text(js_fmt(0.0))
    page.keyboard.press("ArrowRight")
    wait_for_t(page, 1)
    expect(x_label).to_contain_text(js_fmt(0.1))  # the ramp's second value
    assert page_log.console_errors == []


def refuse(ws: WebSocketRoute) -> None:
    """A proxy that refuses WebSockets (1008: the page does not retry)."""
    ws.close(code=1008, reason="no WebSockets here")


def test_page_works_over_rest_without_the_stream(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    page.route_web_socket(re.compile(r"/stream$"), refuse)
    open_explorer(page, live_server, "t=2&speed=60")
    expect(page.locator("#status [data-status=link]")).to_have_text("stream: closed")
    assert explorer_state(page)["t"] == 2
    page.keyboard.press("ArrowRight")
    wait_for_t(page, 3)
    page.keyboard.press(" ")
    page.wait_for_function(
        "() => Number(/t = (\\d+)/.exec(document.querySelector('#status').textContent)[1]) >= 10"
    )
    page.keyboard.press(" ")
    expect(page.locator("#status [data-status=run]")).to_have_text("paused")
    assert shown_t(page) >= 10
    page.keyboard.press("b")
    expect(page.locator(MODE_SHOWN)).to_have_attribute("data-value", "backward")
    wait_for_frame(page)
    assert eq_value(page, "dc") != "n/a"
    train_from_the_controls(page, 10)
    wait_for_frame(page)
    assert explorer_state(page)["mode"] == "forward"
    assert page_log.console_errors == []


def test_play_goes_on_when_the_stream_drops_and_comes_back(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    sockets: list[WebSocketRoute] = []

    def relay(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/stream$"), relay)
    open_explorer(page, live_server, "speed=20")
    link = page.locator("#status [data-status=link]")
    expect(link).to_have_text("")
    page.keyboard.press(" ")
    page.wait_for_function(
        "() => Number(/t = (\\d+)/.exec(document.querySelector('#status').textContent)[1]) >= 5"
    )
    sockets[0].close()  # the connection drops while playing: REST carries on, then the stream
    expect(link).to_contain_text("reconnected, resumed at t =")
    expect(page.locator("#status [data-status=run]")).to_have_text("paused", timeout=20_000)
    wait_for_t(page, 49)  # it played to the end
    assert len(sockets) == 2
    assert page_log.console_errors == []
