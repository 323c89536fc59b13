"""Framing: forbidden to every page by default; allowed only to the origins frame_ancestors lists."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.security import content_security_policy
from lstm_explorer.app.settings import Settings
from pydantic import ValidationError

JUPYTER = ["http://localhost:8888", "http://127.0.0.1:8888"]
PATHS = ["/", "/static/js/main.js", "/api/v1/health", "/api/v1/sessions/nope", "/nowhere"]


def frame_directive(policy: str) -> str:
    (directive,) = [d.strip() for d in policy.split(";") if "frame-ancestors" in d]
    return directive


@pytest.fixture
def framed_client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"frame_ancestors": JUPYTER})))


@pytest.mark.parametrize("path", PATHS)
def test_get_without_frame_ancestors_forbids_framing(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["x-frame-options"] == "DENY"
    assert frame_directive(headers["content-security-policy"]) == "frame-ancestors 'none'"


@pytest.mark.parametrize("path", PATHS)
def test_get_with_frame_ancestors_allows_exactly_those(
    framed_client: TestClient, path: str
) -> None:
    headers = framed_client.get(path).headers
    assert "x-frame-options" not in headers  # it cannot name an origin; the policy does
    directive = frame_directive(headers["content-security-policy"])
    assert directive == "frame-ancestors http://localhost:8888 http://127.0.0.1:8888"
    assert "*" not in directive and "'self'" not in directive


def test_get_docs_with_frame_ancestors_stays_unframeable(framed_client: TestClient) -> None:
    headers = framed_client.get("/docs").headers
    assert headers["x-frame-options"] == "DENY"
    assert frame_directive(headers["content-security-policy"]) == "frame-ancestors 'none'"


def test_page_headers_without_the_setting_are_as_before(client: TestClient) -> None:
    headers = client.get("/").headers
    assert headers["content-security-policy"] == content_security_policy("/", "testserver")
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_post_from_a_framing_origin_is_still_refused(framed_client: TestClient) -> None:
    # framing lets the notebook show the page; only the page itself (this origin) may write
    response = framed_client.post(
        "/api/v1/sessions", json={}, headers={"origin": "http://localhost:8888"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "http://*",
        "http://*.example.org",
        "https:",
        "localhost:8888",
        "ftp://localhost",
        "http://localhost:8888/",
        "http://localhost:8888/lab",
        "http://localhost:0",
        "http://localhost:70000",
        "http://localhost 'unsafe-inline'",
        "http://a;script-src *",
        "'self'",
    ],
    ids=repr,
)
def test_settings_refuse_a_frame_ancestor_that_is_not_an_origin(origin: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(frame_ancestors=[origin])
    assert "frame_ancestors" in str(caught.value) and "scheme://host[:port]" in str(caught.value)


def test_settings_read_frame_ancestors_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LSTM_EXPLORER_FRAME_ANCESTORS", '["HTTP://LocalHost:8888", "http://[::1]"]')
    assert Settings().frame_ancestors == ["http://localhost:8888", "http://[::1]"]
