"""The page on phones and tablets: at 360x640, 390x844, 768x1024 and 1024x768 (touch) and on the
desktop, no horizontal scrolling, no console error, no diagram label below 11 px, the controls
in a drawer below 900 px, the charts stacked; tap to step, swipe forward and back, pinch or
buttons to zoom; touch targets of at least 44 px. Screenshots of each size are saved under
screenshots/ for a person to look at."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect

from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.devices import (
    DESKTOP_SIZES,
    DRAWER_BELOW,
    TOUCH_SIZES,
    device_page,
    viewport_shot,
)
from tests.browser.diagram_js import SMALLEST_TEXT_JS
from tests.browser.explorer import (
    open_explorer,
    show_charts,
    shown_t,
    wait_for_frame,
    wait_for_t,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

SIZES = {**TOUCH_SIZES, **DESKTOP_SIZES}
VIEWS = {
    "circuit": "t=12",
    "odyssey-backward": "diagram=odyssey&t=30&mode=backward",
    "rnn": "cell=rnn&t=10",
    "compare": "compare=true&t=20",
}

LAYOUT_JS = """() => {
  const visible = (e) => e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  const cards = [...document.querySelectorAll(".chart-card")].filter(visible)
    .map((c) => c.getBoundingClientRect()).map((r) => ({ left: r.left, top: r.top, width: r.width }));
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    drawer: document.body.classList.contains("drawer-mode"),
    controlsReachable: visible(document.getElementById("controls")) && !document.getElementById("controls").inert,
    drawerButton: visible(document.getElementById("drawer-button")),
    cards,
    diagrams: [...document.querySelectorAll("#diagrams figure.dg")].filter(visible).length,
  };
}"""

# Every visible thing a finger can hit, with its size (a checkbox counts with its label).
TARGETS_JS = """() => [...document.querySelectorAll(
    "button, select, input, summary, a[href], [role=tab], [tabindex]:not([tabindex='-1'])")]
  .filter((e) => !(e.type === "file" || e.type === "hidden" || e.closest(".sr-only")))
  .map((e) => (e.type === "checkbox" || e.type === "radio") && e.closest("label") ? e.closest("label") : e)
  .filter((e) => e.checkVisibility({ visibilityProperty: true })
    && !e.closest("[inert]"))
  .map((e) => { const r = e.getBoundingClientRect();
    return { what: `${e.tagName.toLowerCase()}.${e.className}:${(e.textContent || e.name || "").trim().slice(0, 24)}`,
      w: r.width, h: r.height }; })"""

SVG_BOX_JS = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return { x: r.left, y: r.top, w: r.width, h: r.height }; }"""
SCROLLER_JS = """(sel) => { const s = document.querySelector(sel);
  const r = s.getBoundingClientRect();
  return { left: s.scrollLeft, max: s.scrollWidth - s.clientWidth, x: r.left, y: r.top, w: r.width, h: r.height }; }"""
COUNT_SCROLL_ENDS_JS = """(sel) => { window.__scrollEnds = 0;
  document.querySelector(sel).addEventListener("scrollend", () => { window.__scrollEnds += 1; }); }"""
# Scroll so that the element starts just under the sticky status bar.
SCROLL_TO_JS = """(sel) => window.scrollTo(0, document.querySelector(sel).getBoundingClientRect().top
  + window.scrollY - document.querySelector(".appbar").offsetHeight - 8)"""
NEXT_FRAME_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


@pytest.fixture
def phone(browser: Browser, live_server: str, page_log: PageLog) -> Iterator[Page]:
    """A 390x844 touch phone."""
    with device_page(browser, live_server, page_log, TOUCH_SIZES["390x844"]) as page:
        yield page


@pytest.fixture
def tablet(browser: Browser, live_server: str, page_log: PageLog) -> Iterator[Page]:
    """A 768x1024 touch tablet, portrait."""
    with device_page(browser, live_server, page_log, TOUCH_SIZES["768x1024"]) as page:
        yield page


def touch_drag(page: Page, points: list[list[tuple[float, float]]]) -> None:
    """One touch gesture: points[k] are the fingers' positions at step k (first = down, last
    = where they lift), sent as real touch input (the browser scrolls and zooms as for a finger)."""
    cdp: CDPSession = page.context.new_cdp_session(page)

    def at(k: int) -> list[dict[str, Any]]:
        return [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points[k])]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": at(0)})
    for k in range(1, len(points)):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": at(k)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def swipe(page: Page, x: float, y: float, dx: float) -> None:
    """One finger from (x, y) to (x + dx, y) in 12 moves."""
    touch_drag(page, [[(x + dx * k / 12, y)] for k in range(13)])


def settle(page: Page) -> None:
    """Two animation frames: whatever a gesture asked for has reached the state and the DOM."""
    page.evaluate(NEXT_FRAME_JS)


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("size", list(SIZES))
def test_layout_fits_every_size(
    browser: Browser, live_server: str, page_log: PageLog, size: str, view: str
) -> None:
    """No sideways scrolling, every diagram label at least 11 px, the drawer below 900 px and
    the charts stacked on narrow screens, no console error."""
    width, height = SIZES[size]
    with device_page(browser, live_server, page_log, (width, height)) as page:
        open_explorer(page, live_server, VIEWS[view])
        show_charts(page)  # scrolled through: every chart drawn, then back to the top
        layout = page.evaluate(LAYOUT_JS)
        assert layout["overflow"] <= 0, f"page {layout['overflow']} px wider than the window"
        assert layout["diagrams"] >= 1
        narrow = width < DRAWER_BELOW
        assert layout["drawer"] is narrow
        assert layout["drawerButton"] is narrow
        assert layout["controlsReachable"] is not narrow, "a closed drawer is out of reach"
        if width < 1100:
            lefts = {round(c["left"]) for c in layout["cards"]}
            assert len(lefts) == 1, f"charts side by side at {size}: {layout['cards']}"
        smallest = page.evaluate(SMALLEST_TEXT_JS)
        assert smallest >= 11, f"{view} at {size}: a diagram label renders at {smallest:.2f} px"
        if view in ("circuit", "compare"):
            viewport_shot(page, SCREENSHOT_DIR, f"responsive-{view}-{size}")
        if view == "circuit" and narrow:
            for part, sel in (("charts", "#card-heat"), ("equations", "#equations")):
                page.evaluate(SCROLL_TO_JS, sel)
                settle(page)
                viewport_shot(page, SCREENSHOT_DIR, f"responsive-{part}-{size}")
        assert page_log.console_errors == []


@pytest.mark.parametrize("size", [s for s, (w, _) in TOUCH_SIZES.items() if w < DRAWER_BELOW])
def test_drawer_opens_traps_focus_and_closes(
    browser: Browser, live_server: str, page_log: PageLog, size: str
) -> None:
    with device_page(browser, live_server, page_log, TOUCH_SIZES[size]) as page:
        open_explorer(page, live_server, "t=3")
        button = page.locator("#drawer-button")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#controls select[name=variant]")).not_to_be_in_viewport()
        button.click()
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#controls select[name=variant]")).to_be_in_viewport()
        page.wait_for_function(
            "() => getComputedStyle(document.getElementById('controls')).transform === 'none'"
        )
        viewport_shot(page, SCREENSHOT_DIR, f"responsive-drawer-{size}")
        assert page.evaluate(
            "() => document.getElementById('controls').contains(document.activeElement)"
        )
        for _ in range(40):  # Tab round the drawer: focus never leaves it while it is open
            page.keyboard.press("Tab")
            inside = page.evaluate(
                "() => document.getElementById('controls').contains(document.activeElement)"
            )
            assert inside, "Tab left the open drawer"
        # A control in the drawer acts on the page behind it.
        page.locator("#controls .seg[data-value=backward]").click()
        expect(page.locator("#status [data-status=mode]")).to_have_text("backward (BPTT)")
        page.keyboard.press("Escape")
        expect(button).to_have_attribute("aria-expanded", "false")
        assert page.evaluate(
            "() => document.activeElement === document.getElementById('drawer-button')"
        )
        assert page.evaluate("() => document.getElementById('controls').inert")
        assert page_log.console_errors == []


def test_tap_and_swipe_step_on_a_tablet(tablet: Page, live_server: str) -> None:
    """The diagram fits the tablet's width: a tap takes the next step, a swipe left steps
    forward, a swipe right steps back; backward, a tap is one BPTT step."""
    open_explorer(tablet, live_server, "t=5")
    box = tablet.evaluate(SVG_BOX_JS, "#dg-circuit svg.dg-svg")
    tablet.touchscreen.tap(box["x"] + 20, box["y"] + 20)
    wait_for_t(tablet, 6)
    y = box["y"] + box["h"] * 0.45
    swipe(tablet, box["x"] + box["w"] * 0.8, y, -box["w"] * 0.5)
    wait_for_t(tablet, 7)
    swipe(tablet, box["x"] + box["w"] * 0.2, y, box["w"] * 0.5)
    wait_for_t(tablet, 6)
    # A tap on a unit's strip cell picks that unit instead of stepping.
    cell = tablet.locator("#dg-circuit .strip rect.cell[data-unit='2']").first
    cb = cell.bounding_box()
    assert cb is not None
    tablet.touchscreen.tap(cb["x"] + cb["width"] / 2, cb["y"] + cb["height"] / 2)
    expect(tablet.locator("#controls .unit-chips [aria-checked=true]")).to_have_text("2")
    settle(tablet)
    wait_for_frame(tablet)
    assert shown_t(tablet) == 6
    tablet.keyboard.press("b")
    expect(tablet.locator("#status [data-status=mode]")).to_have_text("backward (BPTT)")
    wait_for_frame(tablet)
    t = shown_t(tablet)
    tablet.touchscreen.tap(box["x"] + 20, box["y"] + 20)
    wait_for_t(tablet, t - 1)


def test_swipe_pans_a_wide_diagram_before_it_steps(phone: Page, live_server: str) -> None:
    """On a phone the circuit is wider than the screen (its labels stay legible): a swipe
    left pans it and takes no step; at its edge a swipe steps."""
    open_explorer(phone, live_server, "t=5")
    s = phone.evaluate(SCROLLER_JS, "#dg-circuit .dg-scroll")
    assert s["max"] > 0, "the circuit fits a 390 px phone only by shrinking its labels"
    y = s["y"] + s["h"] * 0.45
    # Counts the ends of scrolling (a fling goes on after the finger lifts).
    phone.evaluate(COUNT_SCROLL_ENDS_JS, "#dg-circuit .dg-scroll")
    swipe(phone, s["x"] + s["w"] * 0.85, y, -s["w"] * 0.6)
    phone.wait_for_function("() => window.__scrollEnds > 0")
    assert phone.evaluate(SCROLLER_JS, "#dg-circuit .dg-scroll")["left"] > 0
    settle(phone)
    wait_for_frame(phone)
    assert shown_t(phone) == 5, "a swipe that panned the diagram also stepped"
    # Scrolled back to its left edge, nothing to pan to the right: the swipe steps back.
    phone.evaluate(
        "(sel) => { document.querySelector(sel).scrollLeft = 0; }", "#dg-circuit .dg-scroll"
    )
    swipe(phone, s["x"] + s["w"] * 0.2, y, s["w"] * 0.6)
    wait_for_t(phone, 4)
    # The status bar's own step buttons step without opening the drawer.
    phone.locator(".quick-step .quick-fwd").click()
    wait_for_t(phone, 5)


def test_pinch_and_buttons_zoom_a_diagram(phone: Page, live_server: str) -> None:
    open_explorer(phone, live_server, "t=5&diagram=odyssey")
    level = phone.locator("#dg-odyssey .zoom-level")
    expect(level).to_have_text("100 %")
    width = phone.evaluate(SVG_BOX_JS, "#dg-odyssey svg.dg-svg")["w"]
    s = phone.evaluate(SCROLLER_JS, "#dg-odyssey .dg-scroll")
    cx, cy = s["x"] + s["w"] / 2, s["y"] + s["h"] / 2
    touch_drag(phone, [[(cx - 20 - 6 * k, cy), (cx + 20 + 6 * k, cy)] for k in range(12)])
    phone.wait_for_function(
        "() => document.querySelector('#dg-odyssey .zoom-level').textContent !== '100 %'"
    )
    pinched = phone.evaluate(SVG_BOX_JS, "#dg-odyssey svg.dg-svg")["w"]
    assert pinched > width * 1.5, f"pinch: {width:.0f} → {pinched:.0f} px"
    assert phone.evaluate(SMALLEST_TEXT_JS) > 11 * 1.5
    phone.locator("#dg-odyssey .zoom-out").click()
    phone.locator("#dg-odyssey .zoom-out").click()
    phone.locator("#dg-odyssey .zoom-out").click()
    phone.locator("#dg-odyssey .zoom-out").click()
    phone.locator("#dg-odyssey .zoom-out").click()
    expect(level).to_have_text("100 %")
    assert phone.evaluate(SVG_BOX_JS, "#dg-odyssey svg.dg-svg")["w"] == pytest.approx(width, abs=1)
    phone.locator("#dg-odyssey .zoom-in").click()
    expect(level).to_have_text("125 %")
    zoomed = phone.evaluate(SVG_BOX_JS, "#dg-odyssey svg.dg-svg")["w"]
    assert zoomed == pytest.approx(width * 1.25, rel=0.02)
    # Never below the legible scale: zooming out stops at 100 %.
    for _ in range(3):
        phone.locator("#dg-odyssey .zoom-out").click()
    expect(level).to_have_text("100 %")
    assert phone.evaluate(SMALLEST_TEXT_JS) >= 11


@pytest.mark.parametrize("size", ["390x844", "1024x768"])
def test_touch_targets_are_at_least_44_px(
    browser: Browser, live_server: str, page_log: PageLog, size: str
) -> None:
    with device_page(browser, live_server, page_log, TOUCH_SIZES[size]) as page:
        open_explorer(page, live_server, "t=5")
        if page.locator("#drawer-button").is_visible():
            page.locator("#drawer-button").click()
            page.wait_for_function(
                "() => getComputedStyle(document.getElementById('controls')).transform === 'none'"
            )
            drawn = page.evaluate(TARGETS_JS)  # the drawer's controls (the page is inert behind it)
            page.keyboard.press("Escape")
        else:
            drawn = []
        targets = drawn + page.evaluate(TARGETS_JS)
        assert len(targets) > 20
        small = [t for t in targets if t["w"] < 44 or t["h"] < 44]
        assert small == [], f"{len(small)} targets under 44 px: {small[:8]}"
