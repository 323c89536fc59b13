"""The guided tour, lecture mode and the variants experiment in a real chromium.

Screenshots of every chapter and of lecture mode go to screenshots/ (git-ignored).
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.explorer import SHOWN_JS, SHOWN_STATE_JS, explorer_state, wait_for_frame
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

LECTURE = re.compile(r"\blecture\b")

# chapter → (title start, cell, variant, mode, t, visible diagram slot, highlighted keys)
CHAPTERS = {
    1: ("1 · Sequence data", "rnn", "vanilla", "forward", 49, "#dg-rnn", {"x", "y-hat", "target"}),
    2: ("2 · The simple RNN", "rnn", "vanilla", "forward", 3, "#dg-rnn", {"a", "h", "W-next"}),
    3: ("3 · Backpropagation", "rnn", "vanilla", "backward", 44, "#dg-rnn", {"W-next", "h"}),
    4: ("4 · Vanishing", "rnn", "vanilla", "backward", 0, "#compare", {"W-next", "c-next"}),
    5: ("5 · The LSTM forward", "lstm", "NP", "forward", 5, "#dg-circuit", {"c-prev", "c"}),
    6: ("6 · The same cell", "lstm", "vanilla", "forward", 5, "#dg-odyssey", {"peephole-i"}),
    7: ("7 · LSTM backprop", "lstm", "vanilla", "backward", 0, "#dg-circuit", {"c-next", "y-loop"}),
    8: ("8 · The variants", "lstm", "vanilla", "forward", 0, "#dg-odyssey", set()),
}

VISIBLE_HIGHLIGHTS_JS = """() => [...new Set([...document.querySelectorAll('#diagrams .tour-highlight')]
  .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
  .map((e) => e.dataset.key))]"""


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """What the reader sees (the window, not the full page: the tour panel is fixed to it)."""

    def save(target: Page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        target.mouse.move(0, 0)  # no hover tooltip in the picture
        target.screenshot(path=str(path))
        return path

    return save


Shot = Callable[[Page, str], Path]


def open_tour(page: Page, live_server: str, hash_: str) -> None:
    page.goto(f"{live_server}/#{hash_}")
    wait_for_frame(page)


def wait_for_chapter(page: Page, n: int) -> None:
    """Until the page shows chapter n's model, mode and step (controls, status line, address)."""
    _, cell, variant, mode, t, _, _ = CHAPTERS[n]
    page.wait_for_function(
        f"""([n, cell, variant, mode, t]) => {{
          const s = ({SHOWN_STATE_JS})();
          return s.tour === n && s.cell === cell && s.variant === variant && s.mode === mode
            && s.t === t && document.getElementById("stage").dataset.cell === cell
            && ({SHOWN_JS})();
        }}""",
        arg=[n, cell, variant, mode, t],
        timeout=15_000,
    )


def chapter_title(page: Page) -> str:
    return page.locator("#tour .tour-title").inner_text()


@pytest.mark.parametrize("n", list(CHAPTERS), ids=lambda n: f"chapter{n}")
def test_chapter_link_shows_its_state_and_highlights(
    page: Page, page_log: PageLog, live_server: str, screenshot: Shot, n: int
) -> None:
    title, cell, _, mode, _, slot, keys = CHAPTERS[n]
    open_tour(page, live_server, f"tour={n}")
    wait_for_chapter(page, n)
    expect(page.locator("#tour")).to_be_visible()
    assert chapter_title(page).startswith(title)
    assert page.locator("#tour .tour-dot[aria-current=step]").count() == 1
    expect(page.locator("body")).to_have_class(re.compile(r"\btour-open\b"))
    expect(page.locator("#stage")).to_have_attribute("data-cell", cell)
    expect(page.locator(f"{slot} svg").first).to_be_visible()
    expect(page.locator(f"{slot} .dg.mode-{mode}").first).to_be_visible()
    page.wait_for_function(f"() => ({VISIBLE_HIGHLIGHTS_JS})().length >= {len(keys) and 1}")
    shown = set(page.evaluate(VISIBLE_HIGHLIGHTS_JS))
    assert keys <= shown
    assert page.locator("#experiment").is_visible() == (n == 8)
    assert f"tour={n}" in page.url
    screenshot(page, f"tour-chapter-{n}")
    assert page_log.console_errors == []


def test_tour_link_with_a_view_of_its_own_keeps_that_view(page: Page, live_server: str) -> None:
    open_tour(page, live_server, "cell=rnn&t=7&tour=2")
    expect(page.locator("#status [data-status=t]")).to_have_text("t = 7 / 49")
    assert chapter_title(page).startswith("2 · ")
    assert explorer_state(page)["t"] == 7


def test_typed_address_with_another_chapter_opens_it(page: Page, live_server: str) -> None:
    open_tour(page, live_server, "tour=2")
    wait_for_chapter(page, 2)
    page.evaluate("location.hash = '#tour=6'")  # as if typed into the address bar
    wait_for_chapter(page, 6)
    assert chapter_title(page).startswith("6 · ")
    page.evaluate("location.hash = '#t=2'")
    expect(page.locator("#tour")).to_be_hidden()


def test_next_previous_keys_and_dots_move_between_chapters(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_tour(page, live_server, "tour=1")
    wait_for_chapter(page, 1)
    expect(page.locator("#tour .tour-prev")).to_be_disabled()
    page.click("#tour .tour-next")
    wait_for_chapter(page, 2)
    assert chapter_title(page).startswith("2 · ")
    page.keyboard.press("n")
    wait_for_chapter(page, 3)  # same model: only the mode and the step change
    page.keyboard.press("PageUp")
    wait_for_chapter(page, 2)
    page.click("#tour .tour-prev")
    wait_for_chapter(page, 1)
    page.locator("#tour .tour-dot").nth(4).click()
    wait_for_chapter(page, 5)
    page.keyboard.press("p")
    page.keyboard.press("PageDown")  # quick presses: the last one wins
    wait_for_chapter(page, 5)
    page.locator("#tour .tour-dot").nth(7).click()
    wait_for_chapter(page, 8)
    expect(page.locator("#tour .tour-next")).to_be_disabled()
    assert page_log.console_errors == []


def test_tour_button_opens_and_closing_gives_the_panels_back(page: Page, live_server: str) -> None:
    open_tour(page, live_server, "")
    expect(page.locator("#tour")).to_be_hidden()
    page.click("#tour-button")
    wait_for_chapter(page, 1)
    expect(page.locator("#tour-button")).to_have_attribute("aria-pressed", "true")
    page.locator("#tour .tour-dot").nth(3).click()  # chapter 4 hides heatmaps and equations
    wait_for_chapter(page, 4)
    assert explorer_state(page)["eq"] is False
    page.click("#tour .tour-close")
    expect(page.locator("#tour")).to_be_hidden()
    page.wait_for_function("() => !location.hash.includes('tour=')")
    state = explorer_state(page)
    assert (state["tour"], state["eq"], state["heat"], state["lines"]) == (0, True, True, True)
    assert page.locator("#diagrams .tour-highlight").count() == 0


def test_lecture_mode_hides_controls_enlarges_type_and_takes_the_keys(
    page: Page, page_log: PageLog, live_server: str, screenshot: Shot
) -> None:
    open_tour(page, live_server, "tour=5")
    wait_for_chapter(page, 5)
    font = "() => parseFloat(getComputedStyle(document.querySelector('#tour .tour-body')).fontSize)"
    before = page.evaluate(font)
    # Beside the tour panel at 1280 px the controls fold into the drawer (the diagram keeps its
    # 11 px labels): the status bar's button opens them.
    expect(page.locator("#drawer-button")).to_be_visible()
    page.click("#lecture-button")
    expect(page.locator("body")).to_have_class(LECTURE)
    expect(page.locator("#controls")).to_be_hidden()
    expect(page.locator("#drawer-button")).to_be_hidden()
    assert page.evaluate(font) >= 1.3 * before
    assert "lecture=true" in page.url
    screenshot(page, "tour-lecture-1280x800")

    page.keyboard.press("ArrowRight")  # next chapter, not the next time step
    wait_for_chapter(page, 6)
    page.keyboard.press("PageUp")
    wait_for_chapter(page, 5)
    page.keyboard.press("b")  # black screen, not the backward view
    expect(page.locator(".lecture-black")).to_be_visible()
    assert explorer_state(page)["mode"] == "forward"
    page.keyboard.press("b")
    expect(page.locator(".lecture-black")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator("body")).not_to_have_class(LECTURE)
    expect(page.locator("#drawer-button")).to_be_visible()
    expect(page.locator("#tour")).to_be_visible()  # the tour goes on, windowed
    assert page_log.console_errors == []


def test_lecture_link_opens_in_lecture_mode_at_1920(
    page: Page, live_server: str, screenshot: Shot
) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_tour(page, live_server, "tour=6&lecture=true")
    wait_for_chapter(page, 6)
    expect(page.locator("body")).to_have_class(LECTURE)
    expect(page.locator("#dg-odyssey svg")).to_be_visible()
    expect(page.locator("#dg-circuit")).to_be_hidden()  # one diagram, the chapter's, large
    screenshot(page, "tour-lecture-1920x1080")


def test_experiment_view_runs_a_tiny_experiment_and_draws_the_box_plot(
    page: Page, page_log: PageLog, live_server: str, screenshot: Shot
) -> None:
    open_tour(page, live_server, "tour=8")
    wait_for_chapter(page, 8)
    card = page.locator("#experiment")
    expect(card.locator(".xp-finding-text")).to_contain_text("Greff et al. (2017)")
    card.locator(".xp-setup summary").click()
    card.locator("input[name=xp-seeds]").fill("2")
    card.locator("input[name=xp-updates]").fill("20")
    card.locator("input[name=xp-updates]").dispatch_event("change")
    expect(card.locator(".xp-config")).to_contain_text("9 variants × 2 seeds = 18 runs")
    card.locator(".xp-run").click()
    expect(card).to_have_attribute("data-status", "complete", timeout=60_000)
    assert card.locator(".xp-bar").evaluate("(b) => [b.value, b.max]") == [18, 18]
    expect(card.locator(".xp-progress-text")).to_contain_text("18 of 18 runs")
    expect(card.locator(".xp-summary")).to_contain_text("Median held-out loss, best first:")
    expect(card.locator(".xp-context")).to_contain_text("Before training")
    boxes = card.locator(".xp-plot .boxlayer .trace")
    expect(boxes).to_have_count(9)
    assert card.locator(".xp-plot .xtick").count() == 9
    expect(card.locator(".xp-run")).to_be_enabled()
    screenshot(page, "tour-experiment-1280x800")
    assert page_log.console_errors == []


def test_experiment_view_cancel_keeps_the_finished_runs(page: Page, live_server: str) -> None:
    open_tour(page, live_server, "tour=8")
    wait_for_chapter(page, 8)
    card = page.locator("#experiment")
    card.locator(".xp-setup summary").click()
    card.locator("input[name=xp-seeds]").fill("10")
    card.locator("input[name=xp-updates]").fill("400")
    card.locator(".xp-run").click()
    expect(card).to_have_attribute("data-status", "running")
    card.locator(".xp-cancel").click()
    expect(card).to_have_attribute("data-status", "cancelled")
    expect(card.locator(".xp-progress-text")).to_contain_text("cancelled")
    expect(card.locator(".xp-cancel")).to_be_hidden()
    expect(card.locator(".xp-run")).to_be_enabled()
