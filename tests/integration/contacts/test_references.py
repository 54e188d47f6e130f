"""Contact references: unique, gapless and per year, also under concurrent intake."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from helpline.clock import FixedClock
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact, ContactEvent, ReferenceCounter
from helpline.contacts.rules import Channel, Direction, parse_reference
from helpline.errors import InvalidInput
from helpline.identity import service as identity_service
from helpline.identity.models import ClientOrganisation
from helpline.queues.models import Queue
from tests.support.contacts import make_contact, make_queue
from tests.support.factories import SYSTEM, make_client

# A year no other test opens contacts in, so the concurrent test's committed rows stand apart.
CONCURRENCY_YEAR = 2041


def test_references_are_sequential_within_a_year(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    references = [make_contact(session, clock, client).reference for _ in range(5)]
    numbers = [parse_reference(reference) for reference in references]
    first_year, first = numbers[0]
    assert first_year == 2026
    assert numbers == [(2026, first + offset) for offset in range(5)]
    assert references[0] == f"HL-2026-{first:06d}"


def test_references_restart_at_one_in_a_new_year(session: Session) -> None:
    clock = FixedClock(datetime(2029, 12, 31, 23, 59, 58, tzinfo=UTC))
    client = make_client(session, clock)
    december = [make_contact(session, clock, client).reference for _ in range(3)]
    clock.advance(3)
    january = [make_contact(session, clock, client).reference for _ in range(2)]
    assert december == ["HL-2029-000001", "HL-2029-000002", "HL-2029-000003"]
    assert january == ["HL-2030-000001", "HL-2030-000002"]


def test_reference_year_is_the_arrival_year(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    late = contact_service.open_contact(
        session,
        SYSTEM,
        client_id=client.id,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        arrived_at=datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
        clock=clock,
    )
    assert late.reference.startswith("HL-2025-")


def test_a_refused_intake_gives_its_number_back(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    first = make_contact(session, clock, client)
    closed = make_queue(session, clock, client, is_active=False)
    with pytest.raises(InvalidInput):
        make_contact(session, clock, client, queue=closed)
    session.rollback()
    second = make_contact(session, clock, client)
    assert parse_reference(second.reference)[1] == parse_reference(first.reference)[1] + 1


def test_next_reference_refuses_a_year_outside_the_format(session: Session) -> None:
    with pytest.raises(InvalidInput):
        contact_service.next_reference(session, year=1999)
    assert session.get(ReferenceCounter, 1999) is None


def test_concurrent_intake_issues_distinct_gapless_references(engine: Engine) -> None:
    """Each thread opens contacts in its own session with real commits, all at once."""
    threads = 8 if engine.dialect.name == "postgresql" else 4
    per_thread = 25
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    clock = FixedClock(datetime(CONCURRENCY_YEAR, 6, 1, 12, 0, tzinfo=UTC))
    with factory() as session:
        client = identity_service.create_client(
            session, SYSTEM, code=f"REF-{uuid.uuid4().hex[:8]}", name="References", clock=clock
        )
        queue = make_queue(session, clock, client)
        client_id, queue_id = client.id, queue.id
    start = threading.Barrier(threads)

    def open_many(_worker: int) -> list[str]:
        references = []
        with factory() as session:
            start.wait()
            for _ in range(per_thread):
                contact = contact_service.open_contact(
                    session,
                    SYSTEM,
                    client_id=client_id,
                    channel=Channel.VOICE,
                    direction=Direction.INBOUND,
                    queue_id=queue_id,
                    clock=clock,
                )
                references.append(contact.reference)
        return references

    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            try:
                results = list(pool.map(open_many, range(threads)))
            except OperationalError as exc:
                # SQLite cannot upgrade a deferred read transaction to a write once another
                # writer has committed; a transaction begun with BEGIN IMMEDIATE waits its turn.
                pytest.fail(
                    f"concurrent intake refused by the database ({exc.orig}); on SQLite "
                    "helpline.db must begin transactions with BEGIN IMMEDIATE"
                )
        references = [reference for batch in results for reference in batch]
        total = threads * per_thread
        assert len(set(references)) == total
        numbers = sorted(parse_reference(reference) for reference in references)
        assert numbers == [(CONCURRENCY_YEAR, number) for number in range(1, total + 1)]
        with factory() as session:
            counter = session.get(ReferenceCounter, CONCURRENCY_YEAR)
            assert counter is not None
            assert counter.last_number == total
            stored = session.scalars(
                select(Contact.last_event_seq).where(Contact.client_id == client_id)
            )
            assert list(stored) == [2] * total
    finally:
        with factory() as session:
            contact_ids = select(Contact.id).where(Contact.client_id == client_id)
            session.execute(delete(ContactEvent).where(ContactEvent.contact_id.in_(contact_ids)))
            session.execute(delete(Contact).where(Contact.client_id == client_id))
            session.execute(
                delete(ReferenceCounter).where(ReferenceCounter.year == CONCURRENCY_YEAR)
            )
            session.execute(delete(Queue).where(Queue.id == queue_id))
            session.execute(delete(ClientOrganisation).where(ClientOrganisation.id == client_id))
            session.commit()
