"""What validating a response by its pydantic model costs beside serialising it, per kind.

Frames are the hot path (a stream sends one per step, up to its rate); sessions, metrics,
experiments and snapshots are not. For each kind: µs to serialise the object as the app does
(app.serialize.dumps, orjson) and µs to validate it by its model (model_validate, or building the
model for metrics), on real objects: frames and sessions from the app, an experiment at its
bounds (12 variants × 10 seeds, 50 curve points each).

    PYTHONPATH=. .venv/bin/python bench/bench_validation.py [--repeats N]

Writes bench/results/validation.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from lstm_explorer.app import serialize
from lstm_explorer.app.main import create_app
from lstm_explorer.app.schemas import SessionPublic
from lstm_explorer.app.schemas.experiment import ExperimentPublic
from lstm_explorer.app.schemas.frames import BackwardFramePublic, ForwardFramePublic
from lstm_explorer.app.schemas.training import update_metrics
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.training import UpdateMetrics

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results"))
API = "/api/v1"


def per_call_us(fn: Callable[[], Any], repeats: int) -> float:
    """Median µs of one call, over `repeats` rounds of enough calls to last ~20 ms each."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start > 0.02:
            break
        n *= 2
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(rounds)


def frames(client: TestClient, H: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A forward frame, a backward frame with grads, and the session, of an LSTM with H cells."""
    body = {"hidden_size": H, "task": {"name": "sine", "options": {"length": 50}}}
    session = client.post(f"{API}/sessions", json=body).json()
    sid = session["id"]
    fwd = client.post(f"{API}/sessions/{sid}/forward", json={"steps": 1}).json()["frames"][0]
    client.post(f"{API}/sessions/{sid}/forward", json={"to_end": True})
    bwd = client.post(f"{API}/sessions/{sid}/backward", json={"grads": True}).json()["frames"][0]
    return fwd, bwd, session


def experiment(client: TestClient, runs: int = 120) -> dict[str, Any]:
    """A real one-run experiment of 50 updates (50 curve points), its run repeated `runs` times:
    the size of the largest experiment the bounds allow (12 variants × 10 seeds)."""
    body = {"seeds": [0], "variants": ["vanilla"], "updates": 50, "task_options": {"length": 5}}
    job = client.post(f"{API}/experiments", json=body).json()["id"]
    while (out := client.get(f"{API}/experiments/{job}").json())["status"] == "running":
        time.sleep(0.05)
    out["runs"] = out["runs"] * runs
    out["done"] = out["total"] = runs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    r = args.repeats
    rows: list[tuple[str, float, float]] = []
    with TestClient(create_app(Settings())) as client:
        for H in (32, 128):
            fwd, bwd, session = frames(client, H)
            rows.append(
                (
                    f"forward frame, LSTM H = {H}",
                    per_call_us(lambda f=fwd: serialize.dumps(f), r),
                    per_call_us(lambda f=fwd: ForwardFramePublic.model_validate(f), r),
                )
            )
            rows.append(
                (
                    f"backward frame with grads, H = {H}",
                    per_call_us(lambda f=bwd: serialize.dumps(f), r),
                    per_call_us(lambda f=bwd: BackwardFramePublic.model_validate(f), r),
                )
            )
        big = experiment(client)
        rows.append(
            (
                "session (GET /sessions/{id}), H = 128",
                per_call_us(lambda: serialize.dumps(session), r),
                per_call_us(lambda: SessionPublic.model_validate(session), r),
            )
        )
    m = UpdateMetrics(7, 0.5, 1.0, 1.0, False, False)
    frame = {"type": "metrics", "update": 7, "loss": 0.5, "grad_norm": 1.0}
    rows.append(
        (
            "metrics of one update (built as its model)",
            per_call_us(lambda: serialize.dumps(frame), r),
            per_call_us(lambda: update_metrics(m, None, serialize.NonFinite()), r),
        )
    )
    rows.append(
        (
            "experiment, 120 runs × 50 curve points",
            per_call_us(lambda: serialize.dumps(big), r),
            per_call_us(lambda: ExperimentPublic.model_validate(big).model_dump(), r),
        )
    )
    lines = [
        "| response | serialise (µs) | validate by its model (µs) | validate / serialise |",
        "|---|---:|---:|---:|",
    ]
    for name, ser, val in rows:
        lines.append(f"| {name} | {ser:,.1f} | {val:,.1f} | {val / ser:.1f}× |")
    lines.append("")
    lines.append(f"- load average at the end: {os.getloadavg()[0]:.2f}")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "validation.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
