"""The three cell diagrams and the equations (static/js/views/) on the engine's own frames.

The frames are recorded from the engine by scripts/record_frames.py into
tests/fixtures/diagram_frames.json (tests/test_recorded_frames.py fails when it is stale). A
test-only harness page (tests/browser/harness/, served here through a route of the harness
pages' own browser context, never by the app) mounts the real views from /static/js/views/ on
those frames; its view is in the URL (?case=NP&mode=backward&unit=2&t=3). Every number a view
draws is compared with the frame's.
"""

import json
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from weakref import WeakSet

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.browser.diagram_js import (
    LABELS_JS,
    OVERLAP_JS,
    POINT_ON_PATH_JS,
    SLOTS_JS,
    SMALLEST_TEXT_JS,
)
from tests.browser.explorer import js_fmt
from tests.browser.page_log import PageLog
from tests.browser.page_pool import pooled_page

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
HARNESS_DIR = HERE / "harness"
FIXTURE = HERE.parent / "fixtures" / "diagram_frames.json"
DATA: dict[str, Any] = json.loads(FIXTURE.read_text())["cases"]
LSTM_DIAGRAMS = ("circuit", "odyssey")
LSTM_CASES = [name for name, case in DATA.items() if case["session"]["cell"] == "lstm"]
# Keys of D- or O-sized vectors: drawn whole (or as a norm), not element `unit`.
VECTORS = {
    "lstm": {"x", "v", "y_hat", "target", "dv", "dx"},
    "rnn": {"x", "o", "y_hat", "target", "do", "dx"},
}


def serve_harness(route: Route) -> None:
    name = route.request.url.split("/harness/", 1)[1].split("?", 1)[0]
    if name == "frames.json":
        route.fulfill(path=FIXTURE, content_type="application/json")
    elif name in {"diagrams.html", "diagrams.js"}:
        kind = "text/html" if name.endswith(".html") else "text/javascript"
        route.fulfill(path=HARNESS_DIR / name, content_type=kind)
    else:
        route.fulfill(status=404, body="not in the harness")


_routed: "WeakSet[BrowserContext]" = WeakSet()


@pytest.fixture
def page(browser: Browser, live_server: str, page_log: PageLog) -> Iterator[Page]:
    """A 1280x800 page of the harness's own context, which serves /harness/ (a route of the
    context, set once: a page given a route of its own would not serve the next test)."""
    with pooled_page(
        browser, live_server, page_log, pool="harness", viewport={"width": 1280, "height": 800}
    ) as harness_page:
        if harness_page.context not in _routed:
            harness_page.context.route(f"{live_server}/harness/**", serve_harness)
            _routed.add(harness_page.context)
        yield harness_page


@pytest.fixture
def harness(page: Page, live_server: str) -> Iterator[Callable[..., None]]:
    """open(**view): the harness page on the recorded frames, at ?case=…&mode=…&unit=…&t=…"""

    def open_view(**view: Any) -> None:
        query = "&".join(f"{k}={v}".replace("+", "%2B") for k, v in view.items())
        response = page.goto(f"{live_server}/harness/diagrams.html?{query}")
        assert response is not None and response.ok
        page.wait_for_function("window.__harness && window.__harness.ready")

    yield open_view


def set_step(page: Page, t: int) -> None:
    """Move the step slider as a user would; every view re-renders."""
    page.eval_on_selector(
        "#t", "(el, t) => { el.value = t; el.dispatchEvent(new Event('input')); }", t
    )
    assert page.text_content("#t-out") == str(t)


def keys_in(page: Page, diagram: str) -> set[str]:
    return set(
        page.eval_on_selector_all(f"#{diagram} [data-key]", "els => els.map(e => e.dataset.key)")
    )


def label(page: Page, diagram: str, key: str) -> tuple[str, str]:
    """(symbol, number) of the value label of the element with data-key `key`; the symbol in
    NFC (z̄ is z + a combining macron, ō one character: both read the same)."""
    base = f'#{diagram} [data-key="{key}"] > .vlabel'
    sym = page.text_content(f"{base} .sym") or ""
    return unicodedata.normalize("NFC", sym), page.text_content(f"{base} .num") or ""


def nfc(pair: tuple[str, Any]) -> tuple[str, str]:
    """An expected (symbol, value) as label() reads it."""
    return unicodedata.normalize("NFC", pair[0]), js_fmt(pair[1])


def expected_text(value: Any, key: str, unit: int, cell: str) -> str:
    """What a diagram label shows for a frame value: element `unit`, or a short vector whole."""
    if value is None:
        return "—"  # no target at this step
    if key not in VECTORS[cell]:
        return js_fmt(value[unit])
    if not isinstance(value, list):
        return f"label {value}"  # a cross-entropy target
    if len(value) == 1:
        return js_fmt(value[0])
    assert len(value) <= 3, "the fixture's D and O are small: no norm is drawn"
    return f"[{', '.join(js_fmt(v) for v in value)}]"


def drawn_matches_frame(page: Page, name: str, mode: str, t: int, unit: int) -> set[str]:
    """Assert every visible number of every diagram is the frame's; return the keys seen."""
    case = DATA[name]
    box = case["backward"][t]["deltas"] if mode == "backward" else case["forward"][t]["values"]
    diagrams = ("rnn",) if case["session"]["cell"] == "rnn" else LSTM_DIAGRAMS
    seen = set()
    for diagram in diagrams:
        for item in page.evaluate(LABELS_JS, diagram):
            where = f"{name} {mode} t={t} {diagram} {item['key']} ({item['q']})"
            assert item["q"] in box, f"{where}: drawn, but the frame has no {item['q']}"
            assert item["num"] == expected_text(
                box[item["q"]], item["q"], unit, case["session"]["cell"]
            ), where
            seen.add(item["q"])
    return seen


# What each variant must draw, and must not (data-keys of drawn elements).
STRUCTURE: dict[str, tuple[set[str], set[str]]] = {
    "vanilla": (
        {"z", "i", "f", "o", "mul-f", "mul-i", "mul-o", "act-h", "z-act", "x", "y-prev", "y-hat"}
        | {"peephole-i", "peephole-f", "peephole-o", "p-i-next", "p-f-next"},
        {"one-minus", "fgr", "identity-g", "identity-h"},
    ),
    "NP": ({"i", "f", "o"}, {"peephole-i", "peephole-f", "peephole-o", "p-i-next", "p-f-next"}),
    "CIFG": (
        {"one-minus", "i", "mul-f", "peephole-i", "peephole-o"},
        {"f", "peephole-f", "y-prev-f", "p-f-next"},
    ),
    "FGR": (
        {"fgr", "fgr-i", "fgr-f", "fgr-o", "i-prev", "f-prev", "o-prev", "i-from-next"},
        {"one-minus"},
    ),
    "NIG": ({"z", "f", "o", "mul-f"}, {"i", "mul-i", "peephole-i", "y-prev-i"}),
    "NFG": ({"i", "o", "mul-i"}, {"f", "mul-f", "peephole-f", "one-minus", "y-prev-f"}),
    "NOG": ({"i", "f", "act-h"}, {"o", "mul-o", "peephole-o", "y-prev-o"}),
    "NIAF": ({"identity-g", "z"}, {"z-act"}),
    "NOAF": ({"identity-h"}, {"act-h"}),
    "NOG+NOAF": ({"identity-h", "i", "f"}, {"o", "act-h", "mul-o"}),
    "rnn": ({"x", "a", "h", "o", "y-hat", "h-prev", "W-prev", "W-next", "U"}, set()),
}

# Backward: the errors arriving at step t and leaving it for t−1, labelled with their numbers.
ARRIVING = {"dy_readout", "dy_from_next", "dc_from_next"}
LEAVING = {"dy_prev", "dc_prev", "dc_prev_highway"}


def flows(name: str) -> set[str]:
    """The arriving and leaving terms the variant's frames carry, each of which must be drawn."""
    if DATA[name]["session"]["cell"] == "rnn":
        return {"dh_readout", "dh_from_next", "dh_prev"}
    s = DATA[name]["session"]["structure"]
    keys = set(ARRIVING | LEAVING)
    units = ["z"] + [
        g
        for g, on in (
            ("i", s["input_gate"]),
            ("f", s["forget_gate"] and not s["coupled"]),
            ("o", s["output_gate"]),
        )
        if on
    ]
    keys |= {f"dy_prev_{u}" for u in units}
    if s["peepholes"]:
        keys |= {f"dc_prev_p_{u}" for u in units if u in ("i", "f")}
        keys |= {f"dc_from_p_{u}_next" for u in units if u in ("i", "f")}
    if s["gate_recurrence"]:
        keys |= {f"d_{g}_prev" for g in "ifo"} | {f"d_{g}_from_next" for g in "ifo"}
    return keys


def slot_value(name: str, slot: str, mode: str, t: int, unit: int) -> Any:
    """The number an equation slot must show: the frame key (or parameter) it is named after."""
    case = DATA[name]
    boxes = [case["forward"][t]["values"], case["params"]]
    if mode == "backward":
        boxes.insert(0, case["backward"][t]["deltas"])
    for box in boxes:
        if slot in box and isinstance(box[slot], list):
            return box[slot][unit]
    raise AssertionError(f"{name} {mode} t={t}: slot {slot} names no frame key or parameter")


SPECIAL_SLOTS = {"dx", "y_hat", "target", "loss_t", "o", "do"}  # vectors and text


def equations_match_frame(page: Page, name: str, mode: str, t: int, unit: int) -> None:
    """Assert every number slot of the equations shows its frame key's (or parameter's) value."""
    slots = page.evaluate(SLOTS_JS)
    assert len(slots) > 8
    for s in slots:
        where = f"{name} {mode} t={t} equation row {s['lhs']} slot {s['name']}"
        if s["name"] in SPECIAL_SLOTS:
            assert s["text"] and "n/a" not in s["text"], where
            continue
        want = js_fmt(slot_value(name, s["name"], mode, t, unit))
        if s["paren"] and want.startswith("−"):
            want = f"({want})"
        assert s["text"] == want, where


@pytest.mark.parametrize("name", list(DATA))
def test_views_on_every_recorded_frame(
    page: Page, page_log: PageLog, harness: Callable[..., None], name: str
) -> None:
    """Every step each way: the variant's structure; every number drawn and substituted is the
    frame's; backward, what arrives and what leaves is labelled; no label under 11 px and none
    overlapping another (the harness at 1280x800 draws each LSTM diagram about 600 px wide)."""
    unit = 1
    harness(case=name, unit=unit, t=0)
    diagrams = ("rnn",) if DATA[name]["session"]["cell"] == "rnn" else LSTM_DIAGRAMS
    present, absent = STRUCTURE.get(name, (set(), set()))
    for diagram in diagrams:
        keys = keys_in(page, diagram)
        assert present <= keys, f"{diagram} misses {present - keys}"
        assert not absent & keys, f"{diagram} should not draw {absent & keys}"
        variant = page.get_attribute(f"#{diagram} figure", "data-variant")
        assert variant == DATA[name]["session"]["variant"]
    want = flows(name)
    for mode in ("forward", "backward"):
        page.click(f"#mode-{mode}")
        for t in range(DATA[name]["session"]["T"]):  # the first, middle and last steps
            set_step(page, t)
            seen = drawn_matches_frame(page, name, mode, t, unit)
            equations_match_frame(page, name, mode, t, unit)
            if mode == "backward":
                assert want <= DATA[name]["backward"][t]["deltas"].keys()
                assert want <= seen, f"t={t}: not labelled: {sorted(want - seen)}"
            else:
                assert not want & seen, f"t={t}: forward shows {want & seen}"
            assert page.evaluate(OVERLAP_JS) == [], f"{mode} t={t}"
        smallest = page.evaluate(SMALLEST_TEXT_JS)
        assert smallest >= 11, f"{mode}: text rendered at {smallest:.1f}px at 1280x800"
        for diagram in diagrams:
            # Arrowheads turn round: errors flow from outputs back to inputs.
            starts = page.locator(f"#{diagram} path.core[marker-start]").count()
            ends = page.locator(f"#{diagram} path.core[marker-end]").count()
            forward, backward = (ends, starts) if mode == "forward" else (starts, ends)
            assert forward > 8 and backward == 0, f"{diagram} {mode}: {starts} starts, {ends} ends"
    assert page_log.console_errors == []


def test_backward_labels_name_their_terms(
    page: Page, page_log: PageLog, harness: Callable[..., None]
) -> None:
    unit, t = 2, 1
    harness(case="vanilla", unit=unit, t=t, mode="backward")
    d = DATA["vanilla"]["backward"][t]["deltas"]
    expected = {
        "circuit": {
            "c": ("δc", d["dc"][unit]),
            "c-next": ("δc←t+1", d["dc_from_next"][unit]),
            "y-loop": ("δy←t+1", d["dy_from_next"][unit]),
            "readout-in": ("Vᵀδv", d["dy_readout"][unit]),
            "c-prev": ("δc→t−1", d["dc_prev"][unit]),
            "c-prev-highway": ("δc⊙f", d["dc_prev_highway"][unit]),
            "peephole-i": ("piδi\u0304", d["dc_prev_p_i"][unit]),
            "y-prev": ("δy→t−1", d["dy_prev"][unit]),
            "y-prev-z": ("Rzᵀδz\u0304", d["dy_prev_z"][unit]),
            "p-f-next": ("pfδf\u0304←t+1", d["dc_from_p_f_next"][unit]),
        },
        "odyssey": {
            "cell": ("δc", d["dc"][unit]),
            "y-next": ("δy←t+1", d["dy_from_next"][unit]),
            "o-pre": ("δo\u0304", d["do_bar"][unit]),
            "c-prev-total": ("δc→t−1", d["dc_prev"][unit]),
            "y-prev-o": ("Roᵀδo\u0304", d["dy_prev_o"][unit]),
        },
    }
    for diagram, cases in expected.items():
        for key, pair in cases.items():
            assert label(page, diagram, key) == nfc(pair), f"{diagram} {key}"
    assert page_log.console_errors == []


def test_truncation_marks_where_nothing_flows_back(
    page: Page, page_log: PageLog, harness: Callable[..., None]
) -> None:
    frames = DATA["vanilla-k2"]["backward"]
    cut = [t for t, f in enumerate(frames) if f["cut_to_prev"]]
    assert cut and len(cut) < len(frames), "the k = 2 case must cut at some steps, not all"
    harness(case="vanilla-k2", mode="backward", t=0)
    for t, frame in enumerate(frames):
        set_step(page, t)
        for diagram in LSTM_DIAGRAMS:
            marks = page.locator(f"#{diagram} .cut-mark")
            assert marks.count() >= 2
            assert marks.first.is_visible() is frame["cut_to_prev"], f"{diagram} t={t}"
            status = page.text_content(f"#{diagram} .dg-status") or ""
            assert ("truncated" in status) is frame["cut_to_prev"], f"{diagram} t={t}"
        note = page.text_content("#equations .eq-note") or ""
        assert ("Truncation cuts here" in note) is frame["cut_to_prev"], f"t={t}"
    page.click("#mode-forward")
    assert not page.locator("#circuit .cut-mark").first.is_visible()
    assert page_log.console_errors == []


def test_rnn_unfolds_three_steps_with_live_values(
    page: Page, page_log: PageLog, harness: Callable[..., None]
) -> None:
    harness(case="rnn", t=0, unit=0)
    assert {"x", "a", "h", "o", "y-hat", "h-prev", "W-prev", "W-next", "U"} <= keys_in(page, "rnn")
    v = DATA["rnn"]["forward"][0]["values"]
    assert label(page, "rnn", "h") == ("h(t)", js_fmt(v["h"][0]))
    assert label(page, "rnn", "W-prev") == ("Wh(t−1)", js_fmt(v["Wh"][0]))
    assert label(page, "rnn", "U") == ("Ux", js_fmt(v["Ux"][0]))
    assert "initial" in (page.text_content("#rnn svg") or "")
    assert page.locator("#circuit figure").is_hidden()

    page.click("#mode-backward")
    set_step(page, 2)
    d = DATA["rnn"]["backward"][2]["deltas"]
    assert label(page, "rnn", "h") == ("δh", js_fmt(d["dh"][0]))
    assert label(page, "rnn", "W-next") == ("Wᵀδa(t+1)", js_fmt(d["dh_from_next"][0]))
    assert label(page, "rnn", "W-prev") == ("Wᵀδa→t−1", js_fmt(d["dh_prev"][0]))
    assert label(page, "rnn", "x")[0] == "δx"
    assert page_log.console_errors == []


def test_hover_shows_tooltip_with_pytorch_name(
    page: Page, page_log: PageLog, harness: Callable[..., None]
) -> None:
    harness(case="vanilla", t=2, unit=0)
    x, y = page.evaluate(POINT_ON_PATH_JS, '#circuit [data-key="i-out"] path.hit')
    page.mouse.move(x, y)
    tooltip = page.locator("#circuit .dg-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert "input gate" in text
    assert "rows 0:H of weight_ih_l0" in text
    assert "(H,) = (3,)" in text
    assert page.inner_text("#hover") == "hover: i-out · i · unit 0"
    page.mouse.move(2, 2)
    tooltip.wait_for(state="hidden")
    assert page_log.console_errors == []


def test_clicking_a_strip_cell_selects_that_unit(
    page: Page, page_log: PageLog, harness: Callable[..., None]
) -> None:
    harness(case="vanilla", t=2, unit=0)
    page.locator('#odyssey [data-key="cell"] .strip rect').nth(2).click()
    assert page.input_value("#unit") == "2"
    v = DATA["vanilla"]["forward"][2]["values"]
    assert label(page, "circuit", "c")[1] == js_fmt(v["c"][2])
    assert "unit=2" in page.url
    assert page_log.console_errors == []


@pytest.mark.parametrize("name", ["vanilla", "FGR", "NOG+NOAF", "CIFG", "rnn", "vanilla-k2"])
def test_screenshots(
    page: Page,
    page_log: PageLog,
    harness: Callable[..., None],
    screenshot: Callable[[Page, str], Path],
    name: str,
) -> None:
    # Step 2: something arrives from t+1 and leaves for t−1 (at k = 2: truncation cuts here).
    harness(case=name, t=2, unit=1)
    for mode in ("forward", "backward"):
        page.click(f"#mode-{mode}")
        path = screenshot(page, f"diagrams_{name}_{mode}_1280x800")
        assert path.stat().st_size > 10_000
    assert page_log.console_errors == []


def test_non_finite_values_show_as_missing_not_as_errors(
    page: Page, page_log: PageLog, harness: Callable[..., None]
) -> None:
    harness(case="vanilla", t=2, unit=0)
    # The server sends NaN/Inf as null and flags the frame; the views must say so, not crash.
    page.evaluate("""() => {
      const { views, run } = window.__harness;
      const values = { ...run.forward[2].values, c: [null, 1, 2], y: [null, 0, 0] };
      for (const name of ["circuit", "odyssey"]) {
        views[name].update({ mode: "forward", unit: 0, t: 2, T: run.session.T, values, nonfinite: true });
      }
    }""")
    for diagram, key in (("circuit", "c"), ("odyssey", "cell"), ("circuit", "y")):
        assert label(page, diagram, key)[1] == "n/a"
    assert "non-finite" in (page.text_content("#circuit .dg-status") or "")
    assert page_log.console_errors == []
