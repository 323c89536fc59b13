"""What the routes share: the strict-JSON route class and documented error responses."""

from typing import Any

from fastapi.exceptions import RequestValidationError
from lstm_explorer.app.errors import ErrorPublic, StrictJSONRoute
from starlette.requests import HTTPConnection

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "unknown, deleted or expired session"}
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorPublic, "description": "over max_request_bytes or max_upload_bytes"}
}
UPLOAD: dict[int | str, dict[str, Any]] = {
    **TOO_LARGE,
    400: {"model": ErrorPublic, "description": "malformed multipart body"},
}


async def known_query_only(connection: HTTPConnection) -> None:
    """422 for a query parameter the route does not declare (a typo is not silently ignored)."""
    route = connection.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not connection.query_params:
        return
    known = _query_names(dependant)
    unknown = [name for name in connection.query_params if name not in known]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name[:50]),
                    "msg": f"unknown query parameter; known: {', '.join(sorted(known)) or 'none'}",
                }
                for name in unknown
            ]
        )


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


__all__ = ["NOT_FOUND", "TOO_LARGE", "UPLOAD", "StrictJSONRoute", "known_query_only"]
