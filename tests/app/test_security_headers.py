"""Security headers on every response; CORS off unless configured; no cross-site writes or streams."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.security import content_security_policy, origin_allowed
from lstm_explorer.app.settings import Settings
from starlette.websockets import WebSocketDisconnect

SESSION = {"hidden_size": 4, "task": {"name": "sine", "options": {"length": 10}}}
EVIL = "http://evil.example"


@pytest.fixture
def small_body_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"max_request_bytes": 100}))) as c:
        yield c


@pytest.mark.parametrize(
    "path", ["/", "/api/v1/health", "/static/js/main.js", "/api/v1/sessions/nope", "/nowhere"]
)
def test_get_any_path_sends_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_post_too_large_body_still_sends_security_headers(small_body_client: TestClient) -> None:
    response = small_body_client.post("/api/v1/trace", content=b"x" * 1000)
    assert response.status_code == 413
    assert "content-security-policy" in response.headers


def test_page_policy_names_no_remote_host() -> None:
    policy = content_security_policy("/", "192.168.1.20:8000")
    assert "connect-src 'self' ws://192.168.1.20:8000 wss://192.168.1.20:8000" in policy
    assert "http" not in policy and "*" not in policy


@pytest.mark.parametrize(
    "host", ["evil.example; script-src *", "a b", "x'y", "", "a" * 300], ids=repr
)
def test_page_policy_ignores_a_malformed_host(host: str) -> None:
    policy = content_security_policy("/", host)
    assert policy.endswith("connect-src 'self'")


def test_docs_policy_allows_no_other_host() -> None:
    policy = content_security_policy("/docs", "localhost")
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy  # Swagger UI is vendored: /docs works offline too


def test_get_with_foreign_origin_has_no_cors_header_by_default(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"origin": EVIL})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_post_from_foreign_origin_is_403(client: TestClient) -> None:
    response = client.post("/api/v1/sessions", json=SESSION, headers={"origin": EVIL})
    assert response.status_code == 403
    assert "origin" in response.json()["detail"] and "cors_origins" in response.json()["detail"]
    assert len(client.app.state.sessions) == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("origin", [None, "http://testserver"], ids=["no-origin", "same-origin"])
def test_post_from_own_origin_is_allowed(client: TestClient, origin: str | None) -> None:
    headers = {"origin": origin} if origin else {}
    assert client.post("/api/v1/sessions", json=SESSION, headers=headers).status_code == 201


def test_configured_cors_origin_may_call_the_api(settings: Settings) -> None:
    allowed = "http://teacher.example:3000"
    app = create_app(settings.model_copy(update={"cors_origins": [allowed]}))
    with TestClient(app) as client:
        preflight = client.options(
            "/api/v1/sessions",
            headers={"origin": allowed, "access-control-request-method": "POST"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == allowed
        response = client.post("/api/v1/sessions", json=SESSION, headers={"origin": allowed})
        assert response.status_code == 201
        assert response.headers["access-control-allow-origin"] == allowed
        assert (
            client.post("/api/v1/sessions", json=SESSION, headers={"origin": EVIL}).status_code
            == 403
        )


def test_stream_from_foreign_origin_is_refused(client: TestClient) -> None:
    sid = client.post("/api/v1/sessions", json=SESSION).json()["id"]
    url = f"/api/v1/sessions/{sid}/stream"
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(url, headers={"origin": EVIL}),
    ):
        pass
    assert refused.value.code == 4403
    own = {"origin": "http://testserver"}
    with client.websocket_connect(f"/api/v1/sessions/{sid}/stream", headers=own) as ws:
        assert ws.receive_json()["type"] == "state"


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (None, "h:1", True),
        ("http://h:1", "h:1", True),
        ("https://h:1", "h:1", True),
        ("http://h:2", "h:1", False),
        ("null", "h:1", False),
        ("file://", "h:1", False),
        ("http://listed", "h:1", True),
    ],
)
def test_origin_allowed_compares_with_host_and_list(
    origin: str | None, host: str, allowed: bool
) -> None:
    assert origin_allowed(origin, host, ["http://listed"]) is allowed
