"""`lstm-explorer open m.pt --csv data.csv`: serve the page on that model and open the browser.

The file (and the CSV, the input series) goes to POST /api/v1/sessions/upload exactly as the
page's own upload sends it; the server runs in this process until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import webbrowser
from collections.abc import Iterator

from lstm_explorer.app.notebook import create_session, page_url
from lstm_explorer.app.notebook_client import ApiClient, ExploreError
from lstm_explorer.app.notebook_payload import Payload
from lstm_explorer.app.notebook_server import LocalServer
from lstm_explorer.app.settings import Settings

NO_BROWSER_ENV = "LSTM_EXPLORER_NO_BROWSER"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_open(args: argparse.Namespace, settings: Settings) -> int:
    """Serve, make the session, print its address and open it; 0 after Ctrl-C, 2 if refused."""
    try:
        model = Payload(args.model.name, args.model.read_bytes())
        csv = args.csv.read_text(encoding="utf-8") if args.csv is not None else None
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {exc}")
    with LocalServer(settings, host=args.host, port=args.port) as server, stop_signals() as stop:
        try:
            session = create_session(ApiClient(server.url), model, csv, args.loss)
        except ExploreError as exc:
            return _fail(f"{args.model}: the server refused it: {exc}")
        url = page_url(server.url, session["id"])
        print(f"LSTM Explorer on {args.model.name}: {url}  (Ctrl-C stops it)", flush=True)  # noqa: T201
        if not (args.no_browser or os.environ.get(NO_BROWSER_ENV)):
            webbrowser.open(url)
        wait_until_stopped(server, stop)
    return 0


@contextlib.contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event that Ctrl-C (SIGINT) or SIGTERM sets while the block runs (the handlers before
    are put back after). Installed by this command whatever its parent left: a job started in
    the background by a script inherits SIGINT ignored, and Ctrl-C is how this one stops."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # only the main thread may handle signals
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_until_stopped(server: LocalServer, stop: threading.Event) -> None:
    """Block while the server runs, until `stop` is set (the server then stops cleanly)."""
    while server.running and not stop.wait(0.5):
        pass


def _fail(message: str) -> int:
    print(f"lstm-explorer open: {message}", file=sys.stderr)  # noqa: T201 - a CLI's own message
    return 2
