"""Callback use cases: request one instead of waiting, record attempts, cancel (R-ACCESS-3/4)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.agents.models import Agent
from helpline.callbacks.models import Callback, CallbackAttempt
from helpline.callbacks.rules import (
    DEFAULT_SCHEDULED_WINDOW_MINUTES,
    MIN_WINDOW_MINUTES,
    OPEN_STATUSES,
    RETRY_DELAY,
    AttemptOutcome,
    CallbackKind,
    CallbackStatus,
    RetryDecision,
    decide_after_attempt,
    keep_place_window,
    scheduled_window,
)
from helpline.clock import Clock, ensure_utc
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact
from helpline.contacts.rules import Channel, ContactStatus, EventKind
from helpline.customers.rules import normalise_phone
from helpline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, Role, can_access_client
from helpline.queues import service as queue_service
from helpline.queues.models import Queue
from helpline.queues.rules import is_open
from helpline.routing import position as routing_position
from helpline.validation import clean_text

__all__ = [
    "MAX_ATTEMPT_NOTE_LENGTH",
    "cancel_callback",
    "flag_missed_windows",
    "get_callback",
    "record_attempt",
    "request_callback",
]

MAX_ATTEMPT_NOTE_LENGTH: Final = 500


def request_callback(
    session: Session,
    actor: Actor,
    contact_id: int,
    *,
    phone: str,
    clock: Clock,
    default_region: str | None = None,
    kind: CallbackKind = CallbackKind.KEEP_PLACE,
    window_start: datetime | None = None,
    window_minutes: int = DEFAULT_SCHEDULED_WINDOW_MINUTES,
) -> Callback:
    """The waiting customer takes a callback instead of waiting (R-ACCESS-3).

    keep_place: due at once and kept in line by the original arrival, which is untouched;
    the engine offers it when its turn comes. scheduled: due in a window the customer chose
    inside the queue's business hours. Either way the promised window is recorded so the
    promise can be checked (R-ACCESS-4).
    """
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS)
    kind = CallbackKind(kind)
    contact = _contact_in_scope(session, actor, contact_id)
    if contact.status not in (ContactStatus.QUEUED.value, ContactStatus.OFFERED.value):
        raise Conflict(
            f"contact {contact.reference} is not waiting in line (it is {contact.status})",
            field="contact_id",
        )
    if Channel(contact.channel) is not Channel.VOICE:
        raise InvalidInput("a callback is offered to callers on the voice channel", field="kind")
    if session.scalar(select(Callback.id).where(Callback.contact_id == contact.id)) is not None:
        raise Conflict(f"contact {contact.reference} already has a callback", field="contact_id")
    e164 = normalise_phone(phone, default_region)
    queue = session.get(Queue, contact.queue_id) if contact.queue_id is not None else None
    if queue is None:
        raise Conflict(f"contact {contact.reference} is in no queue", field="contact_id")
    calendar = queue_service.calendar_of(queue)
    now = clock.now()
    if kind is CallbackKind.KEEP_PLACE:
        if window_start is not None:
            raise InvalidInput(
                "a keep-place callback is due at once; only a scheduled one takes a start",
                field="window_start",
            )
        estimate = routing_position.estimate_for(
            session, contact, _position_of(session, actor, contact, clock), now=now
        )
        start, end = keep_place_window(now, estimate, lambda at: is_open(calendar, at))
    else:
        if window_start is None:
            raise InvalidInput("a scheduled callback needs a start", field="window_start")
        start, end = scheduled_window(
            now, window_start, window_minutes, lambda at: is_open(calendar, at)
        )
    contact_service.append_event(
        session,
        actor,
        contact.id,
        kind=EventKind.CALLBACK_REQUESTED,
        clock=clock,
        data={"kind": kind.value, "window_start": start.isoformat(), "window_end": end.isoformat()},
    )
    # Taken off an agent's offer, the contact no longer holds the agent's capacity; the
    # engine withdraws the pending offer row it owns.
    contact.agent_id = None
    callback = Callback(
        contact_id=contact.id,
        client_id=contact.client_id,
        queue_id=queue.id,
        kind=kind.value,
        phone=e164,
        requested_at=now,
        window_start=start,
        window_end=end,
        status=CallbackStatus.WAITING.value,
        attempts=0,
        updated_at=now,
    )
    session.add(callback)
    session.commit()
    return callback


def record_attempt(
    session: Session,
    actor: Actor,
    callback_id: int,
    *,
    outcome: AttemptOutcome,
    clock: Clock,
    note: str | None = None,
) -> CallbackAttempt:
    """Log one try to call the customer back and apply its outcome (R-ACCESS-4).

    Made by the agent the callback was offered to, or a supervisor. Accepting the offer
    means the agent dials; the attempt's outcome decides what the contact becomes. answered
    connects it (callback_made) and completes the callback; no answer, busy or
    voicemail put the contact back in its place and due again after the retry delay, until
    the attempts run out; an invalid number, or the last failed try, ends the contact.
    """
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS)
    outcome = AttemptOutcome(outcome)
    cleaned_note = (
        clean_text(note, "note", MAX_ATTEMPT_NOTE_LENGTH, allow_empty=True) or None
        if note is not None
        else None
    )
    callback = _callback_for_update(session, actor, callback_id)
    contact = _contact_of(session, callback)
    if callback.status not in OPEN_STATUSES:
        raise Conflict(f"callback {callback.id} is {callback.status}", field="callback_id")
    agent_id = _attempting_agent(session, actor, contact)
    status = ContactStatus(contact.status)
    connected = status in (ContactStatus.CONNECTED, ContactStatus.ON_HOLD)
    if outcome is AttemptOutcome.ANSWERED and not connected and status is not ContactStatus.OFFERED:
        raise Conflict(
            f"contact {contact.reference} is {contact.status}: an answered callback follows "
            "the offer of the callback to an agent",
            field="outcome",
        )
    if outcome is not AttemptOutcome.ANSWERED and status not in (
        ContactStatus.OFFERED,
        ContactStatus.CALLBACK_PENDING,
    ):
        raise Conflict(
            f"contact {contact.reference} is {contact.status}: a failed attempt is recorded "
            "while the callback is offered or pending",
            field="outcome",
        )
    now = clock.now()
    attempt = CallbackAttempt(
        callback_id=callback.id,
        agent_id=agent_id,
        attempted_at=now,
        outcome=outcome.value,
        note=cleaned_note,
    )
    session.add(attempt)
    callback.attempts += 1
    callback.last_attempt_at = now
    callback.outcome = outcome.value
    callback.updated_at = now
    decision = decide_after_attempt(outcome, callback.attempts)
    if decision is RetryDecision.COMPLETED:
        if status is ContactStatus.OFFERED:
            contact_service.append_event(
                session,
                actor,
                contact.id,
                kind=EventKind.CALLBACK_MADE,
                agent_id=agent_id,
                clock=clock,
            )
        callback.status = CallbackStatus.COMPLETED.value
    else:
        if status is ContactStatus.OFFERED:
            # Back to the held place: queued returns an offered callback to callback_pending.
            contact_service.append_event(
                session, actor, contact.id, kind=EventKind.QUEUED, clock=clock
            )
        if decision is RetryDecision.RETRY:
            callback.status = CallbackStatus.WAITING.value
            callback.window_start = now + RETRY_DELAY
            callback.window_end = max(
                ensure_utc(callback.window_end),
                callback.window_start + timedelta(minutes=MIN_WINDOW_MINUTES),
            )
        else:
            callback.status = CallbackStatus.FAILED.value
            contact_service.append_event(
                session,
                actor,
                contact.id,
                kind=EventKind.ENDED,
                clock=clock,
                note=f"callback failed: {outcome.value}",
            )
    session.commit()
    return attempt


def cancel_callback(session: Session, actor: Actor, callback_id: int, *, clock: Clock) -> Callback:
    """The customer (through a channel) or an agent calls the callback off; the contact ends."""
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS)
    callback = _callback_for_update(session, actor, callback_id)
    contact = _contact_of(session, callback)
    if (
        callback.status not in OPEN_STATUSES
        or contact.status != ContactStatus.CALLBACK_PENDING.value
    ):
        raise Conflict(
            f"callback {callback.id} cannot be cancelled: it is {callback.status} and its "
            f"contact is {contact.status}",
            field="callback_id",
        )
    contact_service.append_event(
        session, actor, contact.id, kind=EventKind.ENDED, clock=clock, note="callback cancelled"
    )
    callback.status = CallbackStatus.CANCELLED.value
    callback.updated_at = clock.now()
    session.commit()
    return callback


def get_callback(session: Session, actor: Actor, callback_id: int) -> Callback:
    """One callback; another client's is not found (R-CLIENT-8)."""
    identity_service.authorise(actor, Permission.READ_CONTACTS)
    callback = session.get(Callback, callback_id)
    if callback is None or not can_access_client(actor, callback.client_id):
        raise NotFound(f"no callback {callback_id}", field="callback_id")
    return callback


def flag_missed_windows(session: Session, actor: Actor, *, clock: Clock) -> int:
    """Flag, once, open callbacks whose window closed with no attempt in it (R-ACCESS-4)."""
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS)
    now = clock.now()
    candidates = session.scalars(
        select(Callback)
        .where(
            Callback.status.in_([status.value for status in OPEN_STATUSES]),
            Callback.window_end < now,
            Callback.window_missed_at.is_(None),
        )
        .with_for_update()
    )
    count = 0
    for callback in candidates:
        last = callback.last_attempt_at
        # A retry moves window_start past the last attempt, so an attempt at or after the
        # start is one made inside the current window.
        if last is not None and ensure_utc(last) >= ensure_utc(callback.window_start):
            continue
        callback.window_missed_at = now
        callback.updated_at = now
        count += 1
    session.commit()
    return count


def _contact_in_scope(session: Session, actor: Actor, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or not can_access_client(actor, contact.client_id):
        raise NotFound(f"no contact {contact_id}", field="contact_id")
    return contact


def _contact_of(session: Session, callback: Callback) -> Contact:
    contact = session.get(Contact, callback.contact_id)
    if contact is None:  # the foreign key makes this impossible; typed for mypy
        raise NotFound(f"no contact {callback.contact_id}", field="callback_id")
    return contact


def _position_of(session: Session, actor: Actor, contact: Contact, clock: Clock) -> int:
    return routing_position.waiting_status(session, actor, contact.id, clock=clock).position


def _callback_for_update(session: Session, actor: Actor, callback_id: int) -> Callback:
    callback = session.scalar(
        select(Callback)
        .where(Callback.id == callback_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if callback is None or not can_access_client(actor, callback.client_id):
        raise NotFound(f"no callback {callback_id}", field="callback_id")
    return callback


def _attempting_agent(session: Session, actor: Actor, contact: Contact) -> int | None:
    """The agent credited with the attempt; an agent may record only a call offered to them."""
    if actor.is_system or actor.role is not Role.AGENT:
        return contact.agent_id
    agent_id = session.scalar(select(Agent.id).where(Agent.user_id == actor.user_id))
    if agent_id is None or agent_id != contact.agent_id:
        raise PermissionDenied(
            "only the agent the callback was offered to, or a supervisor, records an attempt",
            field="callback_id",
        )
    return agent_id
