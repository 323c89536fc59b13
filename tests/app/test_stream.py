"""The WebSocket stream: play, pause, seek, BPTT, train/stop, bad commands, limits, disconnect."""

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.app.conftest import API, create_session

MAX_FRAMES = 2000


def _url(sid: str) -> str:
    return f"{API}/sessions/{sid}/stream"


def _until(ws: WebSocketTestSession, kind: str) -> list[dict[str, Any]]:
    """Frames up to and including the first of type `kind`."""
    frames = []
    for _ in range(MAX_FRAMES):
        frame = ws.receive_json()
        frames.append(frame)
        if frame["type"] == kind:
            return frames
    raise AssertionError(f"no {kind!r} frame in {MAX_FRAMES}")


def _send(ws: WebSocketTestSession, **cmd: Any) -> None:
    ws.send_text(json.dumps(cmd))


def test_stream_session_starts_with_state(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        state = ws.receive_json()
    assert state["type"] == "state" and state["playing"] is False
    assert state["cursors"]["T"] == 6 and state["cursors"]["forward_t"] == 0


def test_stream_session_step_forward_and_back(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="step_forward")
        _send(ws, cmd="step_forward")
        first, second = ws.receive_json(), ws.receive_json()
        assert (first["type"], first["t"], second["t"]) == ("forward", 0, 1)
        assert "c_prev" in first["values"] and first["values"]["c_prev"] == [0.0] * 3
        _send(ws, cmd="step_back")
        assert ws.receive_json() == first


def test_stream_session_play_to_end_then_done(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="play", rate=None)
        frames = _until(ws, "done")
    assert frames[0]["type"] == "state" and frames[0]["playing"] is True
    assert [f["t"] for f in frames if f["type"] == "forward"] == [0, 1, 2, 3, 4, 5]
    assert frames[-1]["what"] == "forward" and frames[-1]["cursors"]["forward_t"] == 6


def test_stream_session_play_backward_rewinds(client: TestClient, sid: str) -> None:
    client.post(f"{API}/sessions/{sid}/forward", json={"to_end": True})
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="play", rate=None, direction="backward")
        frames = _until(ws, "done")
    assert [f["t"] for f in frames if f["type"] == "forward"] == [4, 3, 2, 1, 0]
    assert frames[-1]["what"] == "rewind"


def test_stream_session_pause_stops_frames(make_client: Any) -> None:
    client = make_client()
    sid = create_session(client, task={"name": "sine", "options": {"length": 500}})["id"]
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="play", rate=200)
        _until(ws, "forward")
        _until(ws, "forward")
        _send(ws, cmd="pause")
        state = _until(ws, "state")[-1]
        assert state["playing"] is False and 0 < state["cursors"]["forward_t"] < 500
        _send(ws, cmd="get_state")
        assert ws.receive_json() == state  # nothing was sent in between


def test_stream_session_speed_changes_rate(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="speed", rate=25)
        assert ws.receive_json()["rate"] == 25


def test_stream_session_seek_both_directions(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="seek", t=4)
        frame = ws.receive_json()
        assert (frame["type"], frame["t"]) == ("forward", 4)
        _send(ws, cmd="seek", t=2, direction="backward")
        frame = ws.receive_json()
        assert (frame["type"], frame["t"]) == ("backward", 2)
        assert {"dy_from_next", "dc_from_next"} <= set(frame["deltas"])
        _send(ws, cmd="seek", t=99)
        error = ws.receive_json()
        assert error["type"] == "error" and "0..5" in error["detail"]


def test_stream_session_run_backward_streams_bptt(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="run_backward", grads=True)
        frames = _until(ws, "done")
    backward = [f for f in frames if f["type"] == "backward"]
    assert [f["t"] for f in backward] == [5, 4, 3, 2, 1, 0]
    assert all("grads" in f and f["grad_norm"] >= 0 for f in backward)
    assert frames[-1]["what"] == "backward" and frames[-1]["cursors"]["backward_t"] == 0


def test_stream_session_train_then_stop(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="train", learning_rate=0.05, frame_every=2)
        frames = []
        while sum(f["type"] == "metrics" for f in frames) < 5:
            frames.append(ws.receive_json())
        _send(ws, cmd="stop")
        frames += _until(ws, "state")
    metrics = [f for f in frames if f["type"] == "metrics"]
    assert [m["update"] for m in metrics[:5]] == [1, 2, 3, 4, 5]
    assert all(not m["diverged"] for m in metrics)
    forward = [f for f in frames if f["type"] == "forward"]
    assert len(forward) >= 3  # every 2 updates, and a fresh one at stop
    assert frames[-1]["playing"] is False
    info = client.get(f"{API}/sessions/{sid}").json()["training"]
    assert info["updates"] == len(metrics)


def test_stream_training_keeps_its_own_pace_not_the_last_plays(
    client: TestClient, sid: str
) -> None:
    """A page that played at 1 step/s and then trains 150 updates must not wait 150 s: the
    train command carries its own rate (null: as fast as the updates compute)."""
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="play", rate=1)
        _send(ws, cmd="pause")
        _until(ws, "state")  # after play
        assert _until(ws, "state")[-1]["rate"] == 1  # after pause
        _send(ws, cmd="train", updates=2, frame_every=100)
        assert _until(ws, "state")[-1]["rate"] is None
        _until(ws, "done")
        _send(ws, cmd="train", updates=2, frame_every=100, rate=5)
        assert _until(ws, "state")[-1]["rate"] == 5
        _until(ws, "done")


def test_stream_session_train_updates_then_done(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="train", updates=3, frame_every=100)
        frames = _until(ws, "done")
    assert [f["update"] for f in frames if f["type"] == "metrics"] == [1, 2, 3]
    assert frames[-2]["type"] == "forward" and frames[-1]["what"] == "train"


def test_stream_metrics_frames_carry_the_held_out_loss_every_few_updates(
    client: TestClient, sid: str
) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="train", updates=7, heldout_every=3, batch_size=2, frame_every=100)
        frames = _until(ws, "done")
    metrics = [f for f in frames if f["type"] == "metrics"]
    measured = [m["update"] for m in metrics if m["heldout_loss"] is not None]
    assert measured == [3, 6, 7]  # every 3 updates and after the last
    rest = client.post(
        f"{API}/sessions/{create_session(client)['id']}/train",
        json={"updates": 7, "heldout_every": 3, "batch_size": 2},
    ).json()
    assert [m["loss"] for m in metrics] == [m["loss"] for m in rest["metrics"]]
    assert metrics[-1]["heldout_loss"] == rest["heldout_loss"]


def test_stream_train_refuses_a_batch_when_fitting_one_sequence(
    client: TestClient, sid: str
) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="train", fit="sequence", batch_size=3)
        frame = _until(ws, "error")[-1]
    assert "batch_size" in frame["detail"]


def test_stream_session_train_divergence_reported(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="train", optimizer="sgd", learning_rate=1e300, clip=None)
        frames = _until(ws, "done")
        assert frames[-3]["type"] == "metrics" and frames[-3]["diverged"] is True
        _send(ws, cmd="reset")
        assert ws.receive_json()["type"] == "state"
    assert client.get(f"{API}/sessions/{sid}").json()["training"]["diverged"] is True


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('{"cmd": "fly"}', "unknown command 'fly'"),
        ('{"rate": 3}', "cmd: missing"),
        ('{"cmd": "play", "rate": -1}', "rate: Input should be greater than 0"),
        ('{"cmd": "seek", "t": "x"}', "t: Input should be a valid integer"),
        ('{"cmd": "play", "rate": NaN}', "not valid JSON"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"cmd": "pause", "extra": 1}', "extra: Extra inputs are not permitted"),
    ],
)
def test_stream_session_bad_command_is_error_frame(
    client: TestClient, sid: str, message: str, expected: str
) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        ws.send_text(message)
        error = ws.receive_json()
        assert error["type"] == "error" and expected in error["detail"]
        _send(ws, cmd="get_state")  # the connection is still usable
        assert ws.receive_json()["type"] == "state"


def test_stream_session_binary_message_is_error_frame(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        ws.send_bytes(b'{"cmd": "get_state"}')
        assert "text frame" in ws.receive_json()["detail"]


def test_stream_session_oversize_message_is_error_frame(make_client: Any) -> None:
    client = make_client(max_ws_message_bytes=100)
    sid = create_session(client)["id"]
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="get_state", pad="x" * 200)
        error = ws.receive_json()
        assert error["type"] == "error" and "max_ws_message_bytes=100" in error["detail"]


def test_stream_session_command_rate_limit(make_client: Any) -> None:
    client = make_client(max_ws_commands_per_second=3)
    sid = create_session(client)["id"]
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        for _ in range(5):
            _send(ws, cmd="get_state")
        frames = [ws.receive_json() for _ in range(5)]
    assert [f["type"] for f in frames].count("state") == 3
    errors = [f for f in frames if f["type"] == "error"]
    assert len(errors) == 2 and "max_ws_commands_per_second=3" in errors[0]["detail"]


def test_stream_unknown_session_closes_4404(client: TestClient) -> None:
    with client.websocket_connect(_url("nope")) as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_json()
    assert info.value.code == 4404 and "not found" in info.value.reason


def test_stream_session_deleted_closes_4404(client: TestClient, sid: str) -> None:
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        assert client.delete(f"{API}/sessions/{sid}").status_code == 204
        _send(ws, cmd="get_state")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
    assert info.value.code == 4404


def test_stream_session_disconnect_leaves_no_tasks(make_client: Any) -> None:
    client = make_client()
    sid = create_session(client, task={"name": "sine", "options": {"length": 2000}})["id"]
    streams = client.app.state.streams  # type: ignore[attr-defined]
    with client.websocket_connect(_url(sid)) as ws:
        ws.receive_json()
        _send(ws, cmd="play", rate=None)
        _until(ws, "forward")
        (stream,) = streams
    deadline = time.monotonic() + 5
    while streams and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not streams
    assert stream.running == 0
    assert client.get(f"{API}/sessions/{sid}").status_code == 200  # the session survives
