"""explore() from a script: each kind of model becomes a session whose trace is the engine's.

Each test starts its own server (a thread of this process, on a free port) and closes it; the
fixture `no_server_left` checks that no thread is left behind.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest
from lstm_explorer.app.notebook_client import ExploreError
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.io_torch_file import read_torch_file
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.variants import Variant

from lstm_explorer import Exploration, explore
from tests.app.notebook_models import engine_trace, keras_model, torch_module
from tests.engine.model_files import FILES


@pytest.fixture(autouse=True)
def no_server_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.name.startswith("lstm")]
    assert not left, f"threads left running: {left}"


def assert_trace_is_the_engines(ex: Exploration, params: dict, x: np.ndarray, y: object) -> None:
    got = ex.trace()
    want = engine_trace(ex.session, params, x, y)
    assert set(got["forward"]) == set(want.forward)
    for key, value in want.forward.items():
        np.testing.assert_allclose(got["forward"][key], value, rtol=0, atol=1e-12, err_msg=key)
    for key, value in want.backward.items():
        np.testing.assert_allclose(got["backward"][key], value, rtol=0, atol=1e-12, err_msg=key)
    assert got["loss"] == pytest.approx(want.loss, abs=1e-12)


def test_explore_dict_of_arrays_traces_as_the_engine() -> None:
    spec = ModelSpec("lstm", 2, 3, 1, Variant.parse("vanilla"))
    params = init_params(spec, 7)
    x = np.sin(np.arange(12.0))[:, None] * [1.0, -0.5]
    y = np.cos(np.arange(12.0))[:, None]
    with explore(params, x, y) as ex:
        assert ex.session["variant"] == "vanilla" and ex.session["source"] == "upload"
        assert ex.session["T"] == 12
        assert_trace_is_the_engines(ex, params, x, y)
    assert ex.closed


def test_explore_torch_module_reproduces_torch() -> None:
    module, data = torch_module("torch-lstm-2-f64")
    with explore(module, data["inputs"], data["output"]) as ex:
        assert (ex.session["num_layers"], ex.session["variant"]) == (2, "NP")
        params, _ = read_torch_file((FILES / "torch-lstm-2-f64.pt").read_bytes()).stacked_params()
        assert_trace_is_the_engines(ex, params, data["inputs"], data["output"])
        # and what torch computed on the same inputs
        np.testing.assert_allclose(ex.trace()["forward"]["y_hat"], data["output"], atol=1e-10)


def test_explore_rnn_with_a_separate_head() -> None:
    module, data = torch_module("torch-rnn-1-f64")
    state = module.state_dict()
    rnn = {k.removeprefix("rnn."): v for k, v in state.items() if k.startswith("rnn.")}
    head = {k.removeprefix("head."): v for k, v in state.items() if k.startswith("head.")}
    with explore(rnn, data["inputs"], head=head) as ex:
        assert ex.session["cell"] == "rnn"
        np.testing.assert_allclose(ex.trace()["forward"]["y_hat"], data["output"], atol=1e-10)


@pytest.mark.parametrize("name", ["keras-lstm-1", "keras-rnn-2", "keras-lstm-linear"])
def test_explore_keras_model_reproduces_keras(name: str) -> None:
    model, data = keras_model(name)
    with explore(model, data["inputs"]) as ex:  # float32 weights: Keras computed in float32
        np.testing.assert_allclose(ex.trace()["forward"]["y_hat"], data["output"], atol=1e-5)


def test_explore_page_url_serves_the_page_framed_by_jupyter_only() -> None:
    params = init_params(ModelSpec("rnn", 1, 2, 1), 0)
    with explore(params, [0.0, 0.5, 1.0], [[1.0], None, [0.0]]) as ex:
        assert ex.url.endswith(f"/?session={ex.session_id}")
        assert repr(ex) == f"<Exploration {ex.url}>"
        assert f'<iframe src="{ex.url}"' in ex._repr_html_()
        with urllib.request.urlopen(ex.url) as page:
            assert page.status == 200 and b"/js/main.js" in page.read()
            policy = page.headers["content-security-policy"]
        assert "frame-ancestors http://localhost:8888 http://127.0.0.1:8888" in policy
        assert "*" not in policy and page.headers["x-frame-options"] is None
        assert ex.trace()["target_mask"] == [True, False, True]
    assert "closed" in repr(ex) and "<iframe" not in ex._repr_html_()


def test_explore_trace_leaves_the_page_cursors_as_they_were() -> None:
    params = init_params(ModelSpec("lstm", 1, 2, 1, Variant.parse("NP")), 0)
    with explore(params, np.arange(6.0), np.arange(6.0)) as ex:
        ex.trace()
        cursors = ex._client.get(f"/sessions/{ex.session_id}")["cursors"]
        assert (cursors["forward_t"], cursors["backward_t"]) == (0, 6)
        ex._client.post(f"/sessions/{ex.session_id}/forward", {"steps": 3})
        ex.trace()
        assert ex._client.get(f"/sessions/{ex.session_id}")["cursors"]["forward_t"] == 3


def test_explore_given_frame_ancestors_and_url_of_a_running_server() -> None:
    params = init_params(ModelSpec("rnn", 1, 2, 1), 0)
    with explore(params, [1.0, 2.0], frame_ancestors=["https://hub.example.org"]) as first:
        with urllib.request.urlopen(first.url) as page:
            policy = page.headers["content-security-policy"]
        assert "frame-ancestors https://hub.example.org;" in policy
        base = first.url.split("/?")[0]
        second = explore(params, [3.0, 4.0, 5.0], url=base)
        assert second.session["T"] == 3 and second.url.startswith(base)
        second.close()  # forgets its session; the server is first's
        with pytest.raises(ExploreError) as gone:
            first._client.get(f"/sessions/{second.session_id}")
        assert gone.value.status == 404
        assert first.trace()["forward"]["h"].shape == (2, 2)


@pytest.mark.parametrize("origin", ["*", "http://localhost:8888/", "localhost:8888"])
def test_explore_refuses_a_frame_ancestor_that_is_not_an_origin(origin: str) -> None:
    params = init_params(ModelSpec("rnn", 1, 2, 1), 0)
    with pytest.raises(ValueError, match=r"scheme://host\[:port\]"):
        explore(params, [1.0], frame_ancestors=[origin])


def test_explore_reports_what_the_server_refused() -> None:
    module, data = torch_module("torch-lstm-1-f64")
    with pytest.raises(ExploreError, match="input size D = 3, but the sequence has 2") as caught:
        explore(module, data["inputs"][:, :2])
    assert caught.value.status == 422


def test_explore_refuses_what_is_not_a_model() -> None:
    with pytest.raises(TypeError, match=r"nn\.LSTM"):
        explore(object(), [1.0])
