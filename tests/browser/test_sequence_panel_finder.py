"""The sequence panel in a real browser, what it finds: the unit finder ranks a planted unit
first and shows the engine's ranking; the connectivity heat is the API's ‖∂ŷ(t)/∂x(t′)‖, for an
LSTM beside an RNN too. What the panel draws: test_sequence_panel.py."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import (
    SEQ_CHARS,
    SEQ_PANEL,
    api,
    js_fmt,
    open_explorer,
    read_own_text,
    sequence_spans,
    session_id,
    wait_for_t,
    wait_sequence_panel,
)
from tests.browser.page_log import PageLog
from tests.planted_unit import PLANTED, QUOTED_TEXT, planted_params, quoted_spans

pytestmark = pytest.mark.browser


# ----------------------------------------------------------------------------- unit finder
def test_unit_finder_ranks_the_planted_quote_unit_first(
    page: Page, page_log: PageLog, live_server: str, tmp_path: Path
) -> None:
    open_explorer(page, live_server, "hidden_size=8")
    read_own_text(page, QUOTED_TEXT)
    vocabulary = api(live_server, "GET", f"/sessions/{session_id(page)}")["vocabulary"]
    assert vocabulary == sorted(set(QUOTED_TEXT))
    params = tmp_path / "planted.json"
    params.write_text(json.dumps({k: v.tolist() for k, v in planted_params(vocabulary).items()}))
    page.set_input_files("input[name=upload-params]", str(params))
    expect(page.locator("#banner")).to_contain_text("Loaded your file")
    wait_sequence_panel(page)
    T = len(QUOTED_TEXT) - 1
    page.keyboard.press("End")  # to the last step: every step computed
    wait_for_t(page, T - 1)
    page.locator("#controls .unit-chips [data-unit='3']").click()
    expect(page.locator("#controls .unit-chips [aria-checked=true]")).to_have_attribute(
        "data-unit", "3"
    )
    # Drag over the second quoted passage, as a reader would.
    start, stop = quoted_spans(QUOTED_TEXT)[1]
    first = page.locator(f'{SEQ_CHARS}[data-t="{start}"]').bounding_box()
    last = page.locator(f'{SEQ_CHARS}[data-t="{stop - 1}"]').bounding_box()
    assert first and last
    page.mouse.move(first["x"] + 1, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + last["height"] / 2, steps=8)
    page.mouse.up()
    rows = page.locator(f"{SEQ_PANEL} .uf-row")
    expect(rows.first).to_have_attribute("data-unit", str(PLANTED))
    wait_sequence_panel(page)
    expect(page.locator(f"{SEQ_PANEL} .uf-head")).to_contain_text(f"steps {start}–{stop - 1}")
    assert page.input_value(f"{SEQ_PANEL} input[name=span_from]") == str(start)
    # The ranking shown is the engine's.
    ranked = api(
        live_server,
        "POST",
        f"/sessions/{session_id(page)}/units/rank",
        {"start": start, "stop": stop, "quantity": "c"},
    )
    shown = page.locator(f"{SEQ_PANEL} .uf-row").evaluate_all(
        "rows => rows.map((r) => Number(r.dataset.unit))"
    )
    assert shown == [u["unit"] for u in ranked["units"]]
    expect(page.locator(f"{SEQ_PANEL} .uf-row .uf-score").first).to_have_text(
        js_fmt(ranked["units"][0]["score"])
    )
    # Picking it selects that unit everywhere.
    page.locator(f"{SEQ_PANEL} .uf-row").first.get_by_role("button").click()
    expect(page.locator("#controls .unit-chips [aria-checked=true]")).to_have_attribute(
        "data-unit", str(PLANTED)
    )
    expect(page.locator(f"{SEQ_PANEL} .uf-row.on")).to_have_attribute("data-unit", str(PLANTED))
    # ... and the planted unit's c lights up exactly inside the quotes.
    wait_sequence_panel(page)
    spans = sequence_spans(page)
    inside = {t for a, b in quoted_spans(QUOTED_TEXT) for t in range(a, b)}
    assert all((float(s["v"]) > 0.99) == (s["t"] in inside) for s in spans[:T])
    assert page_log.console_errors == []


def test_unit_finder_from_the_step_fields(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "task=chars&length=30&t=29&hidden_size=4")
    wait_sequence_panel(page)
    page.fill(f"{SEQ_PANEL} input[name=span_from]", "4")
    page.fill(f"{SEQ_PANEL} input[name=span_to]", "9")
    page.get_by_role("button", name="Find units").click()
    expect(page.locator(f"{SEQ_PANEL} .uf-row")).to_have_count(4)
    wait_sequence_panel(page)
    ranked = api(
        live_server,
        "POST",
        f"/sessions/{session_id(page)}/units/rank",
        {"start": 4, "stop": 10, "quantity": "c"},
    )
    shown = page.locator(f"{SEQ_PANEL} .uf-row").evaluate_all(
        "rows => rows.map((r) => Number(r.dataset.unit))"
    )
    assert shown == [u["unit"] for u in ranked["units"]]
    assert page_log.console_errors == []


# ----------------------------------------------------------------------------- connectivity
def test_connectivity_heat_is_the_apis_norms(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "task=chars&length=40&t=30&hidden_size=6&paint=connectivity")
    wait_sequence_panel(page)
    norms = api(live_server, "GET", f"/sessions/{session_id(page)}/connectivity?t=30")["norms"]
    spans = sequence_spans(page)
    assert [float(s["v"]) for s in spans[:31]] == norms
    assert [s["v"] for s in spans[31:40]] == [""] * 9  # an output depends on no later input
    assert all(s["bg"] for s in spans[:31])
    expect(page.locator(f"{SEQ_PANEL} .seq-legend-note")).to_contain_text("‖∂ŷ(30)/∂x(t′)‖")
    # Another output step: the heat follows the step shown.
    page.locator(f'{SEQ_CHARS}[data-t="12"]').click()
    wait_for_t(page, 12)
    wait_sequence_panel(page)
    norms = api(live_server, "GET", f"/sessions/{session_id(page)}/connectivity?t=12")["norms"]
    assert [float(s["v"]) for s in sequence_spans(page)[:13]] == norms
    assert page_log.console_errors == []


def test_connectivity_in_compare_mode_lstm_beside_rnn(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(
        page, live_server, "task=chars&length=40&t=35&hidden_size=6&paint=connectivity&compare=true"
    )
    wait_sequence_panel(page)
    columns = page.locator(f"{SEQ_PANEL} .seq-model")
    expect(columns).to_have_count(2)
    expect(columns.nth(0).locator(".seq-title")).to_contain_text("LSTM")
    expect(columns.nth(1).locator(".seq-title")).to_contain_text("simple RNN")
    sids = {
        api(live_server, "GET", f"/sessions/{session_id(page, k)}")["cell"]: session_id(page, k)
        for k in (0, 1)
    }
    for k, cell in enumerate(("lstm", "rnn")):  # A is the LSTM, B the RNN
        norms = api(live_server, "GET", f"/sessions/{sids[cell]}/connectivity?t=35")["norms"]
        shown = (
            columns.nth(k)
            .locator(".ch")
            .evaluate_all("s => s.slice(0, 36).map((c) => Number(c.dataset.v))")
        )
        assert shown == norms
    assert page_log.console_errors == []
