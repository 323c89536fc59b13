"""Builds the project's wheel the way pip does, from a copy of a source tree, for the tests of
what ships (tests/test_shipped_files.py) and of the image's install (tests/test_dockerfile.py).

The build backend named in pyproject.toml runs in this interpreter, as `pip wheel
--no-build-isolation` would: the test extras install it, so no run downloads it into a fresh
isolated environment (the slow part of a `pip install .`, and all network).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement

# What a fresh clone does not have (.gitignore), and git's own folder.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "screenshots",
    "build",
    "dist",
    "node_modules",
)

_BUILD = """
import importlib, sys
backend = importlib.import_module(sys.argv[1])
print(backend.build_wheel(sys.argv[2]))
"""


def copy_checkout(repo: Path, target: Path) -> Path:
    """`repo` copied to `target` as a fresh clone would have it (no venvs, caches, builds)."""
    shutil.copytree(repo, target, ignore=NOT_IN_A_CLONE, symlinks=True)
    return target


def unmet_build_requirements(source: Path) -> list[str]:
    """The [build-system] requires of `source` that this interpreter does not satisfy."""
    build_system = tomllib.loads((source / "pyproject.toml").read_text())["build-system"]
    unmet = []
    for line in build_system["requires"]:
        requirement = Requirement(line)
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            unmet.append(f"{line} (not installed)")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            unmet.append(f"{line} (installed: {installed})")
    return unmet


def build_wheel(source: Path, out: Path) -> Path:
    """Build the wheel of the project at `source` (a scratch copy: the backend writes build/
    and *.egg-info into it) into `out`; returns the wheel's path."""
    unmet = unmet_build_requirements(source)
    assert not unmet, f"build requirements missing: {unmet}; pip install -e '.[test]'"
    backend = tomllib.loads((source / "pyproject.toml").read_text())["build-system"]
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", _BUILD, backend["build-backend"], str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"wheel build failed:\n{result.stdout}\n{result.stderr}"
    return out / result.stdout.strip().splitlines()[-1]


def wheel_files(wheel: Path) -> list[str]:
    """Every file name in the wheel (paths with '/', as installed into site-packages)."""
    with zipfile.ZipFile(wheel) as archive:
        return [name for name in archive.namelist() if not name.endswith("/")]
