"""Downloads: parameters (npz, JSON, PyTorch names), the trace (npz, CSV, JSON), snapshots."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from lstm_explorer.app import serialize
from lstm_explorer.app.deps import SessionDep
from lstm_explorer.app.errors import fields_in
from lstm_explorer.app.routes.common import NOT_FOUND
from lstm_explorer.app.sessions import Session, snapshot
from lstm_explorer.engine import io_trace
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_params import dump_params, to_pytorch
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/sessions/{session_id}", tags=["export"])

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/octet-stream": {},
            "application/json": {},
            "text/csv": {},
            "application/zip": {},
        },
        "description": "the file",
    }
}
_MEDIA = {
    "npz": "application/octet-stream",
    "json": "application/json",
    "csv": "text/csv",
    "zip": "application/zip",
}


def _download(data: bytes, name: str, kind: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content=data, media_type=_MEDIA[kind], headers=headers)


def _params_file(session: Session, fmt: str) -> bytes:
    if fmt == "pytorch":
        return dump_params(to_pytorch(session.params, session.spec), "npz")
    if fmt == "json":
        return serialize.dumps({k: v.tolist() for k, v in session.params.items()})
    return dump_params(session.params, "npz")


@router.get("/export/params", response_class=Response, responses={**_FILES, **NOT_FOUND})
async def export_params(
    session: SessionDep, format: Literal["npz", "json", "pytorch"] = "npz"
) -> Response:
    """Parameters as .npz or JSON in the notation, or .npz with PyTorch keys (NP LSTM, RNN)."""
    async with session.lock:
        with fields_in("query"):
            try:
                data = await run_in_threadpool(_params_file, session, format)
            except FieldError as exc:  # the session's variant does not fit this format
                raise exc.relocated(("variant",), ("format",)) from None
    kind = "json" if format == "json" else "npz"
    suffix = "-pytorch.npz" if format == "pytorch" else f".{kind}"
    return _download(data, f"params-{session.id}{suffix}", kind)


def _trace_file(session: Session, fmt: str, key: str | None) -> tuple[bytes, str, str]:
    arrays = io_trace.trace_arrays(session.runner)
    if key is not None:
        if key not in arrays:
            raise FieldError(
                "key", f"{key!r} is not a quantity of this trace; one of {', '.join(arrays)}"
            )
        arrays = {key: arrays[key]}
    if fmt == "npz":
        return io_trace.to_npz(arrays), "npz", "trace.npz"
    if fmt == "json":
        nf = serialize.NonFinite()
        return serialize.dumps(nf.mark({"arrays": nf.arrays(arrays)})), "json", "trace.json"
    if key is not None:
        return io_trace.to_csv(key, arrays[key]).encode(), "csv", f"{key}.csv"
    return io_trace.to_csv_zip(arrays), "zip", "trace-csv.zip"


@router.get("/export/trace", response_class=Response, responses={**_FILES, **NOT_FOUND})
async def export_trace(
    session: SessionDep,
    format: Literal["npz", "csv", "json"] = "npz",
    key: Annotated[str | None, Query(max_length=50, description="one quantity, e.g. c")] = None,
) -> Response:
    """The trace so far: every quantity as .npz, JSON, or CSV (a zip of CSVs, or ?key= one)."""
    async with session.lock:
        with fields_in("query"):  # key is a query parameter
            data, kind, name = await run_in_threadpool(_trace_file, session, format, key)
    return _download(data, name, kind)


@router.get("/snapshot", response_class=Response, responses={**_FILES, **NOT_FOUND})
async def export_snapshot(session: SessionDep, format: Literal["json", "npz"] = "json") -> Response:
    """Everything needed to restore the session later (POST /api/v1/sessions/restore)."""
    async with session.lock:
        fn = snapshot.to_json if format == "json" else snapshot.to_npz
        data = await run_in_threadpool(fn, session)
    return _download(data, f"session-{session.id}.{format}", format)
