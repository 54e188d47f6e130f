"""Contact use cases: intake with a reference, the append-only event log, audited reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpline.agents.models import Agent
from helpline.clock import Clock, ensure_utc
from helpline.contacts import queries as contact_queries
from helpline.contacts.models import Contact, ContactEvent, ReferenceCounter
from helpline.contacts.rules import (
    GENESIS_EVENT_HASH,
    MAX_EVENT_NOTE_LENGTH,
    MAX_SUBJECT_LENGTH,
    Channel,
    ContactState,
    Direction,
    EventKind,
    allowed_events,
    apply_event,
    derive_state,
    event_hash,
    format_reference,
    validate_event_data,
)
from helpline.customers.models import Customer
from helpline.customers.rules import normalise_language
from helpline.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from helpline.identity import service as identity_service
from helpline.identity.models import ClientOrganisation
from helpline.identity.rules import Actor, AuditAction, Permission, can_access_client
from helpline.queues.models import Queue
from helpline.validation import clean_text

__all__ = [
    "SUBJECT_TYPE",
    "ContactDetail",
    "get_contact",
    "get_contact_by_reference",
    "list_events",
    "next_reference",
    "open_contact",
    "record_event",
]

SUBJECT_TYPE: Final = "contact"
# How often a first insert of a year's counter row is retried after losing the race.
_COUNTER_INSERT_ATTEMPTS: Final = 3


@dataclass(frozen=True, slots=True)
class ContactDetail:
    """A contact with the state its events imply and the events it may take next."""

    contact: Contact
    state: ContactState
    allowed_events: tuple[EventKind, ...]


# --- references ----------------------------------------------------------------------------


def next_reference(session: Session, *, year: int) -> str:
    """Issue the next reference of `year`, unique and gapless (R-ACCESS-9).

    The year's counter row is locked until the caller's transaction ends, so concurrent
    intakes queue behind each other and a rolled-back intake gives its number back.
    """
    format_reference(year, 1)  # refuses a year outside the reference format before any write
    counter = _lock_counter(session, year)
    attempts = 0
    while counter is None:
        attempts += 1
        try:
            # Two first intakes of a year can both find no row; the loser's insert fails on
            # the primary key, its savepoint rolls back, and it locks the winner's row.
            with session.begin_nested():
                session.add(ReferenceCounter(year=year, last_number=0))
        except IntegrityError:
            if attempts >= _COUNTER_INSERT_ATTEMPTS:
                raise
        counter = _lock_counter(session, year)
    counter.last_number += 1
    session.flush()
    return format_reference(year, counter.last_number)


def _lock_counter(session: Session, year: int) -> ReferenceCounter | None:
    # populate_existing: a counter loaded earlier in this session must not hide a newer number.
    return session.scalar(
        select(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# --- intake --------------------------------------------------------------------------------


def open_contact(
    session: Session,
    actor: Actor,
    *,
    client_id: int,
    channel: Channel,
    direction: Direction,
    clock: Clock,
    queue_id: int | None = None,
    customer_id: int | None = None,
    subject: str | None = None,
    arrived_at: datetime | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    language: str | None = None,
) -> Contact:
    """Open a contact with its reference and first events; the only way a contact is created.

    Every interaction is logged from its arrival (R-OPS-7) and gets a reference that can be
    quoted to the customer (R-ACCESS-9). `arrived_at` is the original arrival and never changes.
    """
    identity_service.authorise(actor, Permission.CREATE_CONTACTS, client_id=client_id)
    channel, direction = Channel(channel), Direction(direction)
    now = clock.now()
    arrived_at = _check_arrival(arrived_at, now)
    client = session.get(ClientOrganisation, client_id)
    if client is None or not client.is_active:
        raise InvalidInput(f"no active client organisation {client_id}", field="client_id")
    queue = (
        None
        if queue_id is None
        else _check_queue(session, queue_id, client_id=client_id, channel=channel)
    )
    preferred = (
        None if customer_id is None else _check_customer(session, customer_id, client_id=client_id)
    )
    # Served in the language asked for on the channel, else the customer's own (R-ACCESS-8).
    served_language = normalise_language(language) if language else preferred
    cleaned_subject = _clean_optional(subject, "subject", MAX_SUBJECT_LENGTH)
    cleaned_note = _clean_optional(note, "note", MAX_EVENT_NOTE_LENGTH)
    cleaned_data = validate_event_data(data)

    kinds = [EventKind.ARRIVED] if queue_id is None else [EventKind.ARRIVED, EventKind.QUEUED]
    state = derive_state(kinds, direction=direction)
    queued_at = max(now, arrived_at)
    contact = Contact(
        # Issued last, so the counter row stays locked for as short a time as possible.
        reference=next_reference(session, year=arrived_at.year),
        client_id=client_id,
        queue_id=queue_id,
        customer_id=customer_id,
        channel=channel.value,
        direction=direction.value,
        status=state.status.value,
        subject=cleaned_subject,
        language=served_language,
        priority=queue.priority if queue is not None else 0,
        arrived_at=arrived_at,
        queued_at=queued_at if queue is not None else None,
        last_event_seq=len(kinds),
        updated_at=queued_at if queue_id is not None else arrived_at,
    )
    session.add(contact)
    session.flush()
    arrived = _chained_event(
        GENESIS_EVENT_HASH,
        contact_id=contact.id,
        seq=1,
        kind=EventKind.ARRIVED,
        occurred_at=arrived_at,
        actor_user_id=actor.user_id,
        note=cleaned_note,
        data=cleaned_data,
    )
    session.add(arrived)
    if queue_id is not None:
        session.add(
            _chained_event(
                arrived.entry_hash,
                contact_id=contact.id,
                seq=2,
                kind=EventKind.QUEUED,
                occurred_at=queued_at,
                actor_user_id=actor.user_id,
                queue_id=queue_id,
            )
        )
    session.commit()
    return contact


def _check_arrival(arrived_at: datetime | None, now: datetime) -> datetime:
    if arrived_at is None:
        return now
    if arrived_at.tzinfo is None:
        raise InvalidInput("the arrival time must carry a time zone", field="arrived_at")
    arrived_at = ensure_utc(arrived_at)
    if arrived_at > now:
        raise InvalidInput("a contact cannot arrive in the future", field="arrived_at")
    return arrived_at


def _check_queue(session: Session, queue_id: int, *, client_id: int, channel: Channel) -> Queue:
    queue = session.get(Queue, queue_id)
    if queue is None or queue.client_id != client_id:
        raise InvalidInput(f"no queue {queue_id} for this client organisation", field="queue_id")
    if not queue.is_active:
        raise InvalidInput(f"queue {queue.code} is not active", field="queue_id")
    if channel.value not in queue.channels:
        raise InvalidInput(
            f"queue {queue.code} does not serve the {channel.value} channel", field="queue_id"
        )
    return queue


def _check_customer(session: Session, customer_id: int, *, client_id: int) -> str | None:
    """Refuse another client's customer; the customer's preferred language otherwise."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.client_id != client_id:
        raise InvalidInput(
            f"no customer {customer_id} for this client organisation", field="customer_id"
        )
    return customer.preferred_language


def _clean_optional(value: str | None, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    return clean_text(value, field, max_length, allow_empty=True) or None


# --- the event log -------------------------------------------------------------------------


def record_event(
    session: Session,
    actor: Actor,
    contact_id: int,
    *,
    kind: EventKind,
    clock: Clock,
    agent_id: int | None = None,
    queue_id: int | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    expected_seq: int | None = None,
) -> ContactEvent:
    """Append one event to a contact's log and move its status, in a transaction of its own."""
    event = append_event(
        session,
        actor,
        contact_id,
        kind=kind,
        clock=clock,
        agent_id=agent_id,
        queue_id=queue_id,
        note=note,
        data=data,
        expected_seq=expected_seq,
    )
    session.commit()
    return event


def append_event(
    session: Session,
    actor: Actor,
    contact_id: int,
    *,
    kind: EventKind,
    clock: Clock,
    agent_id: int | None = None,
    queue_id: int | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    expected_seq: int | None = None,
) -> ContactEvent:
    """Append one event to a contact's log and move its status (R-OPS-7, R-OPS-8), inside
    the caller's transaction: use cases that change more than one contact (the routing
    engine) commit once at their end.

    The log is append-only: nothing updates or deletes an event. `queue_id` names the queue a
    `queued` event enters (a transfer to a queue keeps the original arrival); every other event
    is stamped with the contact's current queue. `expected_seq`, when given, must equal the
    contact's last event number, so a client acting on a stale view gets a Conflict.
    """
    identity_service.authorise(actor, Permission.RECORD_CONTACT_EVENTS)
    kind = EventKind(kind)
    if kind is EventKind.ARRIVED:
        raise InvalidInput("a contact arrives only once, when it is opened", field="kind")
    cleaned_note = _clean_optional(note, "note", MAX_EVENT_NOTE_LENGTH)
    cleaned_data = validate_event_data(data)
    contact = session.scalar(
        select(Contact)
        .where(Contact.id == contact_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    # Client scope: another client's contact is answered as absent (R-CLIENT-8).
    if contact is None or not can_access_client(actor, contact.client_id):
        raise NotFound(f"no contact {contact_id}", field="contact_id")
    if expected_seq is not None and expected_seq != contact.last_event_seq:
        raise Conflict(
            f"contact {contact.reference} has moved on: its last event is number "
            f"{contact.last_event_seq}, not {expected_seq}; reload it and try again",
            field="expected_seq",
        )
    direction = Direction(contact.direction)
    state, last_occurred_at, last_hash = _replay(session, contact)
    try:
        next_state = apply_event(state, kind, direction=direction)
    except IllegalTransition as exc:
        raise IllegalTransition(f"{contact.reference}: {exc.message}", field="kind") from exc

    event_queue_id = _event_queue(session, contact, kind, queue_id)
    if agent_id is not None or kind is EventKind.OFFERED:
        _check_agent(session, agent_id, kind)
    # Event time follows the clock but never runs backwards, so replaying by seq and
    # ordering by time agree (R-INFRA-2).
    occurred_at = max(clock.now(), last_occurred_at)
    event = _chained_event(
        last_hash,
        contact_id=contact.id,
        seq=contact.last_event_seq + 1,
        kind=kind,
        occurred_at=occurred_at,
        actor_user_id=actor.user_id,
        agent_id=agent_id,
        queue_id=event_queue_id,
        note=cleaned_note,
        data=cleaned_data,
    )
    session.add(event)
    contact.status = next_state.status.value
    contact.last_event_seq = event.seq
    contact.updated_at = occurred_at
    if kind is EventKind.QUEUED:
        # Back in line (or in a new queue): no agent holds it; the queue timers restart
        # only when the queue changes, so a missed offer does not reset the callback clock.
        if contact.queue_id != event_queue_id or contact.queued_at is None:
            contact.queued_at = occurred_at
        contact.agent_id = None
    elif kind is EventKind.OFFERED:
        contact.agent_id = agent_id
    elif kind is EventKind.CALLBACK_OFFERED:
        contact.callback_offered_at = occurred_at
    contact.queue_id = event_queue_id
    session.flush()
    return event


def _replay(session: Session, contact: Contact) -> tuple[ContactState, datetime, str]:
    """The state a contact's logged events imply (flags its status column lacks), and the
    time and hash of its last event."""
    history = list(
        session.execute(
            select(ContactEvent.kind, ContactEvent.occurred_at, ContactEvent.entry_hash)
            .where(ContactEvent.contact_id == contact.id)
            .order_by(ContactEvent.seq)
        )
    )
    state = derive_state(
        (EventKind(row.kind) for row in history), direction=Direction(contact.direction)
    )
    return state, ensure_utc(history[-1].occurred_at), history[-1].entry_hash


def _chained_event(
    previous_hash: str,
    *,
    contact_id: int,
    seq: int,
    kind: EventKind,
    occurred_at: datetime,
    actor_user_id: int | None,
    agent_id: int | None = None,
    queue_id: int | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> ContactEvent:
    """A new event row carrying its link in the contact's hash chain."""
    fields: dict[str, Any] = {
        "contact_id": contact_id,
        "seq": seq,
        "kind": kind.value,
        "occurred_at": occurred_at,
        "actor_user_id": actor_user_id,
        "agent_id": agent_id,
        "queue_id": queue_id,
        "note": note,
        "data": data or {},
    }
    return ContactEvent(
        **fields, previous_hash=previous_hash, entry_hash=event_hash(previous_hash, **fields)
    )


def _event_queue(
    session: Session, contact: Contact, kind: EventKind, queue_id: int | None
) -> int | None:
    if kind is not EventKind.QUEUED:
        if queue_id is not None and queue_id != contact.queue_id:
            raise InvalidInput(
                "only a queued event names a queue; transfer with transferred, then queued",
                field="queue_id",
            )
        return contact.queue_id
    if queue_id is None or queue_id == contact.queue_id:
        # Back to the queue it waited in (an offer was rejected): its place is kept even if
        # the queue has been closed to new contacts meanwhile.
        if contact.queue_id is None:
            raise InvalidInput(
                "a queued event needs the queue the contact enters", field="queue_id"
            )
        return contact.queue_id
    _check_queue(session, queue_id, client_id=contact.client_id, channel=Channel(contact.channel))
    return queue_id


def _check_agent(session: Session, agent_id: int | None, kind: EventKind) -> None:
    if agent_id is None:
        raise InvalidInput("an offer is made to one agent: agent_id is required", field="agent_id")
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise InvalidInput(f"no agent {agent_id}", field="agent_id")
    if kind is EventKind.OFFERED and not agent.is_active:
        raise InvalidInput(f"agent {agent_id} is not active", field="agent_id")


# --- audited reads -------------------------------------------------------------------------


def get_contact(session: Session, actor: Actor, contact_id: int, *, clock: Clock) -> ContactDetail:
    """A contact with its derived state; reading one linked to a customer is audited (R-DATA-1)."""
    contact = contact_queries.find_contact(session, actor, contact_id)
    return _detail(session, actor, contact, clock=clock)


def get_contact_by_reference(
    session: Session, actor: Actor, reference: str, *, clock: Clock
) -> ContactDetail:
    """The contact a customer quotes (R-ACCESS-9); audited like a read by id."""
    contact = contact_queries.find_contact_by_reference(session, actor, reference)
    return _detail(session, actor, contact, clock=clock)


def list_events(
    session: Session, actor: Actor, contact_id: int, *, clock: Clock
) -> list[ContactEvent]:
    """A contact's event log, oldest first; audited when the contact has a customer."""
    contact = contact_queries.find_contact(session, actor, contact_id)
    events = contact_queries.list_events(session, actor, contact.id)
    _audit_read(session, actor, contact, what="events", clock=clock)
    return events


def _detail(session: Session, actor: Actor, contact: Contact, *, clock: Clock) -> ContactDetail:
    state, _, _ = _replay(session, contact)
    allowed = allowed_events(state, direction=Direction(contact.direction))
    _audit_read(session, actor, contact, what="contact", clock=clock)
    return ContactDetail(
        contact=contact,
        state=state,
        allowed_events=tuple(kind for kind in EventKind if kind in allowed),
    )


def _audit_read(
    session: Session, actor: Actor, contact: Contact, *, what: str, clock: Clock
) -> None:
    if contact.customer_id is None:
        return
    identity_service.record_audit(
        session,
        actor,
        action=AuditAction.READ,
        subject_type=SUBJECT_TYPE,
        subject_id=contact.id,
        client_id=contact.client_id,
        clock=clock,
        detail={"reference": contact.reference, "read": what, "customer_id": contact.customer_id},
    )
    session.commit()
