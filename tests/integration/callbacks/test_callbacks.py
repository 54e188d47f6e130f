"""Callback use cases: requests, windows, attempts and retries, cancel, timers, kept rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from helpline.callbacks import jobs as callback_jobs
from helpline.callbacks import queries as callback_queries
from helpline.callbacks import service as callback_service
from helpline.callbacks.rules import AttemptOutcome, CallbackKind, CallbackStatus
from helpline.clock import FixedClock, ensure_utc
from helpline.contacts import queries as contact_queries
from helpline.contacts import service as contact_service
from helpline.contacts.rules import Channel, EventKind
from helpline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpline.identity.rules import Role
from tests.support.callbacks import PHONE, add_agent, make_line, offer, request
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.routing import incoming


def _scheduled(session: Session, clock: FixedClock, contact_id: int, start: datetime) -> None:
    callback_service.request_callback(
        session,
        SYSTEM,
        contact_id,
        phone=PHONE,
        kind=CallbackKind.SCHEDULED,
        window_start=start,
        clock=clock,
    )


def test_keep_place_window_is_at_least_fifteen_minutes(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)

    callback = callback_service.request_callback(
        session,
        SYSTEM,
        line.contacts[0].id,
        phone="0532 123 45 67",
        default_region="TR",
        clock=clock,
    )

    assert callback.phone == PHONE
    assert callback.status == CallbackStatus.WAITING
    assert ensure_utc(callback.window_end) - ensure_utc(callback.window_start) == timedelta(
        minutes=15
    )
    kinds = [
        event.kind
        for event in contact_service.list_events(session, SYSTEM, line.contacts[0].id, clock=clock)
    ]
    assert kinds[-1] == EventKind.CALLBACK_REQUESTED


def test_keep_place_window_stops_at_closing_time(session: Session) -> None:
    # 17:30 in Istanbul: the queue closes at 18:00, before EWT-based promises would end.
    clock = FixedClock(datetime(2026, 11, 23, 14, 30, tzinfo=UTC))
    line = make_line(session, clock, waiting=12)
    add_agent(session, clock, line)

    callback = request(session, clock, line.contacts[-1])

    assert ensure_utc(callback.window_end) == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_scheduled_window_inside_business_hours_is_accepted(
    session: Session, clock: FixedClock
) -> None:
    line = make_line(session, clock, waiting=1)
    start = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul, a Tuesday

    _scheduled(session, clock, line.contacts[0].id, start)

    callback = callback_queries.list_callbacks(session, SYSTEM, client_id=line.client.id)[0]
    assert ensure_utc(callback.window_start) == start
    assert ensure_utc(callback.window_end) == start + timedelta(minutes=30)
    assert callback.kind == CallbackKind.SCHEDULED


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 11, 23, 17, 0, tzinfo=UTC),  # 20:00 in Istanbul, closed
        datetime(2026, 11, 28, 8, 0, tzinfo=UTC),  # a Saturday
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),  # in the past
        datetime(2026, 12, 21, 8, 0, tzinfo=UTC),  # more than 14 days ahead
        datetime(2026, 11, 24, 14, 45, tzinfo=UTC),  # 17:45: closes inside the window
    ],
)
def test_scheduled_window_outside_hours_is_refused(
    session: Session, clock: FixedClock, start: datetime
) -> None:
    line = make_line(session, clock, waiting=1)

    with pytest.raises(InvalidInput) as refusal:
        _scheduled(session, clock, line.contacts[0].id, start)

    assert refusal.value.field == "window_start"
    session.refresh(line.contacts[0])
    assert line.contacts[0].status == "queued"


def test_scheduled_window_on_a_national_holiday_is_refused(session: Session) -> None:
    clock = FixedClock(datetime(2026, 10, 27, 9, 30, tzinfo=UTC))
    line = make_line(session, clock, waiting=1)

    with pytest.raises(InvalidInput, match="closed"):
        # 10:00 on 29 October, Republic Day in Turkey.
        _scheduled(session, clock, line.contacts[0].id, datetime(2026, 10, 29, 7, tzinfo=UTC))
    _scheduled(session, clock, line.contacts[0].id, datetime(2026, 10, 30, 7, tzinfo=UTC))


def test_request_refusals(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=2)
    chat = incoming(session, clock, line.queue, Channel.CHAT)
    with pytest.raises(InvalidInput) as bad_phone:
        callback_service.request_callback(
            session, SYSTEM, line.contacts[0].id, phone="call me", clock=clock
        )
    assert bad_phone.value.field == "phone"
    with pytest.raises(InvalidInput):
        request(session, clock, chat)
    request(session, clock, line.contacts[0])
    with pytest.raises(Conflict):
        request(session, clock, line.contacts[0])
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[line.client])
    with pytest.raises(PermissionDenied):
        request(session, clock, line.contacts[1], actor=viewer)
    _, stranger = make_user(session, clock, Role.AGENT, clients=[make_client(session, clock)])
    with pytest.raises(NotFound):
        request(session, clock, line.contacts[1], actor=stranger)


def test_no_answer_retries_later_and_returns_the_contact_to_its_place(
    session: Session, clock: FixedClock
) -> None:
    line = make_line(session, clock, waiting=1)
    agent, agent_actor = add_agent(session, clock, line)
    contact = line.contacts[0]
    callback = request(session, clock, contact)
    offer(session, clock, contact, agent)
    clock.advance(120)

    attempt = callback_service.record_attempt(
        session, agent_actor, callback.id, outcome=AttemptOutcome.NO_ANSWER, clock=clock
    )

    assert attempt.agent_id == agent.id
    session.refresh(contact)
    session.refresh(callback)
    assert contact.status == "callback_pending"
    assert contact.agent_id is None
    assert callback.status == CallbackStatus.WAITING
    assert callback.attempts == 1
    assert ensure_utc(callback.window_start) == clock.now() + timedelta(minutes=10)


def test_three_failed_attempts_end_the_contact(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)
    agent, agent_actor = add_agent(session, clock, line)
    contact = line.contacts[0]
    callback = request(session, clock, contact)
    for outcome in (AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.VOICEMAIL):
        offer(session, clock, contact, agent)
        callback_service.record_attempt(
            session, agent_actor, callback.id, outcome=outcome, clock=clock
        )
        clock.advance(600)

    session.refresh(contact)
    session.refresh(callback)
    assert contact.status == "ended"
    assert (callback.status, callback.attempts, callback.outcome) == ("failed", 3, "voicemail")


def test_invalid_number_fails_at_once(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)
    callback = request(session, clock, line.contacts[0])

    callback_service.record_attempt(
        session, SYSTEM, callback.id, outcome=AttemptOutcome.INVALID_NUMBER, clock=clock
    )

    session.refresh(callback)
    assert callback.status == CallbackStatus.FAILED
    session.refresh(line.contacts[0])
    assert line.contacts[0].status == "ended"


def test_answered_attempt_connects_the_offered_callback(
    session: Session, clock: FixedClock
) -> None:
    """R-ACCESS-4: the agent dials after accepting the offer; an answer connects the contact."""
    line = make_line(session, clock, waiting=1)
    agent, agent_actor = add_agent(session, clock, line)
    contact = line.contacts[0]
    callback = request(session, clock, contact)
    with pytest.raises(Conflict):  # nobody has dialled yet: the callback is still pending
        callback_service.record_attempt(
            session, SYSTEM, callback.id, outcome=AttemptOutcome.ANSWERED, clock=clock
        )
    offer(session, clock, contact, agent)

    callback_service.record_attempt(
        session, agent_actor, callback.id, outcome=AttemptOutcome.ANSWERED, note=" ok ", clock=clock
    )

    session.refresh(callback)
    session.refresh(contact)
    assert (callback.status, callback.attempts) == ("completed", 1)
    assert contact.status == "connected"
    kinds = [event.kind for event in contact_queries.list_events(session, SYSTEM, contact.id)]
    assert kinds[-1] == "callback_made"


def test_only_the_offered_agent_or_a_supervisor_records(
    session: Session, clock: FixedClock
) -> None:
    line = make_line(session, clock, waiting=1)
    agent, _ = add_agent(session, clock, line)
    _, other_actor = add_agent(session, clock, line)
    _, supervisor = make_user(session, clock, Role.SUPERVISOR, clients=[line.client])
    callback = request(session, clock, line.contacts[0])
    offer(session, clock, line.contacts[0], agent)

    with pytest.raises(PermissionDenied):
        callback_service.record_attempt(
            session, other_actor, callback.id, outcome=AttemptOutcome.BUSY, clock=clock
        )
    attempt = callback_service.record_attempt(
        session, supervisor, callback.id, outcome=AttemptOutcome.BUSY, clock=clock
    )
    assert attempt.agent_id == agent.id


def test_cancel_ends_the_contact_once(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)
    callback = request(session, clock, line.contacts[0])

    cancelled = callback_service.cancel_callback(session, SYSTEM, callback.id, clock=clock)

    assert cancelled.status == CallbackStatus.CANCELLED
    session.refresh(line.contacts[0])
    assert line.contacts[0].status == "ended"
    with pytest.raises(Conflict):
        callback_service.cancel_callback(session, SYSTEM, callback.id, clock=clock)


def test_missed_window_is_flagged_once(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=2)
    missed = request(session, clock, line.contacts[0])
    kept = request(session, clock, line.contacts[1])
    callback_service.record_attempt(
        session, SYSTEM, kept.id, outcome=AttemptOutcome.NO_ANSWER, clock=clock
    )
    clock.advance(14 * 60)
    assert callback_jobs.run_callback_timers(session, clock) == 0
    clock.advance(2 * 60)

    assert callback_jobs.run_callback_timers(session, clock) == 2 - 1
    clock.advance(60)
    assert callback_jobs.run_callback_timers(session, clock) == 0

    session.refresh(missed)
    session.refresh(kept)
    assert missed.window_missed_at is not None
    assert ensure_utc(missed.window_missed_at) == clock.now() - timedelta(seconds=60)
    assert kept.window_missed_at is None


def test_kept_rate(session: Session, clock: FixedClock) -> None:
    start = clock.now()
    line = make_line(session, clock, waiting=3)
    first, second, third = (request(session, clock, contact) for contact in line.contacts)
    callback_service.record_attempt(
        session, SYSTEM, first.id, outcome=AttemptOutcome.NO_ANSWER, clock=clock
    )
    callback_service.cancel_callback(session, SYSTEM, third.id, clock=clock)
    clock.advance(3600)
    callback_jobs.run_callback_timers(session, clock)
    del second

    rate = callback_queries.callback_kept_rate(
        session, SYSTEM, client_id=line.client.id, start=start, end=clock.now()
    )

    assert (rate.promised, rate.kept, rate.kept_rate_pct) == (2, 1, 50.0)
    empty = callback_queries.callback_kept_rate(
        session, SYSTEM, client_id=line.client.id, start=clock.now(), end=clock.now() + timedelta(1)
    )
    assert empty.kept_rate_pct is None
    with pytest.raises(InvalidInput):
        callback_queries.callback_kept_rate(
            session, SYSTEM, client_id=line.client.id, start=clock.now(), end=clock.now()
        )


def test_list_is_scoped_and_filtered(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)
    other = make_line(session, clock, waiting=1)
    mine = request(session, clock, line.contacts[0])
    request(session, clock, other.contacts[0])
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[line.client])

    assert [c.id for c in callback_queries.list_callbacks(session, viewer)] == [mine.id]
    assert callback_queries.list_callbacks(session, viewer, status=CallbackStatus.FAILED) == []
    assert (
        callback_queries.list_callbacks(
            session, SYSTEM, client_id=line.client.id, due_before=clock.now()
        )
        == []
    )
    with pytest.raises(NotFound):
        callback_service.get_callback(session, viewer, other.contacts[0].id + 10_000)


def test_an_offered_caller_may_take_a_callback_instead(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)
    agent, _ = add_agent(session, clock, line)
    contact = line.contacts[0]
    offer(session, clock, contact, agent)

    request(session, clock, contact)

    session.refresh(contact)
    assert (contact.status, contact.agent_id) == ("callback_pending", None)
