"""The sequence panel in a real browser, what it draws: the text equals the session's sequence
decoded with its vocabulary, the step shown is the frame's t, a click seeks, the top-5 bars and the
colours are the engine's numbers; series on their own scale; the unfolded cell; a text of
max_sequence_length characters; screenshots of each task's panel. The unit finder and the
connectivity heat: test_sequence_panel_finder.py."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.explorer import (
    SEQ_CHARS,
    SEQ_PANEL,
    api,
    engine_frames,
    js_fmt,
    open_explorer,
    read_own_text,
    sequence_spans,
    session_id,
    show_chart,
    shown_t,
    wait_for_t,
    wait_sequence_panel,
)
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

GLYPH = {"\n": "⏎", "\t": "⇥"}
VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def page_colors(page: Page, family: str, values: list[float]) -> list[str]:
    """The page's own colour scale (static/js/views/color_scales.js) applied to `values`."""
    colors: list[str] = page.evaluate(
        """async ([family, values]) => {
          const m = await import("/static/js/views/color_scales.js");
          return values.map((v) => m.colorFor(family, v));
        }""",
        [family, values],
    )
    return colors


# ----------------------------------------------------------------------------- the text
def test_text_panel_shows_the_sequence_and_the_step_shown(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "task=chars&length=80&t=5")
    wait_sequence_panel(page)
    sid = session_id(page)
    info = api(live_server, "GET", f"/sessions/{sid}")
    seq = api(live_server, "GET", f"/sessions/{sid}/sequence")
    vocabulary = info["vocabulary"]
    decoded = [vocabulary[k] for k in seq["tokens"]] + [vocabulary[seq["targets"][-1]]]
    spans = sequence_spans(page)
    assert [s["text"] for s in spans] == [GLYPH.get(ch, ch) for ch in decoded]
    assert [s["t"] for s in spans] == list(range(81))
    now = [s["t"] for s in spans if s["now"]]
    assert now == [shown_t(page)] == [5]
    assert [s["t"] for s in spans if s["next"]] == [6]
    expect(page.locator(f"{SEQ_PANEL} .seq-now-line")).to_contain_text(
        f"t = 5: reads ‘{VISIBLE.get(decoded[5], decoded[5])}’ · must predict ‘{VISIBLE.get(decoded[6], decoded[6])}’"
    )
    page.keyboard.press("ArrowRight")
    wait_for_t(page, 6)
    expect(page.locator(f"{SEQ_CHARS}.now")).to_have_attribute("data-t", "6")
    assert page_log.console_errors == []


def test_clicking_a_character_seeks_there(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "task=chars&length=60&t=3")
    wait_sequence_panel(page)
    page.locator(f'{SEQ_CHARS}[data-t="41"]').click()
    wait_for_t(page, 41)
    expect(page.locator(f"{SEQ_CHARS}.now")).to_have_attribute("data-t", "41")
    page.locator(f'{SEQ_CHARS}[data-t="17"]').click()  # back: a computed step is replayed
    wait_for_t(page, 17)
    expect(page.locator(f"{SEQ_CHARS}.now")).to_have_attribute("data-t", "17")
    assert page_log.console_errors == []


def test_top5_bars_are_the_frames_y_hat(page: Page, page_log: PageLog, live_server: str) -> None:
    open_explorer(page, live_server, "task=chars&length=40&t=12&hidden_size=8")
    wait_sequence_panel(page)
    sid = session_id(page)
    vocabulary = api(live_server, "GET", f"/sessions/{sid}")["vocabulary"]
    (frame,) = engine_frames(live_server, sid, 12, 13)
    y_hat, target = frame["values"]["y_hat"], frame["values"]["target"]
    best = sorted(range(len(y_hat)), key=lambda k: -y_hat[k])[:5]
    rows = page.locator(f"{SEQ_PANEL} .seq-top-row")
    expect(rows).to_have_count(5)
    shown = page.evaluate(
        f"""() => [...document.querySelectorAll("{SEQ_PANEL} .seq-top-row")].map((r) => ({{
          k: Number(r.dataset.k), label: r.querySelector(".seq-top-label").textContent,
          value: r.querySelector(".seq-top-value").textContent,
          width: r.querySelector(".seq-top-fill").style.width,
          target: r.classList.contains("target") }}))"""
    )
    assert [r["k"] for r in shown] == best
    assert [r["label"] for r in shown] == [VISIBLE.get(vocabulary[k], vocabulary[k]) for k in best]
    assert [r["value"] for r in shown] == [js_fmt(y_hat[k]) for k in best]
    for r in shown:
        assert float(r["width"].rstrip("%")) == pytest.approx(100 * y_hat[r["k"]], abs=1e-4)
    assert [r["target"] for r in shown] == [k == target for k in best]
    if target not in best:
        expect(page.locator(f"{SEQ_PANEL} .seq-top-extra")).to_contain_text(js_fmt(y_hat[target]))
    assert page_log.console_errors == []


def test_characters_are_coloured_by_the_selected_units_value(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "task=chars&length=30&t=20&hidden_size=6&unit=2")
    wait_sequence_panel(page)
    sid = session_id(page)
    forward = engine_frames(live_server, sid, 0, 21)
    for quantity, family in (("c", "cell"), ("i", "gate")):
        page.select_option(f"{SEQ_PANEL} select[name=quantity]", quantity)
        values = [f["values"][quantity][2] for f in forward]
        page.wait_for_function(
            f"""() => document.querySelector('{SEQ_CHARS}[data-t="20"]').dataset.v === "{values[20]!r}"
              || Number(document.querySelector('{SEQ_CHARS}[data-t="20"]').dataset.v) === {values[20]!r}"""
        )
        spans = sequence_spans(page)
        assert [float(s["v"]) for s in spans[:21]] == values  # the engine's numbers, exactly
        assert [s["v"] for s in spans[21:30]] == [""] * 9  # not computed yet: no colour
        assert [s["bg"] for s in spans[:21]] == page_colors(page, family, values)
        assert all(s["bg"] == "" for s in spans[21:30])
    # Hover shows the number.
    page.locator(f'{SEQ_CHARS}[data-t="7"]').hover()
    expect(page.locator(f"{SEQ_PANEL} .seq-tip")).to_contain_text(f"i[2] = {js_fmt(values[7])}")
    assert page_log.console_errors == []


def test_backward_colours_are_the_units_errors(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(
        page, live_server, "task=chars&length=30&t=22&mode=backward&unit=1&quantity=f&hidden_size=5"
    )
    wait_sequence_panel(page)
    sid = session_id(page)
    backward = engine_frames(live_server, sid, 22, 30, "backward")
    values = [f["deltas"]["df_bar"][1] for f in backward]
    spans = sequence_spans(page)
    assert [float(s["v"]) for s in spans[22:30]] == values
    assert [s["v"] for s in spans[:22]] == [""] * 22  # BPTT has not reached them
    assert [s["bg"] for s in spans[22:30]] == page_colors(page, "delta", values)
    assert page_log.console_errors == []


# ----------------------------------------------------------------------------- series
def test_series_panel_draws_the_data_on_its_own_scale(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "task=airline&t=10")
    wait_sequence_panel(page)
    sid = session_id(page)
    seq = api(live_server, "GET", f"/sessions/{sid}/sequence")
    show_chart(page, f"{SEQ_PANEL} .seq-series")
    traces = page.evaluate(
        f"""() => document.querySelector('{SEQ_PANEL} .seq-series .plot').data.map((d) => ({{
          name: d.name, x: Array.from(d.x || []), y: Array.from(d.y || []) }}))"""
    )
    by_name = {t["name"]: t for t in traces}
    assert by_name["passengers"]["y"] == [row[0] for row in seq["inputs_raw"]]
    assert by_name["target"]["y"] == [row[0] for row in seq["targets_raw"]]
    predicted = [v for v in by_name["prediction"]["y"] if v is not None]
    assert len(predicted) == 11  # steps 0 … 10 computed
    note = page.locator(f"{SEQ_PANEL} .seq-note")
    expect(note).to_contain_text("thousand passengers")
    expect(note).to_contain_text(seq["scale"]["normalisation"][:40])
    expect(page.locator(f"{SEQ_PANEL} .seq-now-line")).to_contain_text(
        f"target {js_fmt(seq['targets_raw'][10][0])}"
    )
    assert page_log.console_errors == []


def test_series_panel_marks_steps_with_an_input_and_a_target(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "task=echo&length=8&t=3")
    wait_sequence_panel(page)
    show_chart(page, f"{SEQ_PANEL} .seq-series")
    marks = page.evaluate(
        f"""() => document.querySelector('{SEQ_PANEL} .seq-series .plot').data
          .find((d) => d.name === "marks").z.map((row) => Array.from(row))"""
    )
    # One-to-many at a glance: an input at step 0 only, a target at every step.
    assert marks == [[1] + [0] * 7, [2] * 8]
    assert page_log.console_errors == []


# ----------------------------------------------------------------------------- unfolded
def test_unfolded_cell_carries_the_units_values(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_explorer(page, live_server, "task=chars&length=30&t=12&unit=1&hidden_size=4")
    wait_sequence_panel(page)
    sid = session_id(page)
    forward = engine_frames(live_server, sid, 0, 13)
    unfold = page.locator(f"{SEQ_PANEL} .seq-unfold")
    expect(unfold.locator(".blk.current .blk-step")).to_have_text("t = 12 (drawn above)")
    steps = [
        int(s) for s in unfold.locator(".blk").evaluate_all("bs => bs.map((b) => b.dataset.step)")
    ]
    assert len(steps) >= 3 and 12 in steps and steps == list(range(steps[0], steps[0] + len(steps)))
    labels = unfold.locator(".seg[data-rail=c] .seg-label").all_text_contents()
    # The highway into the first block carries c of the step before it, then each block's c,
    # up to the step shown; beyond it nothing is computed yet.
    carried = [steps[0] - 1, *steps]
    assert labels == [js_fmt(forward[s]["values"]["c"][1]) if s <= 12 else "" for s in carried]
    page.keyboard.press("b")  # the backward pass
    expect(page.locator("#status")).to_contain_text("backward")
    wait_sequence_panel(page)
    t = shown_t(page)
    (back,) = engine_frames(live_server, sid, t, t + 1, "backward")
    leaving = unfold.locator(f'.blk[data-step="{t}"]')
    expect(leaving).to_have_class(re.compile("current"))
    highway = unfold.locator(".seg[data-rail=c] .seg-label").all_text_contents()
    assert js_fmt(back["deltas"]["dc_prev_highway"][1]) in highway
    expect(unfold.locator(".rail-name").first).to_have_text("δc⊙f")
    assert page_log.console_errors == []


# ----------------------------------------------------------------------------- long text
def test_a_text_of_max_sequence_length_stays_usable(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    limits = api(live_server, "GET", "/presets")["limits"]
    n = limits["max_sequence_length"] + 1
    words = 'the "quick" brown fox jumps over the lazy dog; '
    text = (words * (n // len(words) + 1))[:n]
    open_explorer(page, live_server, "hidden_size=8")
    read_own_text(page, text)
    wait_sequence_panel(page)
    expect(page.locator(SEQ_CHARS)).to_have_count(n)
    # Seek far into it by clicking: the text box scrolls itself, the page does not jump.
    page.keyboard.press("End")
    wait_for_t(page, n - 2)
    expect(page.locator(f"{SEQ_CHARS}.now")).to_have_attribute("data-t", str(n - 2))
    assert page.evaluate(
        f"""() => {{ const box = document.querySelector('{SEQ_PANEL} .seq-text').getBoundingClientRect();
          const now = document.querySelector('{SEQ_CHARS}.now').getBoundingClientRect();
          return now.top >= box.top - 1 && now.bottom <= box.bottom + 1; }}"""
    )
    target = n - 300
    page.locator(f'{SEQ_CHARS}[data-t="{target}"]').scroll_into_view_if_needed()
    page.locator(f'{SEQ_CHARS}[data-t="{target}"]').click()
    wait_for_t(page, target)
    assert page_log.console_errors == []


# ----------------------------------------------------------------------------- screenshots
PANEL_VIEWS = {
    "chars": "task=chars&length=400&t=150&hidden_size=16",
    "chars-backward": "task=chars&length=200&t=120&mode=backward&quantity=f&unit=3&hidden_size=16",
    "chars-connectivity": "task=chars&length=200&t=160&paint=connectivity&hidden_size=16",
    "reber": "task=reber&t=30",
    "copy": "task=copy&t=11",
    "airline": "task=airline&t=14",
    "sunspots": "task=sunspots&t=25&quantity=y",
    "weather": "task=weather&t=50",
    "echo": "task=echo&t=6&cell=rnn",
    "compare": "task=chars&length=120&t=80&compare=true&mode=backward",
}


@pytest.mark.parametrize("view", list(PANEL_VIEWS))
def test_screenshot_sequence_panel(
    page: Page,
    page_log: PageLog,
    live_server: str,
    screenshot: Callable[[Page, str], Path],
    view: str,
) -> None:
    open_explorer(page, live_server, PANEL_VIEWS[view])
    wait_sequence_panel(page)
    panel = page.locator(SEQ_PANEL)
    panel.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    if "task=chars" in PANEL_VIEWS[view] or "reber" in view:
        expect(page.locator(SEQ_CHARS).first).to_be_visible()
    else:
        show_chart(page, f"{SEQ_PANEL} .seq-series")
        panel.scroll_into_view_if_needed()
    path = screenshot(page, f"sequence-{view}-1280x800")
    assert path.stat().st_size > 20_000
    panel.screenshot(path=str(path.with_name(f"sequence-{view}-panel.png")))
    assert page_log.console_errors == []
