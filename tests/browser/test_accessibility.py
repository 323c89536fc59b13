"""WCAG 2.2 AA on the explorer page: an axe-core audit of every view (forward, backward, both
diagrams, RNN, compare, the sequence panel, tour, lecture, the phone's drawer, the values table,
dark and high-contrast themes) finds no serious or critical violation; the keyboard reaches
every control and shows a focus ring; the values table is a text alternative holding the
engine's numbers; reduced motion stops the animations; selected states are not told by colour
alone. axe-core is test-only (tests/browser/vendor/axe-core), injected into the page here and
never served by the app."""

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.devices import AXE, TOUCH_SIZES, device_page
from tests.browser.explorer import (
    frame_numbers,
    js_fmt,
    open_explorer,
    show_charts,
    shown_t,
    wait_for_t,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "static"
VIEWS = {
    "forward": "t=5",
    "backward": "t=30&mode=backward",
    "odyssey": "diagram=odyssey&t=8",
    "odyssey-backward": "diagram=odyssey&t=20&mode=backward",
    "rnn": "cell=rnn&t=10",
    "rnn-backward": "cell=rnn&t=10&mode=backward",
    "compare": "compare=true&t=20&mode=backward",
    "stacked": "num_layers=2&layer=1&t=6",
    "stacked-backward": "num_layers=3&layer=1&t=40&mode=backward",
    "stacked-rnn": "cell=rnn&num_layers=2&t=5",
    "sequence-text": "task=chars&t=6",
    "tour": "tour=2",
    "lecture": "tour=3&lecture=true",
}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AUDIT_JS = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"] });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 4)
      .map((n) => n.target.join(" ")).join(" | "));
}"""

# Every control a keyboard should reach: visible, enabled, not taken out of the tab order.
FOCUSABLE_JS = """() => {
  const all = [...document.querySelectorAll(
    "button, select, input, textarea, summary, a[href], [tabindex]:not([tabindex='-1'])")]
    .filter((e) => !e.disabled && !e.hidden && e.type !== "hidden" && !e.closest("[inert]")
      && e.checkVisibility({ visibilityProperty: true })
      && !e.closest(".js-plotly-plot"));
  window.__focusables = all;
  return all.map((e) => `${e.tagName.toLowerCase()}[${e.name || e.id || e.className}] ${(e.textContent || "").trim().slice(0, 20)}`);
}"""
FOCUSED_JS = """() => {
  const e = document.activeElement;
  const cs = getComputedStyle(e);
  return { index: window.__focusables.indexOf(e), outline: cs.outlineStyle,
    width: parseFloat(cs.outlineWidth), visible: e.matches(":focus-visible") };
}"""
TABLE_JS = """() => [...document.querySelectorAll("#value-table-body tbody tr")].map((tr) => ({
  key: tr.dataset.key, unit: tr.children[3].textContent, all: tr.children[4].textContent }))"""


@pytest.fixture
def audited(page: Page) -> Page:
    """The 1280x800 page, under the app's own Content-Security-Policy (see audit)."""
    return page


def audit(page: Page) -> list[str]:
    """The serious and critical WCAG 2.2 AA violations axe-core finds on the page as it is.
    axe-core is evaluated through the DevTools protocol, which the page's policy does not
    govern: the page is audited as users get it, its policy on."""
    page.evaluate(AXE.read_text())
    found: list[str] = page.evaluate(AUDIT_JS, WCAG)
    return found


def test_axe_is_vendored_for_tests_only(live_server: str) -> None:
    assert AXE.stat().st_size > 100_000 and (AXE.parent / "LICENSE").is_file()
    assert not [p for p in STATIC.rglob("*") if "axe" in p.name.lower()], "axe-core under static/"
    for path in ("/static/vendor/axe-core/axe.min.js", "/tests/browser/vendor/axe-core/axe.min.js"):
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"{live_server}{path}", timeout=10)


def test_the_audit_sees_what_the_page_shows(audited: Page, live_server: str) -> None:
    """The audit runs on the page under its policy and reports what is wrong there: a button
    with no name and grey-on-grey text, put on the page, are found."""
    open_explorer(audited, live_server, "t=5")
    audited.evaluate("""() => {
      const b = document.createElement("button"); b.id = "planted-button";
      const p = document.createElement("p"); p.id = "planted-text"; p.textContent = "faint";
      p.style.cssText = "color: #bbb; background: #ccc";
      document.querySelector("main").append(b, p); }""")
    found = audit(audited)
    assert any(v.startswith("critical button-name") and "#planted-button" in v for v in found)
    assert any(v.startswith("serious color-contrast") and "#planted-text" in v for v in found)


@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_no_serious_violation(audited: Page, live_server: str, view: str) -> None:
    open_explorer(audited, live_server, VIEWS[view])
    show_charts(audited)
    if view in ("tour", "lecture"):
        audited.locator(".tour-panel").wait_for(state="visible")
    assert audit(audited) == []


@pytest.mark.parametrize("theme", ["dark", "contrast"])
def test_axe_finds_no_serious_violation_in_each_theme(
    audited: Page, live_server: str, theme: str
) -> None:
    if theme == "dark":
        audited.emulate_media(color_scheme="dark")
    open_explorer(audited, live_server, "t=30&mode=backward")
    if theme == "contrast":
        audited.locator("#theme-select").select_option("contrast")
    show_charts(audited)
    assert audit(audited) == []
    # In lecture mode too (a projector).
    audited.locator("#lecture-button").click()
    audited.locator(".tour-panel").wait_for(state="visible")
    assert audit(audited) == []


def test_axe_on_a_phone_with_the_drawer_and_the_values_table(
    browser: Browser, live_server: str, page_log: PageLog
) -> None:
    with device_page(browser, live_server, page_log, TOUCH_SIZES["390x844"]) as page:
        open_explorer(page, live_server, "t=5")
        show_charts(page)
        page.locator(".value-table-toggle").click()
        assert audit(page) == []
        page.locator("#drawer-button").click()
        expect(page.locator("#drawer-button")).to_have_attribute("aria-expanded", "true")
        assert audit(page) == []


def test_keyboard_reaches_every_control_with_a_visible_focus_ring(
    page: Page, live_server: str
) -> None:
    open_explorer(page, live_server, "t=5")
    show_charts(page)
    page.locator(".value-table-toggle").focus()
    page.keyboard.press("Enter")  # the table, shown, is one more stop (it scrolls)
    expect(page.locator("#value-table-body")).not_to_have_class("sr-only")
    page.evaluate("() => document.activeElement.blur()")
    names = page.evaluate(FOCUSABLE_JS)
    assert len(names) > 40
    seen: set[int] = set()
    for _ in range(len(names) + 10):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused["index"] < 0:
            continue
        seen.add(focused["index"])
        name = names[focused["index"]]
        assert focused["visible"] and focused["outline"] != "none" and focused["width"] >= 2, name
    missed = [names[k] for k in range(len(names)) if k not in seen]
    assert missed == [], f"Tab never reaches {missed}"


def test_keyboard_operates_the_page(page: Page, live_server: str) -> None:
    """Shortcuts step and switch; a focused button answers Enter and Space; arrow keys move
    between the diagram tabs."""
    open_explorer(page, live_server, "t=5")
    page.keyboard.press("ArrowRight")
    wait_for_t(page, 6)
    page.locator("#controls .seg[data-value=backward]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#status [data-status=mode]")).to_have_text("backward (BPTT)")
    page.locator(".tabs [data-diagram=odyssey]").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".tabs [data-diagram=odyssey]")).to_have_attribute("aria-selected", "true")
    page.wait_for_function("() => location.hash.includes('diagram=odyssey')")
    t = shown_t(page)
    page.keyboard.press("ArrowLeft")  # on a tab: the previous tab, not a step back
    expect(page.locator(".tabs [data-diagram=circuit]")).to_have_attribute("aria-selected", "true")
    assert page.evaluate("() => document.activeElement.dataset.diagram") == "circuit"
    assert shown_t(page) == t
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tabs [data-diagram=odyssey]")).to_have_attribute("aria-selected", "true")
    page.locator("#dg-odyssey .zoom-in").focus()
    page.keyboard.press("Space")
    expect(page.locator("#dg-odyssey .zoom-level")).to_have_text("125 %")


@pytest.mark.parametrize("mode", ["forward", "backward"])
def test_values_table_holds_the_steps_numbers(page: Page, live_server: str, mode: str) -> None:
    """The text alternative of the diagrams: every row the engine's number, formatted as the
    diagrams format it, for unit j and for the whole vector."""
    t, unit = 7, 2
    open_explorer(page, live_server, f"t={t}&unit={unit}&mode={mode}")
    table = page.locator("#value-table-body")
    expect(table).to_have_class("value-table-body sr-only")  # read out, not drawn
    assert page.locator("#value-table-body caption").text_content() == (
        f"{'Errors δ' if mode == 'backward' else 'Values'} at step t = {t} of 50 (unit j = {unit}), "
        f"{mode} pass"
    )
    page.locator(".value-table-toggle").click()
    expect(table).to_be_visible()
    expect(page.locator(".value-table-toggle")).to_have_attribute("aria-expanded", "true")
    numbers = frame_numbers(live_server, page, mode, t)
    rows = page.evaluate(TABLE_JS)
    assert len(rows) >= (30 if mode == "backward" else 25)
    for row in rows:
        arr = numbers[row["key"]]
        assert row["all"] == "[" + ", ".join(js_fmt(v) for v in arr) + "]", row["key"]
        if row["key"] not in ("x", "v", "y_hat", "target", "dv", "dx"):
            assert row["unit"] == js_fmt(arr[unit]), row["key"]
    assert {r["key"] for r in rows} >= (
        {"dy", "dc", "do_bar", "dc_prev"} if mode == "backward" else {"z", "i", "f", "o", "c", "y"}
    )
    # It follows the step.
    page.keyboard.press("ArrowRight" if mode == "forward" else "ArrowLeft")
    wait_for_t(page, t + 1 if mode == "forward" else t - 1)
    expect(page.locator("#value-table-body caption")).to_contain_text(f"t = {shown_t(page)} of 50")


def test_reduced_motion_turns_the_animations_off(page: Page, live_server: str) -> None:
    animations = "() => document.getAnimations().filter((a) => a.playState === 'running').length"
    open_explorer(page, live_server, "t=30&mode=backward")
    assert page.evaluate(animations) > 0, "backward, the error dashes move"
    page.emulate_media(reduced_motion="reduce")
    page.wait_for_function(f"() => ({animations})() === 0")
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('.dg .wire .val')).animationName"
        )
        == "none"
    )


def test_selected_states_are_not_told_by_colour_alone(page: Page, live_server: str) -> None:
    """The pressed mode button, the checked unit chip and the selected tab carry their state for
    screen readers (aria) and for the eye by shape (underline, weight), not only by fill."""
    open_explorer(page, live_server, "t=3&unit=1")
    look = """(sel) => { const cs = getComputedStyle(document.querySelector(sel));
      return [cs.textDecorationLine, cs.fontWeight]; }"""
    for on, off, attr in [
        (
            "#controls .seg[data-value=forward]",
            "#controls .seg[data-value=backward]",
            "aria-pressed",
        ),
        ("#controls .chip[data-unit='1']", "#controls .chip[data-unit='0']", "aria-checked"),
        (".tabs [data-diagram=circuit]", ".tabs [data-diagram=odyssey]", "aria-selected"),
    ]:
        expect(page.locator(on)).to_have_attribute(attr, "true")
        expect(page.locator(off)).to_have_attribute(attr, "false")
        shown, other = page.evaluate(look, on), page.evaluate(look, off)
        assert "underline" in shown[0] and "underline" not in other[0], on
        assert int(shown[1]) > int(other[1]), on
    # Sign and direction are written out: the status line's arrow, the numbers' minus sign.
    expect(page.locator("#status [data-status=mode]")).to_have_text("forward")
    arrow = page.evaluate(
        "() => getComputedStyle(document.querySelector('#status [data-status=mode]'), '::before').content"
    )
    assert "→" in arrow


def test_themes_keep_the_colour_scales(
    browser: Browser, live_server: str, page_log: PageLog
) -> None:
    """Dark and high-contrast themes repaint the page, not the colour scales: a wire's value
    colour is the same number's colour in every theme, on a light paper."""
    halo = """() => getComputedStyle(document.querySelector("#dg-circuit [data-key=c-kept] .val")).stroke"""
    paper = "() => getComputedStyle(document.querySelector('#dg-circuit .dg')).backgroundColor"
    page_bg = "() => getComputedStyle(document.body.parentElement).backgroundColor"
    seen = {}
    for scheme in ("light", "dark"):
        with device_page(browser, live_server, page_log, (1280, 800)) as page:
            page.emulate_media(color_scheme=scheme)
            open_explorer(page, live_server, "t=12")
            seen[scheme] = (page.evaluate(halo), page.evaluate(paper), page.evaluate(page_bg))
            if scheme == "light":
                page.locator("#theme-select").select_option("contrast")
                wire = page.evaluate(
                    "() => getComputedStyle(document.querySelector('#dg-circuit .wire .core')).stroke"
                )
                assert wire == "rgb(0, 0, 0)"
                seen["contrast"] = (
                    page.evaluate(halo),
                    page.evaluate(paper),
                    page.evaluate(page_bg),
                )
                # Kept in this browser, not in the link.
                page.reload()
                expect(page.locator("#theme-select")).to_have_value("contrast")
                assert "theme" not in page.url
    assert seen["light"][0] == seen["dark"][0] == seen["contrast"][0] != "none"
    for name, (_, fig, _) in seen.items():
        assert fig == "rgb(255, 255, 255)", f"{name}: diagram paper {fig}"
    assert seen["dark"][2] != seen["light"][2]
    assert page_log.console_errors == []
