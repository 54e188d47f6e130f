"""Who may open, read and move contacts, client scope, lists and the audit of reads."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.contacts import queries as contact_queries
from helpline.contacts import service as contact_service
from helpline.contacts.models import ContactEvent
from helpline.contacts.rules import Channel, ContactStatus, Direction, EventKind
from helpline.errors import InvalidInput, NotFound, PermissionDenied
from helpline.identity import queries as identity_queries
from helpline.identity.rules import Role
from tests.support.contacts import make_agent, make_contact, make_customer, make_queue
from tests.support.factories import SYSTEM, make_client, make_user


def test_client_viewer_cannot_reach_another_clients_contact(
    session: Session, clock: FixedClock
) -> None:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    own = make_contact(session, clock, client_a)
    foreign = make_contact(session, clock, client_b, queue=make_queue(session, clock, client_b))
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[client_a])

    assert contact_service.get_contact(session, viewer, own.id, clock=clock).contact.id == own.id
    with pytest.raises(NotFound):
        contact_service.get_contact(session, viewer, foreign.id, clock=clock)
    with pytest.raises(NotFound):
        contact_service.get_contact_by_reference(session, viewer, foreign.reference, clock=clock)
    with pytest.raises(NotFound):
        contact_service.list_events(session, viewer, foreign.id, clock=clock)
    with pytest.raises(NotFound):
        contact_queries.find_contact_by_reference(session, viewer, foreign.reference)
    for contact in (own, foreign):
        with pytest.raises(PermissionDenied):
            contact_service.record_event(
                session, viewer, contact.id, kind=EventKind.ABANDONED, clock=clock
            )
    with pytest.raises(PermissionDenied):
        make_contact(session, clock, client_a, actor=viewer)
    assert (
        session.scalar(
            select(func.count(ContactEvent.id)).where(ContactEvent.contact_id == foreign.id)
        )
        == 2
    )


def test_scoped_agent_works_only_for_their_client(session: Session, clock: FixedClock) -> None:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    _, agent = make_user(session, clock, Role.AGENT, clients=[client_a])
    own = make_contact(
        session, clock, client_a, queue=make_queue(session, clock, client_a), actor=agent
    )
    foreign = make_contact(session, clock, client_b, queue=make_queue(session, clock, client_b))
    with pytest.raises(PermissionDenied):
        make_contact(session, clock, client_b, actor=agent)
    with pytest.raises(NotFound):
        contact_service.record_event(
            session, agent, foreign.id, kind=EventKind.ABANDONED, clock=clock
        )
    event = contact_service.record_event(
        session, agent, own.id, kind=EventKind.ABANDONED, clock=clock, note="hung up"
    )
    assert event.actor_user_id == agent.user_id
    assert own.status == ContactStatus.ABANDONED


def test_planner_cannot_read_contacts(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client)
    _, planner = make_user(session, clock, Role.PLANNER)
    with pytest.raises(PermissionDenied):
        contact_service.get_contact(session, planner, contact.id, clock=clock)
    with pytest.raises(PermissionDenied):
        contact_service.list_events(session, planner, contact.id, clock=clock)
    with pytest.raises(PermissionDenied):
        contact_queries.list_contacts(session, planner)
    with pytest.raises(PermissionDenied):
        contact_queries.find_contact_by_reference(session, planner, contact.reference)
    with pytest.raises(PermissionDenied):
        make_contact(session, clock, client, actor=planner)


def test_quality_reads_but_does_not_record(session: Session, clock: FixedClock) -> None:
    contact = make_contact(session, clock, make_client(session, clock))
    _, quality = make_user(session, clock, Role.QUALITY)
    assert contact_service.get_contact(session, quality, contact.id, clock=clock)
    with pytest.raises(PermissionDenied):
        contact_service.record_event(
            session, quality, contact.id, kind=EventKind.ENDED, clock=clock
        )


def test_read_of_a_customers_contact_is_audited(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    customer = make_customer(session, clock, client)
    contact = make_contact(session, clock, client, customer=customer)
    anonymous = make_contact(session, clock, client)
    supervisor_user, supervisor = make_user(session, clock, Role.SUPERVISOR)

    contact_service.get_contact(session, supervisor, contact.id, clock=clock)
    contact_service.get_contact_by_reference(
        session, supervisor, contact.reference.lower(), clock=clock
    )
    contact_service.list_events(session, supervisor, contact.id, clock=clock)
    contact_service.get_contact(session, supervisor, anonymous.id, clock=clock)
    contact_service.list_events(session, supervisor, anonymous.id, clock=clock)

    entries = identity_queries.list_audit_entries(session, SYSTEM, subject_type="contact")
    assert [(entry.subject_id, entry.detail["read"]) for entry in reversed(entries)] == [
        (contact.id, "contact"),
        (contact.id, "contact"),
        (contact.id, "events"),
    ]
    for entry in entries:
        assert entry.action == "read"
        assert entry.actor_user_id == supervisor_user.id
        assert entry.actor_label == supervisor_user.email
        assert entry.client_id == client.id
        assert entry.detail["reference"] == contact.reference
    assert identity_queries.verify_audit_chain(session, SYSTEM).is_intact


def test_find_by_reference_checks_the_format(session: Session, clock: FixedClock) -> None:
    contact = make_contact(session, clock, make_client(session, clock))
    found = contact_queries.find_contact_by_reference(
        session, SYSTEM, f"  {contact.reference.lower()} "
    )
    assert found.id == contact.id
    with pytest.raises(InvalidInput) as caught:
        contact_queries.find_contact_by_reference(session, SYSTEM, "HL-26-1")
    assert caught.value.field == "reference"
    with pytest.raises(NotFound):
        contact_queries.find_contact_by_reference(session, SYSTEM, "HL-2026-999999")


def test_list_contacts_is_scoped_filtered_and_newest_first(
    session: Session, clock: FixedClock
) -> None:
    client_a, client_b = make_client(session, clock), make_client(session, clock)
    queue_a = make_queue(session, clock, client_a)
    customer = make_customer(session, clock, client_a)
    chat = make_contact(session, clock, client_a, queue=queue_a, channel=Channel.CHAT)
    voice = make_contact(session, clock, client_a, customer=customer)
    email = make_contact(session, clock, client_a, channel=Channel.EMAIL)
    foreign = make_contact(session, clock, client_b)
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[client_a])
    agent = make_agent(session, clock)
    contact_service.record_event(
        session, SYSTEM, chat.id, kind=EventKind.OFFERED, agent_id=agent.id, clock=clock
    )

    def ids(**filters: Any) -> list[int]:
        return [c.id for c in contact_queries.list_contacts(session, viewer, **filters)]

    assert ids() == [email.id, voice.id, chat.id]
    assert foreign.id in [c.id for c in contact_queries.list_contacts(session, SYSTEM)]
    assert ids(client_id=client_b.id) == []
    assert ids(queue_id=queue_a.id) == [chat.id]
    assert ids(status=ContactStatus.OFFERED) == [chat.id]
    assert ids(channel=Channel.EMAIL) == [email.id]
    assert ids(customer_id=customer.id) == [voice.id]
    assert ids(limit=2) == [email.id, voice.id]
    assert ids(before_id=voice.id) == [chat.id]


def test_outbound_contact_is_answered_from_arrival(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, direction=Direction.OUTBOUND)
    detail = contact_service.get_contact(session, SYSTEM, contact.id, clock=clock)
    assert EventKind.ANSWERED in detail.allowed_events
    contact_service.record_event(session, SYSTEM, contact.id, kind=EventKind.ANSWERED, clock=clock)
    assert contact.status == ContactStatus.CONNECTED
