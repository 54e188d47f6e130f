"""Pages of the identity domain: login, logout, the home frame, admin of users and clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from helpline.errors import DomainError, InvalidInput, NotAuthenticated
from helpline.identity import queries as identity_queries
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, Role, can
from helpline.web.deps import ClockDep, CsrfChecked, IdQuery, PageActor, SessionDep, SettingsDep
from helpline.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(next_path: str | None) -> str:
    # Only same-site paths, so the login form cannot be used as an open redirect.
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return next_path
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, session: SessionDep, next: str = "/") -> Response:
    no_users = identity_service.count_users(session) == 0
    return render(request, "login.html", None, next=_safe_next(next), no_users=no_users, error=None)


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    try:
        actor = identity_service.authenticate(session, email=email, password=password, clock=clock)
    except NotAuthenticated as exc:
        return render(
            request,
            "login.html",
            None,
            status_code=401,
            next=_safe_next(next),
            no_users=False,
            error=exc.message,
        )
    request.session.clear()  # a fresh session on login: no fixation
    request.session["user_id"] = actor.user_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: PageActor, settings: SettingsDep) -> Response:
    return render(request, "home.html", actor, centre_time_zone=settings.centre_time_zone)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, actor: PageActor, session: SessionDep) -> Response:
    return _users_page(request, actor, session)


def _users_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    error: DomainError | None = None,
    status_code: int = 200,
    typed: Mapping[str, object] | None = None,
) -> Response:
    users = identity_service.list_users(session, actor)
    clients = identity_service.list_clients(session, actor)
    client_codes = {client.id: client.code for client in clients}
    return render(
        request,
        "admin/users.html",
        actor,
        status_code=status_code,
        users=users,
        clients=clients,
        client_codes=client_codes,
        roles=list(Role),
        error=error,
        typed=typed or {},
    )


@router.post("/admin/users", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_user(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    role: Annotated[str, Form(max_length=20)],
    display_name: Annotated[str, Form(max_length=200)] = "",
    clients: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        if role not in {r.value for r in Role}:
            raise InvalidInput(f"unknown role {role!r}", field="role")
        identity_service.create_user(
            session,
            actor,
            email=email,
            password=password,
            role=Role(role),
            display_name=display_name or None,
            client_codes=clients or [],
            clock=clock,
        )
    except DomainError as exc:
        session.rollback()
        # Give back what was typed (never the password), so nothing has to be retyped.
        typed = {
            "email": email,
            "display_name": display_name,
            "role": role,
            "clients": clients or [],
        }
        return _users_page(request, actor, session, error=exc, status_code=422, typed=typed)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    subject_type: Annotated[str | None, Query(max_length=40)] = None,
    before_id: IdQuery = None,
) -> Response:
    """Who read or changed personal data, newest first, with the chain's integrity (R-DATA-1)."""
    entries = identity_queries.list_audit_entries(
        session, actor, subject_type=subject_type or None, before_id=before_id, limit=100
    )
    check = identity_queries.verify_audit_chain(session, actor)
    return render(
        request, "admin/audit.html", actor, entries=entries, check=check, subject_type=subject_type
    )


@router.get("/admin/clients", response_class=HTMLResponse)
def clients_page(request: Request, actor: PageActor, session: SessionDep) -> Response:
    clients = identity_service.list_clients(session, actor)
    return render(
        request,
        "admin/clients.html",
        actor,
        clients=clients,
        error=None,
        may_manage=can(actor, Permission.MANAGE_CLIENTS),
    )


@router.post("/admin/clients", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_client(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=30)],
    name: Annotated[str, Form(max_length=200)],
) -> Response:
    try:
        identity_service.create_client(session, actor, code=code, name=name, clock=clock)
    except DomainError as exc:
        session.rollback()
        clients = identity_service.list_clients(session, actor)
        return render(
            request,
            "admin/clients.html",
            actor,
            typed={"code": code, "name": name},
            status_code=422,
            clients=clients,
            error=exc,
            may_manage=can(actor, Permission.MANAGE_CLIENTS),
        )
    return RedirectResponse("/admin/clients", status_code=303)
