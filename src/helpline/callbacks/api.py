"""JSON routes of the waiting experience: place in line, estimated wait and callbacks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from helpline.callbacks import queries as callback_queries
from helpline.callbacks import service as callback_service
from helpline.callbacks.rules import CallbackStatus
from helpline.callbacks.schemas import (
    AttemptIn,
    AttemptOut,
    CallbackIn,
    CallbackOut,
    WaitingStatusOut,
)
from helpline.routing import position as routing_position
from helpline.web.deps import ClockDep, CurrentActor, IdPath, IdQuery, SessionDep

router = APIRouter(tags=["callbacks"])


@router.get("/contacts/{contact_id}/waiting", response_model=WaitingStatusOut)
def waiting_status(
    contact_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> WaitingStatusOut:
    """The contact's place in line and estimated wait (R-INFO-3)."""
    status = routing_position.waiting_status(session, actor, contact_id, clock=clock)
    return WaitingStatusOut(
        position=status.position,
        waiting_count=status.waiting_count,
        estimated_wait_seconds=status.estimated_wait_seconds,
        callback_offered=status.callback_offered,
        is_callback=status.is_callback,
    )


@router.post("/contacts/{contact_id}/callback", response_model=CallbackOut, status_code=201)
def request_callback(
    contact_id: IdPath, body: CallbackIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> CallbackOut:
    """The waiting customer takes a callback, keeping their place or at a chosen time."""
    callback = callback_service.request_callback(
        session,
        actor,
        contact_id,
        phone=body.phone,
        default_region=body.default_region,
        kind=body.kind,
        window_start=body.window_start,
        window_minutes=body.window_minutes,
        clock=clock,
    )
    return CallbackOut.model_validate(callback)


@router.get("/callbacks", response_model=list[CallbackOut])
def list_callbacks(
    actor: CurrentActor,
    session: SessionDep,
    client_id: IdQuery = None,
    status: CallbackStatus | None = None,
    due_before: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=callback_queries.MAX_PAGE_SIZE)] = 50,
) -> list[CallbackOut]:
    """Callbacks of the clients you may see, soonest due first."""
    callbacks = callback_queries.list_callbacks(
        session, actor, client_id=client_id, status=status, due_before=due_before, limit=limit
    )
    return [CallbackOut.model_validate(callback) for callback in callbacks]


@router.get("/callbacks/{callback_id}", response_model=CallbackOut)
def get_callback(callback_id: IdPath, actor: CurrentActor, session: SessionDep) -> CallbackOut:
    """One callback."""
    return CallbackOut.model_validate(callback_service.get_callback(session, actor, callback_id))


@router.post("/callbacks/{callback_id}/attempts", response_model=AttemptOut, status_code=201)
def record_attempt(
    callback_id: IdPath, body: AttemptIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> AttemptOut:
    """Log a try to call the customer back, with its outcome."""
    attempt = callback_service.record_attempt(
        session, actor, callback_id, outcome=body.outcome, note=body.note, clock=clock
    )
    return AttemptOut.model_validate(attempt)


@router.post("/callbacks/{callback_id}/cancel", response_model=CallbackOut)
def cancel_callback(
    callback_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> CallbackOut:
    """Call the callback off; its contact ends."""
    callback = callback_service.cancel_callback(session, actor, callback_id, clock=clock)
    return CallbackOut.model_validate(callback)
