"""Queues through the service: channels, canonical hours, holidays, policy bounds, overflow."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from helpline.clock import FixedClock
from helpline.errors import Conflict, InvalidInput
from helpline.identity import queries as identity_queries
from helpline.identity.rules import Role
from helpline.queues import queries as queue_queries
from helpline.queues import service as queue_service
from helpline.queues.rules import DEFAULT_CALLBACK_OFFER_SECONDS
from tests.support.factories import SYSTEM, make_client, make_user
from tests.support.queues import make_queue


def create(session: Session, clock: FixedClock, client_id: int, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "client_id": client_id,
        "code": "billing",
        "name": "Billing",
        "channels": ["voice"],
        "time_zone": "Europe/Istanbul",
        "business_hours": "mon-fri 09:00-18:00",
        "holiday_country": "TR",
    }
    fields.update(overrides)
    return queue_service.create_queue(session, SYSTEM, clock=clock, **fields)


def test_business_hours_are_stored_in_canonical_form(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = create(
        session,
        clock,
        client.id,
        business_hours="Sat 9:00-13:00 ;  MON-fri 09:00-18:00;sun 10:00-24:00",
    )
    session.expire_all()
    stored = queue_service.get_queue(session, SYSTEM, queue.id)
    assert stored.business_hours == "mon-fri 09:00-18:00; sat 09:00-13:00; sun 10:00-24:00"


def test_business_hours_may_be_typed_one_segment_per_line(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = create(
        session, clock, client.id, business_hours="mon-fri 08:00-12:00\nmon-fri 13:00-17:00"
    )
    assert queue.business_hours == "mon-fri 08:00-12:00,13:00-17:00"


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("", "must not be empty"),
        ("mon-fri 18:00-09:00", "closes before it opens"),
        ("funday 09:00-10:00", "Unknown day"),
        ("mon 09:00-12:00; mon 11:00-13:00", "overlap"),
        ("mon 25:00-26:00", "not a time of day"),
        (";", "no opening period"),
    ],
)
def test_bad_business_hours_are_refused(
    session: Session, clock: FixedClock, hours: str, message: str
) -> None:
    client = make_client(session, clock)
    with pytest.raises(InvalidInput, match=message) as caught:
        create(session, clock, client.id, business_hours=hours)
    assert caught.value.field == "business_hours"


def test_defaults_code_and_channels_are_normalised(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = create(
        session, clock, client.id, code="  Billing-TR ", channels=["email", "VOICE", "email"]
    )
    assert queue.code == "billing-tr"
    assert queue.channels == ["voice", "email"]
    assert queue.callback_offer_seconds == DEFAULT_CALLBACK_OFFER_SECONDS
    assert queue.is_active
    assert queue.created_at == clock.now()


def test_a_queue_needs_a_known_channel(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    with pytest.raises(InvalidInput, match="at least one channel"):
        create(session, clock, client.id, channels=[])
    with pytest.raises(InvalidInput, match="unknown channel 'fax'") as caught:
        create(session, clock, client.id, channels=["voice", "fax"])
    assert caught.value.field == "channels"


def test_queue_codes_are_unique(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    create(session, clock, client.id, code="billing")
    other = make_client(session, clock)
    with pytest.raises(Conflict):
        create(session, clock, other.id, code="BILLING")


def test_bad_queue_code_is_refused(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    with pytest.raises(InvalidInput) as caught:
        create(session, clock, client.id, code="bad code!")
    assert caught.value.field == "code"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"holiday_country": None, "holiday_subdivision": "BY"}, "holiday_subdivision"),
        ({"holiday_country": "DE", "holiday_subdivision": "ZZ"}, "holiday_subdivision"),
        ({"holiday_country": "TUR"}, "holiday_country"),
        ({"name": " "}, "name"),
        ({"name": "x" * 121}, "name"),
    ],
)
def test_bad_calendar_and_name_are_refused(
    session: Session, clock: FixedClock, overrides: dict[str, Any], field: str
) -> None:
    client = make_client(session, clock)
    with pytest.raises(InvalidInput) as caught:
        create(session, clock, client.id, **overrides)
    assert caught.value.field == field


def test_holiday_country_is_upper_cased_and_subdivision_kept(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = create(
        session,
        clock,
        client.id,
        time_zone="Europe/Berlin",
        holiday_country="de",
        holiday_subdivision="BY",
    )
    assert (queue.holiday_country, queue.holiday_subdivision) == ("DE", "BY")


POLICY_LIMITS = [
    ("priority", 0, 100),
    ("callback_offer_seconds", 10, 3600),
    ("short_abandon_seconds", 0, 60),
    ("wrap_up_seconds", 0, 1800),
    ("service_level_threshold_seconds", 1, 3600),
    ("max_queue_size", 1, 100_000),
]


@pytest.mark.parametrize(("field", "lowest", "highest"), POLICY_LIMITS)
def test_policy_figures_are_bounded(
    session: Session, clock: FixedClock, field: str, lowest: int, highest: int
) -> None:
    client = make_client(session, clock)
    for value in (lowest - 1, highest + 1):
        with pytest.raises(InvalidInput) as caught:
            create(session, clock, client.id, code=f"q-{field[:20]}", **{field: value})
        assert caught.value.field == field
    low = create(session, clock, client.id, code="low", **{field: lowest})
    high = create(session, clock, client.id, code="high", **{field: highest})
    assert (getattr(low, field), getattr(high, field)) == (lowest, highest)


def test_unknown_client_is_bad_input(session: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput) as caught:
        create(session, clock, 999_999)
    assert caught.value.field == "client_id"


# --- overflow --------------------------------------------------------------------------------


def test_overflow_to_a_queue_of_the_same_client(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    backup = make_queue(session, clock, client)
    queue = create(
        session, clock, client.id, overflow_queue_id=backup.id, overflow_after_seconds=120
    )
    assert (queue.overflow_queue_id, queue.overflow_after_seconds) == (backup.id, 120)


@pytest.mark.parametrize(
    ("with_target", "after_seconds", "field"),
    [(True, None, "overflow_after_seconds"), (False, 120, "overflow_queue_id")],
)
def test_overflow_needs_both_fields(
    session: Session,
    clock: FixedClock,
    with_target: bool,
    after_seconds: int | None,
    field: str,
) -> None:
    client = make_client(session, clock)
    backup = make_queue(session, clock, client)
    with pytest.raises(InvalidInput) as caught:
        create(
            session,
            clock,
            client.id,
            overflow_queue_id=backup.id if with_target else None,
            overflow_after_seconds=after_seconds,
        )
    assert caught.value.field == field


def test_overflow_to_another_clients_queue_is_refused(session: Session, clock: FixedClock) -> None:
    client, other = make_client(session, clock), make_client(session, clock)
    foreign = make_queue(session, clock, other)
    with pytest.raises(InvalidInput, match="same client") as caught:
        create(session, clock, client.id, overflow_queue_id=foreign.id, overflow_after_seconds=60)
    assert caught.value.field == "overflow_queue_id"
    with pytest.raises(InvalidInput, match="same client"):
        create(session, clock, client.id, overflow_queue_id=999_999, overflow_after_seconds=60)


def test_overflow_into_itself_or_a_loop_is_refused(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    first = make_queue(session, clock, client)
    second = make_queue(
        session, clock, client, overflow_queue_id=first.id, overflow_after_seconds=60
    )
    with pytest.raises(InvalidInput, match="itself"):
        queue_service.update_queue(
            session,
            SYSTEM,
            first.id,
            overflow_queue_id=first.id,
            overflow_after_seconds=60,
            clock=clock,
        )
    with pytest.raises(InvalidInput, match="lead back"):
        queue_service.update_queue(
            session,
            SYSTEM,
            first.id,
            overflow_queue_id=second.id,
            overflow_after_seconds=60,
            clock=clock,
        )
    assert queue_service.get_queue(session, SYSTEM, first.id).overflow_queue_id is None


def test_overflow_into_an_inactive_queue_is_refused(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    closed = make_queue(session, clock, client)
    queue_service.update_queue(session, SYSTEM, closed.id, is_active=False, clock=clock)
    with pytest.raises(InvalidInput, match="inactive"):
        create(session, clock, client.id, overflow_queue_id=closed.id, overflow_after_seconds=60)


@pytest.mark.parametrize("after_seconds", [0, 86_401])
def test_overflow_delay_is_bounded(session: Session, clock: FixedClock, after_seconds: int) -> None:
    client = make_client(session, clock)
    backup = make_queue(session, clock, client)
    with pytest.raises(InvalidInput) as caught:
        create(
            session,
            clock,
            client.id,
            overflow_queue_id=backup.id,
            overflow_after_seconds=after_seconds,
        )
    assert caught.value.field == "overflow_after_seconds"


# --- partial update --------------------------------------------------------------------------


def test_update_changes_only_the_given_fields_and_is_audited(
    session: Session, clock: FixedClock
) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client, max_queue_size=50)
    clock.advance(60)
    updated = queue_service.update_queue(
        session,
        SYSTEM,
        queue.id,
        name="Billing (TR)",
        business_hours="MON-FRI 08:00-20:00",
        max_queue_size=None,
        clock=clock,
    )
    assert updated.name == "Billing (TR)"
    assert updated.business_hours == "mon-fri 08:00-20:00"
    assert updated.max_queue_size is None
    assert updated.channels == ["voice", "chat", "email"]
    assert updated.updated_at == clock.now() != updated.created_at
    entries = identity_queries.list_audit_entries(
        session, SYSTEM, subject_type="queue", subject_id=queue.id
    )
    assert entries[0].detail["business_hours"] == ["mon-fri 09:00-18:00", "mon-fri 08:00-20:00"]
    assert entries[0].client_id == client.id
    assert [entry.action for entry in entries] == ["update", "create"]


def test_a_refused_update_leaves_the_queue_as_it_was(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    with pytest.raises(InvalidInput):
        queue_service.update_queue(
            session, SYSTEM, queue.id, name="Renamed", wrap_up_seconds=99_999, clock=clock
        )
    stored = queue_service.get_queue(session, SYSTEM, queue.id)
    assert stored.name != "Renamed"
    assert stored.wrap_up_seconds != 99_999


def test_update_without_changes_writes_no_history(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    queue = make_queue(session, clock, client)
    queue_service.update_queue(session, SYSTEM, queue.id, name=queue.name, clock=clock)
    entries = identity_queries.list_audit_entries(
        session, SYSTEM, subject_type="queue", subject_id=queue.id
    )
    assert [entry.action for entry in entries] == ["create"]


def test_list_filters_by_client(session: Session, clock: FixedClock) -> None:
    client, other = make_client(session, clock), make_client(session, clock)
    mine = make_queue(session, clock, client)
    make_queue(session, clock, other)
    views = queue_queries.list_queue_views(session, SYSTEM, clock=clock, client_id=client.id)
    assert [view.queue.id for view in views] == [mine.id]
    assert views[0].client_code == client.code


def test_supervisor_may_manage_queues(session: Session, clock: FixedClock) -> None:
    client = make_client(session, clock)
    _, supervisor = make_user(session, clock, Role.SUPERVISOR, clients=[client])
    queue = queue_service.create_queue(
        session,
        supervisor,
        client_id=client.id,
        code="sales",
        name="Sales",
        channels=["chat"],
        time_zone="Europe/Budapest",
        business_hours="mon-sun 00:00-24:00",
        clock=clock,
    )
    assert queue.business_hours == "mon-sun 00:00-24:00"
    assert queue.holiday_country is None
