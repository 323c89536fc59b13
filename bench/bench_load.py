"""Load test (not a test): a class of students on one server, on loopback only.

Starts `uvicorn --factory app.main:create_app` (one worker) on 127.0.0.1, or with `--redis`
`lstm-explorer serve --workers N` on a Redis of its own, and, all at once:
- `--streams` sessions, each playing over its WebSocket at `--fps` frames/s (reset and replay
  when the sequence ends), for `--duration` seconds;
- `--rest-clients` clients looping create session → forward → trace → train (5 updates) →
  params, never deleting, so the store fills and evicts;
- then a flood phase that creates 3 × max_sessions more sessions while the streams go on.

Records p50/p99 latency per REST call, WebSocket frames/s, errors (target 0), and the server's
RSS every second (/proc/<pid>/status, summed over the workers). `--kill-half-way` SIGKILLs one
worker in the middle of the steady phase: its streams reconnect as the page does (with
back-off) and go on; sessions lost (a stream session that answers 404 at the end) target 0. Writes bench/results/load.md (or $BENCH_RESULTS/load.md)
and prints it. Bounded: every phase has a deadline, the whole run stops after ~duration + 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.load_target import Target, load_target, redis_memory, redis_per_session

REPO = Path(__file__).resolve().parent.parent
API = "/api/v1"
STREAM_SESSION = {"hidden_size": 8, "task": {"name": "sine", "options": {"length": 200}}}
REST_SESSION = {"hidden_size": 8, "task": {"name": "sine", "options": {"length": 50}}}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    frames: int = 0
    created: int = 0
    rss: list[tuple[float, str, int]] = field(default_factory=list)  # (t, phase, KiB)
    phase: str = "start"
    stream_ids: list[str] = field(default_factory=list)
    reconnects: int = 0
    lost: int = 0  # stream sessions that came back 404


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def timed(stats: Stats, name: str, request: object) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        response: httpx.Response = await request  # type: ignore[misc]
    except httpx.HTTPError as exc:
        stats.errors.append(f"{name}: {type(exc).__name__}")
        return None
    stats.latencies[name].append(time.perf_counter() - start)
    if response.status_code >= 400:
        stats.errors.append(f"{name}: HTTP {response.status_code} {response.text[:100]}")
        return None
    return response


async def streamer(
    base: str, http: httpx.AsyncClient, stats: Stats, fps: float, stop: asyncio.Event
) -> None:
    """One student: a session played over the WebSocket, replayed from the start at the end;
    after a close it reconnects as the page does (back-off) and plays on."""
    created = await timed(stats, "create", http.post(f"{API}/sessions", json=STREAM_SESSION))
    if created is None:
        return
    stats.created += 1
    sid = created.json()["id"]
    stats.stream_ids.append(sid)
    url = f"ws{base[4:]}{API}/sessions/{sid}/stream"
    pause = 0.25
    while not stop.is_set():
        try:
            async with connect(url, ping_interval=None, max_queue=64, open_timeout=10) as ws:
                await ws.send(json.dumps({"cmd": "play", "rate": fps}))
                pause = 0.25
                while not stop.is_set():
                    try:
                        message = await asyncio.wait_for(ws.recv(), 1.0)
                    except TimeoutError:
                        continue
                    if isinstance(message, bytes):
                        message = message.decode(errors="replace")
                    head = message[:20]
                    if '"forward"' in head:
                        stats.frames += 1
                    elif '"done"' in head:
                        await ws.send(json.dumps({"cmd": "reset"}))
                        await ws.send(json.dumps({"cmd": "play", "rate": fps}))
                    elif '"error"' in head:
                        stats.errors.append(f"stream: {message[:120]}")
        except (ConnectionClosed, OSError, TimeoutError, InvalidStatus) as exc:
            if stop.is_set():
                return
            if isinstance(exc, ConnectionClosed) and exc.rcvd is not None and exc.rcvd.code == 4404:
                stats.errors.append(f"stream closed: {exc}")
                return
            stats.reconnects += 1
            await asyncio.sleep(pause)
            pause = min(2 * pause, 4.0)


async def rest_client(http: httpx.AsyncClient, stats: Stats, stop: asyncio.Event) -> None:
    """Another student: short REST sessions, one after the other, never deleted."""
    while not stop.is_set():
        created = await timed(stats, "create", http.post(f"{API}/sessions", json=REST_SESSION))
        if created is None:
            await asyncio.sleep(0.1)
            continue
        stats.created += 1
        sid = created.json()["id"]
        await timed(stats, "forward", http.post(f"{API}/sessions/{sid}/forward", json={"steps": 5}))
        await timed(stats, "trace", http.get(f"{API}/sessions/{sid}/trace"))
        await timed(stats, "train", http.post(f"{API}/sessions/{sid}/train", json={"updates": 5}))
        await timed(stats, "params", http.get(f"{API}/sessions/{sid}/params"))


async def flood(http: httpx.AsyncClient, stats: Stats, count: int, deadline: float) -> None:
    """More sessions than the store holds: the least recently used are evicted."""
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        created = await timed(stats, "create", http.post(f"{API}/sessions", json=REST_SESSION))
        if created is not None:
            stats.created += 1


async def sample_rss(target: Target, stats: Stats, stop: asyncio.Event, started: float) -> None:
    while not stop.is_set():
        total = sum(rss_kib(pid) for pid in target.pids())
        stats.rss.append((time.monotonic() - started, stats.phase, total))
        await asyncio.sleep(1.0)


def cpu_total(target: Target) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in target.pids()}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds of the processes alive at both ends (a killed worker's share is missed)."""
    return sum(after[pid] - before[pid] for pid in before if pid in after)


async def count_lost(http: httpx.AsyncClient, stats: Stats) -> None:
    for sid in stats.stream_ids:
        response = await http.get(f"{API}/sessions/{sid}")
        if response.status_code == 404:
            stats.lost += 1


async def run(target: Target, args: argparse.Namespace) -> tuple[Stats, dict[str, float]]:
    base = target.base_url
    stats, stop, stop_rest, stop_rss = Stats(), asyncio.Event(), asyncio.Event(), asyncio.Event()
    started = time.monotonic()
    marks: dict[str, float] = {}
    limits = httpx.Limits(max_connections=args.streams + args.rest_clients + 10)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        sampler = asyncio.create_task(sample_rss(target, stats, stop_rss, started))
        await asyncio.sleep(2)
        stats.phase = "ramp"
        streams = [
            asyncio.create_task(streamer(base, http, stats, args.fps, stop))
            for _ in range(args.streams)
        ]
        await asyncio.sleep(5)
        stats.phase, marks["steady_start"] = "steady", time.monotonic() - started
        frames_at_start, steady_t0, cpu0 = stats.frames, time.monotonic(), cpu_total(target)
        own_cpu0 = time.process_time()
        rest = [
            asyncio.create_task(rest_client(http, stats, stop_rest))
            for _ in range(args.rest_clients)
        ]
        if args.kill_half_way:
            await asyncio.sleep(args.duration / 2)
            marks["killed_at"] = time.monotonic() - started
            marks["killed_pid"] = target.kill_one()
            await asyncio.sleep(args.duration / 2)
        else:
            await asyncio.sleep(args.duration)
        steady_seconds = time.monotonic() - steady_t0
        marks["fps_steady"] = (stats.frames - frames_at_start) / steady_seconds
        marks["cpu_steady"] = cpu_used(cpu0, cpu_total(target)) / steady_seconds
        marks["own_cpu_steady"] = (time.process_time() - own_cpu0) / steady_seconds
        marks["rest_calls_steady"] = sum(len(v) for v in stats.latencies.values())
        # REST clients stop before the flood: evicting a session mid-use would be a 404 by design.
        stop_rest.set()
        await asyncio.gather(*rest, return_exceptions=True)
        stats.phase, marks["flood_start"] = "flood", time.monotonic() - started
        frames_flood0, flood_t0 = stats.frames, time.monotonic()
        await flood(http, stats, 3 * args.max_sessions, time.monotonic() + 30)
        marks["flood_seconds"] = time.monotonic() - flood_t0
        marks["fps_flood"] = (stats.frames - frames_flood0) / max(marks["flood_seconds"], 1e-9)
        stats.phase = "after"
        await asyncio.sleep(5)
        stop.set()
        await asyncio.gather(*streams, return_exceptions=True)
        await count_lost(http, stats)
        await asyncio.sleep(2)
        stop_rss.set()
        await sampler
    return stats, marks


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(
    stats: Stats, marks: dict[str, float], args: argparse.Namespace, server_errors: int
) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        "# Load test: a class on one server",
        "",
        f"`python bench/bench_load.py --streams {args.streams} --fps {args.fps:g} "
        f"--rest-clients {args.rest_clients} --duration {args.duration:g} "
        f"--max-sessions {args.max_sessions}"
        + (f" --redis --workers {args.workers}" if args.redis else "")
        + (" --kill-half-way" if args.kill_half_way else "")
        + "`",
        "",
        f"- machine: {os.cpu_count()} logical CPUs ({cpu}), shared by the server and the load "
        f"generator; load average {marks['load_before']:.1f} just before the run "
        f"(other work on the machine); python {platform.python_version()}",
        (
            f"- server: `lstm-explorer serve --workers {args.workers}` on a Redis of its own, "
            if args.redis
            else "- server: one uvicorn worker in memory, "
        )
        + f"on 127.0.0.1, LSTM_EXPLORER_MAX_SESSIONS={args.max_sessions} (and as many per "
        "client: the load comes from one address), other settings default",
        f"- streams: {args.streams} sessions (LSTM H=8, sine T=200) playing at {args.fps:g} frames/s "
        f"each over WebSockets (target {args.streams * args.fps:g} frames/s in total)",
        f"- REST: {args.rest_clients} clients looping create → forward 5 → trace → train 5 → params "
        "(LSTM H=8, T=50), never deleting: the store stays full and evicts",
        f"- flood: {3 * args.max_sessions} more sessions created back to back "
        f"({marks['flood_seconds']:.1f} s) while the streams go on",
        "",
        "| REST call | count | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    everything: list[float] = []
    for name in ("create", "forward", "trace", "train", "params"):
        values = stats.latencies.get(name, [])
        everything += values
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 0.5) * 1e3:.1f} | "
            f"{percentile(values, 0.99) * 1e3:.1f} | {max(values, default=0) * 1e3:.1f} |"
        )
    lines.append(
        f"| **all** | {len(everything)} | {percentile(everything, 0.5) * 1e3:.1f} | "
        f"{percentile(everything, 0.99) * 1e3:.1f} | {max(everything, default=0) * 1e3:.1f} |"
    )
    rss = {
        phase: [kib for _, p, kib in stats.rss if p == phase]
        for phase in ("start", "ramp", "steady", "flood", "after")
    }
    mib = lambda kib: kib / 1024  # noqa: E731
    steady = rss["steady"] or [0]
    half = steady[len(steady) // 2 :] or steady
    lines += [
        "",
        "| measure | value |",
        "|---|---:|",
        f"| WebSocket frames/s, steady phase (all streams) | {marks['fps_steady']:.0f} "
        f"({marks['fps_steady'] / (args.streams * args.fps):.0%} of the target) |",
        f"| WebSocket frames/s, flood phase | {marks['fps_flood']:.0f} |",
        f"| server CPU, steady phase (1.0 = one core) | {marks['cpu_steady']:.2f} |",
        f"| load generator CPU, steady phase | {marks['own_cpu_steady']:.2f} |",
        f"| REST calls in the steady phase | {marks['rest_calls_steady']:.0f} "
        f"({marks['rest_calls_steady'] / args.duration:.0f}/s) |",
        f"| sessions created in all | {stats.created} (store holds {args.max_sessions}) |",
        f"| errors (HTTP ≥ 400 or failed, stream error frames, 4404 closes) | {len(stats.errors)} |",
        f"| stream reconnects (after a close or a failed connect) | {stats.reconnects} |",
        f"| stream sessions lost (404 at the end, of {len(stats.stream_ids)}) | {stats.lost} |",
        f"| server log lines at ERROR or with a traceback | {server_errors} |",
        f"| RSS idle | {mib(max(rss['start'] or [0])):.0f} MiB |",
        f"| RSS after the streams opened | {mib(max(rss['ramp'] or [0])):.0f} MiB |",
        f"| RSS steady: first half max / second half max | {mib(max(steady[: len(steady) // 2] or steady)):.0f}"
        f" / {mib(max(half)):.0f} MiB |",
        f"| RSS flood max (3 × max_sessions created) | {mib(max(rss['flood'] or [0])):.0f} MiB |",
        f"| RSS at the end | {mib((rss['after'] or [0])[-1]):.0f} MiB |",
        *(
            [
                f"| worker killed at | {marks['killed_at']:.0f} s (pid {marks['killed_pid']:.0f}) |",
            ]
            if "killed_at" in marks
            else []
        ),
        *(
            [
                f"| Redis: sessions kept / bytes per session (growth) / MEMORY USAGE per session "
                f"| {marks['redis_sessions']:.0f} / {marks['redis_bytes_per_session'] / 1024:.1f} KiB"
                f" / {marks['redis_usage_per_session'] / 1024:.1f} KiB |",
            ]
            if "redis_sessions" in marks
            else []
        ),
        "",
        "RSS over time (MiB, one sample every 5 s; phase in brackets):",
        "",
        "```",
    ]
    series = [f"{t:5.0f}s [{p}] {mib(kib):6.1f}" for t, p, kib in stats.rss[::5]]
    lines += [*series, "```"]
    if stats.errors:
        lines += ["", "First errors:", "", *(f"- {e}" for e in stats.errors[:10])]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--fps", type=float, default=20.0)
    parser.add_argument("--rest-clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--max-sessions", type=int, default=150)
    parser.add_argument("--redis", action="store_true", help="sessions in a Redis of its own")
    parser.add_argument("--workers", type=int, default=1, help="more than one needs --redis")
    parser.add_argument("--kill-half-way", action="store_true", help="SIGKILL one worker")
    parser.add_argument("--out", default="load.md", help="file name under bench/results")
    args = parser.parse_args()
    if not (1 <= args.streams <= 500 and 5 <= args.duration <= 600):
        parser.error("bounded: 1..500 streams, 5..600 s")
    if args.workers > 1 and not args.redis:
        parser.error("--workers N > 1 needs --redis")
    env = {
        "LSTM_EXPLORER_MAX_SESSIONS": str(args.max_sessions),
        # The whole class comes from one address here: no per-client limit below the store's.
        "LSTM_EXPLORER_MAX_SESSIONS_PER_CLIENT": str(args.max_sessions),
    }
    with tempfile.TemporaryFile() as log:
        with load_target(env, args.workers, args.redis, log) as target:
            load_before = os.getloadavg()[0]
            redis_before = redis_memory(target)
            stats, marks = asyncio.run(run(target, args))
            marks["load_before"] = load_before
            marks |= redis_per_session(target, redis_before)
        log.seek(0)
        text = log.read().decode(errors="replace")
    server_errors = sum("ERROR" in line or "Traceback" in line for line in text.splitlines())
    markdown = report(stats, marks, args, server_errors)
    out_dir = Path(os.environ.get("BENCH_RESULTS", REPO / "bench" / "results"))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / args.out).write_text(markdown)
    print(markdown)
    return 0 if not stats.errors and not server_errors and not stats.lost else 1


if __name__ == "__main__":
    raise SystemExit(main())
