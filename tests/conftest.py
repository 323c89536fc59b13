"""Fixtures shared by every test directory, and the order the suite runs in."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.dockerfile import replay_copies, single

REPO_ROOT = Path(__file__).resolve().parent.parent


def _module_rank(items: list[pytest.Item]) -> int:
    """0 for a module with a `slow` test, 1 for browser tests, 2 for the rest."""
    if any(item.get_closest_marker("slow") for item in items):
        return 0
    return 1 if any(item.get_closest_marker("browser") for item in items) else 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest modules first, each module's tests together and in their order: when
    pytest-xdist hands tests out one by one (make test), the workers then finish together
    instead of one waiting on a long test picked up last."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    ordered = sorted(modules.values(), key=_module_rank)  # stable: collection order otherwise
    items[:] = [item for module in ordered for item in module]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's top folder (pyproject.toml, static/, templates/)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def image_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """(workdir, files): the image's WORKDIR as its COPYs fill it, .dockerignore applied."""
    dockerfile = REPO_ROOT / "Dockerfile"
    workdir = tmp_path_factory.mktemp("image") / Path(single(dockerfile, "WORKDIR")).name
    workdir.mkdir()
    return workdir, replay_copies(REPO_ROOT, dockerfile, workdir)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Default settings: LSTM_EXPLORER_* variables of the caller's shell are hidden."""
    for name in list(os.environ):
        if name.startswith("LSTM_EXPLORER_"):
            monkeypatch.delenv(name)
    return Settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient on a fresh app built from `settings` (override that fixture to change it)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
