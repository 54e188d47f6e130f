"""Pages of the agents domain: the agent list, one agent with presence and training, skills."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from helpline.agents import presence as agent_presence
from helpline.agents import presence_pages
from helpline.agents import queries as agent_queries
from helpline.agents import service as agent_service
from helpline.agents import training as agent_training
from helpline.agents.rules import (
    DEFAULT_CAPACITY_BY_CHANNEL,
    MAX_CAPACITY_BY_CHANNEL,
    MAX_TRAINING_NOTE_LENGTH,
    can_manage_agent,
)
from helpline.clock import Clock
from helpline.contacts.rules import Channel
from helpline.customers.rules import SUPPORTED_LANGUAGES
from helpline.errors import DomainError, InvalidInput, NotFound
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can
from helpline.web.deps import ClockDep, CsrfChecked, IdPath, PageActor, SessionDep, SettingsDep
from helpline.web.errors import form_refusal_status, status_for
from helpline.web.forms import level_pairs, whole_number
from helpline.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(presence_pages.router)  # the agent's own presence page, /me/presence

ShortText = Annotated[str, Form(max_length=200)]
NumberText = Annotated[str, Form(max_length=20)]
# One row per catalogue skill comes back from the skill form, so lists may be long.
Choices = Annotated[list[str] | None, Form(max_length=500)]


def _capacities(voice: str, chat: str, email: str) -> dict[str, int]:
    typed = {Channel.VOICE: voice, Channel.CHAT: chat, Channel.EMAIL: email}
    return {channel.value: whole_number(text, "capacities") for channel, text in typed.items()}


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
            user_id=whole_number(user_id, "user_id"),
            display_name=display_name if display_name.strip() else None,
            capacities=_capacities(voice, chat, email),
            clock=clock,
        )
    except DomainError as error:
        session.rollback()
        status_code = form_refusal_status(error)
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
    request: Request, agent_id: IdPath, actor: PageActor, session: SessionDep, clock: ClockDep
) -> Response:
    return _detail_page(request, actor, session, clock, agent_id)


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
        status_code = form_refusal_status(error)
        form = {"display_name": display_name, "is_active": is_active}
        return _detail_page(
            request,
            actor,
            session,
            clock,
            agent_id,
            status_code,
            form=form,
            error=error,
            at="profile",
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
        pairs = level_pairs(skill_code or [], level or [], field="skills", level_field="level")
        agent_service.set_agent_skills(session, actor, agent_id, pairs, clock=clock)
    except DomainError as error:
        session.rollback()
        status_code = form_refusal_status(error)
        return _detail_page(
            request, actor, session, clock, agent_id, status_code, error=error, at="skills"
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
        status_code = form_refusal_status(error)
        form = {"voice": voice, "chat": chat, "email": email}
        return _detail_page(
            request,
            actor,
            session,
            clock,
            agent_id,
            status_code,
            form=form,
            error=error,
            at="capacity",
        )
    return RedirectResponse(f"/agents/{agent_id}", status_code=303)


def _detail_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    clock: Clock,
    agent_id: int,
    status_code: int = 200,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
    at: str | None = None,
) -> Response:
    view = agent_queries.get_agent_view(session, actor, agent_id)
    may_manage = view.may_be_managed_by(actor)
    is_self = actor.user_id == view.agent.user_id
    # Training records are read by the agent and by those who record them.
    may_record = can(actor, Permission.RECORD_TRAINING) and can_manage_agent(actor, view.client_ids)
    may_read_training = is_self or can(actor, Permission.RECORD_TRAINING)
    values: dict[str, Any] = {
        "display_name": view.agent.display_name,
        "is_active": "yes" if view.agent.is_active else "no",
        "course_code": "",
        "completed_on": "",
        "expires_on": "",
        "note": "",
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
        presence=agent_queries.get_presence_view(session, actor, agent_id, clock=clock),
        history=agent_queries.recent_state_changes(session, actor, agent_id, limit=10),
        may_move=may_manage,
        is_self=is_self,
        queue_choices=(
            agent_queries.queue_login_choices(session, actor, agent_id, clock=clock)
            if may_manage
            else []
        ),
        may_record=may_record,
        training=(
            agent_queries.list_training_records(session, actor, agent_id, clock=clock)
            if may_read_training
            else None
        ),
        aux_reasons=presence_pages.CHOSEN_AUX_REASONS,
        forced_states=presence_pages.FORCED_STATES,
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
        status_code = form_refusal_status(error)
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


# --- presence, queue logins and training on the agent's page --------------------------------

ReasonText = Annotated[str, Form(max_length=40)]
NoteText = Annotated[str, Form(max_length=MAX_TRAINING_NOTE_LENGTH + 100)]


def _presence_refusal(
    request: Request,
    actor: Actor,
    session: SessionDep,
    clock: Clock,
    agent_id: int,
    error: DomainError,
    at: str,
    form: dict[str, str] | None = None,
) -> Response:
    """The agent's page again with the refusal at the form; an agent out of sight stays not
    found. Unlike the profile forms, refusals of role or scope are shown there too: the
    page itself is one the actor may see (reading it checks again)."""
    session.rollback()
    if isinstance(error, NotFound):
        raise error
    return _detail_page(
        request, actor, session, clock, agent_id, status_for(error), form=form, error=error, at=at
    )


def _centre_day(text: str, field: str, time_zone: str) -> datetime:
    """A date typed into a form, as the start of that day in the centre's time zone (UTC)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput("the date must be given as YYYY-MM-DD", field=field) from error
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


@router.post("/agents/{agent_id}/presence", response_class=HTMLResponse, dependencies=[CsrfChecked])
def set_agent_presence(
    request: Request,
    agent_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    state: ReasonText = "",
    aux_reason: ReasonText = "",
) -> Response:
    try:
        chosen, reason = presence_pages.presence_choice(state, aux_reason)
        agent_presence.set_presence(
            session, actor, agent_id, state=chosen, aux_reason=reason, clock=clock
        )
    except DomainError as error:
        return _presence_refusal(request, actor, session, clock, agent_id, error, "presence")
    return RedirectResponse(f"/agents/{agent_id}#presence", status_code=303)


@router.post(
    "/agents/{agent_id}/queue-logins", response_class=HTMLResponse, dependencies=[CsrfChecked]
)
def log_agent_into_queue(
    request: Request,
    agent_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    queue_id: NumberText = "",
) -> Response:
    try:
        queue = whole_number(queue_id, "queue_id")
        agent_presence.log_into_queue(session, actor, agent_id, queue, clock=clock)
    except DomainError as error:
        return _presence_refusal(request, actor, session, clock, agent_id, error, "queues")
    return RedirectResponse(f"/agents/{agent_id}#queues", status_code=303)


@router.post(
    "/agents/{agent_id}/queue-logins/{queue_id}/remove",
    response_class=HTMLResponse,
    dependencies=[CsrfChecked],
)
def log_agent_out_of_queue(
    request: Request,
    agent_id: IdPath,
    queue_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        agent_presence.log_out_of_queue(session, actor, agent_id, queue_id, clock=clock)
    except DomainError as error:
        return _presence_refusal(request, actor, session, clock, agent_id, error, "queues")
    return RedirectResponse(f"/agents/{agent_id}#queues", status_code=303)


@router.post(
    "/agents/{agent_id}/training-records", response_class=HTMLResponse, dependencies=[CsrfChecked]
)
def record_agent_training(
    request: Request,
    agent_id: IdPath,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    course_code: ShortText = "",
    completed_on: ShortText = "",
    expires_on: ShortText = "",
    note: NoteText = "",
) -> Response:
    """Dates are days in the centre's time zone; a record is valid from the start of the day
    it was completed until the start of the day it expires."""
    zone = settings.centre_time_zone
    try:
        expires_at = _centre_day(expires_on, "expires_at", zone) if expires_on.strip() else None
        agent_training.record_training(
            session,
            actor,
            agent_id,
            course_code=course_code,
            completed_at=_centre_day(completed_on, "completed_at", zone),
            expires_at=expires_at,
            note=note,
            clock=clock,
        )
    except DomainError as error:
        typed = {"course_code": course_code, "completed_on": completed_on}
        typed |= {"expires_on": expires_on, "note": note}
        return _presence_refusal(request, actor, session, clock, agent_id, error, "training", typed)
    return RedirectResponse(f"/agents/{agent_id}#training", status_code=303)
