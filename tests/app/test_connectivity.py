"""The sequence panel's API: GET …/sequence, GET …/connectivity?t=K (against finite differences),
POST …/units/rank (a planted unit ranks first), and sessions on the user's own text."""

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.variants import Variant

from tests.app.conftest import API, create_session, detail_text
from tests.planted_unit import PLANTED, QUOTED_TEXT, planted_params, quoted_spans

TEXT = {"text": "ab ba\ncab", "hidden_size": 3, "seed": 2, "task": None}


def _post(client: TestClient, sid: str, path: str, body: Any = None) -> Any:
    response = client.post(f"{API}/sessions/{sid}/{path}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def _get(client: TestClient, sid: str, path: str, **params: Any) -> Any:
    response = client.get(f"{API}/sessions/{sid}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _inputs(sequence: dict[str, Any]) -> np.ndarray:
    """The session's T×D inputs: as sent, or a text's tokens one-hot in its vocabulary."""
    if sequence["inputs"] is not None:
        return np.array(sequence["inputs"])
    x = np.zeros((sequence["T"], len(sequence["vocabulary"])))
    x[np.arange(sequence["T"]), sequence["tokens"]] = 1.0
    return x


def _finite_difference_norms(info: dict[str, Any], params: dict[str, Any], x: np.ndarray, t: int):
    """‖∂ŷ(t)/∂x(t′)‖_F by central differences of an independent forward pass."""
    sizes = info["sizes"]
    spec = ModelSpec(
        info["cell"],
        sizes["input_size"],
        sizes["hidden_size"],
        sizes["output_size"],
        Variant.parse(info["variant"]),
        info["loss"],
    )
    arrays = {k: np.array(v) for k, v in params.items()}

    def y_hat(inputs: np.ndarray) -> np.ndarray:
        runner = Runner(Problem.build(spec, arrays, inputs))
        runner.run_forward()
        return runner.comp.y_hat[t].copy()

    eps = 1e-6
    norms = []
    for s in range(t + 1):
        columns = []
        for d in range(x.shape[1]):
            up, down = x.copy(), x.copy()
            up[s, d] += eps
            down[s, d] -= eps
            columns.append((y_hat(up) - y_hat(down)) / (2 * eps))
        norms.append(np.linalg.norm(np.stack(columns, axis=1)))
    return np.array(norms)


CASES = {
    "lstm-text-cross_entropy": {**TEXT, "cell": "lstm", "variant": "vanilla"},
    "lstm-FGR-sine-mse": {
        "cell": "lstm",
        "variant": "FGR",
        "task": {"name": "sine", "options": {"length": 7}},
    },
    "rnn-sine-mse": {"cell": "rnn", "task": {"name": "sine", "options": {"length": 7}}},
    "rnn-text-cross_entropy": {**TEXT, "cell": "rnn"},
}


@pytest.mark.parametrize("t", [5, 2, 0])
@pytest.mark.parametrize("case", list(CASES))
def test_read_connectivity_matches_finite_differences(
    client: TestClient, case: str, t: int
) -> None:
    info = create_session(client, **{"hidden_size": 3, "seed": 2, **CASES[case]})
    sid = info["id"]
    _post(client, sid, "forward", {"steps": 6})
    body = _get(client, sid, "connectivity", t=t)
    assert body["t"] == t and body["output"] == "y_hat" and len(body["norms"]) == t + 1
    params = _get(client, sid, "params")["params"]
    x = _inputs(_get(client, sid, "sequence"))
    expected = _finite_difference_norms(info, params, x, t)
    np.testing.assert_allclose(body["norms"], expected, rtol=1e-5, atol=1e-9)
    assert all(n > 0 for n in body["norms"])


def test_read_connectivity_of_a_step_not_computed_or_out_of_range_is_422_naming_t(
    client: TestClient, sid: str
) -> None:
    for t in (0, 3, -1, 99):
        response = client.get(f"{API}/sessions/{sid}/connectivity", params={"t": t})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "t"], t
    _post(client, sid, "forward", {"steps": 3})
    assert len(_get(client, sid, "connectivity", t=2)["norms"]) == 3
    response = client.get(f"{API}/sessions/{sid}/connectivity", params={"t": 3})
    assert response.status_code == 422
    assert "expected a step computed forward (0..2)" in detail_text(response)
    missing = client.get(f"{API}/sessions/{sid}/connectivity")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["query", "t"]


def test_read_connectivity_over_the_budget_is_422_naming_t(
    client: TestClient, sid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _post(client, sid, "forward", {"steps": 4})
    monkeypatch.setattr("lstm_explorer.app.sessions.sequence_view.CONNECTIVITY_BUDGET", 100.0)
    assert (
        len(_get(client, sid, "connectivity", t=0)["norms"]) == 1
    )  # 1·1·4·3·(3 + 1) = 48; t = 3: 192
    response = client.get(f"{API}/sessions/{sid}/connectivity", params={"t": 3})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "t"]
    assert "over the budget" in detail_text(response)


def test_read_connectivity_unknown_session_is_404(client: TestClient) -> None:
    assert client.get(f"{API}/sessions/nope/connectivity", params={"t": 0}).status_code == 404


# ----------------------------------------------------------------------------- vocabulary
@pytest.mark.parametrize("task", ["chars", "reber"])
def test_read_session_of_a_text_task_lists_its_vocabulary(client: TestClient, task: str) -> None:
    info = create_session(client, task={"name": task, "options": {"length": 20}})
    assert info["vocabulary"] == info["task"]["extra"]["vocabulary"]
    assert len(info["vocabulary"]) == info["sizes"]["input_size"] == info["sizes"]["output_size"]
    assert client.get(f"{API}/sessions/{info['id']}").json()["vocabulary"] == info["vocabulary"]
    assert info["vocabulary"] == sorted(info["vocabulary"]) or task == "reber"


def test_read_session_of_a_number_task_has_no_vocabulary(client: TestClient, sid: str) -> None:
    assert client.get(f"{API}/sessions/{sid}").json()["vocabulary"] is None


def test_read_sequence_of_chars_decodes_to_the_text(client: TestClient) -> None:
    info = create_session(client, task={"name": "chars", "options": {"length": 60}})
    seq = _get(client, info["id"], "sequence")
    vocabulary, text = seq["vocabulary"], info["task"]["extra"]["text"]
    assert "".join(vocabulary[k] for k in seq["tokens"]) == text[:60]
    assert "".join(vocabulary[k] for k in seq["targets"]) == text[1:61]  # the next character
    assert seq["inputs"] is None and seq["scale"] is None and all(seq["target_mask"])


def test_read_sequence_of_a_series_gives_the_original_scale(client: TestClient) -> None:
    info = create_session(client, task={"name": "airline", "options": {"length": 12}})
    seq = _get(client, info["id"], "sequence")
    extra = info["task"]["extra"]
    np.testing.assert_allclose(np.array(seq["inputs_raw"])[:, 0], extra["inputs_raw"])
    np.testing.assert_allclose([r[0] for r in seq["targets_raw"]], extra["targets_raw"])
    assert seq["scale"]["inputs"]["units"] == ["thousand passengers"]
    assert seq["scale"]["outputs"] == seq["scale"]["inputs"]
    assert seq["scale"]["normalisation"].startswith("z-score")
    assert seq["step_labels"] == extra["labels"][:12]


def test_read_sequence_of_weather_scales_the_target_as_the_temperature(client: TestClient) -> None:
    info = create_session(client, task={"name": "weather", "options": {"length": 10}})
    seq = _get(client, info["id"], "sequence")
    assert seq["scale"]["outputs"]["units"] == ["°C"]
    assert seq["targets"][:-1] == [None] * 9 and seq["target_mask"] == [False] * 9 + [True]
    assert seq["targets_raw"][-1][0] == pytest.approx(info["task"]["extra"]["target_raw"])
    assert len(seq["inputs_raw"][0]) == 4 and seq["input_names"] == info["task"]["input_names"]


def test_read_sequence_marks_the_steps_with_an_input(client: TestClient) -> None:
    info = create_session(client, task={"name": "echo", "options": {"length": 5}})
    seq = _get(client, info["id"], "sequence")
    assert seq["input_mask"] == [True, False, False, False, False]
    assert seq["target_mask"] == [True] * 5 and seq["scale"] is None


# ----------------------------------------------------------------------------- own text
def test_create_session_from_text_builds_the_vocabulary(client: TestClient) -> None:
    info = create_session(client, **TEXT)
    assert info["task"]["name"] == "text" and info["loss"] == "cross_entropy"
    assert info["vocabulary"] == ["\n", " ", "a", "b", "c"]
    assert info["T"] == len(TEXT["text"]) - 1
    seq = _get(client, info["id"], "sequence")
    assert "".join(info["vocabulary"][k] for k in seq["tokens"]) == TEXT["text"][:-1]


def test_create_session_from_text_normalises_line_ends(client: TestClient) -> None:
    info = create_session(client, text="a\r\nb\rc", hidden_size=2, task=None)
    assert info["task"]["extra"]["text"] == "a\nb\nc"


@pytest.mark.parametrize(
    ("body", "limits", "message"),
    [
        ({"text": "abcdefghijkl"}, {"max_sequence_length": 10}, "max_sequence_length=10"),
        (
            {"text": "abcdef"},
            {"max_input_size": 5},
            "6 distinct characters; the vocabulary is at most max_input_size=5",
        ),
        ({"text": "abcdef"}, {"max_output_size": 4}, "at most max_output_size=4"),
        ({"text": "a"}, {}, "at least 2 characters"),
        ({"text": "ab", "task": {"name": "sine"}}, {}, "either a task, a sequence or a text"),
        ({"text": "ab", "loss": "mse"}, {}, "a text is trained with cross_entropy"),
    ],
)
def test_create_session_from_text_refused_names_text_and_the_limit(
    make_client: Any, body: dict[str, Any], limits: dict[str, int], message: str
) -> None:
    client = make_client(**limits)
    response = client.post(f"{API}/sessions", json={"hidden_size": 2, **body})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][:2] in (["body", "text"], ["body", "loss"])
    assert message in detail["msg"]


def test_create_session_from_uploaded_text_file(client: TestClient) -> None:
    files = {"text_file": ("quotes.txt", QUOTED_TEXT.encode(), "text/plain")}
    response = client.post(f"{API}/sessions/upload", files=files, data={"hidden_size": "4"})
    assert response.status_code == 201, response.text
    info = response.json()
    assert info["vocabulary"] == sorted(set(QUOTED_TEXT)) and info["T"] == len(QUOTED_TEXT) - 1


def test_create_session_from_uploaded_text_file_not_utf8_is_422(client: TestClient) -> None:
    files = {"text_file": ("latin1.txt", "caf\xe9".encode("latin-1"), "text/plain")}
    response = client.post(f"{API}/sessions/upload", files=files)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text_file"]
    assert "not UTF-8" in detail_text(response)


# ----------------------------------------------------------------------------- unit finder
def _planted_session(client: TestClient) -> dict[str, Any]:
    vocabulary = sorted(set(QUOTED_TEXT))
    params = {k: v.tolist() for k, v in planted_params(vocabulary).items()}
    files = {
        "text_file": ("quotes.txt", QUOTED_TEXT.encode(), "text/plain"),
        "params_file": ("planted.json", json.dumps(params).encode(), "application/json"),
    }
    response = client.post(f"{API}/sessions/upload", files=files, data={"variant": "vanilla"})
    assert response.status_code == 201, response.text
    return response.json()


def test_rank_units_puts_the_planted_quote_unit_first(client: TestClient) -> None:
    sid = _planted_session(client)["id"]
    _post(client, sid, "forward", {"to_end": True})
    for start, stop in quoted_spans(QUOTED_TEXT):
        body = _post(client, sid, "units/rank", {"start": start, "stop": stop, "quantity": "c"})
        assert body["units"][0]["unit"] == PLANTED
        assert body["units"][0]["inside"] > 0.99
        assert body["steps"] == [0, len(QUOTED_TEXT) - 1]
        assert len(body["units"]) == 8
        scores = [u["score"] for u in body["units"]]
        assert scores == sorted(scores, reverse=True)


def test_rank_units_compares_only_the_computed_steps(client: TestClient) -> None:
    sid = _planted_session(client)["id"]
    start, stop = quoted_spans(QUOTED_TEXT)[0]
    _post(client, sid, "forward", {"steps": stop + 4})
    body = _post(client, sid, "units/rank", {"start": start, "stop": stop, "top": 2})
    assert body["steps"] == [0, stop + 4] and len(body["units"]) == 2
    assert body["units"][0]["unit"] == PLANTED
    response = client.post(
        f"{API}/sessions/{sid}/units/rank", json={"start": start, "stop": stop + 10}
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "stop"]


def test_rank_units_backward_uses_the_errors_bptt_has_computed(
    client: TestClient, sid: str
) -> None:
    _post(client, sid, "forward", {"to_end": True})
    response = client.post(
        f"{API}/sessions/{sid}/units/rank",
        json={"start": 1, "stop": 3, "quantity": "dc", "direction": "backward"},
    )
    assert response.status_code == 422 and "no step has been computed backward" in detail_text(
        response
    )
    _post(client, sid, "backward", {"steps": 4})  # steps 5, 4, 3, 2
    body = _post(
        client,
        sid,
        "units/rank",
        {"start": 3, "stop": 4, "quantity": "dc", "direction": "backward", "polarity": "magnitude"},
    )
    assert body["steps"] == [2, 6] and {u["unit"] for u in body["units"]} == {0, 1, 2}
    assert all(-1 <= u["score"] <= 1 for u in body["units"])


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        ({"start": 0, "stop": 2, "quantity": "x"}, "quantity", "expected one of z_bar, z"),
        ({"start": 0, "stop": 2, "quantity": "y_hat"}, "quantity", "expected one of"),
        ({"start": 0, "stop": 6}, "stop", "covers every computed step"),
        ({"start": 4, "stop": 2}, "stop", "expected 5..6"),
        ({"start": 0, "stop": 2, "polarity": "up"}, "polarity", "high"),
        ({"start": 0, "stop": 2, "extra": 1}, "extra", "Extra inputs"),
    ],
)
def test_rank_units_bad_request_is_422_naming_the_field(
    client: TestClient, sid: str, body: dict[str, Any], loc: str, message: str
) -> None:
    _post(client, sid, "forward", {"to_end": True})
    response = client.post(f"{API}/sessions/{sid}/units/rank", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", loc] and message in detail["msg"]


def test_rank_units_of_the_rnn_offers_its_hidden_quantities(client: TestClient) -> None:
    sid = create_session(client, cell="rnn")["id"]
    _post(client, sid, "forward", {"to_end": True})
    assert _post(client, sid, "units/rank", {"start": 0, "stop": 2, "quantity": "h"})["units"]
    response = client.post(
        f"{API}/sessions/{sid}/units/rank", json={"start": 0, "stop": 2, "quantity": "o"}
    )
    assert response.status_code == 422 and "expected one of a, h" in detail_text(response)


def test_text_session_survives_a_snapshot(client: TestClient) -> None:
    info = create_session(client, **TEXT)
    snapshot = client.get(f"{API}/sessions/{info['id']}/snapshot").content
    response = client.post(f"{API}/sessions/restore", files={"file": ("s.json", snapshot)})
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["vocabulary"] == info["vocabulary"]
    assert _get(client, copy["id"], "sequence") == _get(client, info["id"], "sequence")
