"""Figures for slides and links: the shown diagram downloads as a standalone SVG (valid, holding
the step's numbers, its title and legend) and as a PNG; every chart as PNG and SVG; files are
named after model, task, figure, pass, step and unit; "Copy link" puts the address of exactly
this view on the clipboard."""

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.devices import device_page
from tests.browser.diagram_js import LABELS_JS
from tests.browser.explorer import (
    explorer_state,
    frame_numbers,
    js_fmt,
    open_explorer,
    show_chart,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

SVG = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# diagram → (view, slot, the frame keys whose unit-j numbers a diagram must show)
DIAGRAMS = {
    "circuit": ("t=5&unit=1", "dg-circuit", ["z", "i", "f", "o", "c", "y"]),
    "odyssey": ("t=5&unit=1&diagram=odyssey", "dg-odyssey", ["z", "i", "f", "o", "c", "y"]),
    "rnn": ("t=5&unit=1&cell=rnn", "dg-rnn", ["a", "h"]),
    "circuit-backward": (
        "t=5&unit=1&mode=backward",
        "dg-circuit",
        ["dy", "dc", "do_bar", "dz_bar"],
    ),
}
CHARTS = {
    "card-heat": "heatmap",
    "card-states": "states",
    "card-norms": "error-norms",
    "card-loss": "loss",
}


def download(page: Page, selector: str) -> tuple[str, bytes]:
    """Click selector; the file the page offers: its suggested name and its bytes."""
    with page.expect_download() as info:
        page.locator(selector).click()
    d = info.value
    path = d.path()
    assert path is not None, d.failure()
    return d.suggested_filename, Path(path).read_bytes()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # IHDR comes first
    return width, height


def svg_texts(data: bytes) -> tuple[ET.Element, str]:
    """Parse an SVG file (fails on anything but well-formed SVG); its root and all its text."""
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    assert len(root.get("viewBox", "").split()) == 4
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    return root, texts


@pytest.mark.parametrize("name", list(DIAGRAMS))
def test_diagram_downloads_as_svg_with_the_steps_numbers(
    page: Page, page_log: PageLog, live_server: str, name: str
) -> None:
    view, slot, keys = DIAGRAMS[name]
    mode = "backward" if "backward" in name else "forward"
    open_explorer(page, live_server, view)
    kind = slot.removeprefix("dg-")
    model = "rnn" if kind == "rnn" else "lstm-vanilla"
    filename, data = download(page, f"#{slot} .download-svg")
    assert filename == f"{model}_sine_{kind}_{mode}_t5_unit1.svg"
    root, texts = svg_texts(data)
    text = data.decode()
    # Standalone: no class or CSS variable that would need the page's stylesheet.
    assert text.count("var(--") == 0 and text.count('class="') == 0
    assert len(data) < 400_000
    # Everything the diagram labels on screen, symbol and number, is in the file.
    for label in page.evaluate(LABELS_JS, slot):
        assert label["num"] in texts, f"{label['key']}: {label['num']} missing"
    # ... and those are the engine's numbers of unit j at this step.
    numbers = frame_numbers(live_server, page, mode, 5)
    for key in keys:
        assert js_fmt(numbers[key][1]) in texts, f"{key} = {numbers[key][1]}"
    # Title band and legend: what, which step, which unit; what the colours mean.
    assert ("simple RNN" if kind == "rnn" else "LSTM (vanilla)") in texts and "sine" in texts
    assert "t = 5 of 50 · unit 1" in texts
    legend = ["errors δ"] if mode == "backward" else ["gates", "signed values"]
    for words in legend:
        assert words in texts
    stops = list(root.iter(f"{SVG}stop"))
    assert len(stops) >= 9, "the legend's colour ramps"
    if kind == "odyssey":
        assert "weighted connection" in texts, "Greff's symbol legend"
    assert page_log.console_errors == []


def test_diagram_downloads_as_png(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "t=5&unit=1")
    filename, data = download(page, "#dg-circuit .download-png")
    assert filename == "lstm-vanilla_sine_circuit_forward_t5_unit1.png"
    _, svg = download(page, "#dg-circuit .download-svg")
    root, _ = svg_texts(svg)
    width, height = png_size(data)
    assert (width, height) == (2 * int(root.get("width", "0")), 2 * int(root.get("height", "0")))
    assert len(data) > 30_000, "a drawing, not an empty canvas"
    assert page_log.console_errors == []


@pytest.mark.parametrize("card", list(CHARTS))
def test_each_chart_downloads_as_png_and_svg(
    page: Page, page_log: PageLog, live_server: str, card: str
) -> None:
    open_explorer(page, live_server, "t=12&unit=2")
    show_chart(page, f"#{card}")
    stem = f"lstm-vanilla_sine_{CHARTS[card]}_forward_t12_unit2"
    filename, png = download(page, f"#{card} .download-png")
    assert filename == f"{stem}.png"
    box = page.locator(f"#{card} .js-plotly-plot").bounding_box()
    assert box is not None
    width, _ = png_size(png)
    assert width == 2 * max(320, round(box["width"]))
    filename, svg = download(page, f"#{card} .download-svg")
    assert filename == f"{stem}.svg"
    _, texts = svg_texts(svg)
    assert "time step t" in texts or "update" in texts, "the axis titles"
    assert page_log.console_errors == []


def test_copy_link_copies_this_view(browser: Browser, live_server: str, page_log: PageLog) -> None:
    with device_page(
        browser,
        live_server,
        page_log,
        (1280, 800),
        permissions=["clipboard-read", "clipboard-write"],
    ) as page:
        open_explorer(page, live_server, "t=9&unit=3&mode=backward&diagram=odyssey")
        page.locator("#copy-link").click()
        expect(page.locator(".copy-status")).to_have_text("Link copied")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.url and "unit=3" in copied
        shown = explorer_state(page)
        other = page.context.new_page()
        open_explorer(other, live_server, copied.split("#", 1)[1])
        assert explorer_state(other) == shown
        assert other.get_attribute("#stage", "data-diagram") == "odyssey"
    assert page_log.console_errors == []
