"""Request dependencies shared by the routes, as named Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.templating import Jinja2Templates
from lstm_explorer.app.sessions import Session, SessionStore
from lstm_explorer.app.sessions.clients import client_address
from lstm_explorer.app.settings import Settings


def get_settings(request: Request) -> Settings:
    """The Settings the running app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_templates(request: Request) -> Jinja2Templates:
    """The app's Jinja2 environment."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


def get_store(request: Request) -> SessionStore:
    """The app's session store (in memory, or Redis shared by every worker)."""
    store: SessionStore = request.app.state.sessions
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[SessionStore, Depends(get_store)]


def get_client(request: Request, settings: SettingsDep) -> str:
    """The client address the request's new sessions count against (max_sessions_per_client)."""
    return client_address(request, settings)


ClientDep = Annotated[str, Depends(get_client)]


async def get_session(
    store: StoreDep,
    session_id: Annotated[str, Path(max_length=64, description="as returned on creation")],
) -> Session:
    """The session named in the path; 404 if unknown, deleted or expired.

    async so that it runs on the event loop: the store is never touched from a worker thread.
    Hold `session.lock` while using it: with Redis that also brings it up to date.
    """
    return await store.get(session_id)


SessionDep = Annotated[Session, Depends(get_session)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
