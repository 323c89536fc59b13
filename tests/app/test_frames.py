"""GET /sessions/{id}/frames: frames of steps already computed, read back without moving a
cursor, equal field for field to the frames the same steps gave when they were stepped."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import API, create_session

T = 7
MODELS = {
    "lstm-vanilla": {"cell": "lstm", "variant": "vanilla"},
    "lstm-FGR": {"cell": "lstm", "variant": "FGR"},
    "lstm-NP+CIFG-truncate3": {"cell": "lstm", "variant": "NP+CIFG", "truncate": 3},
    "rnn": {"cell": "rnn"},
    "rnn-truncate2": {"cell": "rnn", "truncate": 2},
}


def _session(client: TestClient, **model: Any) -> str:
    task = {"name": "sine", "options": {"length": T}}
    return create_session(client, task=task, hidden_size=3, seed=4, **model)["id"]


def _post(client: TestClient, sid: str, path: str, body: dict[str, Any]) -> Any:
    response = client.post(f"{API}/sessions/{sid}/{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _frames(client: TestClient, sid: str, **query: Any) -> Any:
    return client.get(f"{API}/sessions/{sid}/frames", params=query)


def _cursors(client: TestClient, sid: str) -> dict[str, Any]:
    cursors: dict[str, Any] = client.get(f"{API}/sessions/{sid}").json()["cursors"]
    return cursors


@pytest.mark.parametrize("model", list(MODELS))
def test_read_frames_equal_stepped_frames_field_for_field(client: TestClient, model: str) -> None:
    sid = _session(client, **MODELS[model])
    stepped_fwd = [_post(client, sid, "forward", {"steps": 1})["frames"][0] for _ in range(T)]
    stepped_bwd = [_post(client, sid, "backward", {"steps": 1})["frames"][0] for _ in range(T)]
    stepped_bwd.reverse()  # BPTT ran T−1 … 0
    cursors = _cursors(client, sid)

    forward = _frames(client, sid, direction="forward", start=0, stop=T)
    backward = _frames(client, sid, direction="backward", start=0, stop=T)
    assert forward.status_code == backward.status_code == 200, forward.text + backward.text
    assert forward.json()["frames"] == stepped_fwd
    assert backward.json()["frames"] == stepped_bwd
    # Reading moved nothing.
    assert forward.json()["cursors"] == backward.json()["cursors"] == cursors
    assert _cursors(client, sid) == cursors


def test_read_frames_of_a_range_while_bptt_is_half_way(client: TestClient) -> None:
    sid = _session(client, cell="lstm", variant="FGR")
    shown = _post(client, sid, "backward", {"steps": 3})["frames"]  # steps 6, 5, 4
    reply = _frames(client, sid, direction="backward", start=4, stop=6).json()
    assert [f["t"] for f in reply["frames"]] == [4, 5]
    assert reply["frames"] == [shown[2], shown[1]]
    assert {"i_prev", "f_prev", "o_prev"} <= set(
        _frames(client, sid, start=2, stop=3).json()["frames"][0]["values"]
    )
    assert reply["cursors"]["backward_t"] == 4 and reply["cursors"]["computed_backward"] == 4


def _loc(response: Any) -> list[Any]:
    assert response.status_code == 422, response.text
    return [d["loc"] for d in response.json()["detail"]]


def test_read_frames_not_computed_yet_is_422_naming_the_field(client: TestClient) -> None:
    sid = _session(client, cell="lstm")
    assert _loc(_frames(client, sid, start=0, stop=1)) == [["query", "start"]]
    _post(client, sid, "forward", {"steps": 3})
    assert _loc(_frames(client, sid, start=3, stop=4)) == [["query", "start"]]
    assert _loc(_frames(client, sid, start=0, stop=4)) == [["query", "stop"]]
    assert _loc(_frames(client, sid, start=2, stop=2)) == [["query", "stop"]]
    assert _loc(_frames(client, sid, direction="backward", start=0, stop=1)) == [["query", "start"]]
    assert _loc(_frames(client, sid, start=-1, stop=1)) == [["query", "start"]]
    assert _loc(_frames(client, sid, direction="sideways", start=0, stop=1)) == [
        ["query", "direction"]
    ]
    assert _frames(client, sid, start=0, stop=3).status_code == 200


def test_read_frames_at_most_200_per_reply_from_start(client: TestClient) -> None:
    sid = create_session(client, task={"name": "sine", "options": {"length": 300}})["id"]
    _post(client, sid, "forward", {"to_end": True})
    frames = _frames(client, sid, start=50, stop=300).json()["frames"]
    assert [f["t"] for f in frames] == list(range(50, 250))


def test_read_frames_unknown_session_is_404(client: TestClient) -> None:
    assert _frames(client, "no-such-session", start=0, stop=1).status_code == 404
