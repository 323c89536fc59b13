"""explore() in a real notebook: nbclient runs it on an ipykernel kernel, as Jupyter would.

The notebook calls explore() on a dict of arrays and on a torch-like stand-in, shows each (the
IFrame), GETs the page URL, and compares .trace() with the engine's run_trace on the same
parameters; the last cell reports what it found as JSON, and that no server thread is left.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]

CELLS = [
    """
    import json, threading, urllib.request
    import numpy as np
    from lstm_explorer import explore
    from lstm_explorer.engine.init import init_params
    from lstm_explorer.engine.io_torch_file import read_torch_file
    from lstm_explorer.engine.spec import ModelSpec
    from lstm_explorer.engine.variants import Variant
    from tests.app.notebook_models import engine_trace, torch_module
    from tests.engine.model_files import FILES

    def report(ex, params, x, y):
        with urllib.request.urlopen(ex.url) as page:
            html = page.read().decode()
        got, want = ex.trace(), engine_trace(ex.session, params, x, y)
        return {
            "page": page.status, "page_has_script": "/js/main.js" in html,
            "url": ex.url, "session_id": ex.session_id,
            "forward_keys_equal": set(got["forward"]) == set(want.forward),
            "forward_err": max(float(np.abs(got["forward"][k] - v).max())
                               for k, v in want.forward.items()),
            "backward_err": max(float(np.abs(got["backward"][k] - v).max())
                                for k, v in want.backward.items()),
            "loss_err": abs(got["loss"] - want.loss),
        }
    """,
    """
    params = init_params(ModelSpec("lstm", 2, 3, 1, Variant.parse("vanilla")), 3)
    x = np.sin(np.arange(10.0))[:, None] * [1.0, 0.5]
    y = np.cos(np.arange(10.0))[:, None]
    from_dict = explore(params, x, y)
    from_dict
    """,
    """
    module, data = torch_module("torch-lstm-2-f64")
    from_torch = explore(module, data["inputs"], data["output"])
    from_torch
    """,
    """
    torch_params, _ = read_torch_file((FILES / "torch-lstm-2-f64.pt").read_bytes()).stacked_params()
    results = {
        "dict": report(from_dict, params, x, y),
        "torch": report(from_torch, torch_params, data["inputs"], data["output"]),
    }
    from_dict.close()
    from_torch.close()
    results["threads_left"] = [t.name for t in threading.enumerate() if t.name.startswith("lstm")]
    print(json.dumps(results))
    """,
]


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in CELLS]
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    return nb


def results(nb: nbformat.NotebookNode) -> dict:
    (stream,) = [o for o in nb.cells[-1].outputs if o.output_type == "stream"]
    return json.loads(stream.text)


@pytest.mark.parametrize("kind", ["dict", "torch"])
def test_notebook_explore_gives_a_working_page_and_the_engines_trace(
    executed: nbformat.NotebookNode, kind: str
) -> None:
    found = results(executed)[kind]
    assert found["page"] == 200 and found["page_has_script"]
    assert found["url"].endswith(f"/?session={found['session_id']}")
    assert found["forward_keys_equal"]
    assert found["forward_err"] < 1e-12 and found["backward_err"] < 1e-12
    assert found["loss_err"] < 1e-12


@pytest.mark.parametrize("cell", [1, 2], ids=["dict", "torch"])
def test_notebook_shows_the_page_in_an_iframe(executed: nbformat.NotebookNode, cell: int) -> None:
    (shown,) = [o for o in executed.cells[cell].outputs if o.output_type == "execute_result"]
    html = shown.data["text/html"]
    assert html.startswith('<iframe src="http://127.0.0.1:') and "?session=" in html
    assert shown.data["text/plain"].startswith("<Exploration http://127.0.0.1:")


def test_notebook_close_leaves_no_server_thread(executed: nbformat.NotebookNode) -> None:
    assert results(executed)["threads_left"] == []
