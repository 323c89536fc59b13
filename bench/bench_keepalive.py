"""Kept-alive request latency of devtools.local_server (uvicorn --fd), Nagle on against off.

uvicorn wraps an --fd socket as AF_UNIX, so no event loop sets TCP_NODELAY on accepted
connections; devtools.local_server.listening_socket() sets it on the listening socket (Linux
copies it to accepted ones). This runs servers with the option cleared ("before") and as shipped
("after"), in turn, and times POST /api/v1/sessions on one kept-alive connection; medians.

    .venv/bin/python bench/bench_keepalive.py [--rounds 4] [--requests 40]
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import devtools.local_server as local_server

SHIPPED = local_server.listening_socket


def nagle_on(port: int = 0) -> socket.socket:
    sock = SHIPPED(port)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
    return sock


def median_ms(base_url: str, requests: int) -> float:
    host, port = base_url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port))
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/sessions",
            body=b'{"hidden_size": 8, "seed": 0}',
            headers={"content-type": "application/json"},
        )
        conn.getresponse().read()
        times.append((time.perf_counter() - t0) * 1e3)
    conn.close()
    return statistics.median(times[5:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for name, make in (("before", nagle_on), ("after", SHIPPED)):
            local_server.listening_socket = make  # type: ignore[assignment]
            with local_server.uvicorn_process() as base_url:
                results[name].append(median_ms(base_url, args.requests))
    before, after = (statistics.median(results[k]) for k in ("before", "after"))
    print({k: [round(x, 1) for x in v] for k, v in results.items()})
    print(f"ms per kept-alive request: Nagle on {before:.1f}, off {after:.1f}")


if __name__ == "__main__":
    main()
