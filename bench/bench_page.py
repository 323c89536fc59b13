"""The page's frame rate while playing: rendered steps per second in headless Chromium.

Starts the app (uvicorn, a free port), opens the page at 1920×1080 (both diagrams, heatmaps,
line charts and equations visible) and at 1280×800 (one diagram), plays a T = 1000 sine
sequence at the stream's top speed and counts, over a fixed window, the animation frames that
drew a new step (window.__lstmExplorer.stats.stepsRendered), the animation frames overall and
the frames the stream delivered. H ∈ {8, 32, 128}. Not a test: the numbers depend on the host.

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

from app.local_server import CHROMIUM_ARGS, uvicorn_process

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results"))
HIDDEN = (8, 32, 128)
VIEWPORTS = {"1920x1080": (1920, 1080), "1280x800": (1280, 800)}
TARGET = 60.0

# Counters now, read in the page: stats of the render loop and the stream.
SNAPSHOT_JS = """() => {
  const X = window.__lstmExplorer;
  return { now: performance.now(), rafs: X.stats.rafs, steps: X.stats.stepsRendered,
    renders: X.stats.renders, frames: X.framesReceived, t: X.state.get("t"),
    viewMs: { ...X.stats.viewMs } };
}"""


def measure(page: Page, base: str, hidden: int, seconds: float) -> dict[str, float]:
    """Open H = hidden, T = 1000, play at top speed; rates over `seconds` after a warm-up."""
    page.goto(f"{base}/#hidden={hidden}&length=1000&speed=120")
    page.wait_for_function(
        "() => document.body.dataset.ready === 'true' && !window.__lstmExplorer.controller.busy",
        timeout=60_000,
    )
    page.wait_for_timeout(800)
    page.evaluate("() => window.__lstmExplorer.bus.emit('control:play-toggle')")
    page.wait_for_timeout(1500)  # warm-up: charts drawn once, stream at speed
    a = page.evaluate(SNAPSHOT_JS)
    page.wait_for_timeout(seconds * 1000)
    b = page.evaluate(SNAPSHOT_JS)
    page.evaluate("() => window.__lstmExplorer.controller.pause()")
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
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    rows = []
    with uvicorn_process(output=sys.stderr.buffer) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for vp, (w, h) in VIEWPORTS.items():
            for hidden in HIDDEN:
                runs = []
                for _ in range(args.repeats):
                    context = browser.new_context(viewport={"width": w, "height": h})
                    runs.append(measure(context.new_page(), base, hidden, args.seconds))
                    context.close()
                best = max(runs, key=lambda r: r["steps_per_s"])
                rows.append((vp, hidden, best, statistics.median(r["steps_per_s"] for r in runs)))
                print(f"{vp} H={hidden}: {best['steps_per_s']:.1f} steps/s", flush=True)
        browser.close()
    report = render(rows, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "page.md").write_text(report)
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
        "| viewport | H | rendered steps/s | fps | stream frames/s | ms per render: diagrams | heatmap | lines | equations |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for vp, hidden, r, median in rows:
        v = r["view_ms"]
        diagrams = v.get("circuit", 0) + v.get("odyssey", 0)
        lines.append(
            f"| {vp} | {hidden} | **{r['steps_per_s']:.1f}** ({median:.1f}) | {r['fps']:.1f} | "
            f"{r['frames_per_s']:.1f} | {diagrams:.1f} | {v.get('heat', 0):.1f} | "
            f"{v.get('states', 0) + v.get('norms', 0) + v.get('loss', 0):.1f} | "
            f"{v.get('equations', 0):.1f} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
