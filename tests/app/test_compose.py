"""compose.yaml, the course recipe: valid for `docker compose config`, and its two processes,
run directly as compose would run them (there is no Docker engine here), serve a course."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from devtools.local_server import free_port
from tests.app.cli_server import serve_process, wait_for_workers
from tests.app.conftest import API, SINE
from tests.app.redis_server import redis_server

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def test_compose_file_is_valid_for_docker_compose() -> None:
    tool = (
        ["docker", "compose"]
        if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
        else ["docker-compose"]
        if shutil.which("docker-compose")
        else None
    )
    if tool is None:
        missing = "neither `docker compose` nor docker-compose is installed"
        if os.environ.get("CI") == "true":  # .ci/run installs Debian's docker-compose
            pytest.fail(missing)
        pytest.skip(missing)
    done = subprocess.run([*tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_compose_processes_serve_a_course_and_keep_sessions_over_a_redis_restart() -> None:
    services = _services()
    redis_command = services["redis"]["command"]
    assert redis_command[0] == "redis-server"
    app = services["app"]
    argv = list(app["command"])
    assert argv[:2] == ["lstm-explorer", "serve"]
    workers = int(argv[argv.index("--workers") + 1])
    env = {k: str(v) for k, v in app["environment"].items()}
    assert env["LSTM_EXPLORER_REDIS_URL"] == "redis://redis:6379/0"  # the redis service
    with redis_server(options=redis_command[1:]) as redis:
        env["LSTM_EXPLORER_REDIS_URL"] = redis.url
        port = free_port()
        argv[argv.index("--port") + 1] = str(port)
        command = [sys.executable, "-m", "lstm_explorer", *argv[1:]]  # = the lstm-explorer script
        with serve_process(command, env, f"http://127.0.0.1:{port}") as server:
            assert len(wait_for_workers(server, workers)) == workers
            with httpx.Client(base_url=server.base_url, timeout=30) as http:
                limits = http.get(f"{API}/presets").json()["limits"]
                assert limits["max_hidden_size"] == int(env["LSTM_EXPLORER_MAX_HIDDEN_SIZE"])
                sid = http.post(f"{API}/sessions", json=SINE).json()["id"]
                http.post(f"{API}/sessions/{sid}/forward", json={"steps": 3})
                redis.stop(graceful=True)  # `docker compose restart redis`
                assert http.get(f"{API}/sessions/{sid}").status_code == 503
                redis.start()
                state = http.get(f"{API}/sessions/{sid}")
                assert state.status_code == 200, state.text
                assert state.json()["cursors"]["forward_t"] == 3
