"""The whole OpenAPI schema exercised by schemathesis in-process, with every check it has.

positive_data_acceptance also accepts 422 (and 413, 409, 429): the schema cannot say that a model's
arrays must agree with each other (W_z is H×D, V is O×H, ...) or stay under the limits of the
running server's settings, so schema-valid requests can still be rightly refused.
"""

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings
from schemathesis.config import SchemathesisConfig

# Small limits keep every generated model tiny, so a case costs milliseconds.
LIMITS = {
    "max_hidden_size": 8,
    "max_input_size": 8,
    "max_output_size": 8,
    "max_sequence_length": 20,
    "max_sessions": 20,
    "max_train_updates_per_call": 5,
    "max_upload_bytes": 200_000,
    "max_request_bytes": 400_000,
}
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "404", "409", "413", "422", "429"]
            },
        },
    }
)

app = create_app(Settings(**LIMITS))  # type: ignore[arg-type]
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


def test_read_openapi_documents_every_route() -> None:
    paths = TestClient(app).get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/trace",
        "/api/v1/sessions",
        "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/train",
        "/api/v1/sessions/restore",
        "/api/v1/sessions/{session_id}/export/trace",
    } <= set(paths)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_openapi(case: Any) -> None:
    case.call_and_validate()


_client = TestClient(app)


def _live_session() -> str:
    response = _client.post(
        "/api/v1/sessions",
        json={"hidden_size": 2, "task": {"name": "sine", "options": {"length": 8}}},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@schema.include(path_regex=r"\{session_id\}").exclude(method="DELETE").parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_openapi_on_live_session(case: Any) -> None:
    case.path_parameters = {**(case.path_parameters or {}), "session_id": _live_session()}
    case.call_and_validate()
