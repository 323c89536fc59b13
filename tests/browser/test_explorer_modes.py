"""Compare mode, training and a long sequence on the explorer page, in real chromium."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import explorer_state, open_explorer, wait_for_frame, wait_for_t
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

NORM_NAMES_JS = "() => document.querySelector('#chart-norms .plot').data.map((d) => d.name)"


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
    # Same seed, same data: both sessions see the same inputs.
    same_x = page.evaluate("""() => {
      const [a, b] = window.__lstmExplorer.controller.models;
      return JSON.stringify(a.store.fwd[3].values.x) === JSON.stringify(b.store.fwd[3].values.x);
    }""")
    assert same_x

    page.keyboard.press("ArrowRight")
    wait_for_t(page, 4)
    assert page.evaluate("() => window.__lstmExplorer.controller.models[1].store.fwd[4] !== null")
    # Backward: both models run BPTT; their error norms share one chart.
    page.keyboard.press("b")
    page.wait_for_function("() => window.__lstmExplorer.state.get('mode') === 'backward'")
    wait_for_frame(page)
    page.keyboard.press("Shift+ArrowLeft")
    wait_for_t(page, 48)
    page.wait_for_function(
        "() => document.querySelector('#chart-norms .plot').data.some((d) => d.name === 'B ‖δh‖')"
    )
    names = page.evaluate(NORM_NAMES_JS)
    assert {"A ‖δy‖", "A ‖δc‖", "B ‖δh‖"} <= set(names)
    expect(panels.nth(1).locator(".compare-stats")).to_contain_text("‖δh‖")
    assert page_log.console_errors == []


def test_training_updates_the_loss_chart(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "t=20")
    page.locator("input[name=updates]").fill("30")
    page.get_by_role("button", name="Run this many parameter updates").click()
    page.wait_for_function(
        "() => window.__lstmExplorer.controller.primary.store.training.loss.length >= 30"
        " && !window.__lstmExplorer.controller.training",
        timeout=60_000,
    )
    page.wait_for_timeout(600)
    losses = page.evaluate("() => document.querySelector('#chart-loss .plot').data[0].y")
    assert len(losses) == 30
    assert losses[-1] < losses[0], "30 Adam updates on the sine task lower the loss"
    expect(page.locator("#status")).to_contain_text("after 30 updates")
    # The cell is shown with the trained weights, at the same step.
    wait_for_frame(page)
    assert explorer_state(page)["t"] == 20
    assert page_log.console_errors == []


def test_long_sequence_with_many_units_stays_responsive(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "hidden=128&length=1000")
    page.keyboard.press("End")
    wait_for_t(page, 999, timeout=30_000)
    # The heatmaps hold every step (binned to at most 300 columns) and every unit; the steps
    # before the last 200 (one REST reply) are filled in from the session trace.
    page.wait_for_function(
        "() => !document.querySelector('#chart-heat .plot').data[0].z[0].includes(null)"
    )
    shape = page.evaluate("""() => {
      const z = document.querySelector('#chart-heat .plot').data[0].z;
      return [z.length, z[0].length, z[0].filter((v) => v === null).length];
    }""")
    assert shape[0] == 128 and shape[1] <= 300 and shape[2] == 0
    # Stepping back still answers within a frame or two.
    start = page.evaluate("performance.now()")
    page.keyboard.press("ArrowLeft")
    wait_for_t(page, 998)
    assert page.evaluate("performance.now()") - start < 2000
    assert page_log.console_errors == []


def test_diverged_training_shows_a_banner_with_reset(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "lr=10&optimizer=sgd&t=5")
    page.locator("input[name=updates]").fill("200")
    page.get_by_role("button", name="Run this many parameter updates").click()
    banner = page.locator("#banner")
    expect(banner).to_be_visible(timeout=90_000)
    expect(banner).to_contain_text("diverged")
    page.wait_for_function("() => !window.__lstmExplorer.controller.training", timeout=30_000)

    banner.get_by_role("button", name="Reset weights").click()
    expect(banner).to_be_hidden()
    wait_for_frame(page)
    assert explorer_state(page)["t"] == 0
    loss_t = page.evaluate("() => window.__lstmExplorer.controller.primary.store.fwd[0].loss_t")
    assert loss_t is not None and loss_t < 10
    assert page_log.console_errors == []
