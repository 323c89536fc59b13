"""Session store benchmark (not a test): the in-memory store against Redis, in one run.

1. REST step loop, one client: POST .../forward (one step: the cursors change) and POST
   .../train (one update: the body changes) in a loop against one uvicorn worker with each
   store, interleaved rounds; requests/s, medians; the ratio Redis / memory is per round.
2. Equal cores: 8 clients, each looping forward on its own session, against one worker in
   memory and against `lstm-explorer serve --workers 2` on Redis (this machine has 2 cores).
3. Rebuild from Redis: a session stepped to the end forward and back, at three sizes: packed
   bytes, Redis's MEMORY USAGE, and the time to fetch and rebuild it (recomputing the trace)
   against the time to compute that trace; over HTTP, the first request on a worker that has
   not seen the session against the next ones.

Writes bench/results/store.md (or $BENCH_RESULTS/store.md) and prints it.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import redis
from lstm_explorer.app.schemas import SessionCreate
from lstm_explorer.app.sessions import compact
from lstm_explorer.app.sessions.factory import session_from_config
from lstm_explorer.app.settings import Settings

from bench.load_target import serve
from devtools.local_redis import local_redis

REPO = Path(__file__).resolve().parent.parent
API = "/api/v1"
LOOP_SESSION = {"hidden_size": 8, "task": {"name": "sine", "options": {"length": 2000}}}
TRAIN_SESSION = {"hidden_size": 8, "task": {"name": "sine", "options": {"length": 50}}}
ROUNDS, CALLS, TRAIN_CALLS = 5, 200, 50
CLIENTS, CLIENT_CALLS = 8, 150
SIZES = [(8, 200), (64, 500), (512, 740)]


def rate(base: str, path: str, body: dict[str, Any], calls: int) -> float:
    """Requests/s of `calls` sequential POSTs on one fresh session (one kept-alive connection)."""
    with httpx.Client(base_url=base, timeout=60) as http:
        config = TRAIN_SESSION if path == "train" else LOOP_SESSION
        sid = http.post(f"{API}/sessions", json=config).json()["id"]
        http.post(f"{API}/sessions/{sid}/{path}", json=body)  # warm up
        start = time.perf_counter()
        for _ in range(calls):
            response = http.post(f"{API}/sessions/{sid}/{path}", json=body)
            assert response.status_code == 200, response.text
        return calls / (time.perf_counter() - start)


async def concurrent_rate(base: str) -> float:
    """Requests/s of CLIENTS clients, each stepping its own session CLIENT_CALLS times."""
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection per call: any worker
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        sids = [
            (await http.post(f"{API}/sessions", json=LOOP_SESSION)).json()["id"]
            for _ in range(CLIENTS)
        ]

        async def loop(sid: str) -> None:
            for _ in range(CLIENT_CALLS):
                response = await http.post(f"{API}/sessions/{sid}/forward")
                assert response.status_code == 200, response.text

        start = time.perf_counter()
        await asyncio.gather(*(loop(sid) for sid in sids))
        return CLIENTS * CLIENT_CALLS / (time.perf_counter() - start)


def rebuild_costs(url: str) -> list[dict[str, float]]:
    """Per size: bytes packed and in Redis, compute and rebuild times (medians of 3)."""
    settings = Settings(
        max_hidden_size=512, max_sequence_length=2000, max_session_bytes=2**30, redis_url=url
    )
    client = redis.Redis.from_url(url)
    rows = []
    for hidden, length in SIZES:
        body = {"hidden_size": hidden, "task": {"name": "sine", "options": {"length": length}}}
        computes, rebuilds = [], []
        for _ in range(3):
            session = session_from_config(SessionCreate.model_validate(body), settings)
            start = time.perf_counter()  # the engine's work only, no frames serialised
            session.runner.seek(length - 1, "forward")
            session.runner.seek(0, "backward")
            computes.append(time.perf_counter() - start)
            packed = compact.pack_body(session)
            client.set("bench:body", packed)
            at = compact.cursors(session)
            start = time.perf_counter()
            data = client.get("bench:body")
            assert isinstance(data, bytes)
            rebuilt = compact.unpack_body(data, settings, session.id, at)
            rebuilds.append(time.perf_counter() - start)
            assert rebuilt.cursors() == session.cursors()
        rows.append(
            {
                "H": hidden,
                "T": length,
                "bytes": len(packed),
                "redis_bytes": float(client.memory_usage("bench:body") or 0),
                "compute": statistics.median(computes),
                "rebuild": statistics.median(rebuilds),
            }
        )
    client.close()
    return rows


def first_request_cost(url: str) -> tuple[float, float]:
    """Median ms of GET /sessions/{id} on a worker that never saw the session, then again."""
    env = {"LSTM_EXPLORER_REDIS_URL": url}
    body = {"hidden_size": 8, "task": {"name": "sine", "options": {"length": 200}}}
    first, again = [], []
    with serve(env, 1) as a, serve(env, 1) as b, httpx.Client(timeout=60) as http:
        for _ in range(20):
            sid = http.post(f"{a.base_url}{API}/sessions", json=body).json()["id"]
            http.post(f"{a.base_url}{API}/sessions/{sid}/forward", json={"to_end": True})
            for series in (first, again, again):
                start = time.perf_counter()
                assert http.get(f"{b.base_url}{API}/sessions/{sid}").status_code == 200
                series.append(time.perf_counter() - start)
    return statistics.median(first) * 1e3, statistics.median(again) * 1e3


def main() -> int:
    with local_redis() as server:
        env_redis = {"LSTM_EXPLORER_REDIS_URL": server.url}
        loops: dict[str, dict[str, list[float]]] = {
            name: {"memory": [], "redis": []} for name in ("forward", "train")
        }
        load_before = os.getloadavg()[0]
        with serve({}, 1) as memory, serve(env_redis, 1) as shared:
            for _ in range(ROUNDS):
                for name, body, calls in (
                    ("forward", {}, CALLS),
                    ("train", {"updates": 1}, TRAIN_CALLS),
                ):
                    loops[name]["memory"].append(rate(memory.base_url, name, body, calls))
                    loops[name]["redis"].append(rate(shared.base_url, name, body, calls))
            one_memory = statistics.median(
                asyncio.run(concurrent_rate(memory.base_url)) for _ in range(3)
            )
        with serve(env_redis, 2) as two:
            two_redis = statistics.median(
                asyncio.run(concurrent_rate(two.base_url)) for _ in range(3)
            )
        costs = rebuild_costs(server.url)
        first, again = first_request_cost(server.url)
    markdown = report(loops, one_memory, two_redis, costs, first, again, load_before)
    out_dir = Path(os.environ.get("BENCH_RESULTS", REPO / "bench" / "results"))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "store.md").write_text(markdown)
    print(markdown)
    return 0


def report(
    loops: dict[str, dict[str, list[float]]],
    one_memory: float,
    two_redis: float,
    costs: list[dict[str, float]],
    first: float,
    again: float,
    load_before: float,
) -> str:
    lines = [
        "# Session store: memory against Redis",
        "",
        f"- machine: {os.cpu_count()} logical CPUs, load average {load_before:.1f} before the "
        f"run; python {platform.python_version()}; the server(s), Redis and the client share it",
        f"- loops: LSTM H=8; forward on a 2000-step sine ({CALLS} sequential calls per round), "
        f"train on a 50-step one ({TRAIN_CALLS} calls of one update); {ROUNDS} rounds, the two "
        "stores interleaved",
        "",
        "| loop (one client) | memory req/s | Redis req/s | Redis / memory (median of rounds) |",
        "|---|---:|---:|---:|",
    ]
    for name, series in loops.items():
        ratios = [r / m for r, m in zip(series["redis"], series["memory"], strict=True)]
        lines.append(
            f"| POST {name} | {statistics.median(series['memory']):.0f} | "
            f"{statistics.median(series['redis']):.0f} | {statistics.median(ratios):.2f} |"
        )
    lines += [
        "",
        f"{CLIENTS} clients stepping their own sessions (a new connection per call), medians of 3:",
        "",
        "| server | req/s |",
        "|---|---:|",
        f"| one worker, memory | {one_memory:.0f} |",
        f"| two workers, Redis | {two_redis:.0f} ({two_redis / one_memory:.2f} ×) |",
        "",
        "Rebuilding a session from Redis (stepped to the end forward and back; medians of 3):",
        "",
        "| H | T | packed KiB | Redis KiB | compute the trace ms | fetch + rebuild ms |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in costs:
        lines.append(
            f"| {row['H']} | {row['T']} | {row['bytes'] / 1024:.1f} | "
            f"{row['redis_bytes'] / 1024:.1f} | {row['compute'] * 1e3:.1f} | "
            f"{row['rebuild'] * 1e3:.1f} |"
        )
    lines += [
        "",
        f"GET /sessions/{{id}} (H=8, T=200, stepped to the end) on a worker that had not seen "
        f"the session: {first:.1f} ms (rebuilt), then {again:.1f} ms (cached); medians of 20.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
