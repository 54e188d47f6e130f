"""Open status of a queue at controlled instants: hours, national holidays, extra closures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.errors import Conflict, InvalidInput, NotFound
from helpline.identity import queries as identity_queries
from helpline.queues import queries as queue_queries
from helpline.queues import service as queue_service
from helpline.queues.rules import is_open
from tests.support.factories import SYSTEM, make_client
from tests.support.queues import make_queue


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> FixedClock:
    return FixedClock(datetime(year, month, day, hour, minute, tzinfo=UTC))


def test_open_inside_published_hours(session: Session, clock: FixedClock) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    # Tuesday 2026-11-24 06:00 UTC is 09:00 in Istanbul (UTC+3): the opening minute.
    assert queue_service.queue_open_status(
        session, SYSTEM, queue.id, clock=at(2026, 11, 24, 6)
    ) == (
        True,
        datetime(2026, 11, 24, 6, tzinfo=UTC),
    )


def test_closed_before_opening_names_the_next_opening(session: Session, clock: FixedClock) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    is_open_now, opening = queue_service.queue_open_status(
        session, SYSTEM, queue.id, clock=at(2026, 11, 24, 5, 59)
    )
    assert not is_open_now
    assert opening == datetime(2026, 11, 24, 6, tzinfo=UTC)


def test_closed_after_hours_on_friday_opens_on_monday(session: Session, clock: FixedClock) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    # Friday 2026-11-27 15:00 UTC is 18:00 in Istanbul: closing time.
    is_open_now, opening = queue_service.queue_open_status(
        session, SYSTEM, queue.id, clock=at(2026, 11, 27, 15)
    )
    assert not is_open_now
    assert opening == datetime(2026, 11, 30, 6, tzinfo=UTC)


def test_closed_on_a_national_holiday(session: Session, clock: FixedClock) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    # Thursday 2026-10-29 is Republic Day in Türkiye; 10:00 local is within the weekly hours.
    is_open_now, opening = queue_service.queue_open_status(
        session, SYSTEM, queue.id, clock=at(2026, 10, 29, 7)
    )
    assert not is_open_now
    assert opening == datetime(2026, 10, 30, 6, tzinfo=UTC)


def test_without_a_holiday_country_the_holiday_is_a_working_day(
    session: Session, clock: FixedClock
) -> None:
    queue = make_queue(session, clock, make_client(session, clock), holiday_country=None)
    status = queue_service.queue_open_status(session, SYSTEM, queue.id, clock=at(2026, 10, 29, 7))
    assert status[0] is True


def test_an_extra_closed_date_closes_the_queue(session: Session, clock: FixedClock) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    closure = queue_service.add_closed_date(
        session, SYSTEM, queue.id, closed_on=date(2026, 11, 24), reason=" Office move ", clock=clock
    )
    assert closure.reason == "Office move"
    status = queue_service.queue_open_status(session, SYSTEM, queue.id, clock=at(2026, 11, 24, 8))
    assert status == (False, datetime(2026, 11, 25, 6, tzinfo=UTC))
    assert not is_open(
        queue_service.calendar_of(queue_service.get_queue(session, SYSTEM, queue.id)),
        datetime(2026, 11, 24, 8, tzinfo=UTC),
    )
    queue_service.remove_closed_date(session, SYSTEM, queue.id, date(2026, 11, 24), clock=clock)
    status = queue_service.queue_open_status(session, SYSTEM, queue.id, clock=at(2026, 11, 24, 8))
    assert status[0] is True


def test_a_date_is_closed_once_and_removed_only_when_there(
    session: Session, clock: FixedClock
) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    queue_service.add_closed_date(
        session,
        SYSTEM,
        queue.id,
        closed_on=date(2026, 12, 31),
        reason="New Year's Eve",
        clock=clock,
    )
    with pytest.raises(Conflict):
        queue_service.add_closed_date(
            session, SYSTEM, queue.id, closed_on=date(2026, 12, 31), reason="again", clock=clock
        )
    with pytest.raises(NotFound):
        queue_service.remove_closed_date(session, SYSTEM, queue.id, date(2026, 12, 30), clock=clock)
    with pytest.raises(InvalidInput) as caught:
        queue_service.add_closed_date(
            session, SYSTEM, queue.id, closed_on=date(2026, 12, 30), reason="  ", clock=clock
        )
    assert caught.value.field == "reason"
    entries = identity_queries.list_audit_entries(
        session, SYSTEM, subject_type="queue", subject_id=queue.id
    )
    assert entries[0].detail == {
        "closed_on": "2026-12-31",
        "reason": "New Year's Eve",
        "closed": True,
    }


def test_an_inactive_queue_is_closed_with_no_next_opening(
    session: Session, clock: FixedClock
) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    queue_service.update_queue(session, SYSTEM, queue.id, is_active=False, clock=clock)
    status = queue_service.queue_open_status(session, SYSTEM, queue.id, clock=at(2026, 11, 24, 8))
    assert status == (False, None)


def test_status_view_gives_the_local_time(session: Session, clock: FixedClock) -> None:
    queue = make_queue(session, clock, make_client(session, clock))
    status = queue_queries.queue_status(session, SYSTEM, queue.id, clock=at(2026, 11, 24, 8, 15))
    assert status.is_open
    assert status.local_time.isoformat() == "2026-11-24T11:15:00+03:00"
    assert status.time_zone == "Europe/Istanbul"


def test_list_view_says_which_queues_are_open_now(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    day = make_queue(session, clock, client, business_hours="mon-fri 09:00-18:00")
    night = make_queue(session, clock, client, business_hours="mon-fri 00:00-06:00")
    views = queue_queries.list_queue_views(session, SYSTEM, clock=at(2026, 11, 24, 8))
    open_now = {view.queue.id: view.is_open_now for view in views}
    assert open_now == {day.id: True, night.id: False}
