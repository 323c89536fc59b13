"""Fixtures shared by every test directory."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's top folder (pyproject.toml, static/, templates/)."""
    return REPO_ROOT


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
