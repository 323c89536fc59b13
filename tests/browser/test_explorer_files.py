"""Files on the explorer page: download the parameters and the trace, upload them back or a CSV
sequence; and the page without its WebSocket (REST only) still steps, plays and trains."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import (
    eq_value,
    explorer_state,
    open_explorer,
    wait_for_frame,
    wait_for_t,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser


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
    old_id = page.evaluate("() => window.__lstmExplorer.controller.primary.id")

    page.set_input_files("input[name=upload-params]", str(saved))
    page.wait_for_function(f"() => window.__lstmExplorer.controller.primary.id !== '{old_id}'")
    wait_for_frame(page)
    # Same weights, same data: the same numbers, now from the uploaded file.
    assert eq_value(page, "c") == before
    expect(page.locator("#banner")).to_contain_text("Loaded your file")

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
    page.wait_for_function("() => window.__lstmExplorer.controller.primary.info?.T === 12")
    wait_for_frame(page)
    expect(page.locator("#status")).to_contain_text("t = 0 / 11")
    assert page.evaluate(
        "() => window.__lstmExplorer.controller.primary.store.fwd[0].values.x"
    ) == [0]
    page.keyboard.press("ArrowRight")
    wait_for_t(page, 1)
    assert page_log.console_errors == []


def test_page_works_over_rest_without_the_stream(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "t=2&speed=60")
    page.evaluate("""async () => {
      const c = window.__lstmExplorer.controller;
      c.useStream = false;
      await c.open();
    }""")
    wait_for_frame(page)
    assert not page.evaluate("() => window.__lstmExplorer.controller.primary.streaming")
    assert explorer_state(page)["t"] == 2
    page.keyboard.press("ArrowRight")
    wait_for_t(page, 3)
    page.keyboard.press(" ")
    page.wait_for_function("() => window.__lstmExplorer.state.get('t') >= 10")
    page.keyboard.press(" ")
    page.keyboard.press("b")
    page.wait_for_function("() => window.__lstmExplorer.state.get('mode') === 'backward'")
    wait_for_frame(page)
    assert eq_value(page, "dc") != "n/a"
    page.locator("input[name=updates]").fill("10")
    page.get_by_role("button", name="Run this many parameter updates").click()
    page.wait_for_function(
        "() => window.__lstmExplorer.controller.primary.store.training.loss.length >= 10"
        " && !window.__lstmExplorer.controller.training",
        timeout=60_000,
    )
    assert page_log.console_errors == []
