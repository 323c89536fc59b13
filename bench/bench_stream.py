"""Stream throughput: forward frames per second from the WebSocket to a Python client on loopback.

For H in {8, 32, 128}: the app runs under uvicorn in a subprocess (per-message-deflate off on
both sides); a `websockets` client plays a 2000-step sine session as fast as it can read
({"cmd": "play", "rate": null}) and counts frames. In-process, the same frames are timed in two
parts: compute (engine step + frame assembly) and serialisation (frame → dict → JSON text).
Writes bench/results/stream.md and prints it. Target: ≥ 1000 frames/s at H = 32.

    .venv/bin/python bench/bench_stream.py [--sizes 8 32 128] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import serialize  # noqa: E402
from app.schemas.session import SessionCreate  # noqa: E402
from app.sessions.factory import session_from_config  # noqa: E402
from app.settings import Settings  # noqa: E402

T = 2000
TARGET_H, TARGET_FPS = 32, 1000


def session_config(hidden: int) -> dict:
    return {"hidden_size": hidden, "seed": 0, "task": {"name": "sine", "options": {"length": T}}}


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
        "app.main:create_app",
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


async def stream_fps(port: int, hidden: int, runs: int) -> float:
    """Best frames/s over `runs` plays of the whole sequence."""
    sid = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/sessions", json=session_config(hidden)
    ).json()["id"]
    url = f"ws://127.0.0.1:{port}/api/v1/sessions/{sid}/stream"
    best = 0.0
    async with websockets.connect(url, compression=None, max_size=2**24) as ws:
        json.loads(await ws.recv())  # state
        for _ in range(runs):
            await ws.send(json.dumps({"cmd": "reset"}))
            assert json.loads(await ws.recv())["type"] == "state"
            await ws.send(json.dumps({"cmd": "play", "rate": None}))
            frames, t0 = 0, time.perf_counter()
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "forward":
                    frames += 1
                elif frame["type"] == "done":
                    break
            best = max(best, frames / (time.perf_counter() - t0))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]  # other work on the machine makes the numbers smaller
    port = free_port()
    proc = start_server(port)
    rows = []
    try:
        for hidden in args.sizes:
            compute, ser, stdlib, size = in_process(hidden)
            fps = asyncio.run(stream_fps(port, hidden, args.runs))
            rows.append((hidden, fps, compute, ser, stdlib, size))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    encoder = "orjson" if serialize.orjson is not None else "json (stdlib, orjson missing)"
    lines = [
        "# Stream throughput (bench/bench_stream.py)",
        "",
        f"Forward frames of a {T}-step sine session (LSTM vanilla, D = O = 1), played with "
        '`{"cmd": "play", "rate": null}` to a Python `websockets` client on loopback; uvicorn in a '
        "subprocess, per-message-deflate off on both sides. Best of "
        f"{args.runs} plays. Compute and serialisation are measured in-process per frame.",
        "",
        "| H | frames/s (WebSocket) | compute µs/frame | serialisation µs/frame "
        "| same with stdlib json | frame bytes |",
        "|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {h} | {fps:,.0f} | {c:.1f} | {s:.1f} | {j:.1f} | {b:,} |"
            for h, fps, c, s, j, b in rows
        ),
        "",
        f"Encoder: {encoder}. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. Load average (1 min) at the start: {load:.1f}.",
    ]
    at_target = [fps for h, fps, *_ in rows if h == TARGET_H]
    if at_target:
        verdict = "met" if at_target[0] >= TARGET_FPS else "NOT met"
        lines.append(f"Target ≥ {TARGET_FPS} frames/s at H = {TARGET_H}: {verdict}.")
    text = "\n".join(lines) + "\n"
    out = ROOT / "bench" / "results" / "stream.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
