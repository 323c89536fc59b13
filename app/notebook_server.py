"""The explorer served from a background thread of this process: explore() and `lstm-explorer open`.

uvicorn runs the app on its own event loop in a daemon thread, on a loopback socket bound before
it starts (port 0: a free one, chosen by the system, so nothing can take it in between).
`close()` asks uvicorn to finish and joins the thread; the process keeps no thread behind.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn
from lstm_explorer.app.main import create_app
from lstm_explorer.app.notebook_client import ApiClient, ExploreError
from lstm_explorer.app.settings import Settings

START_TIMEOUT_S = 30.0


def stop_server_thread(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Ask uvicorn, serving in `thread`, to finish (open streams are closed) and join the thread;
    forced to exit if it has not finished within 15 s."""
    server.should_exit = True
    thread.join(timeout=15)
    if thread.is_alive():
        server.force_exit = True
        thread.join(timeout=5)


class LocalServer:
    """The app on `http://<host>:<port>` until close()."""

    def __init__(self, settings: Settings, host: str = "127.0.0.1", port: int = 0) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.socket.listen(128)
        self.port: int = self.socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(
            create_app(settings),
            log_config=None,  # leave the notebook's logging as it is
            log_level="warning",
            access_log=False,
            proxy_headers=False,  # as `lstm-explorer serve` (app/cli.py)
            ws_max_size=2 * settings.max_ws_message_bytes,
            ws_per_message_deflate=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="lstm-explorer-server", daemon=True)
        self._failed: BaseException | None = None

    def start(self) -> LocalServer:
        """Start serving; returns once /api/v1/health answers (RuntimeError if it never does)."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError(f"the explorer's server stopped at start: {self._failed!r}")
            try:
                ApiClient(self.url, timeout=2).get("/health")
                return self
            except (OSError, ExploreError):
                time.sleep(0.05)
        self.close()
        raise RuntimeError(f"the explorer's server did not answer on {self.url} in time")

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop serving (open streams are closed) and join the thread; idempotent."""
        if self._thread.is_alive():
            stop_server_thread(self._server, self._thread)
        self.socket.close()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._server.serve(sockets=[self.socket]))
        except BaseException as exc:  # reported by start(); a thread cannot raise to its caller
            self._failed = exc
        finally:
            loop.close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
