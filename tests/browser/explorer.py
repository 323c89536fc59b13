"""Helpers for the explorer page tests: open a view by its URL hash, wait for what the page
shows, read it as a user does (the DOM, aria attributes, the address), and ask the API directly
for the engine's numbers to compare with. The page exposes no test hook: what a test waits for
is on screen (the status line's "t = 5 / 49", aria-busy on the stage and the charts)."""

import json
import math
import re
import time
import urllib.request
from typing import Any

from playwright.sync_api import Page, Request, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.page_pool import per_test_state

MINUS = "\u2212"

# The page has opened its model(s) and drawn the step it shows, with every step the charts need.
SHOWN_JS = """() => document.body.dataset.ready === "true"
  && document.getElementById("stage").getAttribute("aria-busy") === "false"
  && document.getElementById("charts").getAttribute("aria-busy") === "false"
"""

# What the controls, the status line and the address show, as the page state's names.
SHOWN_STATE_JS = """() => {
  const q = (sel) => document.querySelector(sel);
  const on = (group) => q(`#controls .segmented[aria-label=${group}] .seg.on`)?.dataset.value;
  const checked = (name) => q(`#controls input[name=${name}]`).checked;
  const chip = q("#controls .unit-chips [aria-checked=true]");
  const t = /t = (\\d+) \\//.exec(q("#status [data-status=t]").textContent);
  const tour = /(?:^#|&)tour=(\\d+)/.exec(location.hash);
  return {
    cell: on("cell"), mode: on("mode"), variant: q("#controls select[name=variant]").value,
    hidden_size: Number(q("#controls input[name=hidden_size]").value),
    task: q("#controls select[name=task]").value, t: t ? Number(t[1]) : null,
    unit: Number(chip ? chip.dataset.unit : q("#controls input[name=unit]").value),
    heat: checked("heat"), lines: checked("lines"), eq: checked("eq"), compare: checked("compare"),
    tour: tour ? Number(tour[1]) : 0,
  };
}"""

_SESSION_PATH = re.compile(r"/api/v1/sessions/([^/?]+)(/params)?$")


def watch_sessions(page: Page) -> None:
    """Follow, from its requests, which sessions the page holds in this test (see session_id)."""
    state = per_test_state(page)
    if "sessions" in state:
        return
    live: list[str] = []
    state["sessions"] = live

    def on_request(request: Request) -> None:
        match = _SESSION_PATH.search(request.url.split("?")[0])
        if not match:
            return
        sid = match.group(1)
        if match.group(2) and request.method == "GET" and sid not in live:
            live.append(sid)  # a new session's first call: its parameters
        elif not match.group(2) and request.method == "DELETE" and sid in live:
            live.remove(sid)

    page.on("request", on_request)


def open_explorer(page: Page, live_server: str, hash_: str = "") -> None:
    """Open / with `hash_` (without '#') and wait until the step it names is on screen."""
    watch_sessions(page)
    page.goto(f"{live_server}/#{hash_}" if hash_ else f"{live_server}/")
    wait_for_frame(page)


def wait_for_frame(page: Page, timeout: float = 15_000) -> None:
    """Until the page shows its step, drawn, with every step its charts need."""
    page.wait_for_function(SHOWN_JS, timeout=timeout)


def wait_for_t(page: Page, t: int, timeout: float = 10_000) -> None:
    """Until the status line reads t and that step is drawn."""
    page.wait_for_function(
        f"""() => /^t = {t} \\//.test(document.querySelector("#status [data-status=t]")
          .textContent) && ({SHOWN_JS})()""",
        timeout=timeout,
    )


# Charts draw (and Plotly loads) when they first come on screen, as a person scrolls to them.
CHART_SELECTOR = ".chart-card, #sequence .seq-series"
_VISIBLE_CHARTS_JS = f"""() => [...document.querySelectorAll('{CHART_SELECTOR}')]
  .map((c, k) => c.offsetParent ? k : -1).filter((k) => k >= 0)"""


def show_chart(page: Page, selector: str, nth: int = 0, timeout: float = 15_000) -> None:
    """Scroll the chart in `selector` (the nth match) into view, as a reader does, and wait
    until it is drawn. Scrolled again if the page moved it off screen before it was seen (a
    chart above drawing itself grows the page), as a reader would scroll again."""
    chart = page.locator(selector).nth(nth)
    drawn = chart.locator(".main-svg").first
    deadline = time.monotonic() + timeout / 1000
    while True:
        chart.scroll_into_view_if_needed()
        try:
            drawn.wait_for(state="attached", timeout=500)
            return
        except PlaywrightTimeoutError:
            if time.monotonic() > deadline:
                raise


def show_charts(page: Page) -> None:
    """Every chart on the page drawn (each scrolled into view in turn), then back to the top."""
    for k in page.evaluate(_VISIBLE_CHARTS_JS):
        show_chart(page, CHART_SELECTOR, k)
    page.evaluate("() => window.scrollTo(0, 0)")


def train_from_the_controls(page: Page, updates: int, timeout: float = 60_000) -> None:
    """Press Train for `updates` updates and wait until the status line says they are done."""
    page.locator("input[name=updates]").fill(str(updates))
    page.get_by_role("button", name="Run this many parameter updates").click()
    expect(page.locator("#status [data-status=loss]")).to_contain_text(
        f"after {updates} updates", timeout=timeout
    )
    expect(page.locator("#status [data-status=run]")).to_have_text("paused", timeout=timeout)


def shown_t(page: Page) -> int:
    """The step the status line shows."""
    t: int = page.evaluate(f"({SHOWN_STATE_JS})().t")
    return t


def explorer_state(page: Page) -> dict[str, Any]:
    """The settings the page shows (controls, status line, address), by state name."""
    state: dict[str, Any] = page.evaluate(SHOWN_STATE_JS)
    return state


def session_id(page: Page, which: int = 0) -> str:
    """The id of the page's model A (which=0) or B, from the requests the page made."""
    sessions: list[str] = per_test_state(page)["sessions"]
    return sessions[which]


def eq_value(page: Page, key: str) -> str:
    """The number the equations show for notation key `key` (its row's left-hand side)."""
    loc = page.locator(f'.eq-row[data-lhs="{key}"] [data-slot="{key}"] .eq-value').first
    text = loc.text_content()
    assert text is not None
    return text


def api(live_server: str, method: str, path: str, body: Any = None) -> Any:
    """Call the REST API (JSON in, JSON out) outside the browser."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{live_server}/api/v1{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def frame_numbers(live_server: str, page: Page, mode: str, t: int) -> dict[str, Any]:
    """The engine's numbers of step t of the page's model A: the forward values or, in backward
    mode, the errors δ, from GET /frames (the cursors do not move)."""
    sid = session_id(page)
    frames = api(
        live_server, "GET", f"/sessions/{sid}/frames?direction={mode}&start={t}&stop={t + 1}"
    )
    numbers: dict[str, Any] = frames["frames"][0]["deltas" if mode == "backward" else "values"]
    return numbers


def engine_trace(live_server: str, sid: str) -> dict[str, Any]:
    """POST /api/v1/trace with the session's own parameters, inputs and targets: the engine's
    numbers for the whole sequence, computed independently of the page's session."""
    info = api(live_server, "GET", f"/sessions/{sid}")
    params = api(live_server, "GET", f"/sessions/{sid}/params")["params"]
    api(live_server, "POST", f"/sessions/{sid}/seek", {"t": info["T"] - 1, "direction": "forward"})
    forward = api(live_server, "GET", f"/sessions/{sid}/trace")["forward"]
    targets = task_targets(info)
    body = {
        "cell": info["cell"],
        "variant": info["variant"],
        "params": params,
        "inputs": forward["x"],
        "targets": targets,
        "loss": info["loss"],
    }
    return api(live_server, "POST", "/trace", body)


def task_targets(info: dict[str, Any]) -> list[Any]:
    """The built-in task's targets, regenerated by the engine from the session's seed."""
    from lstm_explorer.engine.tasks import make_task

    task = info["task"]
    data = make_task(task["name"], info["seed"], **{k: v for k, v in task["options"].items()})
    mask = data.target_mask
    rows = data.loss_targets
    return [rows[t].tolist() if mask[t] else None for t in range(data.length)]


def js_fmt(v: float | None) -> str:
    """Python twin of the page's fmtNum: 3 significant digits, real minus, JS exponent style."""
    if v is None or math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "∞" if v > 0 else f"{MINUS}∞"
    a = abs(v)
    if a == 0:
        return "0.00"  # JS prints −0 as 0: (-0).toPrecision(3) is "0.00"
    if 1e-3 <= a < 1e4:
        s = format(v, "#.3g")
        if "e" in s:
            mantissa, exp = s.split("e")
            s = f"{mantissa.rstrip('.')}e{int(exp)}"
        else:
            s = s.rstrip(".")
    else:
        mantissa, exp = f"{v:.2e}".split("e")
        s = f"{mantissa}e{int(exp)}"
    return (
        s.replace("e-", f"e{MINUS}").replace("-", MINUS, 1)
        if s.startswith("-")
        else s.replace("e-", f"e{MINUS}")
    )


# ----------------------------------------------------------------------------- sequence panel
SEQ_PANEL = "#sequence"
SEQ_CHARS = f"{SEQ_PANEL} .seq-text .ch"
# The panel has what it needs: sequences, the connectivity asked for, rankings.
SEQ_READY_JS = f"""() => document.querySelector("{SEQ_PANEL}").getAttribute("aria-busy") === "false"
  && document.getElementById("stage").getAttribute("aria-busy") === "false" """


def wait_sequence_panel(page: Page) -> None:
    """Until the sequence panel has drawn what it needs (it draws only in view: scroll to it)."""
    page.locator(SEQ_PANEL).scroll_into_view_if_needed()
    page.wait_for_function(SEQ_READY_JS, timeout=15_000)


def sequence_spans(page: Page) -> list[dict[str, Any]]:
    """Every character of the panel's text view: its step, text, number and background colour."""
    data: list[dict[str, Any]] = page.evaluate(
        f"""() => [...document.querySelectorAll("{SEQ_CHARS}")].map((s) => ({{
          t: Number(s.dataset.t), text: s.textContent, v: s.dataset.v ?? "",
          bg: s.style.backgroundColor, now: s.classList.contains("now"),
          next: s.classList.contains("next") }}))"""
    )
    return data


def read_own_text(page: Page, text: str) -> None:
    """Type `text` into the panel's own-text box and read it: a new session starts at t = 0."""
    page.locator(f"{SEQ_PANEL} .seq-own summary").click()
    page.locator(f"{SEQ_PANEL} textarea[name=own_text]").fill(text)
    page.get_by_role("button", name="Read this text").click()
    expect(page.locator("#status")).to_contain_text(f"t = 0 / {len(text) - 2}")


def engine_frames(
    live_server: str, sid: str, start: int, stop: int, direction: str = "forward"
) -> list[Any]:
    """The engine's frames of steps [start, stop), read back from the session."""
    out: list[Any] = []
    while start < stop:
        reply = api(
            live_server,
            "GET",
            f"/sessions/{sid}/frames?direction={direction}&start={start}&stop={stop}",
        )
        out.extend(reply["frames"])
        start = out[-1]["t"] + 1
    return out
