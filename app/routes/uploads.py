"""Sessions from files: uploaded parameters and/or a CSV sequence; restore from a snapshot."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from lstm_explorer.app.deps import ClientDep, SettingsDep, StoreDep
from lstm_explorer.app.errors import InvalidJSONError, TooLargeError, loads_strict
from lstm_explorer.app.routes.common import UPLOAD
from lstm_explorer.app.schemas import SessionPublic
from lstm_explorer.app.schemas.common import Cell, Loss
from lstm_explorer.app.sessions import snapshot
from lstm_explorer.app.sessions.factory import describe
from lstm_explorer.app.sessions.text import decode_text
from lstm_explorer.app.sessions.uploads import UploadConfig, session_from_upload
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError
from starlette.concurrency import run_in_threadpool

_OPTIONS = 'expected a JSON object such as {"length": 50}'

router = APIRouter(prefix="/sessions", tags=["sessions"])


async def read_upload(file: UploadFile, field: str, settings: Settings) -> bytes:
    """The file's bytes; 413 past max_upload_bytes (read no further than that)."""
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise TooLargeError(f"{field}: larger than max_upload_bytes={settings.max_upload_bytes}")
    return data


def _options(text: str) -> dict[str, Any]:
    try:
        value = loads_strict(text)
    except InvalidJSONError as exc:
        raise FieldError("task_options", f"{_OPTIONS} ({str(exc)[:80]})") from None
    if not isinstance(value, dict):
        raise FieldError("task_options", _OPTIONS)
    return value


@router.post("/upload", status_code=201, response_model=SessionPublic, responses=UPLOAD)
async def create_session_from_upload(
    settings: SettingsDep,
    store: StoreDep,
    client: ClientDep,
    params_file: Annotated[
        UploadFile | None,
        File(description=".npz, .safetensors, .json, or a model file: .pt/.pth, .keras, .h5"),
    ] = None,
    sequence_file: Annotated[
        UploadFile | None, File(description="CSV: x… and target… columns")
    ] = None,
    text_file: Annotated[
        UploadFile | None,
        File(description="UTF-8 text: one character per step, the vocabulary built from it"),
    ] = None,
    layout: Annotated[str, Form(description="auto, notation, pytorch or keras")] = "auto",
    cell: Annotated[Cell, Form()] = "lstm",
    variant: Annotated[str, Form(max_length=100, description="'auto': from the names")] = "auto",
    hidden_size: Annotated[int | None, Form(ge=1)] = None,
    loss: Annotated[Loss | None, Form()] = None,
    seed: Annotated[int, Form(ge=0, le=2**32 - 1)] = 0,
    task: Annotated[str, Form(max_length=50)] = "sine",
    task_options: Annotated[str, Form(max_length=10_000, description="JSON object")] = "{}",
    n_inputs: Annotated[int | None, Form(ge=1, description="CSV: first n columns are x")] = None,
    truncate: Annotated[int | None, Form(ge=1)] = None,
) -> dict[str, Any]:
    """Make a session from uploaded parameters (any layout) and/or a CSV sequence or a text."""
    cfg = UploadConfig(
        cell,
        variant,
        hidden_size,
        loss,
        seed,
        task,
        _options(task_options),
        n_inputs,
        truncate,
        layout,
    )
    params = None
    if params_file is not None:
        params = (
            params_file.filename or "",
            await read_upload(params_file, "params_file", settings),
        )
    csv_text = None
    if sequence_file is not None:
        raw = await read_upload(sequence_file, "sequence_file", settings)
        try:
            csv_text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FieldError("sequence_file", "not UTF-8 text") from None
    text = None
    if text_file is not None:
        raw = await read_upload(text_file, "text_file", settings)
        text = decode_text(raw, ("text_file",))
    session = await run_in_threadpool(session_from_upload, cfg, params, csv_text, settings, text)
    await store.add(session, client)
    return describe(session)


@router.post("/restore", status_code=201, response_model=SessionPublic, responses=UPLOAD)
async def restore_session(
    settings: SettingsDep,
    store: StoreDep,
    client: ClientDep,
    file: Annotated[UploadFile, File(description="a snapshot (.json or .npz) from GET …/snapshot")],
) -> dict[str, Any]:
    """Recreate a session (params, optimiser state, sequence, cursors) from a snapshot."""
    data = await read_upload(file, "file", settings)
    fmt = "npz" if data.startswith(b"PK") else "json"
    session = await run_in_threadpool(snapshot.from_bytes, data, fmt, settings)
    await store.add(session, client)
    return describe(session)
