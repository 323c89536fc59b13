"""explore(model, inputs): the explorer on your own model, from a notebook or a script.

    from lstm_explorer import explore
    ex = explore(model, x)   # a torch nn.LSTM / nn.RNN (head=nn.Linear), a Keras model,
    ex                       # a state_dict or a dict of arrays; in Jupyter: the page, inline
    ex.trace()["forward"]["c"]   # the arrays, as NumPy
    ex.close()

The model and the sequence go to the server as the files a user would upload (.pt, .keras, .npz
and a CSV: app/notebook_payload.py), through POST /api/v1/sessions/upload, so a model reads
exactly as its saved file does. Without `url=`, a server is started in a background thread of
this process on a free loopback port, allowed to be framed by the local Jupyter's page only
(settings.frame_ancestors); the page opens on the new session (`/?session=<id>`).
"""

from __future__ import annotations

import contextlib
import html
import math
import urllib.parse
from collections.abc import Sequence
from typing import Any

import numpy as np
from lstm_explorer.app.notebook_client import ApiClient, ExploreError
from lstm_explorer.app.notebook_payload import Payload, model_payload, sequence_csv, to_numpy
from lstm_explorer.app.notebook_server import LocalServer
from lstm_explorer.app.settings import Settings, frame_origin

__all__ = ["Exploration", "ExploreError", "explore"]

# Where Jupyter (Notebook, Lab) serves its page unless told otherwise: the first free of 8888….
JUPYTER_ORIGINS = tuple(
    f"http://{host}:{port}" for port in (8888, 8889, 8890) for host in ("localhost", "127.0.0.1")
)


class Exploration:
    """One session on an explorer server: its page (`url`, inline in Jupyter) and its arrays."""

    def __init__(
        self,
        client: ApiClient,
        session: dict[str, Any],
        server: LocalServer | None = None,
        height: int = 760,
    ) -> None:
        self._client = client
        self._server = server
        self.session: dict[str, Any] = session  # what GET /api/v1/sessions/{id} describes
        self.session_id: str = session["id"]
        self.height = height
        self.url = page_url(client.base_url, self.session_id)

    def trace(self) -> dict[str, Any]:
        """The whole sequence, forward and BPTT, as NumPy: `forward` and `backward` (key → T×n),
        `delta_norms`, `loss_t`, `loss`, `targets` (GET /sessions/{id}/trace; non-finite: NaN).
        The page's cursors are put back where they were."""
        path = f"/sessions/{self.session_id}"
        before = self._client.get(path)["cursors"]
        if before["computed_backward"] > 0:  # some steps still to run BPTT through
            self._client.post(f"{path}/backward", {"to_end": True})
        out = _as_numpy(self._client.get(f"{path}/trace"))
        self._restore(path, before)
        return out

    def _restore(self, path: str, before: dict[str, Any]) -> None:
        if before["forward_t"] == 0:
            self._client.post(f"{path}/reset", {})  # nothing was shown: as it was made
            return
        self._client.post(f"{path}/seek", {"t": before["forward_t"] - 1})
        if before["backward_t"] < before["T"]:
            self._client.post(f"{path}/seek", {"t": before["backward_t"], "direction": "backward"})

    def close(self) -> None:
        """Forget the session and stop the server explore() started (idempotent)."""
        if self._server is not None and not self._server.running:
            return
        # already gone (expired, evicted) or the server is down: nothing left to forget
        with contextlib.suppress(ExploreError, OSError):
            self._client.delete(f"/sessions/{self.session_id}")
        if self._server is not None:
            self._server.close()

    @property
    def closed(self) -> bool:
        return self._server is not None and not self._server.running

    def __enter__(self) -> Exploration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " (closed)" if self.closed else ""
        return f"<Exploration {self.url}{state}>"

    def _repr_html_(self) -> str:
        """The page in an IFrame (Jupyter, JupyterLab, VS Code), and a link to it."""
        src = html.escape(self.url, quote=True)
        if self.closed:
            return f"<p>LSTM Explorer: closed ({src})</p>"
        return (
            f'<iframe src="{src}" title="LSTM Explorer" width="100%" height="{int(self.height)}" '
            'style="border: 1px solid #ccc" loading="lazy"></iframe>'
            f'<p><a href="{src}" target="_blank" rel="noopener">Open LSTM Explorer in a new '
            "tab</a></p>"
        )


def explore(
    model: object,
    inputs: object,
    targets: object = None,
    *,
    head: object = None,
    loss: str | None = None,
    variant: str = "auto",
    seed: int = 0,
    truncate: int | None = None,
    url: str | None = None,
    frame_ancestors: Sequence[str] | None = None,
    height: int = 760,
) -> Exploration:
    """Open the explorer on `model` reading `inputs` (T×D, or T for D = 1).

    model: a torch nn.LSTM / nn.RNN (its nn.Linear readout as `head`), an nn.Module holding one
    (and one Linear head), a Keras Sequential or functional model of LSTM or SimpleRNN layers
    (and a Dense head), a state_dict, or a dict of arrays in the notation (W_z …, V, b_V).
    targets: T×O numbers (mse), T integer labels (cross-entropy), or None; a None (or NaN) row
    means no target at that step. loss: "mse" or "cross_entropy" (default: the Keras head's, else
    from the targets). url: an explorer server already running (else one is started here).
    frame_ancestors: the origins of the notebook page that shows it (default: the local
    Jupyter's, http://localhost:8888 and 127.0.0.1 on ports 8888–8890, and any running
    Jupyter server found).
    """
    payload = model_payload(model, head)
    loss = loss or payload.loss or _loss_of(targets)
    csv = sequence_csv(inputs, targets, payload.output_size or 1, loss)
    server = None
    if url is None:
        origins = _frame_origins(frame_ancestors)
        server = LocalServer(Settings(frame_ancestors=origins)).start()
        url = server.url
    client = ApiClient(url)
    try:
        session = create_session(client, payload, csv, loss, variant, seed, truncate)
    except BaseException:
        if server is not None:
            server.close()
        raise
    return Exploration(client, session, server, height)


def create_session(
    client: ApiClient,
    payload: Payload,
    csv: str | None,
    loss: str | None,
    variant: str = "auto",
    seed: int = 0,
    truncate: int | None = None,
) -> dict[str, Any]:
    """POST /sessions/upload: the model file, and the CSV as the sequence when there is one."""
    fields = {"variant": variant, "seed": str(seed)}
    if loss is not None:
        fields["loss"] = loss
    if truncate is not None:
        fields["truncate"] = str(truncate)
    files = {"params_file": (payload.filename, payload.data)}
    if csv is not None:
        files["sequence_file"] = ("sequence.csv", csv.encode())
    session: dict[str, Any] = client.upload("/sessions/upload", fields, files)
    return session


def page_url(base_url: str, session_id: str) -> str:
    """The page that opens on the session (static/js/main.js reads ?session=)."""
    return f"{base_url.rstrip('/')}/?{urllib.parse.urlencode({'session': session_id})}"


def _loss_of(targets: object) -> str:
    if targets is None or isinstance(targets, list | tuple):
        values = [] if targets is None else [v for v in targets if v is not None]
        ints = bool(values) and all(isinstance(v, int | np.integer) for v in values)
        return "cross_entropy" if ints else "mse"
    y = to_numpy(targets, "targets")
    return "cross_entropy" if y.ndim == 1 and y.dtype.kind in "iu" else "mse"


def _frame_origins(given: Sequence[str] | None) -> list[str]:
    """The given origins, checked; else the local Jupyter's and those of running servers."""
    if given is not None:
        if isinstance(given, str):
            given = [given]
        return [frame_origin(o) for o in given]
    origins = list(JUPYTER_ORIGINS)
    for found in _running_jupyter_origins():
        if found not in origins:
            origins.append(found)
    return origins


def _running_jupyter_origins() -> list[str]:
    """Origins of the Jupyter servers this user runs (jupyter_server's runtime files), if any."""
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    out = []
    try:
        for info in list_running_servers():
            parts = urllib.parse.urlsplit(str(info.get("url", "")))
            try:
                out.append(frame_origin(f"{parts.scheme}://{parts.netloc}"))
            except ValueError:
                continue
    except OSError:
        return out
    return out


def _as_numpy(trace: dict[str, Any]) -> dict[str, Any]:
    """The trace's lists as float arrays (null, a non-finite number, as NaN)."""
    out: dict[str, Any] = {}
    for key, value in trace.items():
        if key in ("forward", "backward", "delta_norms"):
            out[key] = {k: _floats(v) for k, v in value.items()}
        elif key in ("loss_t", "connectivity") and value is not None:
            out[key] = _floats(value)
        elif key == "loss":
            out[key] = math.nan if value is None else float(value)
        else:
            out[key] = value
    return out


def _floats(value: object) -> np.ndarray:
    return np.array(value, dtype=np.float64)  # None → nan
