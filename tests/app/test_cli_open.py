"""`lstm-explorer open m.pt --csv data.csv`: a session from the file, the page in the browser."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from lstm_explorer.app import cli, cli_open
from lstm_explorer.app.notebook_payload import sequence_csv
from lstm_explorer.app.notebook_server import LocalServer

from tests.engine.model_files import FILES, sidecar

MODEL = FILES / "torch-lstm-2-f64.pt"


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    data = sidecar("torch-lstm-2-f64")
    path = tmp_path / "data.csv"
    path.write_text(sequence_csv(data["inputs"], data["output"], 2, "mse"))
    return path


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


def test_open_model_and_csv_opens_the_browser_on_the_session(
    csv_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(cli_open.NO_BROWSER_ENV, raising=False)
    opened: list[str] = []
    monkeypatch.setattr(cli_open.webbrowser, "open", opened.append)
    seen: dict = {}

    def look_then_stop(server: LocalServer, stop: threading.Event) -> None:  # not Ctrl-C
        (url,) = opened
        with urllib.request.urlopen(url) as page:
            seen["page"] = page.status, b"/js/main.js" in page.read()
        session_id = url.split("session=")[1]
        seen["session"] = get_json(f"{server.url}/api/v1/sessions/{session_id}")
        stop.set()

    monkeypatch.setattr(cli_open, "wait_until_stopped", look_then_stop)
    assert cli.main(["open", str(MODEL), "--csv", str(csv_file)]) == 0
    assert seen["page"] == (200, True)
    session = seen["session"]
    assert (session["num_layers"], session["variant"], session["T"]) == (2, "NP", 5)
    assert session["task"]["name"] == "csv" and session["source"] == "upload"
    assert opened[0] in capsys.readouterr().out
    assert not [t for t in threading.enumerate() if t.name == "lstm-explorer-server"]


def test_open_refused_model_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_open.webbrowser, "open", lambda url: pytest.fail("opened"))
    # no CSV: the default sine task has D = 1, the model reads 3 inputs
    assert cli.main(["open", str(MODEL)]) == 2
    assert "input size D = 3, but the sequence has 1 inputs" in capsys.readouterr().err


def test_open_missing_file_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["open", str(tmp_path / "nope.pt"), "--no-browser"]) == 2
    assert "nope.pt" in capsys.readouterr().err


def _ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("stop", "started_by"),
    [(signal.SIGINT, None), (signal.SIGTERM, None), (signal.SIGINT, _ignore_ctrl_c)],
    # a script's background job (`lstm-explorer open m.pt &`) starts with SIGINT ignored
    ids=["ctrl-c", "sigterm", "ctrl-c-after-a-parent-ignoring-it"],
)
def test_open_command_serves_until_stopped(
    csv_file: Path, stop: signal.Signals, started_by: Callable[[], None] | None
) -> None:
    command = [sys.executable, "-m", "lstm_explorer", "open", str(MODEL), "--csv", str(csv_file)]
    process = subprocess.Popen(
        [*command, "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=started_by,  # only sets a signal disposition before exec
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = next(word for word in line.split() if word.startswith("http://"))
        with urllib.request.urlopen(url) as page:
            assert page.status == 200
        process.send_signal(stop)
        _, errors = process.communicate(timeout=20)
        assert process.returncode == 0, errors
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
