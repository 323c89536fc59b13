"""Real servers for the fault tests: uvicorn in a subprocess (`uvicorn_process`, from
devtools.local_server), or in a thread of this process (so a test can count the server's asyncio
tasks). Each on a loopback port bound before it starts (no race between pytest-xdist workers);
both stop for sure when the `with` block ends."""

from __future__ import annotations

import asyncio
import threading

import uvicorn
from fastapi import FastAPI
from lstm_explorer.app.notebook_server import stop_server_thread

from devtools.local_server import listening_socket, uvicorn_process, wait_for_health

__all__ = ["ThreadServer", "uvicorn_process"]


class ThreadServer:
    """uvicorn serving `app` on its own event loop in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.socket = listening_socket()
        self.port: int = self.socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws_ping_interval=None
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="uvicorn-test", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.socket]))

    def task_count(self) -> int:
        """How many asyncio tasks the server's loop has right now."""

        async def count() -> int:
            return len(asyncio.all_tasks())

        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(timeout=5)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_for_health(self.base_url, alive=self.thread.is_alive)
        return self

    def __exit__(self, *exc: object) -> None:
        stop_server_thread(self.server, self.thread)
        self.loop.close()
        self.socket.close()
