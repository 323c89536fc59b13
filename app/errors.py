"""Errors as JSON: engine ValueErrors and limits → 422 naming the field, crashes → a short 500."""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.routing import Route

logger = logging.getLogger(__name__)

# "params.W_z: expected shape ..." → loc ("params", "W_z"); "targets[3]: ..." → ("targets", 3);
# "sequence_file.csv row 3, column 1: ..." → ("sequence_file", "csv")
_FIELD = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*)(?=:|[ ,(][^:]*: )")


class ErrorPublic(BaseModel):
    """An error that is not about a request field: its message."""

    detail: str


class ValidationItem(BaseModel):
    """One problem with the request: where (loc), what (msg), and its kind (type)."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorPublic(BaseModel):
    """422: every problem found, each naming its field."""

    detail: list[ValidationItem]


class NotFoundError(Exception):
    """A resource (a session) that does not exist (any more): 404."""


class TooLargeError(Exception):
    """An upload over max_upload_bytes: 413."""


def field_loc(message: str, root: str = "body") -> list[str | int]:
    """The field an engine message starts with, as a FastAPI-style loc."""
    match = _FIELD.match(message)
    if not match:
        return [root]
    loc: list[str | int] = [root]
    for part in re.findall(r"[A-Za-z_]\w*|\[\d+\]", match.group(1)):
        loc.append(int(part[1:-1]) if part.startswith("[") else part)
    return loc


def unprocessable(message: str, root: str = "body") -> JSONResponse:
    """A 422 in FastAPI's shape, for a message of the form 'field: what is wrong'."""
    item = {"loc": field_loc(message, root), "msg": message, "type": "value_error"}
    return JSONResponse(status_code=422, content={"detail": [item]})


async def _value_error(request: Request, exc: Exception) -> JSONResponse:
    return unprocessable(str(exc))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [_item(e) for e in exc.errors()]
    return JSONResponse(status_code=422, content=jsonable_encoder({"detail": items}))


def _item(error: dict[str, Any]) -> dict[str, Any]:
    msg = str(error.get("msg", ""))
    reason = (error.get("ctx") or {}).get("error")
    if error.get("type") == "json_invalid" and reason:
        msg = f"{msg}: {reason}"
    loc = [p if isinstance(p, int) else str(p) for p in error.get("loc", ())]
    return {"loc": loc, "msg": msg, "type": str(error.get("type", "value_error"))}


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _too_large(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=413, content={"detail": str(exc)})


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors, but a 405 lists every method of every route on that path."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        methods: set[str] = set()
        for route in request.app.router.routes:
            if (
                isinstance(route, Route)
                and route.methods
                and route.path_regex.match(request.url.path)
            ):
                methods |= route.methods
        headers["Allow"] = ", ".join(sorted(methods))
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler above on `app`."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValueError, _value_error)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(TooLargeError, _too_large)
    app.add_exception_handler(Exception, _unexpected)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal[:30]} is too large for a 64-bit float")
    return value


def loads_strict(text: str | bytes) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity (Python's json accepts them), and
    bytes that are not plain UTF-8 (a BOM, UTF-16: json.loads would guess the encoding)."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)


class StrictJSONRequest(StarletteRequest):
    """A request whose JSON body may not contain NaN or Infinity literals."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads_strict(body)
            except ValueError as exc:
                if isinstance(exc, json.JSONDecodeError):
                    raise
                raise json.JSONDecodeError(str(exc), body.decode(errors="replace"), 0) from None
        return self._json


class StrictJSONRoute(APIRoute):
    """APIRoute that parses bodies with StrictJSONRequest: NaN/Infinity in JSON → 422."""

    def get_route_handler(self):  # type: ignore[no-untyped-def]
        handler = super().get_route_handler()

        async def strict_handler(request: StarletteRequest):  # type: ignore[no-untyped-def]
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
