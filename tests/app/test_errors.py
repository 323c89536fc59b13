"""Errors are JSON: 422 names the field, unexpected failures are a short 500, no tracebacks."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.errors import field_loc
from app.main import create_app
from app.settings import Settings
from tests.app.conftest import API


@pytest.fixture
def crashing_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("secret internal detail")

    @app.get("/engine-error")
    async def engine_error() -> None:
        raise ValueError("hidden_size: expected a positive integer, got 0")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_read_unexpected_error_is_short_500(
    crashing_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = crashing_client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert any("unhandled error" in r.message for r in caplog.records)


def test_read_value_error_is_422_with_field(crashing_client: TestClient) -> None:
    response = crashing_client.get("/engine-error")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "hidden_size"],
                "msg": "hidden_size: expected a positive integer, got 0",
                "type": "value_error",
            }
        ]
    }


def test_create_session_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        f"{API}/sessions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_create_session_pydantic_error_has_field_path(client: TestClient) -> None:
    response = client.post(f"{API}/sessions", json={"init": {"forget_bias": "x"}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "init", "forget_bias"]


def test_field_loc_parses_engine_messages() -> None:
    assert field_loc("params.W_z: bad") == ["body", "params", "W_z"]
    assert field_loc("targets[2]: bad") == ["body", "targets", 2]
    assert field_loc("something went wrong") == ["body"]
