"""A JSON error answered straight from ASGI middleware, before any route runs."""

from __future__ import annotations

import json

from starlette.types import Send


async def send_json_error(
    send: Send, status: int, detail: str, extra_headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """Send `{"detail": ...}` with `status` as a complete response."""
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
