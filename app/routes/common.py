"""What the routes share: the strict-JSON route class and documented error responses."""

from typing import Any

from app.errors import ErrorPublic, StrictJSONRoute

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "unknown, deleted or expired session"}
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorPublic, "description": "over max_request_bytes or max_upload_bytes"}
}

__all__ = ["NOT_FOUND", "TOO_LARGE", "StrictJSONRoute"]
