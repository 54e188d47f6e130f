"""FastAPI dependencies shared by every domain: session, settings, clock, the acting user."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from helpline.clock import Clock
from helpline.errors import NotAuthenticated, PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor
from helpline.settings import Settings
from helpline.web.errors import LoginRequired

CSRF_SESSION_KEY = "csrf_token"
CSRF_FORM_FIELD = "csrf_token"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# Database ids are 32-bit on PostgreSQL; a larger number is refused as bad input, not a 500.
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]

SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_api_actor(
    token: Annotated[str | None, Depends(_bearer)],
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Actor:
    if not token:
        raise NotAuthenticated("a bearer token is required: POST /api/v1/auth/token")
    user_id = identity_service.read_token(
        token, secret_key=settings.secret_key.get_secret_value(), clock=clock
    )
    return identity_service.actor_for_user_id(session, user_id)


CurrentActor = Annotated[Actor, Depends(get_api_actor)]


def get_page_actor(request: Request, session: SessionDep) -> Actor:
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        raise LoginRequired(request.url.path)
    try:
        return identity_service.actor_for_user_id(session, user_id)
    except NotAuthenticated as exc:
        request.session.clear()
        raise LoginRequired(request.url.path) from exc


PageActor = Annotated[Actor, Depends(get_page_actor)]


def csrf_token(request: Request) -> str:
    """The per-session token every page form carries back."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a form post that comes from another origin or lacks this session's token."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin:
        expected = f"{request.url.scheme}://{request.url.netloc}"
        parts = urlsplit(origin)
        if f"{parts.scheme}://{parts.netloc}" != expected:
            raise PermissionDenied("cross-origin form submission refused")
    form = await request.form()
    sent = form.get(CSRF_FORM_FIELD)
    expected_token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(sent, str) or not isinstance(expected_token, str):
        raise PermissionDenied("the form has expired; reload the page and try again")
    if not secrets.compare_digest(sent, expected_token):
        raise PermissionDenied("the form has expired; reload the page and try again")


CsrfChecked = Depends(check_csrf)
