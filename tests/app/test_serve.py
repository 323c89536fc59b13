"""`make serve` as the README's class recipe runs it: the server listens where the settings say
(LSTM_EXPLORER_HOST and _PORT, or HOST=… PORT=… on make's command line) with the recipe's limits."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path

import httpx
import pytest

from devtools.local_server import free_port
from tests.app.cli_server import serve_process
from tests.app.conftest import API

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def class_recipe() -> tuple[dict[str, str], list[str]]:
    """The environment and the make arguments of the README's "Running for a class" recipe."""
    section = README.read_text().split("## Running for a class", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the class recipe's sh block is missing"
    words = shlex.split(block.group(1).replace("\\\n", " "), comments=True)
    env = dict(w.split("=", 1) for w in words[: words.index("make")])
    return env, words[words.index("make") + 1 :]


def listening(port: int) -> set[str]:
    """The IPv4 addresses something listens on at `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, _, state = line.split()[1:4]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def make_serve(*args: str) -> list[str]:
    """`make serve` with this interpreter's environment as the Makefile's VENV, and told not
    to reinstall it (-o: its stamp counts as up to date)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    venv = Path(sys.prefix)
    if not (venv / "bin" / "lstm-explorer").exists():
        pytest.skip(f"{venv} has no lstm-explorer script (pip install -e .)")
    stamp = venv / ".stamp-run"
    return [make, "-s", "-C", str(REPO), "-o", str(stamp), "serve", f"VENV={venv}", *args]


def test_readme_class_recipe_listens_on_the_lan_with_its_limits() -> None:
    env, args = class_recipe()
    assert args == ["serve"]
    assert env["LSTM_EXPLORER_HOST"] == "0.0.0.0"
    port = free_port()
    env["LSTM_EXPLORER_PORT"] = str(port)  # the recipe's default (8000) may be taken here
    with serve_process(make_serve(), env, f"http://127.0.0.1:{port}") as server:
        assert listening(port) == {"0.0.0.0"}  # every interface: the LAN
        limits = httpx.get(f"{server.base_url}{API}/presets").json()["limits"]
    for name, value in env.items():
        key = name.removeprefix("LSTM_EXPLORER_").lower()
        if key in limits:
            assert limits[key] == int(value), key


def test_make_serve_takes_host_and_port_on_its_command_line() -> None:
    port = free_port()
    command = make_serve("HOST=127.0.0.1", f"PORT={port}")
    env = {"LSTM_EXPLORER_HOST": "0.0.0.0", "LSTM_EXPLORER_PORT": str(free_port())}
    with serve_process(command, env, f"http://127.0.0.1:{port}"):
        assert listening(port) == {"127.0.0.1"}  # the command line wins over the environment
