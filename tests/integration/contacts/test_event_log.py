"""The contact event log through the services: intake, lifecycle, transitions, concurrency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.contacts import queries as contact_queries
from helpline.contacts import service as contact_service
from helpline.contacts.models import Contact, ContactEvent
from helpline.contacts.rules import Channel, ContactStatus, Direction, EventKind
from helpline.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from tests.support.contacts import make_agent, make_contact, make_customer, make_queue
from tests.support.factories import SYSTEM, make_client


def _event_count(session: Session, contact: Contact) -> int:
    return (
        session.scalar(
            select(func.count(ContactEvent.id)).where(ContactEvent.contact_id == contact.id)
        )
        or 0
    )


def test_open_contact_logs_arrived_and_queued(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    customer = make_customer(session, clock, client)
    contact = contact_service.open_contact(
        session,
        SYSTEM,
        client_id=client.id,
        channel=Channel.CHAT,
        direction=Direction.INBOUND,
        queue_id=queue.id,
        customer_id=customer.id,
        subject="  Meter reading  ",
        note="from the web widget",
        data={"page": "/billing"},
        clock=clock,
    )
    assert contact.status == ContactStatus.QUEUED
    assert contact.last_event_seq == 2
    assert contact.subject == "Meter reading"
    assert contact.arrived_at == clock.now()
    events = contact_queries.list_events(session, SYSTEM, contact.id)
    assert [(event.seq, event.kind) for event in events] == [(1, "arrived"), (2, "queued")]
    assert events[0].note == "from the web widget"
    assert events[0].data == {"page": "/billing"}
    assert events[1].queue_id == queue.id


def test_open_contact_without_queue_only_arrives(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, direction=Direction.OUTBOUND)
    assert contact.status == ContactStatus.ARRIVED
    assert contact.queue_id is None
    events = contact_queries.list_events(session, SYSTEM, contact.id)
    assert [event.kind for event in events] == ["arrived"]


def test_full_inbound_lifecycle(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    agent = make_agent(session, clock)
    contact = make_contact(session, clock, client, queue=queue)
    steps = [
        (EventKind.OFFERED, ContactStatus.OFFERED),
        (EventKind.ANSWERED, ContactStatus.CONNECTED),
        (EventKind.HELD, ContactStatus.ON_HOLD),
        (EventKind.RESUMED, ContactStatus.CONNECTED),
        (EventKind.ENDED, ContactStatus.ENDED),
        (EventKind.WRAPPED_UP, ContactStatus.WRAPPED_UP),
    ]
    for seq, (kind, status) in enumerate(steps, start=3):
        clock.advance(10)
        event = contact_service.record_event(
            session, SYSTEM, contact.id, kind=kind, agent_id=agent.id, clock=clock
        )
        assert event.seq == seq
        assert event.occurred_at == clock.now()
        assert event.queue_id == queue.id
        assert contact.status == status
        assert contact.last_event_seq == seq
        assert contact.updated_at == clock.now()
    events = contact_queries.list_events(session, SYSTEM, contact.id)
    assert [event.seq for event in events] == list(range(1, 9))
    assert [event.kind for event in events] == [
        "arrived",
        "queued",
        *(kind.value for kind, _ in steps),
    ]
    detail = contact_service.get_contact(session, SYSTEM, contact.id, clock=clock)
    assert detail.allowed_events == ()
    assert detail.state.was_answered
    assert detail.state.hold_count == 1


def test_illegal_transition_is_refused_and_nothing_appended(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, queue=make_queue(session, clock, client))
    with pytest.raises(IllegalTransition) as caught:
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.WRAPPED_UP, clock=clock
        )
    assert "queued" in caught.value.message
    assert "wrapped_up" in caught.value.message
    assert contact.reference in caught.value.message
    assert caught.value.field == "kind"
    session.rollback()
    assert _event_count(session, contact) == 2
    stored = session.get(Contact, contact.id)
    assert stored is not None
    assert stored.status == ContactStatus.QUEUED


def test_arrived_cannot_be_recorded_again(session: Session, clock: FixedClock) -> None:
    contact = make_contact(session, clock, make_client(session, clock))
    with pytest.raises(InvalidInput) as caught:
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.ARRIVED, clock=clock
        )
    assert caught.value.field == "kind"
    assert _event_count(session, contact) == 1


def test_expected_seq_refuses_a_stale_view(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, queue=make_queue(session, clock, client))
    agent = make_agent(session, clock)
    contact_service.record_event(
        session,
        SYSTEM,
        contact.id,
        kind=EventKind.OFFERED,
        agent_id=agent.id,
        expected_seq=2,
        clock=clock,
    )
    with pytest.raises(Conflict) as caught:
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.ANSWERED, expected_seq=2, clock=clock
        )
    assert caught.value.field == "expected_seq"
    session.rollback()
    assert _event_count(session, contact) == 3


def test_event_time_never_goes_backwards(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, queue=make_queue(session, clock, client))
    agent = make_agent(session, clock)
    offered = contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.OFFERED, agent_id=agent.id, clock=clock
    )
    clock.advance(-120)  # a clock stepped back by synchronisation
    answered = contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.ANSWERED, clock=clock
    )
    assert answered.occurred_at == offered.occurred_at
    assert contact.updated_at == offered.occurred_at
    events = contact_queries.list_events(session, SYSTEM, contact.id)
    times = [event.occurred_at for event in events]
    assert times == sorted(times)


def test_queued_follows_an_earlier_arrival(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    earlier = clock.now() - timedelta(minutes=3)
    contact = contact_service.open_contact(
        session,
        SYSTEM,
        client_id=client.id,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        queue_id=queue.id,
        arrived_at=earlier,
        clock=clock,
    )
    events = contact_queries.list_events(session, SYSTEM, contact.id)
    assert contact.arrived_at == earlier
    assert [event.occurred_at for event in events] == [earlier, clock.now()]


def test_arrival_in_the_future_is_refused(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    with pytest.raises(InvalidInput) as caught:
        contact_service.open_contact(
            session,
            SYSTEM,
            client_id=client.id,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            arrived_at=clock.now() + timedelta(hours=1),
            clock=clock,
        )
    assert caught.value.field == "arrived_at"


def test_transfer_to_another_queue_keeps_arrival_and_context(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    first, second = make_queue(session, clock, client), make_queue(session, clock, client)
    customer = make_customer(session, clock, client)
    agent = make_agent(session, clock)
    contact = make_contact(session, clock, client, queue=first, customer=customer)
    arrived_at = contact.arrived_at
    for kind in (EventKind.OFFERED, EventKind.ANSWERED):
        clock.advance(30)
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=kind, agent_id=agent.id, clock=clock
        )
    clock.advance(30)
    contact_service.record_event(
        session,
        SYSTEM,
        contact.id,
        kind=EventKind.TRANSFERRED,
        note="wants to move the contract",
        data={"reason": "sales", "account": {"number": "12345"}},
        clock=clock,
    )
    assert contact.status == ContactStatus.TRANSFERRING
    assert contact.queue_id == first.id
    clock.advance(5)
    queued = contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.QUEUED, queue_id=second.id, clock=clock
    )
    assert queued.queue_id == second.id
    assert contact.status == ContactStatus.QUEUED
    assert contact.queue_id == second.id
    assert contact.arrived_at == arrived_at
    assert contact.customer_id == customer.id
    stored = session.get(Contact, contact.id)
    assert stored is not None
    assert stored.arrived_at == arrived_at
    transferred = contact_queries.list_events(session, SYSTEM, contact.id)[-2]
    assert transferred.kind == "transferred"
    assert transferred.data == {"reason": "sales", "account": {"number": "12345"}}
    detail = contact_service.get_contact(session, SYSTEM, contact.id, clock=clock)
    assert detail.state.transfer_count == 1


def test_queue_only_on_queued_events(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    first, second = make_queue(session, clock, client), make_queue(session, clock, client)
    contact = make_contact(session, clock, client, queue=first)
    agent = make_agent(session, clock)
    with pytest.raises(InvalidInput) as caught:
        contact_service.record_event(
            session,
            SYSTEM,
            contact.id,
            kind=EventKind.OFFERED,
            agent_id=agent.id,
            queue_id=second.id,
            clock=clock,
        )
    assert caught.value.field == "queue_id"


def test_queued_needs_a_queue(session: Session, clock: FixedClock) -> None:
    contact = make_contact(session, clock, make_client(session, clock))
    with pytest.raises(InvalidInput) as caught:
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.QUEUED, clock=clock
        )
    assert caught.value.field == "queue_id"


def test_offer_needs_an_active_agent(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, queue=make_queue(session, clock, client))
    retired = make_agent(session, clock, is_active=False)
    for agent_id in (None, retired.id, 999_999):
        with pytest.raises(InvalidInput) as caught:
            contact_service.record_event(
                session, SYSTEM, contact.id, kind=EventKind.OFFERED, agent_id=agent_id, clock=clock
            )
        assert caught.value.field == "agent_id"
    assert _event_count(session, contact) == 2


def test_cross_client_queue_and_customer_are_refused(session: Session, clock: FixedClock) -> None:
    client, other = make_client(session, clock), make_client(session, clock)
    foreign_queue = make_queue(session, clock, other)
    foreign_customer = make_customer(session, clock, other)
    for field, queue_id, customer_id in (
        ("queue_id", foreign_queue.id, None),
        ("customer_id", None, foreign_customer.id),
    ):
        with pytest.raises(InvalidInput) as caught:
            contact_service.open_contact(
                session,
                SYSTEM,
                client_id=client.id,
                channel=Channel.VOICE,
                direction=Direction.INBOUND,
                queue_id=queue_id,
                customer_id=customer_id,
                clock=clock,
            )
        assert caught.value.field == field
    contact = make_contact(session, clock, client, queue=make_queue(session, clock, client))
    agent = make_agent(session, clock)
    for kind in (EventKind.OFFERED, EventKind.ANSWERED, EventKind.TRANSFERRED):
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=kind, agent_id=agent.id, clock=clock
        )
    with pytest.raises(InvalidInput) as caught:
        contact_service.record_event(
            session,
            SYSTEM,
            contact.id,
            kind=EventKind.QUEUED,
            queue_id=foreign_queue.id,
            clock=clock,
        )
    assert caught.value.field == "queue_id"
    assert session.scalar(select(func.count(Contact.id)).where(Contact.client_id == client.id)) == 1


def test_queue_must_be_active_and_serve_the_channel(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    email_only = make_queue(session, clock, client, channels=[Channel.EMAIL])
    closed = make_queue(session, clock, client, is_active=False)
    for queue_id, message in ((email_only.id, "voice"), (closed.id, "not active")):
        with pytest.raises(InvalidInput, match=message):
            contact_service.open_contact(
                session,
                SYSTEM,
                client_id=client.id,
                channel=Channel.VOICE,
                direction=Direction.INBOUND,
                queue_id=queue_id,
                clock=clock,
            )


def test_unknown_client_and_contact(session: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput) as caught:
        contact_service.open_contact(
            session,
            SYSTEM,
            client_id=999_999,
            channel=Channel.VOICE,
            direction=Direction.INBOUND,
            clock=clock,
        )
    assert caught.value.field == "client_id"
    with pytest.raises(NotFound):
        contact_service.record_event(session, SYSTEM, 999_999, kind=EventKind.QUEUED, clock=clock)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({f"key{index}": index for index in range(51)}, "50 keys"),
        ({"a": {"b": {"c": {"d": 1}}}}, "3 levels"),
        ({"a": [[[1]]]}, "3 levels"),
        ({"blob": "x" * 9000}, "8192 bytes"),
        ({"ratio": float("nan")}, "JSON values"),
    ],
)
def test_event_data_is_bounded(
    session: Session, clock: FixedClock, data: dict[str, object], message: str
) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, queue=make_queue(session, clock, client))
    with pytest.raises(InvalidInput, match=message) as caught:
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=EventKind.ABANDONED, data=data, clock=clock
        )
    assert caught.value.field == "data"


def test_event_data_at_the_limits_is_kept(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    contact = make_contact(session, clock, client, queue=make_queue(session, clock, client))
    data = {"a": {"b": {"c": 1}}, "list": [[1, 2]], "text": "ü" * 100, "nul": "a\u0000b"}
    event = contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.ABANDONED, data=data, clock=clock
    )
    session.expire_all()
    stored = session.get(ContactEvent, event.id)
    assert stored is not None
    assert stored.data == data


def test_rejected_offer_goes_back_to_its_queue(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    contact = make_contact(session, clock, client, queue=queue)
    agent = make_agent(session, clock)
    contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.OFFERED, agent_id=agent.id, clock=clock
    )
    queue.is_active = False  # closed to new contacts while this one waited
    session.commit()
    requeued = contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.QUEUED, clock=clock
    )
    assert requeued.queue_id == queue.id
    assert contact.status == ContactStatus.QUEUED
    assert contact.arrived_at == clock.now()


def test_event_log_is_hash_chained_and_tampering_is_found(
    session: Session, clock: FixedClock
) -> None:
    """R-INFRA-2: the log behind every KPI is tamper-evident."""
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    contact = make_contact(session, clock, client, queue=queue)
    agent = make_agent(session, clock)
    for kind in (EventKind.OFFERED, EventKind.ANSWERED, EventKind.ENDED):
        clock.advance(5)
        contact_service.record_event(
            session, SYSTEM, contact.id, kind=kind, agent_id=agent.id, clock=clock
        )
    events = contact_queries.list_events(session, SYSTEM, contact.id)
    assert [event.previous_hash for event in events[1:]] == [
        event.entry_hash for event in events[:-1]
    ]
    assert contact_queries.verify_event_chain(session, SYSTEM, contact.id) is None

    with session.begin_nested():
        session.execute(
            update(ContactEvent)
            .where(ContactEvent.contact_id == contact.id, ContactEvent.seq == 3)
            .values(agent_id=None)
        )
        session.expire_all()
        assert contact_queries.verify_event_chain(session, SYSTEM, contact.id) == 3
        session.rollback()


def test_intake_sets_language_priority_and_queue_clock(session: Session, clock: FixedClock) -> None:
    """R-ACCESS-8: the contact carries the language to serve in; routing orders by priority."""
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    queue.priority = 7
    session.commit()
    customer = make_customer(session, clock, client)
    customer.preferred_language = "hu"
    session.commit()
    from_profile = make_contact(session, clock, client, queue=queue, customer=customer)
    assert (from_profile.language, from_profile.priority) == ("hu", 7)
    assert from_profile.queued_at == clock.now()
    asked = contact_service.open_contact(
        session,
        SYSTEM,
        client_id=client.id,
        channel=Channel.VOICE,
        direction=Direction.INBOUND,
        queue_id=queue.id,
        customer_id=customer.id,
        language="tr-TR",
        clock=clock,
    )
    assert asked.language == "tr"
    with pytest.raises(InvalidInput):
        contact_service.open_contact(
            session,
            SYSTEM,
            client_id=client.id,
            channel=Channel.VOICE,
            direction=Direction.INBOUND,
            language="de",
            clock=clock,
        )


def test_offer_sets_the_agent_and_requeue_clears_it(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    contact = make_contact(session, clock, client, queue=queue)
    agent = make_agent(session, clock)
    first_queued_at = contact.queued_at
    clock.advance(30)
    contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.OFFERED, agent_id=agent.id, clock=clock
    )
    assert contact.agent_id == agent.id
    clock.advance(20)
    contact_service.record_event(session, SYSTEM, contact.id, kind=EventKind.QUEUED, clock=clock)
    requeued = contact_queries.find_contact(session, SYSTEM, contact.id)
    assert requeued.agent_id is None
    assert requeued.queued_at == first_queued_at, "a missed offer keeps the queue clock"
    contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.CALLBACK_OFFERED, clock=clock
    )
    assert contact.callback_offered_at == clock.now()
