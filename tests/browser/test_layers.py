"""Stacked layers on the page, in real chromium: the layer picker (in the address), the diagrams
and equations of the chosen layer with its input labelled as the layer below's output, the stack
overview picking layer and step, and the δ handed down to the layer below in backward mode."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import (
    api,
    eq_value,
    explorer_state,
    frame_numbers,
    js_fmt,
    open_explorer,
    session_id,
    wait_for_frame,
    wait_for_t,
)

pytestmark = pytest.mark.browser

TWO = "num_layers=2&hidden_size=3"
PICK = "#stack .stack-pick"
CIRCUIT = "#dg-circuit"


def label(page: Page, key: str, part: str = "num") -> str:
    """The text of a circuit diagram label (its symbol or its number)."""
    text = page.locator(f'{CIRCUIT} [data-key="{key}"] .vlabel .{part}').first.text_content()
    assert text is not None
    return text


def pick_layer(page: Page, layer: int) -> None:
    page.locator(f'{PICK}[data-layer="{layer}"]').click()
    expect(page.locator(f'{PICK}[data-layer="{layer}"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"{CIRCUIT} .dg-title")).to_contain_text(f"layer {layer} of 2")
    wait_for_frame(page)


def test_picking_a_layer_shows_its_numbers_in_the_address_and_after_a_reload(
    page: Page, live_server: str, screenshot: Callable[[Page, str], Path]
) -> None:
    open_explorer(page, live_server, f"{TWO}&t=4")
    expect(page.locator(PICK)).to_have_count(2)
    expect(page.locator(f'{PICK}[data-layer="0"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#controls input[name=num_layers]")).to_have_value("2")
    limits = api(live_server, "GET", "/presets")["limits"]
    expect(page.locator("#controls input[name=num_layers]")).to_have_attribute(
        "max", str(limits["max_num_layers"])
    )
    assert label(page, "x", "sym") == "x(t)"  # layer 0 reads the data

    pick_layer(page, 1)
    sid = session_id(page)
    frames = api(live_server, "GET", f"/sessions/{sid}/frames?direction=forward&start=4&stop=5")
    frame = frames["frames"][0]
    assert frame["layer"] == 1
    trace = api(live_server, "GET", f"/sessions/{sid}/trace")["forward"]
    assert frame["values"]["c"] == trace["c@1"][4]
    assert label(page, "c") == js_fmt(frame["values"]["c"][0])
    assert label(page, "y") == js_fmt(frame["values"]["y"][0])
    assert eq_value(page, "c") == js_fmt(frame["values"]["c"][0])
    # Layer 1's input is layer 0's output: labelled so, and equal to it.
    assert label(page, "x", "sym") == "x(t) = y(t) of layer 0"
    assert label(page, "x") == js_fmt(trace["y"][4][0])
    expect(page.locator(".eq-row .eq-label", has_text="input: layer 0's y")).to_have_count(1)
    expect(page.locator("#cap-heat")).to_contain_text("layer 1 of 2")
    page.wait_for_function("() => /(^#|&)layer=1(&|$)/.test(location.hash)")
    screenshot(page, "layers-forward-layer1")

    page.reload()
    wait_for_frame(page)
    expect(page.locator(f'{PICK}[data-layer="1"]')).to_have_attribute("aria-pressed", "true")
    assert explorer_state(page)["t"] == 4
    assert label(page, "c") == js_fmt(frame_numbers(live_server, page, "forward", 4)["c"][0])
    assert label(page, "c") == js_fmt(trace["c@1"][4][0])


def test_stack_overview_cells_pick_layer_and_step(page: Page, live_server: str) -> None:
    open_explorer(page, live_server, f"{TWO}&layer=1&t=9")
    expect(page.locator(f'{PICK}[data-layer="1"]')).to_have_attribute("aria-pressed", "true")
    canvas = page.locator('#stack canvas[data-layer="0"]')
    box = canvas.bounding_box()
    assert box is not None
    T = 50
    # The middle of step 3's column, unit 2's row (of 3).
    canvas.click(position={"x": box["width"] * 3.5 / T, "y": box["height"] * 2.5 / 3})
    wait_for_t(page, 3)
    expect(page.locator(f'{PICK}[data-layer="0"]')).to_have_attribute("aria-pressed", "true")
    assert explorer_state(page)["unit"] == 2
    wait_for_frame(page)
    values = frame_numbers(live_server, page, "forward", 3)
    assert label(page, "c") == js_fmt(values["c"][2])
    page.wait_for_function("() => !/layer=/.test(location.hash) && /t=3/.test(location.hash)")


def test_backward_mode_shows_the_delta_handed_down_to_the_layer_below(
    page: Page, live_server: str, screenshot: Callable[[Page, str], Path]
) -> None:
    open_explorer(page, live_server, f"{TWO}&layer=1&mode=backward&t=46")
    expect(page.locator(f'{PICK}[data-layer="1"]')).to_have_attribute("aria-pressed", "true")
    top = frame_numbers(live_server, page, "backward", 46)
    assert label(page, "x", "sym") == "δx → layer 0"
    assert label(page, "x") == js_fmt(top["dx"][0])
    expect(page.locator(".eq-row .eq-label", has_text="handed down to layer 0")).to_have_count(1)
    screenshot(page, "layers-backward-layer1")

    pick_layer(page, 0)
    low = frame_numbers(live_server, page, "backward", 46)
    assert low["dy_from_above"] == top["dx"]  # what layer 1 hands down is what layer 0 receives
    assert label(page, "to-above", "sym") == "δ from layer 1"
    assert label(page, "to-above") == js_fmt(top["dx"][0])
    assert eq_value(page, "dy") == js_fmt(low["dy"][0])
    slot = page.locator('.eq-row[data-lhs="dy"] [data-slot="dy_from_above"] .eq-value').first
    assert (slot.text_content() or "").strip("()") == js_fmt(top["dx"][0])  # (−…) in a sum
    expect(page.locator(f'{CIRCUIT} [data-key="readout-v"]')).to_have_count(0)
    screenshot(page, "layers-backward-layer0")


def test_a_one_layer_model_shows_no_layer_picker(page: Page, live_server: str) -> None:
    open_explorer(page, live_server, "t=2")
    expect(page.locator("#stack")).to_be_hidden()
    expect(page.locator(f"{CIRCUIT} .dg-title")).to_have_text("Electronic circuit type")
    assert not re.search(r"layer", page.evaluate("location.hash"))
    assert label(page, "x", "sym") == "x(t)"
