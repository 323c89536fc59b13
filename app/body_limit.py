"""ASGI middleware that refuses request bodies over max_request_bytes with 413."""

from lstm_explorer.app.asgi_json import send_json_error
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyTooLarge(Exception):
    """Raised inside receive() once a streamed body passes the limit."""


class BodySizeLimitMiddleware:
    """Answers 413 when Content-Length, or the bytes actually streamed, exceed `max_bytes`.

    A pure ASGI middleware (not BaseHTTPMiddleware) so that it can count a chunked body
    as it arrives instead of buffering it first.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._send_413(send)
            return

        received = 0
        exceeded = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return  # whatever the app answers to a cut-off body is replaced by 413
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            # Frameworks may wrap _BodyTooLarge in their own error; only ours is swallowed.
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self._send_413(send)

    async def _send_413(self, send: Send) -> None:
        detail = f"request body exceeds max_request_bytes={self.max_bytes} bytes"
        await send_json_error(send, 413, detail, ((b"connection", b"close"),))


def _content_length(scope: Scope) -> int | None:
    """The declared Content-Length, or None when absent or unreadable (the server rejects it)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
