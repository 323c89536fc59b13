"""Builds the FastAPI app: settings, middleware, routes, pages and static files.

Run with `lstm-explorer serve`, or `uvicorn --factory app.main:create_app`.
"""

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import __version__, pages
from app.body_limit import BodySizeLimitMiddleware
from app.errors import install_error_handlers
from app.hardening import install_hardening
from app.routes import api_router
from app.security import install_security
from app.sessions import SessionStore
from app.settings import Settings

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app configured by `settings` (read from the environment when None)."""
    settings = settings or Settings()
    _require_dir(settings.static_dir, "LSTM_EXPLORER_STATIC_DIR")
    _require_dir(settings.templates_dir, "LSTM_EXPLORER_TEMPLATES_DIR")

    # docs_url=None: app/pages.py serves /docs from the vendored Swagger UI (no CDN); no ReDoc.
    app = FastAPI(title="LSTM Explorer", version=__version__, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=settings.templates_dir)
    app.state.sessions = SessionStore(settings.max_sessions, settings.session_idle_seconds)
    app.state.streams = set()  # open WebSocket streams (app/streaming.py)
    install_error_handlers(app)
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
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    logger.info("LSTM Explorer %s: static files from %s", __version__, settings.static_dir)
    return app


def _require_dir(path: Path, env_name: str) -> None:
    """Fail at start-up, naming the setting, rather than on the first request."""
    if not path.is_dir():
        raise RuntimeError(f"{path} is not a directory; set {env_name} to the right folder")
