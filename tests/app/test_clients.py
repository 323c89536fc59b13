"""Which client a request counts against (max_sessions_per_client): X-Forwarded-For only from a
trusted proxy, and then its right-most address that is not itself a trusted proxy."""

from __future__ import annotations

import pytest
from lstm_explorer.app.sessions.clients import client_address
from lstm_explorer.app.settings import Settings
from starlette.requests import Request


def _request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("192.0.2.5", [], [], "192.0.2.5"),
        ("192.0.2.5", ["198.51.100.1"], [], "192.0.2.5"),  # untrusted peer: header ignored
        ("10.0.0.1", ["198.51.100.1"], ["10.0.0.1"], "198.51.100.1"),
        # The client may write anything left of what the proxy appended.
        ("10.0.0.1", ["6.6.6.6, 198.51.100.1"], ["10.0.0.1"], "198.51.100.1"),
        # Two proxies in a row, both trusted; repeated headers read as one list.
        ("10.0.0.1", ["198.51.100.1", "10.0.0.2"], ["10.0.0.1", "10.0.0.2"], "198.51.100.1"),
        ("10.0.0.1", [], ["10.0.0.1"], "10.0.0.1"),  # no header: the proxy itself
    ],
)
def test_client_address(peer: str, forwarded: list[str], trusted: list[str], expected: str) -> None:
    settings = Settings(trusted_proxies=trusted)
    assert client_address(_request(peer, *forwarded), settings) == expected
