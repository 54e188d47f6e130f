"""JSON routes of the contacts domain: intake, lookups and the event log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from helpline.contacts import queries as contact_queries
from helpline.contacts import service as contact_service
from helpline.contacts.rules import Channel, ContactStatus
from helpline.contacts.schemas import (
    MAX_REFERENCE_LENGTH,
    ContactDetailOut,
    ContactEventIn,
    ContactEventOut,
    ContactIn,
    ContactOut,
)
from helpline.web.deps import ClockDep, CurrentActor, IdPath, IdQuery, SessionDep

router = APIRouter(tags=["contacts"])

ReferencePath = Annotated[
    str, Path(min_length=1, max_length=MAX_REFERENCE_LENGTH, examples=["HL-2026-000123"])
]


def _detail_out(detail: contact_service.ContactDetail) -> ContactDetailOut:
    summary = ContactOut.model_validate(detail.contact)
    return ContactDetailOut(
        **summary.model_dump(),
        allowed_events=list(detail.allowed_events),
        is_callback=detail.state.is_callback,
        was_answered=detail.state.was_answered,
        transfer_count=detail.state.transfer_count,
        hold_count=detail.state.hold_count,
    )


@router.post("/contacts", response_model=ContactOut, status_code=201)
def open_contact(
    body: ContactIn, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ContactOut:
    """Open a contact: it gets its reference and an arrived (and, with a queue, queued) event."""
    contact = contact_service.open_contact(
        session,
        actor,
        client_id=body.client_id,
        channel=body.channel,
        direction=body.direction,
        queue_id=body.queue_id,
        customer_id=body.customer_id,
        subject=body.subject,
        note=body.note,
        language=body.language,
        clock=clock,
    )
    return ContactOut.model_validate(contact)


@router.get("/contacts", response_model=list[ContactOut])
def list_contacts(
    actor: CurrentActor,
    session: SessionDep,
    client_id: IdQuery = None,
    queue_id: IdQuery = None,
    customer_id: IdQuery = None,
    status: ContactStatus | None = None,
    channel: Channel | None = None,
    before_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=contact_queries.MAX_PAGE_SIZE)] = 50,
) -> list[ContactOut]:
    """Contacts of the clients you may see, newest first; page on with before_id."""
    contacts = contact_queries.list_contacts(
        session,
        actor,
        client_id=client_id,
        queue_id=queue_id,
        status=status,
        channel=channel,
        customer_id=customer_id,
        limit=limit,
        before_id=before_id,
    )
    return [ContactOut.model_validate(contact) for contact in contacts]


@router.get("/contacts/by-reference/{reference}", response_model=ContactDetailOut)
def read_contact_by_reference(
    reference: ReferencePath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ContactDetailOut:
    """The contact a customer quotes, e.g. HL-2026-000123 (any letter case)."""
    detail = contact_service.get_contact_by_reference(session, actor, reference, clock=clock)
    return _detail_out(detail)


@router.get("/contacts/{contact_id}", response_model=ContactDetailOut)
def read_contact(
    contact_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> ContactDetailOut:
    """One contact with its status and the events it may take next."""
    return _detail_out(contact_service.get_contact(session, actor, contact_id, clock=clock))


@router.get("/contacts/{contact_id}/events", response_model=list[ContactEventOut])
def list_contact_events(
    contact_id: IdPath, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> list[ContactEventOut]:
    """The contact's event log, oldest first."""
    events = contact_service.list_events(session, actor, contact_id, clock=clock)
    return [ContactEventOut.model_validate(event) for event in events]


@router.post("/contacts/{contact_id}/events", response_model=ContactEventOut, status_code=201)
def record_contact_event(
    contact_id: IdPath,
    body: ContactEventIn,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> ContactEventOut:
    """Append one event; an event the contact's state does not allow is refused with 409."""
    event = contact_service.record_event(
        session,
        actor,
        contact_id,
        kind=body.kind,
        agent_id=body.agent_id,
        queue_id=body.queue_id,
        note=body.note,
        data=body.data,
        expected_seq=body.expected_seq,
        clock=clock,
    )
    return ContactEventOut.model_validate(event)
