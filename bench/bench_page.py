"""The page's frame rate while playing: rendered steps per second in headless Chromium.

Starts the app (uvicorn, a free port), opens the page at 1920×1080 (both diagrams, heatmaps,
line charts and equations visible) and at 1280×800 (one diagram), plays a T = 1000 sine
sequence at the stream's top speed and counts, over a fixed window, the animation frames that
drew a new step (the circuit diagram's "t = … of 1000" changed), the animation frames overall,
the frames the stream delivered (Playwright's WebSocket events) and each view's render time
(the page's User Timing measures "view:<name>"). The page has no test hook: the benchmark reads
what it shows. H ∈ {8, 32, 128}. Not a test: the numbers depend on the host.

    PYTHONPATH=. .venv/bin/python bench/bench_page.py [--seconds 6] [--repeats 2]

Writes bench/results/page.md (or $BENCH_RESULTS/page.md) and prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # devtools/ is not installed

from devtools.local_server import CHROMIUM_ARGS, uvicorn_process

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results"))
HIDDEN = (8, 32, 128)
VIEWPORTS = {"1920x1080": (1920, 1080), "1280x800": (1280, 800)}
TARGET = 60.0

# Runs before the page's scripts: counts animation frames and the frames whose diagram showed a
# new step (this callback runs before the page's own each frame, so it sees the last render),
# and sums the page's "view:<name>" and "render" measures.
COUNTERS_JS = """
window.__bench = { rafs: 0, steps: 0, renders: 0, viewMs: {}, shown: null };
const count = () => {
  const b = window.__bench;
  b.rafs += 1;
  const text = document.querySelector("#dg-circuit .dg-status")?.textContent ?? null;
  if (text !== b.shown) {
    b.shown = text;
    b.steps += 1;
  }
  requestAnimationFrame(count);
};
requestAnimationFrame(count);
new PerformanceObserver((list) => {
  const b = window.__bench;
  for (const e of list.getEntries()) {
    if (e.name === "render") b.renders += 1;
    else if (e.name.startsWith("view:")) {
      const view = e.name.slice(5);
      b.viewMs[view] = (b.viewMs[view] || 0) + e.duration;
    }
  }
}).observe({ type: "measure" });
"""
READY_JS = """() => document.body.dataset.ready === "true"
  && document.getElementById("stage").getAttribute("aria-busy") === "false"
  && document.getElementById("charts").getAttribute("aria-busy") === "false"
"""
# Counters now: the page's, and the step its circuit diagram shows.
SNAPSHOT_JS = """() => {
  const b = window.__bench;
  const t = /t = (\\d+)/.exec(b.shown || "");
  return { now: performance.now(), rafs: b.rafs, steps: b.steps, renders: b.renders,
    t: t ? Number(t[1]) : 0, viewMs: { ...b.viewMs } };
}"""


def measure(
    page: Page, base: str, hidden: int, seconds: float, extra: str = ""
) -> dict[str, float]:
    """Open H = hidden, T = 1000, play at top speed; rates over `seconds` after a warm-up."""
    frames = [0]
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda _: frames.__setitem__(0, frames[0] + 1)),
    )
    page.add_init_script(COUNTERS_JS)
    # `extra` is appended to the view's link (later keys win): "seq=false" hides the sequence
    # panel, "task=chars&length=999" plays a text.
    page.goto(f"{base}/#hidden_size={hidden}&length=1000&speed=120{'&' + extra if extra else ''}")
    page.wait_for_function(READY_JS, timeout=60_000)
    # The stream is open (the status line names it only when it is not).
    page.wait_for_function(
        "() => document.querySelector('#status [data-status=link]').textContent === ''"
    )
    page.keyboard.press(" ")  # play
    page.wait_for_timeout(1500)  # warm-up: charts drawn once, stream at speed
    a = {**page.evaluate(SNAPSHOT_JS), "frames": frames[0]}
    page.wait_for_timeout(seconds * 1000)
    b = {**page.evaluate(SNAPSHOT_JS), "frames": frames[0]}
    page.keyboard.press(" ")  # pause
    dt = (b["now"] - a["now"]) / 1000
    renders = max(1, b["renders"] - a["renders"])
    view_ms = {k: (b["viewMs"].get(k, 0) - a["viewMs"].get(k, 0)) / renders for k in b["viewMs"]}
    return {
        "steps_per_s": (b["steps"] - a["steps"]) / dt,
        "fps": (b["rafs"] - a["rafs"]) / dt,
        "frames_per_s": (b["frames"] - a["frames"]) / dt,
        "advance_per_s": (b["t"] - a["t"]) / dt,
        "view_ms": view_ms,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--extra",
        nargs="*",
        default=[""],
        help="link extras measured in turn within each repeat (an A/B under the same load), "
        "e.g. --extra seq=false seq=true",
    )
    parser.add_argument("--hidden", type=int, nargs="*", default=list(HIDDEN))
    parser.add_argument("--viewports", nargs="*", default=list(VIEWPORTS))
    parser.add_argument("--label", default="", help="results go to page<label>.md")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    rows = []
    with uvicorn_process(output=sys.stderr.buffer) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for vp in args.viewports:
            w, h = VIEWPORTS[vp]
            for hidden in args.hidden:
                runs: dict[str, list[dict]] = {extra: [] for extra in args.extra}
                for _ in range(args.repeats):
                    for extra in args.extra:
                        context = browser.new_context(viewport={"width": w, "height": h})
                        runs[extra].append(
                            measure(context.new_page(), base, hidden, args.seconds, extra)
                        )
                        context.close()
                for extra, done in runs.items():
                    best = max(done, key=lambda r: r["steps_per_s"])
                    median = statistics.median(r["steps_per_s"] for r in done)
                    rows.append((vp, hidden, extra, best, median))
                    print(f"{vp} H={hidden} {extra}: {best['steps_per_s']:.1f} steps/s", flush=True)
        browser.close()
    report = render(rows, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"page{args.label}.md").write_text(report)
    print(report)
    return 0


def render(rows: list, args: argparse.Namespace) -> str:
    load = os.getloadavg()
    lines = [
        "# Page frame rate while playing",
        "",
        f"Headless Chromium (`--headless=new --disable-gpu`, software rendering), {platform.machine()}, "
        f"{os.cpu_count()} CPUs shared with the server; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}. Sine task, T = 1000, the stream at "
        f"120 steps/s; {args.seconds:g} s windows, best of {args.repeats} (median in brackets).",
        "",
        "*rendered steps/s*: animation frames that drew a new step (diagrams, equations, chart "
        "cursors); *fps*: animation frames; *stream*: frames received. Target "
        f"≥ {TARGET:g} rendered steps/s at H ≤ 32.",
        "",
        "| viewport | H | link extra | rendered steps/s | fps | stream frames/s | ms per render: "
        "diagrams | heatmap | lines | equations | sequence |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for vp, hidden, extra, r, median in rows:
        v = r["view_ms"]
        diagrams = v.get("circuit", 0) + v.get("odyssey", 0)
        lines.append(
            f"| {vp} | {hidden} | {extra or '—'} | **{r['steps_per_s']:.1f}** ({median:.1f}) | "
            f"{r['fps']:.1f} | {r['frames_per_s']:.1f} | {diagrams:.1f} | {v.get('heat', 0):.1f} | "
            f"{v.get('states', 0) + v.get('norms', 0) + v.get('loss', 0):.1f} | "
            f"{v.get('equations', 0):.1f} | {v.get('sequence', 0):.1f} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
