"""The explorer page at / in real chromium: it opens on the default LSTM, draws both diagrams for
each variant, shows the engine's own numbers forward and backward, and restores a view from its
link. Screenshots of each view are in test_explorer_screens.py."""

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.explorer import (
    api,
    engine_trace,
    eq_value,
    explorer_state,
    js_fmt,
    open_explorer,
    session_id,
    show_chart,
    task_targets,
    wait_for_frame,
    wait_for_t,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

MODE_SHOWN = "#controls .segmented[aria-label=mode] .seg.on"
LINK = "#status [data-status=link]"


def eq_locator(page: Page, key: str) -> Locator:
    """The number the equations show for `key` (the row with that left-hand side)."""
    return page.locator(f'.eq-row[data-lhs="{key}"] [data-slot="{key}"] .eq-value').first


def test_open_page_shows_default_lstm_without_errors(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    with page.expect_websocket() as socket:
        open_explorer(page, live_server)
    state = explorer_state(page)
    assert (state["cell"], state["variant"], state["hidden_size"], state["task"], state["t"]) == (
        "lstm",
        "vanilla",
        4,
        "sine",
        0,
    )
    expect(page.locator("#dg-circuit figure.dg")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("t = 0 / 49")
    expect(page.locator("#equations .katex").first).to_be_visible()
    show_chart(page, "#chart-heat")  # charts draw as they come on screen
    expect(page.locator("#chart-heat .js-plotly-plot")).to_be_visible()
    page.evaluate("() => window.scrollTo(0, 0)")
    assert any("/api/v1/sessions" in url for url in page_log.requests)
    # Once the stream is open (the status line says nothing about it), steps come over it.
    expect(page.locator(LINK)).to_have_text("")
    with socket.value.expect_event("framereceived") as frame:
        page.keyboard.press("ArrowRight")
    assert '"type":"forward"' in str(frame.value)
    wait_for_t(page, 1)
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
    expect(page.locator("#dg-circuit figure.dg")).to_have_attribute("data-variant", "CIFG")
    wait_for_frame(page)
    expect(page.locator('#dg-circuit [data-key="one-minus"]')).to_be_visible()
    expect(page.locator("#variant-help")).to_contain_text("f = 1 − i")
    page.wait_for_function("() => location.hash.includes('variant=CIFG')")

    page.get_by_role("button", name="Simple recurrent network").click()
    expect(page.locator("#stage")).to_have_attribute("data-cell", "rnn")
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
    expect(page.locator(".unit-chips [aria-checked=true]")).to_have_attribute("data-unit", "2")

    trace = engine_trace(live_server, session_id(page))
    forward = trace["forward"]
    for key in ("z_bar", "i", "f", "c", "o", "y"):
        expect(eq_locator(page, key)).to_have_text(js_fmt(forward[key][3][2]))
    # The diagram shows the same number as the equations (its label for c).
    expect(page.locator('#dg-circuit [data-key="c"]').first).to_contain_text(
        js_fmt(forward["c"][3][2])
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
    show_chart(page, "#chart-norms")
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


def test_link_with_the_old_short_names_still_opens(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    # hidden, trunc, lr and clip were the address's keys before they took the API's names.
    open_explorer(page, live_server, "hidden=6&trunc=3&lr=0.05&clip=2&t=1")
    state = explorer_state(page)
    assert (state["hidden_size"], state["t"]) == (6, 1)
    assert page.locator("#controls input[name=truncate]").input_value() == "3"
    assert page.locator("#controls input[name=learning_rate]").input_value() == "0.05"
    assert page.locator("#controls input[name=clip_threshold]").input_value() == "2"
    expect(page.locator("#intro-model")).to_contain_text("H = 6")
    # The address is rewritten with the names of today.
    page.keyboard.press("ArrowRight")
    wait_for_t(page, 2)
    page.wait_for_function("() => location.hash.includes('t=2')")
    link = page.evaluate("location.hash")
    assert "hidden_size=6" in link and "truncate=3" in link and "learning_rate=0.05" in link
    assert "clip_threshold=2" in link and "hidden=" not in link and "trunc=" not in link
    expect(page.locator("#banner")).to_be_hidden()
    assert page_log.console_errors == []


def test_link_over_the_server_limits_says_what_it_ignored(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    limit = api(live_server, "GET", "/presets")["limits"]["max_hidden_size"]
    open_explorer(page, live_server, f"hidden_size={limit + 1}&t=2")
    expect(page.locator("#banner")).to_contain_text(f"hidden_size={limit + 1}")
    assert explorer_state(page)["hidden_size"] == 4  # the default, within the limit
    assert explorer_state(page)["t"] == 2
    assert page_log.console_errors == []


def test_edited_address_moves_the_view(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "t=3")
    page.evaluate("() => { location.hash = '#t=7&mode=backward'; }")
    expect(page.locator(MODE_SHOWN)).to_have_attribute("data-value", "backward")
    wait_for_t(page, 7)
    assert eq_value(page, "dc") != "n/a"
    page.evaluate("() => { location.hash = '#t=2&variant=NP'; }")
    expect(page.locator("#dg-circuit figure.dg")).to_have_attribute("data-variant", "NP")
    wait_for_t(page, 2)
    assert page.locator('#dg-circuit [data-key^="peephole"]').count() == 0
    assert page_log.console_errors == []


# The states chart's target markers, as (step, value) pairs of its (decimated) points.
TARGET_POINTS_JS = """() => {
  const s = document.querySelector('#chart-states .plot').data.find((d) => d.name === 'target');
  return s ? s.x.map((x, k) => [x, s.y[k]]).filter(([, y]) => y !== null) : [];
}"""


def test_steps_filled_from_the_server_keep_their_targets(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    # A seek far ahead: the steps skipped are read back from the server, targets included.
    open_explorer(page, live_server, "length=1000")
    page.locator("input[name=t]").fill("900")
    wait_for_t(page, 900, timeout=30_000)
    want = task_targets(api(live_server, "GET", f"/sessions/{session_id(page)}"))
    show_chart(page, "#chart-states")
    points = page.evaluate(TARGET_POINTS_JS)
    # Of the chart's 600 (decimated) points, those up to t = 900 (about 540) carry a target;
    # with only the last REST reply's 200 steps about 120 did.
    assert len(points) > 450
    assert all(x <= 900 for x, _ in points)
    for x, y in points:
        assert y == pytest.approx(want[x][0]), x
    assert page_log.console_errors == []
