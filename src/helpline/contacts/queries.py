"""Read-only selects of the contacts domain: lists, lookups by id or reference, the event log.

These do not write the audit log; a person's read of a contact goes through
contacts.service (get_contact, get_contact_by_reference, list_events), which does.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.clock import ensure_utc
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import (
    GENESIS_EVENT_HASH,
    Channel,
    ContactStatus,
    event_hash,
    format_reference,
    parse_reference,
)
from helpline.errors import NotFound
from helpline.identity import service as identity_service
from helpline.identity.rules import Actor, Permission, can_access_client

__all__ = [
    "MAX_PAGE_SIZE",
    "find_contact",
    "find_contact_by_reference",
    "list_contacts",
    "list_events",
    "verify_event_chain",
]

MAX_PAGE_SIZE = 200


def list_contacts(
    session: Session,
    actor: Actor,
    *,
    client_id: int | None = None,
    queue_id: int | None = None,
    status: ContactStatus | None = None,
    channel: Channel | None = None,
    customer_id: int | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[Contact]:
    """Contacts of the clients the actor may see, newest first; page on with `before_id`."""
    identity_service.authorise(actor, Permission.READ_CONTACTS)
    query = select(Contact).order_by(Contact.id.desc()).limit(min(max(limit, 1), MAX_PAGE_SIZE))
    scope = identity_service.visible_client_ids(actor)
    if scope is not None:
        query = query.where(Contact.client_id.in_(scope))
    if client_id is not None:
        query = query.where(Contact.client_id == client_id)
    if queue_id is not None:
        query = query.where(Contact.queue_id == queue_id)
    if status is not None:
        query = query.where(Contact.status == ContactStatus(status).value)
    if channel is not None:
        query = query.where(Contact.channel == Channel(channel).value)
    if customer_id is not None:
        query = query.where(Contact.customer_id == customer_id)
    if before_id is not None:
        query = query.where(Contact.id < before_id)
    return list(session.scalars(query))


def find_contact(session: Session, actor: Actor, contact_id: int) -> Contact:
    """One contact by id; one outside the actor's clients is not found (R-CLIENT-8)."""
    identity_service.authorise(actor, Permission.READ_CONTACTS)
    contact = session.get(Contact, contact_id)
    if contact is None or not can_access_client(actor, contact.client_id):
        raise NotFound(f"no contact {contact_id}", field="contact_id")
    return contact


def find_contact_by_reference(session: Session, actor: Actor, reference: str) -> Contact:
    """The contact a reference names, in any letter case (R-ACCESS-9)."""
    identity_service.authorise(actor, Permission.READ_CONTACTS)
    canonical = format_reference(*parse_reference(reference))
    contact = session.scalar(select(Contact).where(Contact.reference == canonical))
    if contact is None or not can_access_client(actor, contact.client_id):
        raise NotFound(f"no contact with reference {canonical}", field="reference")
    return contact


def list_events(session: Session, actor: Actor, contact_id: int) -> list[ContactEvent]:
    """A contact's event log in the order it happened (by seq)."""
    contact = find_contact(session, actor, contact_id)
    return list(
        session.scalars(
            select(ContactEvent)
            .where(ContactEvent.contact_id == contact.id)
            .order_by(ContactEvent.seq)
        )
    )


def verify_event_chain(session: Session, actor: Actor, contact_id: int) -> int | None:
    """The seq of the first event whose hash does not match its content and predecessor,
    or None when the contact's log is intact (R-INFRA-2)."""
    contact = find_contact(session, actor, contact_id)
    previous = GENESIS_EVENT_HASH
    for event in session.scalars(
        select(ContactEvent).where(ContactEvent.contact_id == contact.id).order_by(ContactEvent.seq)
    ):
        expected = event_hash(
            previous,
            contact_id=event.contact_id,
            seq=event.seq,
            kind=event.kind,
            occurred_at=ensure_utc(event.occurred_at),
            actor_user_id=event.actor_user_id,
            agent_id=event.agent_id,
            queue_id=event.queue_id,
            note=event.note,
            data=event.data,
        )
        if event.previous_hash != previous or event.entry_hash != expected:
            return event.seq
        previous = event.entry_hash
    return None
