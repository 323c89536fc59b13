"""The explorer page at / in real chromium: it opens on the default LSTM, draws both diagrams for
each variant, shows the engine's own numbers forward and backward, and restores a view from its
link. Screenshots of each view are in test_explorer_screens.py."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import (
    api,
    engine_trace,
    eq_value,
    explorer_state,
    js_fmt,
    open_explorer,
    session_id,
    task_targets,
    wait_for_frame,
    wait_for_t,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser


def test_open_page_shows_default_lstm_without_errors(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server)
    state = explorer_state(page)
    assert (state["cell"], state["variant"], state["hidden"], state["task"], state["t"]) == (
        "lstm",
        "vanilla",
        4,
        "sine",
        0,
    )
    expect(page.locator("#dg-circuit figure.dg")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("t = 0 / 49")
    expect(page.locator("#equations .katex").first).to_be_visible()
    expect(page.locator("#chart-heat .js-plotly-plot")).to_be_visible()
    # Every request went to this server (the fixture fails the test otherwise) and at least
    # one frame came over the WebSocket stream or REST.
    assert page.evaluate("window.__lstmExplorer.framesReceived") >= 1
    assert any("/api/v1/sessions" in url for url in page_log.requests)
    assert page_log.console_errors == []


# data-key of an element each variant must draw (present) or must not draw (absent).
VARIANT_ELEMENTS = {
    "vanilla": (["peephole-i", "peephole-f", "peephole-o"], ["one-minus", "fgr"]),
    "NP": ([], ["peephole-i", "peephole-f", "peephole-o"]),
    "CIFG": (["one-minus", "peephole-i"], ["peephole-f", "fgr"]),
    "FGR": (["fgr", "peephole-o"], ["one-minus"]),
}


@pytest.mark.parametrize("variant", list(VARIANT_ELEMENTS))
def test_both_diagrams_draw_variant_elements(
    page: Page, page_log: PageLog, live_server: str, variant: str
) -> None:
    open_explorer(page, live_server, f"variant={variant}&t=2")
    present, absent = VARIANT_ELEMENTS[variant]
    for diagram in ("circuit", "odyssey"):
        figure = page.locator(f"#dg-{diagram} figure.dg")
        assert figure.get_attribute("data-variant") == variant
        for key in present:
            assert figure.locator(f'[data-key="{key}"]').count() >= 1, f"{diagram}: {key} missing"
        for key in absent:
            assert figure.locator(f'[data-key="{key}"]').count() == 0, f"{diagram}: {key} drawn"
    # Switch diagram with the keyboard: 2 shows the Space Odyssey type.
    page.keyboard.press("2")
    expect(page.locator("#dg-odyssey figure.dg")).to_be_visible()
    expect(page.locator("#dg-circuit figure.dg")).to_be_hidden()
    assert page_log.console_errors == []


def test_select_variant_and_rnn_with_the_controls(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server)
    page.select_option("select[name=variant]", "CIFG")
    page.wait_for_function(
        "() => window.__lstmExplorer.controller.primary.info?.variant === 'CIFG'"
    )
    wait_for_frame(page)
    expect(page.locator('#dg-circuit [data-key="one-minus"]')).to_be_visible()
    expect(page.locator("#variant-help")).to_contain_text("f = 1 − i")
    assert "variant=CIFG" in page.evaluate("location.hash")

    page.get_by_role("button", name="Simple recurrent network").click()
    page.wait_for_function("() => window.__lstmExplorer.controller.primary.info?.cell === 'rnn'")
    wait_for_frame(page)
    rnn = page.locator("#dg-rnn figure.dg")
    expect(rnn).to_be_visible()
    assert rnn.locator('[data-key="step-now"]').count() == 1
    expect(page.locator("#equations")).to_contain_text("RNN")
    assert eq_value(page, "h") != "n/a"
    assert page_log.console_errors == []


def test_step_forward_shows_the_engine_numbers(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_for_t(page, 3)
    page.locator('.unit-chips [data-unit="2"]').click()
    page.wait_for_function("() => window.__lstmExplorer.state.get('unit') === 2")
    page.wait_for_timeout(100)

    trace = engine_trace(live_server, session_id(page))
    forward = trace["forward"]
    for key in ("z_bar", "i", "f", "c", "o", "y"):
        assert eq_value(page, key) == js_fmt(forward[key][3][2]), key
    # The diagram shows the same number as the equations (its label for c).
    assert (
        js_fmt(forward["c"][3][2])
        in page.locator('#dg-circuit [data-key="c"]').first.text_content()
    )
    assert page_log.console_errors == []


def test_backward_mode_shows_the_engine_deltas(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "t=10&mode=backward")
    expect(page.locator("#dg-circuit figure.dg")).to_have_class("dg dg-circuit mode-backward")
    expect(page.locator("#equations")).to_contain_text("backward (BPTT)")
    trace = engine_trace(live_server, session_id(page))
    backward = trace["backward"]
    for key in ("dy", "do_bar", "dc", "df_bar", "di_bar", "dz_bar"):
        assert eq_value(page, key) == js_fmt(backward[key][10][0]), key

    # One more BPTT step with shift+←: the numbers follow.
    page.keyboard.press("Shift+ArrowLeft")
    wait_for_t(page, 9)
    assert eq_value(page, "dc") == js_fmt(backward["dc"][9][0])
    # The gradient-norm chart has the steps BPTT has been through, on a log axis.
    norms = page.evaluate(
        "document.querySelector('#chart-norms .plot').data[0].y.filter(v => v !== null).length"
    )
    assert norms == 50 - 9
    assert page_log.console_errors == []


def test_link_restores_the_view(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "t=5&mode=backward&variant=CIFG")
    state = explorer_state(page)
    assert (state["t"], state["mode"], state["variant"]) == (5, "backward", "CIFG")
    expect(page.locator("#status")).to_contain_text("t = 5 / 49")
    expect(page.locator("#equations")).to_contain_text("CIFG")
    expect(page.locator('#dg-circuit [data-key="one-minus"]')).to_be_visible()
    shown = page.locator(".eq-list").text_content()

    # Moving on rewrites the address; opening that address again shows the same view.
    page.keyboard.press("Shift+ArrowLeft")
    wait_for_t(page, 4)
    page.keyboard.press("3")  # not a shortcut: nothing changes
    page.wait_for_function("() => location.hash.includes('t=4')")
    link = page.evaluate("location.hash")
    assert "mode=backward" in link and "variant=CIFG" in link
    after = page.locator(".eq-list").text_content()

    open_explorer(page, live_server, link.lstrip("#"))
    assert explorer_state(page)["t"] == 4
    assert page.locator(".eq-list").text_content() == after != shown
    assert page_log.console_errors == []


def test_edited_address_moves_the_view(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "t=3")
    page.evaluate("() => { location.hash = '#t=7&mode=backward'; }")
    page.wait_for_function("() => window.__lstmExplorer.state.get('mode') === 'backward'")
    wait_for_t(page, 7)
    assert eq_value(page, "dc") != "n/a"
    page.evaluate("() => { location.hash = '#t=2&variant=NP'; }")
    page.wait_for_function("() => window.__lstmExplorer.controller.primary.info?.variant === 'NP'")
    wait_for_t(page, 2)
    assert page.locator('#dg-circuit [data-key^="peephole"]').count() == 0
    assert page_log.console_errors == []


def test_steps_rebuilt_from_the_trace_keep_their_targets(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    # A seek far ahead: the steps skipped are rebuilt from the session's trace, targets included.
    open_explorer(page, live_server, "length=1000")
    page.evaluate("() => window.__lstmExplorer.bus.emit('control:seek', {t: 900})")
    wait_for_t(page, 900)
    store = "window.__lstmExplorer.controller.primary.store"
    page.wait_for_function(f"() => {store}.fwd[500]?.synthetic === true")
    got = page.evaluate(f"() => {store}.fwd.slice(500, 510).map((f) => f.values.target)")
    want = task_targets(api(live_server, "GET", f"/sessions/{session_id(page)}"))[500:510]
    assert len(got) == len(want) == 10
    for g, w in zip(got, want, strict=True):
        assert g == pytest.approx(w)
    # The states chart draws the target for the rebuilt steps too: of its 600 (decimated)
    # points, those up to t = 900 (about 540) have one; without the targets about 120 did.
    page.wait_for_function(
        "() => document.querySelector('#chart-states .plot').data"
        ".find((s) => s.name === 'target')?.y.filter((v) => v != null).length > 450"
    )
    assert page_log.console_errors == []
