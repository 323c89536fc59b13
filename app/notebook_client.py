"""A small REST client of the explorer's API for explore() and `lstm-explorer open` (stdlib only).

The server's 4xx answers become an ExploreError carrying the status and the server's message
(each `loc: msg` of a 422), so a notebook shows what the server said about the model or data.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

API = "/api/v1"
TIMEOUT_S = 120.0  # a Keras file is read in a child process; training calls are bounded too
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ExploreError(ValueError):
    """The server refused a request: `status` and the server's `detail`."""

    def __init__(self, status: int, detail: object) -> None:
        self.status, self.detail = status, detail
        super().__init__(f"{status}: {_detail_text(detail)}")


class ApiClient:
    """JSON and multipart calls to `<base_url>/api/v1`."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        host = urllib.parse.urlsplit(self.base_url).hostname
        # a server on this machine is reached directly, whatever proxy the environment names
        handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK else []
        self._opener = urllib.request.build_opener(*handlers)

    def get(self, path: str) -> Any:
        return self._call(urllib.request.Request(self._url(path)))

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = json.dumps(dict(body or {})).encode()
        request = urllib.request.Request(
            self._url(path), data=data, headers={"Content-Type": "application/json"}
        )
        return self._call(request)

    def delete(self, path: str) -> None:
        self._call(urllib.request.Request(self._url(path), method="DELETE"))

    def upload(
        self, path: str, fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]
    ) -> Any:
        """POST a multipart form: text `fields` and `files` (form name → (file name, bytes))."""
        boundary = f"lstm-explorer-{secrets.token_hex(12)}"
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(_part(boundary, f'name="{name}"', value.encode()))
        for name, (filename, blob) in files.items():
            safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
            parts.append(_part(boundary, f'name="{name}"; filename="{safe}"', blob))
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self._url(path),
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return self._call(request)

    def _url(self, path: str) -> str:
        return f"{self.base_url}{API}{path}"

    def _call(self, request: urllib.request.Request) -> Any:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                detail = json.loads(raw)["detail"]
            except (ValueError, KeyError, TypeError):
                detail = raw.decode("utf-8", "replace")[:500]
            raise ExploreError(exc.code, detail) from None
        return json.loads(raw) if raw else None


def _part(boundary: str, disposition: str, blob: bytes) -> bytes:
    head = f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n"
    return head.encode() + blob + b"\r\n"


def _detail_text(detail: object) -> str:
    if isinstance(detail, list):
        return "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return str(detail)
