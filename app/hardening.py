"""Error handlers for input that breaks a parser rather than a rule: nesting too deep to read.

JSON nested thousands of levels deep makes Python's json module raise RecursionError wherever
it is parsed (a form field, an uploaded file); that is the request's fault, so it is a 422.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOO_DEEP = "body: nested too deeply to read (JSON arrays or objects inside each other)"


async def _too_deep(request: Request, exc: Exception) -> JSONResponse:
    item = {"loc": ["body"], "msg": TOO_DEEP, "type": "value_error"}
    return JSONResponse(status_code=422, content={"detail": [item]})


def install_hardening(app: FastAPI) -> None:
    """Register the handlers above on `app` (after install_error_handlers)."""
    app.add_exception_handler(RecursionError, _too_deep)
