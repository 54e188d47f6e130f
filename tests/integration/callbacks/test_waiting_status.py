"""Place in line and estimated wait, against hand computations (R-INFO-3)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.contacts import service as contact_service
from helpline.contacts.rules import Channel, EventKind
from helpline.errors import Conflict, NotFound
from helpline.identity.rules import Role
from helpline.routing import position as routing_position
from tests.support.callbacks import Line, add_agent, make_line, offer, request
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.routing import incoming


def _handled(session: Session, clock: FixedClock, line: Line, agent_id: int, seconds: int) -> None:
    """A contact of the queue answered and ended `seconds` later."""
    contact = incoming(session, clock, line.queue, Channel.VOICE)
    contact_service.record_event(
        session, SYSTEM, contact.id, kind=EventKind.OFFERED, agent_id=agent_id, clock=clock
    )
    contact_service.record_event(session, SYSTEM, contact.id, kind=EventKind.ANSWERED, clock=clock)
    clock.advance(seconds)
    contact_service.record_event(session, SYSTEM, contact.id, kind=EventKind.ENDED, clock=clock)


def test_position_and_estimate_match_a_hand_computation(
    session: Session, clock: FixedClock
) -> None:
    line = make_line(session, clock, waiting=0)
    busy, _ = add_agent(session, clock, line)
    free, _ = add_agent(session, clock, line)
    # Ended within the hour: 240 s and 480 s, so the mean handle time is 360 s (not the
    # 300 s voice default).
    _handled(session, clock, line, busy.id, 240)
    _handled(session, clock, line, free.id, 480)
    clock.advance(60)
    waiting = [incoming(session, clock, line.queue, Channel.VOICE) for _ in range(3)]
    # A fourth caller is with the busy agent: voice is exclusive, so one agent is free.
    taken = incoming(session, clock, line.queue, Channel.VOICE)
    offer(session, clock, taken, busy)

    statuses = [
        routing_position.waiting_status(session, SYSTEM, contact.id, clock=clock)
        for contact in waiting
    ]

    assert [status.position for status in statuses] == [1, 2, 3]
    assert {status.waiting_count for status in statuses} == {3}
    # EWT = max(0, position - 1 free) x 360 / 2 eligible agents.
    assert [status.estimated_wait_seconds for status in statuses] == [0.0, 180.0, 360.0]
    assert not any(status.is_callback or status.callback_offered for status in statuses)


def test_handle_times_older_than_an_hour_are_ignored(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=0)
    agent, _ = add_agent(session, clock, line)
    _handled(session, clock, line, agent.id, 900)
    clock.advance(3601)
    first, second = (incoming(session, clock, line.queue, Channel.VOICE) for _ in range(2))
    del first

    status = routing_position.waiting_status(session, SYSTEM, second.id, clock=clock)

    # One free agent serves place 1; place 2 waits one default voice handle time.
    assert status.estimated_wait_seconds == 300.0


def test_no_agent_logged_in_gives_no_estimate(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=2)

    status = routing_position.waiting_status(session, SYSTEM, line.contacts[1].id, clock=clock)

    assert status.position == 2
    assert status.estimated_wait_seconds is None


def test_language_limits_the_eligible_agents(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=0)
    add_agent(session, clock, line)
    contact = incoming(session, clock, line.queue, Channel.VOICE, language="vi")

    status = routing_position.waiting_status(session, SYSTEM, contact.id, clock=clock)

    assert status.estimated_wait_seconds is None


def test_keep_place_callback_keeps_arrival_and_place(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=3)
    first, middle, last = line.contacts
    arrived_at = middle.arrived_at

    callback = request(session, clock, middle)

    session.refresh(middle)
    assert middle.status == "callback_pending"
    assert middle.arrived_at == arrived_at
    assert callback.window_start == clock.now()
    status = routing_position.waiting_status(session, SYSTEM, middle.id, clock=clock)
    assert (status.position, status.is_callback) == (2, True)
    after = routing_position.waiting_status(session, SYSTEM, last.id, clock=clock)
    assert after.position == 3
    assert routing_position.waiting_status(session, SYSTEM, first.id, clock=clock).position == 1


def test_a_finished_contact_has_no_place(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)
    contact_service.record_event(
        session, SYSTEM, line.contacts[0].id, kind=EventKind.ABANDONED, clock=clock
    )

    with pytest.raises(Conflict):
        routing_position.waiting_status(session, SYSTEM, line.contacts[0].id, clock=clock)


def test_another_clients_contact_is_not_found(session: Session, clock: FixedClock) -> None:
    line = make_line(session, clock, waiting=1)
    _, viewer = make_user(session, clock, Role.CLIENT_VIEWER, clients=[make_client(session, clock)])

    with pytest.raises(NotFound):
        routing_position.waiting_status(session, viewer, line.contacts[0].id, clock=clock)
