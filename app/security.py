"""Security headers on every response, and no cross-site use of the API or the stream.

- Content-Security-Policy: scripts, styles, fonts, images and connections from this origin only
  (the page and its vendored plotly.js and KaTeX need nothing else). Styles may be inline:
  Plotly injects <style> elements and KaTeX and Plotly set style attributes. connect-src names
  ws:// and wss:// of the request's own host as well as 'self', for browsers whose 'self' does
  not yet cover WebSockets. /docs (Swagger UI, vendored, started by an inline script) gets a
  policy of its own that allows just that inline script.
- X-Content-Type-Options, Referrer-Policy, X-Frame-Options, Cross-Origin-Opener-Policy,
  Cross-Origin-Resource-Policy, Permissions-Policy.
- Framing: no page may show this one in a frame (X-Frame-Options: DENY, frame-ancestors
  'none'), unless `frame_ancestors` lists origins (explore() lists the local Jupyter's): then
  the page's policy names exactly those (frame-ancestors http://localhost:8888 …) and
  X-Frame-Options, which cannot name an origin, is left out of those responses. /docs is never
  framed.
- A request that changes state (POST, PUT, PATCH, DELETE), or opens the WebSocket, from a page
  of another origin is refused (403 / close 4403) unless that origin is in `cors_origins`. A
  browser always sends Origin on these; clients that send none (curl, scripts) are not affected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from fastapi import FastAPI
from lstm_explorer.app.asgi_json import send_json_error
from lstm_explorer.app.settings import Settings
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE_FORBIDDEN = 4403
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DOCS_PATHS = ("/docs",)
# A Host header we are willing to echo into the policy: name or IP literal, optional port.
_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$"
)

PAGE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
DOCS_POLICY = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
NO_FRAMING = (b"x-frame-options", b"DENY")
STATIC_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    NO_FRAMING,
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)


def content_security_policy(
    path: str, host: str | None, frame_ancestors: Sequence[str] = ()
) -> str:
    """The policy for a response to `path` requested with Host `host`; `frame_ancestors` are
    the origins that may frame the page (checked by Settings: scheme://host[:port] each)."""
    if path.startswith(DOCS_PATHS):
        return "; ".join((*DOCS_POLICY, "connect-src 'self'"))
    connect = "connect-src 'self'"
    if host and _HOST.match(host):
        connect += f" ws://{host} wss://{host}"
    policy: tuple[str, ...] = PAGE_POLICY
    if frame_ancestors:
        allowed = f"frame-ancestors {' '.join(frame_ancestors)}"
        policy = tuple(allowed if d.startswith("frame-ancestors") else d for d in PAGE_POLICY)
    return "; ".join((*policy, connect))


def frameable(path: str, frame_ancestors: Sequence[str]) -> bool:
    """Whether a response to `path` may be framed by the `frame_ancestors` origins."""
    return bool(frame_ancestors) and not path.startswith(DOCS_PATHS)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def origin_allowed(origin: str | None, host: str | None, allowed: Iterable[str]) -> bool:
    """No Origin (not a browser), this server's own origin, or one listed in cors_origins."""
    if origin is None:
        return True
    if origin in allowed or "*" in allowed:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and host is not None and parts.netloc == host


class SecurityHeadersMiddleware:
    """Pure ASGI: adds the headers to every HTTP response, refuses cross-site writes and streams."""

    def __init__(
        self, app: ASGIApp, cors_origins: Iterable[str] = (), frame_ancestors: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.cors_origins = frozenset(cors_origins)
        self.frame_ancestors = tuple(frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        origin = _header(scope, b"origin")
        cross_site = not origin_allowed(origin, host, self.cors_origins)
        if scope["type"] == "websocket":
            if cross_site:
                # Closing before accept: the server answers the upgrade with HTTP 403.
                await send(
                    {
                        "type": "websocket.close",
                        "code": CLOSE_FORBIDDEN,
                        "reason": "origin not allowed",
                    }
                )
                return
            await self.app(scope, receive, send)
            return

        path = scope["path"]
        policy = content_security_policy(path, host, self.frame_ancestors)
        static = STATIC_HEADERS
        if frameable(path, self.frame_ancestors):
            static = tuple(h for h in STATIC_HEADERS if h != NO_FRAMING)
        extra = [*static, (b"content-security-policy", policy.encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        if cross_site and scope["method"] in UNSAFE_METHODS:
            await _forbidden(send_with_headers, origin or "")
            return
        await self.app(scope, receive, send_with_headers)


async def _forbidden(send: Send, origin: str) -> None:
    detail = (
        f"origin: {origin[:100]!r} may not change anything here; "
        "add it to cors_origins (LSTM_EXPLORER_CORS_ORIGINS) to allow it"
    )
    await send_json_error(send, 403, detail)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the middleware outermost, so even a 413 from the body limit carries the headers."""
    app.add_middleware(
        SecurityHeadersMiddleware,
        cors_origins=settings.cors_origins,
        frame_ancestors=settings.frame_ancestors,
    )
