"""Errors as JSON. A FieldError (bad input, located) → 422 with its loc; HTTP errors as raised;
anything else is a bug → a short 500, its traceback logged and never sent."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from lstm_explorer.engine.errors import FieldError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.routing import Route

logger = logging.getLogger(__name__)


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


class InvalidJSONError(ValueError):
    """Text that is not strict JSON: malformed, NaN or ±Infinity, a float past float64, bytes
    that are not UTF-8, nesting too deep. str() says why."""


def field_item(exc: FieldError, root: str = "body") -> dict[str, Any]:
    """One 422 item in FastAPI's shape: loc is `root` then the error's own loc."""
    return {"loc": [root, *exc.loc], "msg": str(exc), "type": "value_error"}


@contextmanager
def fields_in(root: str) -> Iterator[None]:
    """FieldErrors raised inside are about the request's `root` ("query", "path"), not its body."""
    try:
        yield
    except FieldError as exc:
        raise RequestValidationError([field_item(exc, root)]) from None


async def _field_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FieldError)
    return JSONResponse(status_code=422, content={"detail": [field_item(exc)]})


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
    """A bug: the client learns only that it happened; the log gets the traceback."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler above on `app`."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(FieldError, _field_error)
    # pydantic's ValidationError is a ValueError: one raised in the app (not of the request,
    # that is a RequestValidationError) is data the server built wrong, a bug.
    app.add_exception_handler(ValidationError, _unexpected)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(TooLargeError, _too_large)
    app.add_exception_handler(Exception, _unexpected)


def _reject_constant(name: str) -> Any:
    raise InvalidJSONError(f"{name} is not a number JSON allows")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise InvalidJSONError(f"{literal[:30]} is too large for a 64-bit float")
    return value


def loads_strict(text: str | bytes) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity (Python's json accepts them), and
    bytes that are not plain UTF-8 (a BOM, UTF-16: json.loads would guess the encoding).

    Raises InvalidJSONError, caused by the json.JSONDecodeError where the syntax is wrong."""
    try:
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except InvalidJSONError:
        raise
    except RecursionError:
        raise InvalidJSONError("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise InvalidJSONError(str(exc)) from exc


class StrictJSONRequest(StarletteRequest):
    """A request whose JSON body may not contain NaN or Infinity literals."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads_strict(body)
            except InvalidJSONError as exc:
                # FastAPI answers a JSONDecodeError with its own 422 (type json_invalid)
                if isinstance(exc.__cause__, json.JSONDecodeError):
                    raise exc.__cause__ from None
                raise json.JSONDecodeError(str(exc), body.decode(errors="replace"), 0) from None
        return self._json


class StrictJSONRoute(APIRoute):
    """APIRoute that parses bodies with StrictJSONRequest: NaN/Infinity in JSON → 422."""

    def get_route_handler(self):  # type: ignore[no-untyped-def]
        handler = super().get_route_handler()

        async def strict_handler(request: StarletteRequest):  # type: ignore[no-untyped-def]
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
