"""Stepping a session over REST: forward, back, BPTT, seek, reset, the whole trace."""

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import ModelSpec

from tests.app.conftest import API, create_session, detail_text

LSTM_VALUES = {
    "x",
    "y_prev",
    "c_prev",
    "z_bar",
    "z",
    "i_bar",
    "i",
    "f_bar",
    "f",
    "c",
    "o_bar",
    "o",
    "y",
    "v",
    "y_hat",
    "target",
    # the terms of each sum and product (docs/NOTATION.md, "Frame terms")
    *("Wx_z", "Ry_z", "Wx_i", "Ry_i", "pc_i", "Wx_f", "Ry_f", "pc_f", "Wx_o", "Ry_o", "pc_o"),
    *("z_i", "c_prev_f", "h_c"),
}
LSTM_DELTAS = {
    "dv",
    "dy",
    "do_bar",
    "dc",
    "df_bar",
    "di_bar",
    "dz_bar",
    "dx",
    "dy_from_next",
    "dc_from_next",
    # the terms of each sum and product (docs/NOTATION.md, "Frame terms")
    *("dy_readout", "dc_from_p_i_next", "dc_from_p_f_next"),
    *("h_prime", "g_prime", "sigma_prime_i", "sigma_prime_f", "sigma_prime_o"),
    *("d_h", "d_o", "dc_from_y", "dc_from_p_o", "d_f", "d_i", "d_z"),
    *("dy_prev_z", "dy_prev_i", "dy_prev_f", "dy_prev_o", "dy_prev"),
    *("dc_prev_highway", "dc_prev_p_i", "dc_prev_p_f", "dc_prev"),
}


def _post(client: TestClient, sid: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = client.post(f"{API}/sessions/{sid}/{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_step_forward_one_frame_in_architecture_format(client: TestClient, sid: str) -> None:
    body = _post(client, sid, "forward")
    assert body["steps"] == 1 and body["frames_dropped"] == 0
    frame = body["frames"][0]
    assert set(frame) == {"type", "t", "T", "values", "loss_t", "saturation"}
    assert (frame["type"], frame["t"], frame["T"]) == ("forward", 0, 6)
    assert set(frame["values"]) == LSTM_VALUES
    assert len(frame["values"]["c"]) == 3 and len(frame["values"]["x"]) == 1
    assert frame["values"]["y_prev"] == [0.0, 0.0, 0.0]
    assert frame["values"]["target"] == [pytest.approx(frame["values"]["target"][0])]
    assert 0.0 <= frame["saturation"] <= 1.0
    assert body["cursors"]["forward_t"] == 1


def test_step_forward_n_steps_and_to_end(client: TestClient, sid: str) -> None:
    body = _post(client, sid, "forward", {"steps": 2})
    assert [f["t"] for f in body["frames"]] == [0, 1]
    body = _post(client, sid, "forward", {"to_end": True})
    assert [f["t"] for f in body["frames"]] == [2, 3, 4, 5]
    assert body["cursors"]["forward_done"] is True
    response = client.post(f"{API}/sessions/{sid}/forward")
    assert response.status_code == 422
    assert "last step" in detail_text(response)


def test_step_forward_caps_frames(make_client: Any) -> None:
    client = make_client()
    sid = create_session(client, task={"name": "sine", "options": {"length": 300}})["id"]
    body = _post(client, sid, "forward", {"to_end": True})
    assert body["steps"] == 300 and len(body["frames"]) == 200 and body["frames_dropped"] == 100
    assert body["frames"][-1]["t"] == 299


def test_step_back_replays_identical_frames(client: TestClient, sid: str) -> None:
    forward = _post(client, sid, "forward", {"steps": 4})["frames"]
    back = _post(client, sid, "back", {"steps": 2})
    assert [f["t"] for f in back["frames"]] == [2, 1]
    assert back["frames"][0] == forward[2]
    assert back["cursors"]["forward_t"] == 2 and back["cursors"]["computed_forward"] == 4
    again = _post(client, sid, "forward")["frames"][0]
    assert again == forward[2]


def test_step_back_at_first_step_is_422(client: TestClient, sid: str) -> None:
    _post(client, sid, "forward")
    response = client.post(f"{API}/sessions/{sid}/back")
    assert response.status_code == 422
    assert "first step" in detail_text(response)


def test_step_backward_from_end_matches_engine(client: TestClient, sid: str) -> None:
    body = _post(client, sid, "backward", {"steps": 2, "grads": True})
    assert [f["t"] for f in body["frames"]] == [5, 4]
    frame = body["frames"][1]
    assert set(frame) == {
        *("type", "t", "T", "deltas", "delta_norms", "cut_to_prev", "grad_norm", "grads")
    }
    assert set(frame["deltas"]) == LSTM_DELTAS
    assert set(frame["delta_norms"]) == {"dy", "dc", "dx"}
    assert frame["grad_norm"] > 0 and "dW_z" in frame["grads"]
    assert body["cursors"]["forward_done"] and body["cursors"]["backward_t"] == 4
    rest = _post(client, sid, "backward", {"to_end": True})
    assert [f["t"] for f in rest["frames"]] == [3, 2, 1, 0]
    assert "grads" not in rest["frames"][0]
    trace = client.get(f"{API}/sessions/{sid}/trace").json()
    params = client.get(f"{API}/sessions/{sid}/params").json()["params"]
    problem = Problem.build(
        ModelSpec("lstm", 1, 3, 1),
        {k: np.array(v) for k, v in params.items()},
        np.array(trace["forward"]["x"]),
        _targets(client, sid),
    )
    want = run_trace(problem)
    np.testing.assert_allclose(trace["backward"]["dc"], want.backward["dc"], rtol=1e-12)
    np.testing.assert_allclose(rest["frames"][-1]["deltas"]["dx"], want.backward["dx"][0])


def _targets(client: TestClient, sid: str) -> list[Any]:
    """Each step's target, read from its forward frame."""
    frames = [client.post(f"{API}/sessions/{sid}/seek", json={"t": t}).json() for t in range(6)]
    return [f["values"]["target"] for f in frames]


def test_step_backward_done_is_422(client: TestClient, sid: str) -> None:
    _post(client, sid, "backward", {"to_end": True})
    response = client.post(f"{API}/sessions/{sid}/backward")
    assert response.status_code == 422
    assert "step 0" in detail_text(response)


def test_seek_step_forward_and_backward(client: TestClient, sid: str) -> None:
    frame = _post(client, sid, "seek", {"t": 3})
    assert frame["type"] == "forward" and frame["t"] == 3
    frame = _post(client, sid, "seek", {"t": 2, "direction": "backward", "grads": True})
    assert frame["type"] == "backward" and frame["t"] == 2 and "grads" in frame
    cursors = client.get(f"{API}/sessions/{sid}").json()["cursors"]
    assert cursors["backward_t"] == 2 and cursors["computed_backward"] == 2


def test_seek_step_out_of_range_is_422(client: TestClient, sid: str) -> None:
    response = client.post(f"{API}/sessions/{sid}/seek", json={"t": 6})
    assert response.status_code == 422
    assert "0..5" in detail_text(response)


def test_reset_session_rewinds_cursors(client: TestClient, sid: str) -> None:
    _post(client, sid, "backward", {"to_end": True})
    body = _post(client, sid, "reset")
    assert body["cursors"]["forward_t"] == 0 and body["cursors"]["backward_t"] == 6


def test_reset_session_reinit_new_seed_changes_params(client: TestClient, sid: str) -> None:
    before = client.get(f"{API}/sessions/{sid}/params").json()["params"]
    _post(client, sid, "reset", {"reinit": True})
    same = client.get(f"{API}/sessions/{sid}/params").json()["params"]
    assert same == before
    body = _post(client, sid, "reset", {"reinit": True, "seed": 7})
    assert body["seed"] == 7
    after = client.get(f"{API}/sessions/{sid}/params").json()["params"]
    assert after["W_z"] != before["W_z"]


def test_read_session_trace_arrays_and_connectivity(client: TestClient, sid: str) -> None:
    _post(client, sid, "forward", {"steps": 3})
    body = client.get(f"{API}/sessions/{sid}/trace").json()
    assert np.array(body["forward"]["c"]).shape == (3, 3)
    assert body["backward"] == {} and body["delta_norms"] == {}
    assert len(body["loss_t"]) == 3 and len(body["target_mask"]) == 6
    assert body["connectivity"] is None
    _post(client, sid, "backward", {"to_end": True})
    body = client.get(f"{API}/sessions/{sid}/trace", params={"connectivity": True}).json()
    assert np.array(body["backward"]["dy"]).shape == (6, 3)
    assert len(body["delta_norms"]["dc"]) == 6
    assert len(body["connectivity"]) == 6 and body["connectivity"][-1] > 0
    assert body["loss"] == pytest.approx(sum(body["loss_t"]))


def test_read_session_trace_targets_match_frames(client: TestClient, sid: str) -> None:
    # Every step's target, computed or not: frames rebuilt from the trace show it too.
    body = client.get(f"{API}/sessions/{sid}/trace").json()
    assert body["targets"] == _targets(client, sid)
    assert all(len(row) == 1 for row in body["targets"])


def test_read_session_trace_targets_labels_and_null(client: TestClient) -> None:
    task = {"name": "copy", "options": {"delay": 3, "n_symbols": 4}}
    sid = create_session(client, task=task)["id"]
    body = client.get(f"{API}/sessions/{sid}/trace").json()
    *blank, last = body["targets"]
    assert blank == [None] * 4 and isinstance(last, int) and 0 <= last < 4
    assert body["target_mask"] == [False] * 4 + [True]


def test_read_session_trace_rnn_connectivity(client: TestClient) -> None:
    sid = create_session(client, cell="rnn")["id"]
    _post(client, sid, "forward", {"to_end": True})
    body = client.get(f"{API}/sessions/{sid}/trace", params={"connectivity": True}).json()
    assert len(body["connectivity"]) == 6


def test_step_forward_rnn_values(client: TestClient) -> None:
    sid = create_session(client, cell="rnn")["id"]
    frame = _post(client, sid, "forward")["frames"][0]
    assert set(frame["values"]) == {"x", "h_prev", "Wh", "Ux", "a", "h", "o", "y_hat", "target"}
    back = _post(client, sid, "backward")["frames"][0]
    assert set(back["deltas"]) == {
        *("do", "dh", "da", "dx", "dh_readout", "dh_from_next", "h_prime", "dh_prev")
    }
    assert set(back["delta_norms"]) == {"dh", "dx"}


def test_step_unknown_session_is_404(client: TestClient) -> None:
    for path in ("forward", "back", "backward", "reset"):
        assert client.post(f"{API}/sessions/nope/{path}").status_code == 404


def test_step_back_to_end_rewinds_to_first_step(client: TestClient, sid: str) -> None:
    _post(client, sid, "forward", {"steps": 5})
    body = _post(client, sid, "back", {"to_end": True})
    assert [f["t"] for f in body["frames"]] == [3, 2, 1, 0]
    assert body["cursors"]["forward_t"] == 1
