"""The three cell diagrams (static/js/views/*_diagram.js) on their dev harness, in real chromium.

The harness (static/dev/diagrams.html) feeds mock frames computed by a small JS LSTM/RNN
(static/dev/mock_frames.js); its state is in the URL, so each case opens one exact view.
"""

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.explorer import js_fmt  # svg_kit.fmt and the page's fmtNum agree
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

HARNESS = "/static/dev/diagrams.html"
LSTM_DIAGRAMS = ("circuit", "odyssey")
MINUS = "\u2212"
VARIANTS = ("vanilla", "NP", "CIFG", "FGR", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP+CIFG", "rnn")

# Finds visible texts/strips that overlap each other or stick out of their SVG.
OVERLAP_JS = """() => {
  const out = [];
  for (const fig of document.querySelectorAll("figure.dg")) {
    if (!fig.offsetParent) continue;
    const svg = fig.querySelector("svg");
    const sb = svg.getBoundingClientRect();
    const name = (e) => (e.closest("[data-key]")?.dataset.key || "?") + ":" + e.textContent.slice(0, 20);
    const items = [...svg.querySelectorAll("text, .strip")]
      .filter((e) => !e.closest(".legend") && e.getClientRects().length && e.textContent !== null
        && (e.tagName !== "text" || e.textContent.trim()) && getComputedStyle(e).display !== "none"
        && (e.tagName === "text" || e.childElementCount))
      .map((e) => ({ r: e.getBoundingClientRect(), n: name(e) }));
    items.forEach(({ r: A, n }, a) => {
      if (A.left < sb.left - 1 || A.right > sb.right + 1 || A.top < sb.top - 1 || A.bottom > sb.bottom + 1)
        out.push(`${fig.id || fig.className}: clipped ${n}`);
      for (const { r: B, n: m } of items.slice(a + 1)) {
        const ox = Math.min(A.right, B.right) - Math.max(A.left, B.left);
        const oy = Math.min(A.bottom, B.bottom) - Math.max(A.top, B.top);
        if (ox > 1.5 && oy > 3) out.push(`${fig.className}: ${n} overlaps ${m}`);
      }
    });
  }
  return out;
}"""

# Screen point at 30 % along a path: an L-shaped wire's bounding-box centre is not on the wire.
POINT_ON_PATH_JS = """(sel) => {
  const p = document.querySelector(sel);
  const pt = p.getPointAtLength(p.getTotalLength() * 0.3);
  const m = p.getScreenCTM();
  return [pt.x * m.a + pt.y * m.c + m.e, pt.x * m.b + pt.y * m.d + m.f];
}"""


def open_harness(page: Page, live_server: str, **state: Any) -> None:
    query = "&".join(f"{k}={v}".replace("+", "%2B") for k, v in state.items())
    response = page.goto(f"{live_server}{HARNESS}?{query}", wait_until="networkidle")
    assert response is not None and response.ok
    page.wait_for_function("window.__dg && window.__dg.ready")


def keys_in(page: Page, diagram: str) -> set[str]:
    return set(
        page.eval_on_selector_all(f"#{diagram} [data-key]", "els => els.map(e => e.dataset.key)")
    )


def label(page: Page, diagram: str, key: str) -> tuple[str, str]:
    """(symbol, number) of the value label of the element with data-key `key`."""
    base = f'#{diagram} [data-key="{key}"] > .vlabel'
    return page.text_content(f"{base} .sym") or "", page.text_content(f"{base} .num") or ""


def frame(page: Page, kind: str, t: int) -> dict[str, list[float]]:
    field = "values" if kind == "forward" else "deltas"
    result: dict[str, list[float]] = page.evaluate(f"window.__dg.run.{kind}[{t}].{field}")
    return result


@pytest.mark.parametrize(
    ("variant", "present", "absent"),
    [
        pytest.param(
            "vanilla",
            {
                "z",
                "i",
                "f",
                "o",
                "mul-f",
                "mul-i",
                "mul-o",
                "act-h",
                "z-act",
                "peephole-i",
                "peephole-f",
                "peephole-o",
                "x",
                "y-prev",
                "y-hat",
            },
            {"one-minus", "fgr", "identity-g", "identity-h"},
            id="vanilla-all-gates-peepholes",
        ),
        pytest.param(
            "NP",
            {"i", "f", "o"},
            {"peephole-i", "peephole-f", "peephole-o"},
            id="NP-no-blue-peepholes",
        ),
        pytest.param(
            "CIFG",
            {"one-minus", "i", "mul-f", "peephole-i", "peephole-o"},
            {"f", "peephole-f"},
            id="CIFG-f-is-one-minus-i",
        ),
        pytest.param(
            "FGR",
            {"fgr", "fgr-i", "fgr-f", "fgr-o", "i-prev", "f-prev", "o-prev"},
            {"one-minus"},
            id="FGR-gate-recurrence-lines",
        ),
        pytest.param(
            "NIG",
            {"z", "f", "o", "mul-f"},
            {"i", "mul-i", "peephole-i"},
            id="NIG-z-straight-into-sum",
        ),
        pytest.param(
            "NFG",
            {"i", "o", "mul-i"},
            {"f", "mul-f", "peephole-f", "one-minus"},
            id="NFG-highway-without-forget",
        ),
        pytest.param(
            "NOG", {"i", "f", "act-h"}, {"o", "mul-o", "peephole-o"}, id="NOG-no-output-gate"
        ),
        pytest.param("NIAF", {"identity-g", "z"}, {"z-act"}, id="NIAF-identity-block-input"),
        pytest.param("NOAF", {"identity-h"}, {"act-h"}, id="NOAF-identity-output"),
    ],
)
def test_each_variant_draws_its_own_structure(
    page: Page,
    page_log: PageLog,
    live_server: str,
    variant: str,
    present: set[str],
    absent: set[str],
) -> None:
    open_harness(page, live_server, variant=variant, t=2)
    for diagram in LSTM_DIAGRAMS:
        keys = keys_in(page, diagram)
        assert present <= keys, f"{diagram} misses {present - keys}"
        assert not absent & keys, f"{diagram} should not draw {absent & keys}"
        assert page.get_attribute(f"#{diagram} figure", "data-variant") == variant
    assert page_log.console_errors == []


def test_forward_values_match_the_frame(page: Page, page_log: PageLog, live_server: str) -> None:
    unit, t = 1, 2
    open_harness(page, live_server, variant="vanilla", t=t, unit=unit)
    v = frame(page, "forward", t)
    expected = {
        "circuit": {
            "c": ("c(t)", v["c"][unit]),
            "c-prev": ("c(t−1)", v["c_prev"][unit]),
            "f-out": ("f", v["f"][unit]),
            "i-out": ("i", v["i"][unit]),
            "z-out": ("z", v["z"][unit]),
            "o-out": ("o", v["o"][unit]),
            "f-pre": ("f\u0304", v["f_bar"][unit]),
            "y": ("y(t)", v["y"][unit]),
            "v": ("v", v["v"][0]),
            "c-kept": ("c(t−1)⊙f", v["c_prev"][unit] * v["f"][unit]),
            "h-out": ("h(c)", math.tanh(v["c"][unit])),
        },
        "odyssey": {
            "cell": ("c(t)", v["c"][unit]),
            "f-val": ("f", v["f"][unit]),
            "i-pre": ("i\u0304", v["i_bar"][unit]),
            "y": ("y(t)", v["y"][unit]),
            "c-prev": ("c(t−1)", v["c_prev"][unit]),
            "y-hat": ("ŷ", v["y_hat"][0]),
        },
    }
    for diagram, cases in expected.items():
        for key, (sym, value) in cases.items():
            assert label(page, diagram, key) == (sym, js_fmt(value)), f"{diagram} {key}"
    # The input is a D-vector: shown whole, not element `unit`.
    assert label(page, "circuit", "x")[1] == f"[{', '.join(js_fmt(x) for x in v['x'])}]"
    # The strip shows every unit; the selected one is outlined.
    cells = page.locator('#circuit [data-key="c"] .strip rect')
    assert cells.count() == len(v["c"])
    assert "sel" in (cells.nth(unit).get_attribute("class") or "")
    assert page_log.console_errors == []


def test_backward_shows_errors_flowing_back(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    unit, t = 2, 3
    open_harness(page, live_server, variant="vanilla", t=t, unit=unit, mode="backward")
    d = frame(page, "backward", t)
    v = frame(page, "forward", t)
    expected = {
        "circuit": {
            "c": ("δc", d["dc"][unit]),
            "c-next": ("δc←t+1", d["dc_from_next"][unit]),
            "y-loop": ("δy←t+1", d["dy_from_next"][unit]),
            "y": ("δy", d["dy"][unit]),
            "v": ("δv", d["dv"][0]),
            "f-pre": ("δf̄", d["df_bar"][unit]),
            "c-prev": ("δc⊙f → t−1", d["dc"][unit] * v["f"][unit]),
            "readout-in": ("Vᵀδv", d["dy"][unit] - d["dy_from_next"][unit]),
        },
        "odyssey": {
            "cell": ("δc", d["dc"][unit]),
            "y-next": ("δy←t+1", d["dy_from_next"][unit]),
            "o-pre": ("δō", d["do_bar"][unit]),
            "z-pre": ("δz̄", d["dz_bar"][unit]),
        },
    }
    for diagram, cases in expected.items():
        assert "mode-backward" in (page.get_attribute(f"#{diagram} figure", "class") or "")
        for key, (sym, value) in cases.items():
            assert label(page, diagram, key) == (sym, js_fmt(value)), f"{diagram} {key}"
        # Arrowheads turn round: errors flow from outputs back to inputs.
        assert page.locator(f"#{diagram} path.core[marker-start]").count() > 10
        assert page.locator(f"#{diagram} path.core[marker-end]").count() == 0
    assert page_log.console_errors == []


def test_rnn_unfolds_three_steps_with_live_values(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_harness(page, live_server, variant="rnn", t=0, unit=0)
    assert {"x", "a", "h", "o", "y-hat", "h-prev", "W-prev", "W-next"} <= keys_in(page, "rnn")
    v = frame(page, "forward", 0)
    assert label(page, "rnn", "h") == ("h(t)", js_fmt(v["h"][0]))
    assert label(page, "rnn", "a") == ("a(t)", js_fmt(v["a"][0]))
    assert label(page, "rnn", "h-prev") == ("h(t−1)", js_fmt(v["h_prev"][0]))
    assert "initial" in (page.text_content("#rnn svg") or "")
    assert page.locator("#circuit figure").is_hidden()

    page.click("#mode-backward")
    d = frame(page, "backward", 0)
    assert label(page, "rnn", "h") == ("δh", js_fmt(d["dh"][0]))
    assert label(page, "rnn", "W-next") == ("Wᵀδa(t+1)", js_fmt(d["dh_from_next"][0]))
    assert label(page, "rnn", "x")[0] == "δx"
    assert page_log.console_errors == []


def test_hover_shows_tooltip_with_pytorch_name(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_harness(page, live_server, variant="vanilla", t=2, unit=0)
    x, y = page.evaluate(POINT_ON_PATH_JS, '#circuit [data-key="i-out"] path.hit')
    page.mouse.move(x, y)
    tooltip = page.locator("#circuit .dg-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert "input gate" in text
    assert "rows 0:H of weight_ih_l0" in text
    assert "(H,) = (4,)" in text
    assert page.inner_text("#hover") == "hover: i-out · i · unit 0"
    page.mouse.move(2, 2)
    tooltip.wait_for(state="hidden")
    assert page_log.console_errors == []


def test_clicking_a_strip_cell_selects_that_unit(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_harness(page, live_server, variant="vanilla", t=2, unit=0)
    page.locator('#odyssey [data-key="cell"] .strip rect').nth(3).click()
    assert page.input_value("#unit") == "3"
    v = frame(page, "forward", 2)
    assert label(page, "circuit", "c")[1] == js_fmt(v["c"][3])
    assert "unit=3" in page.url
    assert page_log.console_errors == []


@pytest.mark.parametrize("mode", ["forward", "backward"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_labels_are_legible_and_never_collide(
    page: Page, page_log: PageLog, live_server: str, variant: str, mode: str
) -> None:
    open_harness(page, live_server, variant=variant, mode=mode, t=0, unit=1)
    for t in (0, 3, 5):  # first step, middle, last (next-step terms are zero)
        # Move the step slider as a user would; every label is re-rendered.
        page.eval_on_selector(
            "#t", "(el, t) => { el.value = t; el.dispatchEvent(new Event('input')); }", t
        )
        assert page.text_content("#t-out") == str(t)
        assert page.evaluate(OVERLAP_JS) == [], f"t={t}"
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll("figure.dg svg text")]
      .filter((t) => t.getClientRects().length)
      .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))""")
    assert smallest >= 11, f"text rendered at {smallest:.1f}px at 1280x800"
    assert page_log.console_errors == []


SHOTS = [
    ("vanilla", "forward"),
    ("vanilla", "backward"),
    ("CIFG", "forward"),
    ("FGR", "forward"),
    ("NIG", "backward"),
    ("NOAF", "forward"),
    ("NP", "forward"),
    ("rnn", "forward"),
    ("rnn", "backward"),
]


@pytest.mark.parametrize(("variant", "mode"), SHOTS)
def test_screenshots_at_two_sizes(
    page: Page,
    page_log: PageLog,
    live_server: str,
    screenshot: Callable[[Page, str], Path],
    variant: str,
    mode: str,
) -> None:
    for width, height in ((1280, 800), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        open_harness(page, live_server, variant=variant, mode=mode, t=3, unit=1)
        path = screenshot(page, f"diagrams_{variant}_{mode}_{width}x{height}")
        assert path.stat().st_size > 10_000
    assert page_log.console_errors == []


def test_non_finite_values_show_as_missing_not_as_errors(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    open_harness(page, live_server, variant="vanilla", t=2, unit=0)
    # The server sends NaN/Inf as null and flags the frame; the views must say so, not crash.
    page.evaluate("""() => {
      const { views, run } = window.__dg;
      const values = { ...run.forward[2].values, c: [null, 1, 2, 3], y: [null, 0, 0, 0] };
      for (const name of ["circuit", "odyssey"]) {
        views[name].update({ mode: "forward", unit: 0, t: 2, T: run.T, values, nonfinite: true });
      }
    }""")
    for diagram, key in (("circuit", "c"), ("odyssey", "cell"), ("circuit", "y")):
        assert label(page, diagram, key)[1] == "n/a"
    assert "non-finite" in (page.text_content("#circuit .dg-status") or "")
    assert page_log.console_errors == []
