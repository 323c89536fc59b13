"""Builds the FastAPI app: settings, middleware, routes, pages and static files.

Run with `lstm-explorer serve`, or `uvicorn --factory app.main:create_app`.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from lstm_explorer.app import __version__, pages
from lstm_explorer.app.body_limit import BodySizeLimitMiddleware
from lstm_explorer.app.errors import install_error_handlers
from lstm_explorer.app.hardening import install_hardening
from lstm_explorer.app.routes import api_router
from lstm_explorer.app.security import install_security
from lstm_explorer.app.sessions import StoreUnavailableError, make_store
from lstm_explorer.app.settings import Settings
from lstm_explorer.app.static_assets import ImmutableStaticFiles, served_version

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app configured by `settings` (read from the environment when None)."""
    settings = settings or Settings()
    _require_dir(settings.static_dir, "LSTM_EXPLORER_STATIC_DIR")
    _require_dir(settings.templates_dir, "LSTM_EXPLORER_TEMPLATES_DIR")

    # docs_url=None: app/pages.py serves /docs from the vendored Swagger UI (no CDN); no ReDoc.
    app = FastAPI(
        title="LSTM Explorer",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=settings.templates_dir)
    app.state.static_base = static_base = f"/static/v/{served_version(settings.static_dir)}"
    app.state.templates.env.globals["static_base"] = static_base
    app.state.sessions = store = make_store(settings)
    app.state.streams = set()  # open WebSocket streams (app/streaming.py)
    store.on_gone = lambda session_id: _close_streams(app, session_id)
    install_error_handlers(app)
    app.add_exception_handler(StoreUnavailableError, _store_unavailable)
    install_hardening(app)

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    install_security(app, settings)  # outermost: headers on every response, even a 413

    app.include_router(api_router)
    app.include_router(pages.router)
    # The page's files, kept by browsers for good (app/static_assets.py), then the plain path.
    app.mount(static_base, ImmutableStaticFiles(directory=settings.static_dir), name="page-files")
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    logger.info("LSTM Explorer %s: static files from %s", __version__, settings.static_dir)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The session store's background work (Redis: following deletions) runs while the app does."""
    store = app.state.sessions
    await store.start()
    try:
        yield
    finally:
        await store.close()


def _close_streams(app: FastAPI, session_id: str) -> None:
    for stream in list(app.state.streams):
        if stream.session.id == session_id:
            stream.session_gone()


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Redis down or silent: 503 with why, never a 500; the client may retry shortly."""
    return JSONResponse(status_code=503, content={"detail": str(exc)}, headers={"Retry-After": "2"})


def _require_dir(path: Path, env_name: str) -> None:
    """Fail at start-up, naming the setting, rather than on the first request."""
    if not path.is_dir():
        raise RuntimeError(f"{path} is not a directory; set {env_name} to the right folder")
