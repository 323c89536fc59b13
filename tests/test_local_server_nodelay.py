"""devtools.local_server hands uvicorn a listening socket (--fd), which uvicorn wraps as AF_UNIX,
so no event loop sets TCP_NODELAY on the connections it accepts; the socket carries it instead,
or every kept-alive request waits ~40 ms for a delayed ACK (docs/BENCHMARKS.md)."""

from __future__ import annotations

import socket

from devtools.local_server import listening_socket


def test_connections_accepted_on_the_listening_socket_have_nagle_off() -> None:
    server = listening_socket()
    with server, socket.create_connection(server.getsockname(), timeout=5):
        accepted, _ = server.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
