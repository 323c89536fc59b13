"""The loss chart after training on the adding problem: training and held-out loss side by side."""

import pytest
from playwright.sync_api import Page

from tests.browser.explorer import open_explorer, show_chart
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

LOSS_TRACES_JS = """() => (document.querySelector('#chart-loss .plot')?.data || [])
  .map((d) => ({ name: d.name, x: Array.from(d.x), y: Array.from(d.y) }))"""


def test_training_on_adding_charts_the_held_out_loss_beside_the_training_loss(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "task=adding&length=12")
    page.locator("input[name=updates]").fill("20")
    page.get_by_role("button", name="Run this many parameter updates").click()
    show_chart(page, "#chart-loss")
    page.wait_for_function(
        f"() => ({LOSS_TRACES_JS})().some((d) => d.name === 'held-out loss' && d.x.includes(20))",
        timeout=60_000,
    )
    traces = {d["name"]: d for d in page.evaluate(LOSS_TRACES_JS)}
    train, held = traces["training loss"], traces["held-out loss"]
    assert len(train["y"]) == 20
    assert held["x"] == [10, 20]  # measured every 10 updates (the server's default)
    assert all(isinstance(v, float) and v > 0 for v in held["y"])
    assert page_log.console_errors == []
