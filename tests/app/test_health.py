"""The app skeleton: health check, request-size guard, JSON errors."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app import __version__
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    """An app whose request bodies may be at most 100 bytes, with an echo route to read them."""
    app = create_app(settings.model_copy(update={"max_request_bytes": 100}))

    @app.post("/echo-length")
    async def echo_length(payload: dict[str, str]) -> dict[str, int]:
        return {"length": len(payload.get("text", ""))}

    with TestClient(app) as test_client:
        yield test_client


def test_read_health_returns_ok(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_read_index_renders_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "<title>LSTM Explorer</title>" in response.text
    assert 'id="app"' in response.text


def test_read_static_serves_css(client: TestClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_read_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


def test_post_body_under_limit_is_accepted(small_client: TestClient) -> None:
    response = small_client.post("/echo-length", json={"text": "short"})
    assert response.status_code == 200
    assert response.json() == {"length": 5}


def test_post_body_over_content_length_limit_is_413(small_client: TestClient) -> None:
    response = small_client.post("/echo-length", json={"text": "x" * 200})
    assert response.status_code == 413
    assert response.json() == {"detail": "request body exceeds max_request_bytes=100 bytes"}


def test_post_streamed_body_over_limit_is_413(small_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 20
        yield b'"}'

    response = small_client.post(
        "/echo-length", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "max_request_bytes=100" in response.json()["detail"]


def test_create_app_with_missing_static_dir_names_the_setting(settings: Settings) -> None:
    bad = settings.model_copy(update={"static_dir": settings.static_dir / "missing"})
    with pytest.raises(RuntimeError, match="LSTM_EXPLORER_STATIC_DIR"):
        create_app(bad)


def test_settings_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSTM_EXPLORER_MAX_HIDDEN_SIZE", "64")
    monkeypatch.setenv("LSTM_EXPLORER_CORS_ORIGINS", '["http://localhost:5173"]')
    settings = Settings()
    assert settings.max_hidden_size == 64
    assert settings.cors_origins == ["http://localhost:5173"]


def test_cors_enabled_only_when_origins_set(settings: Settings) -> None:
    origin = "http://localhost:5173"
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(settings)) as closed:
        response = closed.options("/api/v1/health", headers=headers)
        assert "access-control-allow-origin" not in response.headers
    with TestClient(create_app(settings.model_copy(update={"cors_origins": [origin]}))) as open_:
        response = open_.options("/api/v1/health", headers=headers)
        assert response.headers["access-control-allow-origin"] == origin
