"""Compare mode, training and a long sequence on the explorer page, in real chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import (
    explorer_state,
    open_explorer,
    show_chart,
    train_from_the_controls,
    wait_for_frame,
    wait_for_t,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

NORM_NAMES_JS = "() => document.querySelector('#chart-norms .plot').data.map((d) => d.name)"
MODE_SHOWN = "#controls .segmented[aria-label=mode] .seg.on"
RUN = "#status [data-status=run]"
NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?(?:e[−-]?\d+)?")


def label_number(page: Page, selector: str) -> str:
    """The number a diagram label shows (the first one in its text)."""
    text = page.locator(selector).first.text_content() or ""
    match = NUMBER.search(text.split(")", 1)[-1])
    assert match, text
    return match.group(0)


def test_compare_mode_steps_two_models_together(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "compare=true&t=3")
    panels = page.locator(".compare-panel")
    expect(panels).to_have_count(2)
    expect(panels.nth(0).locator(".compare-title")).to_have_text("A: LSTM vanilla")
    expect(panels.nth(1).locator(".compare-title")).to_have_text("B: simple RNN")
    expect(panels.nth(0).locator("figure.dg-circuit")).to_be_visible()
    expect(panels.nth(1).locator("figure.dg-rnn")).to_be_visible()
    # Same seed, same data: both models show the same input.
    a_x = '.compare-panel[data-panel="a"] [data-key="x"]'
    b_x = '.compare-panel[data-panel="b"] [data-key="x"]'
    assert label_number(page, a_x) == label_number(page, b_x)

    page.keyboard.press("ArrowRight")
    wait_for_t(page, 4)
    expect(panels.nth(1).locator(".dg-status")).to_contain_text("t = 4 of 50")
    expect(page.locator(b_x).first).to_contain_text(label_number(page, a_x))  # B has step 4 too
    # Backward: both models run BPTT; their error norms share one chart.
    page.keyboard.press("b")
    expect(page.locator(MODE_SHOWN)).to_have_attribute("data-value", "backward")
    wait_for_frame(page)
    page.keyboard.press("Shift+ArrowLeft")
    wait_for_t(page, 48)
    show_chart(page, "#chart-norms")
    page.wait_for_function(
        "() => document.querySelector('#chart-norms .plot').data.some((d) => d.name === 'B ‖δh‖')"
    )
    names = page.evaluate(NORM_NAMES_JS)
    assert {"A ‖δy‖", "A ‖δc‖", "B ‖δh‖"} <= set(names)
    expect(panels.nth(1).locator(".compare-stats")).to_contain_text("‖δh‖")
    assert page_log.console_errors == []


def test_training_updates_the_loss_chart(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "t=20")
    train_from_the_controls(page, 30)
    show_chart(page, "#chart-loss")
    page.wait_for_function("() => document.querySelector('#chart-loss .plot').data[0].y.length")
    losses = page.evaluate("() => document.querySelector('#chart-loss .plot').data[0].y")
    assert len(losses) == 30
    assert losses[-1] < losses[0], "30 Adam updates on the sine task lower the loss"
    # The cell is shown with the trained weights, at the same step.
    wait_for_frame(page)
    assert explorer_state(page)["t"] == 20
    assert page_log.console_errors == []


def test_long_sequence_with_many_units_stays_responsive(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "hidden_size=128&length=1000")
    page.keyboard.press("End")
    wait_for_t(page, 999, timeout=30_000)
    show_chart(page, "#chart-heat")
    # The heatmaps hold every step (binned to at most 300 columns) and every unit; the steps
    # before the last 200 (one REST reply) are read back from the server.
    page.wait_for_function(
        "() => !document.querySelector('#chart-heat .plot').data[0].z[0].includes(null)"
    )
    shape = page.evaluate("""() => {
      const z = document.querySelector('#chart-heat .plot').data[0].z;
      return [z.length, z[0].length, z[0].filter((v) => v === null).length];
    }""")
    assert shape[0] == 128 and shape[1] <= 300 and shape[2] == 0
    # Stepping back still answers.
    page.keyboard.press("ArrowLeft")
    wait_for_t(page, 998)
    assert page_log.console_errors == []


def test_diverged_training_shows_a_banner_with_reset(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "learning_rate=10&optimizer=sgd&t=5")
    page.locator("input[name=updates]").fill("200")
    page.get_by_role("button", name="Run this many parameter updates").click()
    banner = page.locator("#banner")
    expect(banner).to_be_visible(timeout=90_000)
    expect(banner).to_contain_text("diverged")
    expect(page.locator(RUN)).to_have_text("paused", timeout=30_000)

    banner.get_by_role("button", name="Reset weights").click()
    expect(banner).to_be_hidden()
    wait_for_t(page, 0)
    loss = page.locator("#status [data-status=loss]").text_content() or ""
    match = re.match(r"loss\(t\) (\S+)", loss)
    assert match and match.group(1) not in {"—", "n/a"}, loss
    assert float(match.group(1).replace("−", "-")) < 10
    assert page_log.console_errors == []
