"""Which client a request comes from, for max_sessions_per_client.

The peer's address, unless the peer is one of `trusted_proxies`: then the right-most address
in X-Forwarded-For that is not itself a trusted proxy (each proxy appends the address it saw,
so everything left of that could have been written by the client).
"""

from __future__ import annotations

from lstm_explorer.app.settings import Settings
from starlette.requests import HTTPConnection

UNKNOWN = "unknown"
MAX_LENGTH = 64  # an address is at most 45 characters (IPv6 with an IPv4 tail)


def client_address(connection: HTTPConnection, settings: Settings) -> str:
    """The client address sessions are counted against."""
    peer = connection.client.host if connection.client else UNKNOWN
    trusted = settings.trusted_proxies
    if peer not in trusted:
        return peer[:MAX_LENGTH]
    header = ",".join(connection.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:MAX_LENGTH]
    return peer[:MAX_LENGTH]
