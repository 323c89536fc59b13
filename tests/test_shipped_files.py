"""Development-only code ships nowhere: neither the wheel built from the repository nor the
Docker image carries the test suite, the local-server launcher, benchmarks or dev pages."""

from itertools import pairwise
from pathlib import Path, PurePosixPath

import pytest

from tests.dockerfile import dockerignore_patterns, is_ignored
from tests.wheel import build_wheel, copy_checkout, wheel_files

# Folders of the repository that only developers use.
DEV_FOLDERS = ("tests", "devtools", "bench", "scripts", "docs")


def dev_only(path: str) -> bool:
    """Whether `path` (inside a wheel or the image) is development-only code."""
    parts = PurePosixPath(path).parts
    pairs = set(pairwise(parts))
    return (
        any(part in DEV_FOLDERS for part in parts)
        or ("static", "dev") in pairs
        or PurePosixPath(path).stem == "local_server"
    )


@pytest.fixture(scope="module")
def repo_wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The files of the wheel a build of the repository (as cloned) makes."""
    scratch = tmp_path_factory.mktemp("repo-wheel")
    checkout = copy_checkout(repo_root, scratch / "checkout")
    return wheel_files(build_wheel(checkout, scratch / "dist"))


def test_dev_only_recognises_what_it_must() -> None:
    for path in (
        "tests/conftest.py",
        "devtools/local_server.py",
        "app/local_server.py",
        "static/dev/diagrams.html",
        "lstm_explorer/static/dev/x.js",
        "bench/x.py",
    ):
        assert dev_only(path), path
    for path in (
        "app/main.py",
        "engine/data/chars/README.md",
        "static/js/devices.js",
        "static/js/views/circuit_diagram.js",
    ):
        assert not dev_only(path), path


def test_build_wheel_ships_no_development_code(repo_wheel: list[str]) -> None:
    assert any(name.endswith("app/main.py") for name in repo_wheel), "the app is in the wheel"
    assert any(name.endswith("engine/__init__.py") for name in repo_wheel)
    shipped = sorted(name for name in repo_wheel if dev_only(name))
    assert shipped == [], f"development-only files in the wheel: {shipped}"


def test_image_build_context_ships_no_development_code(
    repo_root: Path, image_tree: tuple[Path, list[Path]]
) -> None:
    """What the Dockerfile's COPYs put into the image, .dockerignore applied."""
    workdir, copied = image_tree
    relative = [path.relative_to(workdir).as_posix() for path in copied]
    assert "app/main.py" in relative and "static/js/main.js" in relative
    shipped = sorted(path for path in relative if dev_only(path))
    assert shipped == [], f"development-only files copied into the image: {shipped}"


def test_dockerignore_excludes_every_dev_folder(repo_root: Path) -> None:
    """Belt and braces: they stay out of the build context, whatever a COPY names."""
    patterns = dockerignore_patterns(repo_root)
    present = [name for name in (*DEV_FOLDERS, "static/dev") if (repo_root / name).exists()]
    assert "tests" in present and "devtools" in present
    kept = [name for name in present if not is_ignored(patterns, f"{name}/any_file.py")]
    assert kept == [], f".dockerignore lets these into the build context: {kept}"


@pytest.mark.parametrize(
    ("patterns", "path", "ignored"),
    [
        (["tests"], "tests/app/x.py", True),
        (["tests"], "app/tests.py", False),
        (["**/__pycache__"], "app/routes/__pycache__/a.pyc", True),
        (["**/__pycache__"], "__pycache__/a.pyc", True),
        (["*.egg-info"], "x.egg-info/PKG-INFO", True),
        (["*.egg-info"], "app/x.egg-info", False),  # * never crosses a folder
        (["static/dev"], "static/devices.js", False),
        (["docs", "!docs/keep.md"], "docs/keep.md", False),
        ([".venv*"], ".venv-bench/bin/python", True),
    ],
)
def test_dockerignore_matching_follows_docker(
    patterns: list[str], path: str, ignored: bool
) -> None:
    assert is_ignored(patterns, path) is ignored
