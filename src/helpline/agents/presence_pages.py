"""The agent's own presence page: set a state and log into queues, with the keyboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from helpline.agents import presence as agent_presence
from helpline.agents import queries as agent_queries
from helpline.agents.rules import AuxReason, PresenceState
from helpline.clock import Clock
from helpline.errors import DomainError, InvalidInput
from helpline.identity.rules import Actor
from helpline.web.deps import ClockDep, CsrfChecked, IdPath, PageActor, SessionDep
from helpline.web.errors import status_for
from helpline.web.templating import render

router = APIRouter(include_in_schema=False)

ChoiceText = Annotated[str, Form(max_length=40)]

# What a person may pick in a form: "missed" is the system's, busy and wrap-up follow contacts.
CHOSEN_AUX_REASONS = tuple(reason for reason in AuxReason if reason is not AuxReason.MISSED)
FORCED_STATES = (PresenceState.AVAILABLE, PresenceState.AUX, PresenceState.OFFLINE)


def presence_choice(state: str, aux_reason: str) -> tuple[PresenceState, AuxReason | None]:
    """The state and reason picked in a form; unknown values are refused with a message."""
    try:
        chosen = PresenceState(state.strip())
    except ValueError as error:
        known = ", ".join(item.value for item in PresenceState)
        raise InvalidInput(f"unknown state {state!r}; use one of {known}", field="state") from error
    if not aux_reason.strip():
        return chosen, None
    try:
        return chosen, AuxReason(aux_reason.strip())
    except ValueError as error:
        raise InvalidInput(f"unknown aux reason {aux_reason!r}", field="aux_reason") from error


def _queue_number(text: str) -> int:
    cleaned = text.strip()
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 9:
        raise InvalidInput("choose a queue", field="queue_id")
    return int(cleaned)


@router.get("/me/presence", response_class=HTMLResponse)
def my_presence_page(
    request: Request, actor: PageActor, session: SessionDep, clock: ClockDep
) -> Response:
    return _page(request, actor, session, clock)


@router.post("/me/presence", response_class=HTMLResponse, dependencies=[CsrfChecked])
def set_my_presence(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    state: ChoiceText = "",
    aux_reason: ChoiceText = "",
) -> Response:
    agent_id = agent_queries.own_agent_id(session, actor)
    try:
        chosen, reason = presence_choice(state, aux_reason)
        agent_presence.set_presence(
            session, actor, agent_id, state=chosen, aux_reason=reason, clock=clock
        )
    except DomainError as error:
        session.rollback()
        return _page(request, actor, session, clock, error=error, at="presence")
    return RedirectResponse("/me/presence", status_code=303)


@router.post("/me/queue-logins", response_class=HTMLResponse, dependencies=[CsrfChecked])
def log_me_into_queue(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    clock: ClockDep,
    queue_id: ChoiceText = "",
) -> Response:
    agent_id = agent_queries.own_agent_id(session, actor)
    try:
        queue = _queue_number(queue_id)
        agent_presence.log_into_queue(session, actor, agent_id, queue, clock=clock)
    except DomainError as error:
        session.rollback()
        return _page(request, actor, session, clock, error=error, at="queues")
    return RedirectResponse("/me/presence#queues", status_code=303)


@router.post(
    "/me/queue-logins/{queue_id}/remove", response_class=HTMLResponse, dependencies=[CsrfChecked]
)
def log_me_out_of_queue(
    request: Request, queue_id: IdPath, actor: PageActor, session: SessionDep, clock: ClockDep
) -> Response:
    agent_id = agent_queries.own_agent_id(session, actor)
    try:
        agent_presence.log_out_of_queue(session, actor, agent_id, queue_id, clock=clock)
    except DomainError as error:
        session.rollback()
        return _page(request, actor, session, clock, error=error, at="queues")
    return RedirectResponse("/me/presence#queues", status_code=303)


def _page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    clock: Clock,
    *,
    error: DomainError | None = None,
    at: str | None = None,
) -> Response:
    # Every refusal is shown on the page: the agent acts only on its own presence here.
    agent_id = agent_queries.own_agent_id(session, actor)
    return render(
        request,
        "agents/my_presence.html",
        actor,
        status_code=status_for(error) if error else 200,
        presence=agent_queries.get_presence_view(session, actor, agent_id, clock=clock),
        queue_choices=agent_queries.queue_login_choices(session, actor, agent_id, clock=clock),
        training=agent_queries.list_training_records(session, actor, agent_id, clock=clock),
        aux_reasons=CHOSEN_AUX_REASONS,
        error=error,
        error_form=at,
    )
