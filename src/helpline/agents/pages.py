"""Pages of the agents domain: the agent list with a create form, one agent, the skill catalogue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.agents.rules import DEFAULT_CAPACITY_BY_CHANNEL, MAX_CAPACITY_BY_CHANNEL
from helpline.contacts.rules import Channel
from helpline.customers.rules import SUPPORTED_LANGUAGES
from helpline.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can
from helpline.web.deps import ClockDep, CsrfChecked, IdPath, PageActor, SessionDep
from helpline.web.errors import status_for
from helpline.web.templating import render

router = APIRouter(include_in_schema=False)

ShortText = Annotated[str, Form(max_length=200)]
NumberText = Annotated[str, Form(max_length=20)]
# One row per catalogue skill comes back from the skill form, so lists may be long.
Choices = Annotated[list[str] | None, Form(max_length=500)]


def _number(text: str, field: str) -> int:
    """A whole number typed into a form; refused with a message, never a 500."""
    cleaned = text.strip()
    label = field.replace("_", " ")
    digits = cleaned.removeprefix("-")
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise InvalidInput(f"{label} must be a whole number", field=field)
    return int(cleaned)


def _form_refusal(error: DomainError) -> int:
    """The status a form re-renders with; refusals of role or scope go to the error page."""
    if isinstance(error, PermissionDenied | NotFound):
        raise error
    return status_for(error)


def _capacities(voice: str, chat: str, email: str) -> dict[str, int]:
    typed = {Channel.VOICE: voice, Channel.CHAT: chat, Channel.EMAIL: email}
    return {channel.value: _number(text, "capacities") for channel, text in typed.items()}


# --- the list ------------------------------------------------------------------------------


@router.get("/agents", response_class=HTMLResponse)
def agents_page(request: Request, actor: PageActor, session: SessionDep) -> Response:
    form = {channel.value: str(value) for channel, value in DEFAULT_CAPACITY_BY_CHANNEL.items()}
    return _list_page(request, actor, session, form=form)


@router.post("/agents", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_agent(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    user_id: NumberText = "",
    display_name: ShortText = "",
    voice: NumberText = "",
    chat: NumberText = "",
    email: NumberText = "",
) -> Response:
    form = {
        "user_id": user_id,
        "display_name": display_name,
        "voice": voice,
        "chat": chat,
        "email": email,
    }
    try:
        agent = agent_service.create_agent(
            session,
            actor,
            user_id=_number(user_id, "user_id"),
            display_name=display_name if display_name.strip() else None,
            capacities=_capacities(voice, chat, email),
            clock=clock,
        )
    except DomainError as error:
        session.rollback()
        status_code = _form_refusal(error)
        return _list_page(request, actor, session, form=form, error=error, status_code=status_code)
    return RedirectResponse(f"/agents/{agent.id}", status_code=303)


def _list_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    *,
    form: dict[str, str],
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    views = agent_queries.list_agent_views(session, actor)
    may_manage = can(actor, Permission.MANAGE_AGENTS)
    candidates = agent_queries.list_users_without_agent(session, actor) if may_manage else []
    return render(
        request,
        "agents/list.html",
        actor,
        status_code=status_code,
        views=views,
        client_codes=_client_codes(session, actor),
        may_manage=may_manage,
        candidates=candidates,
        channels=list(Channel),
        ceilings={channel.value: value for channel, value in MAX_CAPACITY_BY_CHANNEL.items()},
        form=form,
        error=error,
    )


def _client_codes(session: SessionDep, actor: Actor) -> dict[int, str]:
    return {client.id: client.code for client in identity_service.list_clients(session, actor)}


# --- one agent -----------------------------------------------------------------------------


@router.get("/agents/{agent_id}", response_class=HTMLResponse)
def agent_page(
    request: Request, agent_id: IdPath, actor: PageActor, session: SessionDep
) -> Response:
    return _detail_page(request, actor, session, agent_id)


@router.post("/agents/{agent_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def update_agent(
    request: Request,
    agent_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    display_name: ShortText = "",
    is_active: ShortText = "yes",
) -> Response:
    try:
        agent_service.update_agent(
            session,
            actor,
            agent_id,
            display_name=display_name,
            is_active=is_active == "yes",
            clock=clock,
        )
    except DomainError as error:
        session.rollback()
        status_code = _form_refusal(error)
        form = {"display_name": display_name, "is_active": is_active}
        return _detail_page(
            request, actor, session, agent_id, status_code, form=form, error=error, at="profile"
        )
    return RedirectResponse(f"/agents/{agent_id}", status_code=303)


@router.post("/agents/{agent_id}/skills", response_class=HTMLResponse, dependencies=[CsrfChecked])
def set_agent_skills(
    request: Request,
    agent_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    skill_code: Choices = None,
    level: Choices = None,
) -> Response:
    """One row per catalogue skill: a blank level means the agent does not have the skill."""
    try:
        codes, levels = skill_code or [], level or []
        if len(codes) != len(levels):
            raise InvalidInput("each skill needs a level field", field="skills")
        pairs = [
            (code, _number(value, "level"))
            for code, value in zip(codes, levels, strict=True)
            if value.strip()
        ]
        agent_service.set_agent_skills(session, actor, agent_id, pairs, clock=clock)
    except DomainError as error:
        session.rollback()
        status_code = _form_refusal(error)
        return _detail_page(
            request, actor, session, agent_id, status_code, error=error, at="skills"
        )
    return RedirectResponse(f"/agents/{agent_id}", status_code=303)


@router.post(
    "/agents/{agent_id}/capacities", response_class=HTMLResponse, dependencies=[CsrfChecked]
)
def set_agent_capacities(
    request: Request,
    agent_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    voice: NumberText = "",
    chat: NumberText = "",
    email: NumberText = "",
) -> Response:
    try:
        agent_service.set_agent_capacities(
            session, actor, agent_id, _capacities(voice, chat, email), clock=clock
        )
    except DomainError as error:
        session.rollback()
        status_code = _form_refusal(error)
        form = {"voice": voice, "chat": chat, "email": email}
        return _detail_page(
            request, actor, session, agent_id, status_code, form=form, error=error, at="capacity"
        )
    return RedirectResponse(f"/agents/{agent_id}", status_code=303)


def _detail_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    agent_id: int,
    status_code: int = 200,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
    at: str | None = None,
) -> Response:
    view = agent_queries.get_agent_view(session, actor, agent_id)
    may_manage = view.may_be_managed_by(actor)
    values: dict[str, Any] = {
        "display_name": view.agent.display_name,
        "is_active": "yes" if view.agent.is_active else "no",
        **{channel: str(value) for channel, value in view.capacities.items()},
        **(form or {}),
    }
    return render(
        request,
        "agents/detail.html",
        actor,
        status_code=status_code,
        view=view,
        agent=view.agent,
        client_codes=_client_codes(session, actor),
        may_manage=may_manage,
        skills=agent_service.list_skills(session, actor) if may_manage else [],
        levels={link.skill.code: link.level for link in view.skills},
        channels=list(Channel),
        ceilings={channel.value: value for channel, value in MAX_CAPACITY_BY_CHANNEL.items()},
        form=values,
        error=error,
        error_form=at,
    )


# --- the skill catalogue -------------------------------------------------------------------


@router.get("/skills", response_class=HTMLResponse)
def skills_page(request: Request, actor: PageActor, session: SessionDep) -> Response:
    return _skills_page(request, actor, session)


@router.post("/skills", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_skill(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    code: ShortText = "",
    name: ShortText = "",
    language_code: ShortText = "",
) -> Response:
    try:
        agent_service.create_skill(
            session, actor, code=code, name=name, language_code=language_code or None, clock=clock
        )
    except DomainError as error:
        session.rollback()
        status_code = _form_refusal(error)
        form = {"code": code, "name": name, "language_code": language_code}
        return _skills_page(
            request, actor, session, form=form, error=error, status_code=status_code
        )
    return RedirectResponse("/skills", status_code=303)


def _skills_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "agents/skills.html",
        actor,
        status_code=status_code,
        skills=agent_service.list_skills(session, actor),
        may_manage=can(actor, Permission.MANAGE_AGENTS),
        languages=SUPPORTED_LANGUAGES,
        form=form or {},
        error=error,
    )
