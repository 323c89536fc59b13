"""Fixtures shared by every test directory, and the order the suite runs in."""

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings

from tests.dockerfile import replay_copies, single

REPO_ROOT = Path(__file__).resolve().parent.parent


def _module_rank(items: list[pytest.Item]) -> int:
    """0 for a module with a `slow` test, 2 for browser tests, 1 for the rest."""
    if any(item.get_closest_marker("slow") for item in items):
        return 0
    return 2 if any(item.get_closest_marker("browser") for item in items) else 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow modules first (a worker of `make test` picks them up at once instead of
    last), the browser tests last, each module's tests together and in their order.

    Browser tests last, on every worker: the session's Playwright keeps an event loop running
    in the main thread from the first browser test on, and asyncio.run() in any later test
    would fail there. pytest-xdist hands each worker its tests in this order too.
    """
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
    """(workdir, files): the WORKDIR of the image's build stage (the first) as its COPYs fill
    it from the build context, .dockerignore applied: the tree the image's wheel is built from."""
    dockerfile = REPO_ROOT / "Dockerfile"
    workdir = tmp_path_factory.mktemp("image") / Path(single(dockerfile, "WORKDIR", 0)).name
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


_asyncio_run = asyncio.run


def _run_in_fresh_thread_if_needed(main, **kwargs):  # type: ignore[no-untyped-def]
    """asyncio.run, also where Playwright's sync API (a browser test that ran earlier on the
    same xdist worker) left an event loop running in this thread: then in a fresh thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _asyncio_run(main, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_asyncio_run, main, **kwargs).result()


def pytest_configure(config: pytest.Config) -> None:
    asyncio.run = _run_in_fresh_thread_if_needed  # type: ignore[assignment]
