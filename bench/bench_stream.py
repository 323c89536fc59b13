"""Stream throughput: forward and backward frames per second from the WebSocket on loopback.

For H in {8, 32, 128} and T in {2000} (--lengths): the app runs under uvicorn in a subprocess
(per-message-deflate off on both sides); a `websockets` client plays a T-step sine session as
fast as it can read ({"cmd": "play", "rate": null}) and counts forward frames, then runs BPTT
over the whole sequence ({"cmd": "run_backward", "rate": null}, without and with the gradient
sums, "grads": true) and counts backward frames; each play is repeated --runs times and the
median reported. In-process, the forward frames are timed in two parts: compute (engine step +
frame assembly) and serialisation (frame → dict → JSON text). Writes bench/results/stream.md
and prints it. Targets (issue 10): ≥ 1000 forward and backward frames/s at H = 32.

    .venv/bin/python bench/bench_stream.py [--sizes 8 32 128] [--lengths 200 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_explorer.app import serialize  # noqa: E402
from lstm_explorer.app.schemas.session import SessionCreate  # noqa: E402
from lstm_explorer.app.sessions.factory import session_from_config  # noqa: E402
from lstm_explorer.app.settings import Settings  # noqa: E402

T = 2000
TARGET_H, TARGET_FPS = 32, 1000


def session_config(hidden: int, length: int = T) -> dict:
    return {
        "hidden_size": hidden,
        "seed": 0,
        "task": {"name": "sine", "options": {"length": length}},
    }


def in_process(hidden: int) -> tuple[float, float, float, int]:
    """(compute µs, serialisation µs, stdlib-json serialisation µs, bytes) per forward frame."""
    session = session_from_config(SessionCreate(**session_config(hidden)), Settings())
    runner = session.runner
    t0 = time.perf_counter()
    frames = [runner.step_forward() for _ in range(T)]
    compute = (time.perf_counter() - t0) / T
    t0 = time.perf_counter()
    texts = [serialize.dumps_text(serialize.forward_frame(f)) for f in frames]
    ser = (time.perf_counter() - t0) / T
    t0 = time.perf_counter()
    for f in frames:  # the same frames through the standard library, for comparison
        json.dumps(serialize.forward_frame(f), allow_nan=False, separators=(",", ":"))
    stdlib = (time.perf_counter() - t0) / T
    return compute * 1e6, ser * 1e6, stdlib * 1e6, len(texts[T // 2])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "lstm_explorer.app.main:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws-per-message-deflate",
        "false",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


async def _count(ws: websockets.ClientConnection, command: dict, kind: str) -> float:
    """Frames of `kind` per second from sending `command` until the "done" frame."""
    await ws.send(json.dumps(command))
    frames, t0 = 0, time.perf_counter()
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == kind:
            frames += 1
        elif frame["type"] == "done":
            break
        elif frame["type"] == "error":
            raise RuntimeError(frame)
    return frames / (time.perf_counter() - t0)


async def stream_fps(port: int, hidden: int, length: int, runs: int) -> dict[str, list[float]]:
    """Frames/s of each of `runs` plays: forward, backward, backward with the gradient sums."""
    sid = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/sessions", json=session_config(hidden, length)
    ).json()["id"]
    url = f"ws://127.0.0.1:{port}/api/v1/sessions/{sid}/stream"
    out: dict[str, list[float]] = {"forward": [], "backward": [], "backward+grads": []}
    async with websockets.connect(url, compression=None, max_size=2**24) as ws:
        json.loads(await ws.recv())  # state
        for _ in range(runs):
            await ws.send(json.dumps({"cmd": "reset"}))
            assert json.loads(await ws.recv())["type"] == "state"
            out["forward"].append(await _count(ws, {"cmd": "play", "rate": None}, "forward"))
            for grads, key in ((False, "backward"), (True, "backward+grads")):
                # Back to the end of BPTT's start: seek the last step backward, then replay.
                await ws.send(json.dumps({"cmd": "seek", "t": length - 1, "direction": "backward"}))
                assert json.loads(await ws.recv())["type"] == "backward"
                command = {"cmd": "run_backward", "rate": None, "grads": grads}
                out[key].append(await _count(ws, command, "backward"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--lengths", type=int, nargs="+", default=[T])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load = os.getloadavg()[0]  # other work on the machine makes the numbers smaller
    port = free_port()
    proc = start_server(port)
    rows, ws_rows = [], []
    try:
        for hidden in args.sizes:
            compute, ser, stdlib, size = in_process(hidden)
            rows.append((hidden, compute, ser, stdlib, size))
            for length in args.lengths:
                fps = asyncio.run(stream_fps(port, hidden, length, args.runs))
                ws_rows.append((hidden, length, fps))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    encoder = "orjson" if serialize.orjson is not None else "json (stdlib, orjson missing)"

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):,.0f} ({max(values):,.0f})"

    lines = [
        "# Stream throughput (bench/bench_stream.py)",
        "",
        "Frames of a T-step sine session (LSTM vanilla, D = O = 1) to a Python `websockets` "
        'client on loopback: `{"cmd": "play", "rate": null}` (forward), then '
        '`{"cmd": "run_backward", "rate": null}` over the whole sequence without and with '
        '`"grads": true`; uvicorn in a subprocess, per-message-deflate off on both sides. '
        f"Median of {args.runs} plays (best in brackets).",
        "",
        "| H | T | forward frames/s | backward frames/s | backward + grads frames/s |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {h} | {n} | {cell(f['forward'])} | {cell(f['backward'])} "
            f"| {cell(f['backward+grads'])} |"
            for h, n, f in ws_rows
        ),
        "",
        f"Forward frames, in-process (T = {T}):",
        "",
        "| H | compute µs/frame | serialisation µs/frame | same with stdlib json | frame bytes |",
        "|---:|---:|---:|---:|---:|",
        *(f"| {h} | {c:.1f} | {s:.1f} | {j:.1f} | {b:,} |" for h, c, s, j, b in rows),
        "",
        f"Encoder: {encoder}. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. Load average (1 min) at the start: {load:.1f}.",
    ]
    for kind in ("forward", "backward"):
        at_target = [statistics.median(f[kind]) for h, _, f in ws_rows if h == TARGET_H]
        if at_target:
            verdict = "met" if min(at_target) >= TARGET_FPS else "NOT met"
            lines.append(f"Target ≥ {TARGET_FPS} {kind} frames/s at H = {TARGET_H}: {verdict}.")
    text = "\n".join(lines) + "\n"
    out = ROOT / "bench" / "results" / "stream.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
