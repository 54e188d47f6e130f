"""Unit tests for the contact state machine and customer references."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.contacts.rules import (
    MAX_EVENT_NOTE_LENGTH,
    MAX_SUBJECT_LENGTH,
    REFERENCE_PATTERN,
    WAITING_STATUSES,
    Channel,
    ContactState,
    ContactStatus,
    Direction,
    EventKind,
    allowed_events,
    apply_event,
    derive_state,
    find_reference,
    format_reference,
    is_terminal,
    parse_reference,
)
from helpline.errors import IllegalTransition, InvalidInput

ARRIVED = EventKind.ARRIVED
QUEUED = EventKind.QUEUED
OFFERED = EventKind.OFFERED
ANSWERED = EventKind.ANSWERED
HELD = EventKind.HELD
RESUMED = EventKind.RESUMED
TRANSFERRED = EventKind.TRANSFERRED
ABANDONED = EventKind.ABANDONED
CALLBACK_REQUESTED = EventKind.CALLBACK_REQUESTED
CALLBACK_MADE = EventKind.CALLBACK_MADE
CALLBACK_OFFERED = EventKind.CALLBACK_OFFERED
ENDED = EventKind.ENDED
WRAPPED_UP = EventKind.WRAPPED_UP

WAITING_FOR_CALLBACK = (ARRIVED, QUEUED, CALLBACK_REQUESTED)
CALLBACK_OFFERED_TO_AGENT = (*WAITING_FOR_CALLBACK, OFFERED)
CONNECTED = (ARRIVED, QUEUED, OFFERED, ANSWERED)


def statuses_along(
    kinds: Sequence[EventKind], direction: Direction = Direction.INBOUND
) -> list[ContactStatus]:
    """The status after each event, so a test can pin the whole path."""
    statuses = []
    state: ContactState | None = None
    for kind in kinds:
        state = apply_event(state, kind, direction=direction)
        statuses.append(state.status)
    return statuses


def reachable_states(direction: Direction) -> dict[ContactState, tuple[EventKind, ...]]:
    """Every reachable state with the shortest event path to it.

    No transition depends on the counters, so capping them at 2 still visits every
    combination of status and flags while keeping the search finite.
    """
    paths: dict[ContactState, tuple[EventKind, ...]] = {}
    frontier: deque[tuple[ContactState | None, tuple[EventKind, ...]]] = deque([(None, ())])
    while frontier:
        state, path = frontier.popleft()
        for kind in allowed_events(state, direction=direction):
            after = apply_event(state, kind, direction=direction)
            if after in paths or after.hold_count > 2 or after.transfer_count > 2:
                continue
            paths[after] = (*path, kind)
            frontier.append((after, (*path, kind)))
    return paths


# --- vocabulary ---------------------------------------------------------------------------


def test_enum_values_are_the_lower_snake_case_names() -> None:
    for enum in (Channel, Direction, EventKind, ContactStatus):
        assert [member.value for member in enum] == [member.name.lower() for member in enum]


def test_text_limits() -> None:
    assert MAX_SUBJECT_LENGTH == 300
    assert MAX_EVENT_NOTE_LENGTH == 2000


def test_waiting_and_terminal_statuses() -> None:
    """A pending callback holds a place in line like a queued contact (R-ACCESS-3, R-ACCESS-4)."""
    assert {
        ContactStatus.QUEUED,
        ContactStatus.OFFERED,
        ContactStatus.CALLBACK_PENDING,
    } == WAITING_STATUSES
    assert {status for status in ContactStatus if is_terminal(status)} == {
        ContactStatus.ABANDONED,
        ContactStatus.WRAPPED_UP,
    }


# --- happy paths --------------------------------------------------------------------------


def test_inbound_contact_is_answered_and_wrapped_up() -> None:
    kinds = [*CONNECTED, ENDED, WRAPPED_UP]
    assert statuses_along(kinds) == [
        ContactStatus.ARRIVED,
        ContactStatus.QUEUED,
        ContactStatus.OFFERED,
        ContactStatus.CONNECTED,
        ContactStatus.ENDED,
        ContactStatus.WRAPPED_UP,
    ]
    assert derive_state(kinds) == ContactState(ContactStatus.WRAPPED_UP, was_answered=True)


def test_callback_keeps_the_place_in_line_until_it_is_made() -> None:
    """The customer leaves the line but keeps their place until called (R-ACCESS-3, R-ACCESS-4)."""
    kinds = [*WAITING_FOR_CALLBACK, OFFERED, CALLBACK_MADE, ENDED, WRAPPED_UP]
    assert statuses_along(kinds) == [
        ContactStatus.ARRIVED,
        ContactStatus.QUEUED,
        ContactStatus.CALLBACK_PENDING,
        ContactStatus.OFFERED,
        ContactStatus.CONNECTED,
        ContactStatus.ENDED,
        ContactStatus.WRAPPED_UP,
    ]
    pending = derive_state(WAITING_FOR_CALLBACK)
    assert pending == ContactState(ContactStatus.CALLBACK_PENDING, is_callback=True)
    assert pending.status in WAITING_STATUSES
    assert derive_state(kinds) == ContactState(
        ContactStatus.WRAPPED_UP, is_callback=True, was_answered=True
    )


def test_callback_can_be_requested_while_offered() -> None:
    """R-ACCESS-3, R-ACCESS-4: a customer may ask for a callback at any point of the wait."""
    state = derive_state([ARRIVED, QUEUED, OFFERED, CALLBACK_REQUESTED])
    assert state == ContactState(ContactStatus.CALLBACK_PENDING, is_callback=True)


def test_rejected_callback_offer_returns_to_its_held_place() -> None:
    """A callback whose offer times out stays a pending callback, not a queued call (R-ACCESS-4)."""
    state = derive_state([*CALLBACK_OFFERED_TO_AGENT, QUEUED])
    assert state == ContactState(ContactStatus.CALLBACK_PENDING, is_callback=True)


def test_pending_callback_can_be_cancelled() -> None:
    state = derive_state([*WAITING_FOR_CALLBACK, ENDED, WRAPPED_UP])
    assert state == ContactState(ContactStatus.WRAPPED_UP, is_callback=True)


def test_offer_timeout_returns_to_the_queue() -> None:
    kinds = [ARRIVED, QUEUED, OFFERED, QUEUED, OFFERED, ANSWERED]
    assert statuses_along(kinds)[2:] == [
        ContactStatus.OFFERED,
        ContactStatus.QUEUED,
        ContactStatus.OFFERED,
        ContactStatus.CONNECTED,
    ]


def test_transfer_to_a_queue() -> None:
    kinds = [*CONNECTED, TRANSFERRED, QUEUED, OFFERED, ANSWERED, ENDED]
    assert statuses_along(kinds)[4:] == [
        ContactStatus.TRANSFERRING,
        ContactStatus.QUEUED,
        ContactStatus.OFFERED,
        ContactStatus.CONNECTED,
        ContactStatus.ENDED,
    ]
    assert derive_state(kinds).transfer_count == 1


def test_transfer_to_a_named_agent_while_on_hold() -> None:
    kinds = [*CONNECTED, HELD, TRANSFERRED, OFFERED, ANSWERED, TRANSFERRED, OFFERED, ANSWERED]
    state = derive_state(kinds)
    assert state == ContactState(
        ContactStatus.CONNECTED, was_answered=True, transfer_count=2, hold_count=1
    )


def test_hold_and_resume_are_counted() -> None:
    kinds = [*CONNECTED, HELD, RESUMED, HELD, RESUMED, HELD]
    assert statuses_along(kinds)[4:] == [ContactStatus.ON_HOLD, ContactStatus.CONNECTED] * 2 + [
        ContactStatus.ON_HOLD
    ]
    assert derive_state(kinds).hold_count == 3
    assert derive_state([*kinds, ENDED]).status is ContactStatus.ENDED


def test_customer_may_abandon_while_queued_or_offered() -> None:
    assert derive_state([ARRIVED, QUEUED, ABANDONED]).status is ContactStatus.ABANDONED
    assert derive_state([ARRIVED, QUEUED, OFFERED, ABANDONED]).status is ContactStatus.ABANDONED


def test_connected_callback_behaves_like_an_answered_contact() -> None:
    """Once a callback connects, a transferred customer can be answered or can abandon."""
    transferred = [*CALLBACK_OFFERED_TO_AGENT, CALLBACK_MADE, TRANSFERRED, QUEUED, OFFERED]
    assert derive_state([*transferred, ANSWERED]).status is ContactStatus.CONNECTED
    assert derive_state([*transferred, ABANDONED]).status is ContactStatus.ABANDONED
    with pytest.raises(IllegalTransition):
        derive_state([*transferred, CALLBACK_MADE])


def test_outbound_contact_is_answered_from_arrival() -> None:
    state = derive_state([ARRIVED, ANSWERED], direction=Direction.OUTBOUND)
    assert state == ContactState(ContactStatus.CONNECTED, was_answered=True)
    with pytest.raises(IllegalTransition, match="arrived cannot be answered"):
        derive_state([ARRIVED, ANSWERED], direction=Direction.INBOUND)


# --- the transition table, pinned ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "direction", "expected"),
    [
        ((), Direction.INBOUND, {ARRIVED}),
        ((ARRIVED,), Direction.INBOUND, {QUEUED}),
        ((ARRIVED,), Direction.OUTBOUND, {QUEUED, ANSWERED}),
        (
            (ARRIVED, QUEUED),
            Direction.INBOUND,
            {QUEUED, OFFERED, ABANDONED, CALLBACK_REQUESTED, CALLBACK_OFFERED},
        ),
        (
            (ARRIVED, QUEUED, OFFERED),
            Direction.INBOUND,
            {QUEUED, ANSWERED, ABANDONED, CALLBACK_REQUESTED},
        ),
        (WAITING_FOR_CALLBACK, Direction.INBOUND, {OFFERED, ENDED}),
        (CALLBACK_OFFERED_TO_AGENT, Direction.INBOUND, {QUEUED, CALLBACK_MADE}),
        (CONNECTED, Direction.INBOUND, {HELD, TRANSFERRED, ENDED}),
        ((*CONNECTED, HELD), Direction.INBOUND, {RESUMED, TRANSFERRED, ENDED}),
        ((*CONNECTED, TRANSFERRED), Direction.INBOUND, {QUEUED, OFFERED}),
        ((*CONNECTED, TRANSFERRED, QUEUED), Direction.INBOUND, {QUEUED, OFFERED, ABANDONED}),
        ((*CONNECTED, ENDED), Direction.INBOUND, {WRAPPED_UP}),
        ((*CONNECTED, ENDED, WRAPPED_UP), Direction.INBOUND, set()),
        ((ARRIVED, QUEUED, ABANDONED), Direction.INBOUND, set()),
    ],
)
def test_allowed_events(
    kinds: tuple[EventKind, ...], direction: Direction, expected: set[EventKind]
) -> None:
    state = derive_state(kinds, direction=direction) if kinds else None
    assert allowed_events(state, direction=direction) == expected


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "refused", "status"),
    [
        ((ARRIVED,), ARRIVED, "arrived"),
        ((ARRIVED, QUEUED), ARRIVED, "queued"),
        ((ARRIVED,), ANSWERED, "arrived"),
        ((ARRIVED,), ENDED, "arrived"),
        ((ARRIVED, QUEUED), ANSWERED, "queued"),
        ((ARRIVED, QUEUED), ENDED, "queued"),
        ((ARRIVED, QUEUED, OFFERED), CALLBACK_MADE, "offered"),
        ((ARRIVED, QUEUED, OFFERED), ENDED, "offered"),
        (WAITING_FOR_CALLBACK, QUEUED, "callback_pending"),
        (WAITING_FOR_CALLBACK, ABANDONED, "callback_pending"),
        (WAITING_FOR_CALLBACK, CALLBACK_REQUESTED, "callback_pending"),
        (WAITING_FOR_CALLBACK, CALLBACK_MADE, "callback_pending"),
        (CALLBACK_OFFERED_TO_AGENT, ANSWERED, "offered"),
        (CALLBACK_OFFERED_TO_AGENT, ABANDONED, "offered"),
        (CALLBACK_OFFERED_TO_AGENT, CALLBACK_REQUESTED, "offered"),
        (CONNECTED, ABANDONED, "connected"),
        (CONNECTED, RESUMED, "connected"),
        (CONNECTED, WRAPPED_UP, "connected"),
        (CONNECTED, CALLBACK_REQUESTED, "connected"),
        ((*CONNECTED, HELD), HELD, "on_hold"),
        ((*CONNECTED, TRANSFERRED), ANSWERED, "transferring"),
        ((*CONNECTED, TRANSFERRED), ENDED, "transferring"),
        ((*CONNECTED, TRANSFERRED, QUEUED), CALLBACK_REQUESTED, "queued"),
        ((*CONNECTED, ENDED), ENDED, "ended"),
        ((*CONNECTED, ENDED), HELD, "ended"),
    ],
)
def test_illegal_transition_is_refused_naming_status_and_event(
    kinds: tuple[EventKind, ...], refused: EventKind, status: str
) -> None:
    state = derive_state(kinds)
    with pytest.raises(IllegalTransition) as refusal:
        apply_event(state, refused)
    assert f"is {status} cannot be {refused.value};" in refusal.value.message
    assert refusal.value.code == "illegal_transition"


def test_refusal_message_lists_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as refusal:
        apply_event(derive_state([ARRIVED, QUEUED]), ANSWERED)
    assert refusal.value.message == (
        "a contact that is queued cannot be answered; "
        "allowed next: queued, offered, abandoned, callback_requested, callback_offered"
    )


def test_refusal_message_says_when_the_contact_is_a_pending_callback() -> None:
    """R-ACCESS-4: the agent must make the callback, not wait for the customer to answer."""
    with pytest.raises(IllegalTransition) as refusal:
        apply_event(derive_state(CALLBACK_OFFERED_TO_AGENT), ANSWERED)
    assert refusal.value.message == (
        "a callback contact that is offered cannot be answered; allowed next: queued, callback_made"
    )


@pytest.mark.parametrize("kind", [kind for kind in EventKind if kind is not ARRIVED])
def test_first_event_must_be_arrived(kind: EventKind) -> None:
    with pytest.raises(IllegalTransition, match="does not exist yet") as refusal:
        apply_event(None, kind)
    assert refusal.value.message.endswith(f"cannot be {kind.value}; allowed next: arrived")


@pytest.mark.parametrize(
    "kinds",
    [
        (ARRIVED, QUEUED, ABANDONED),
        (ARRIVED, QUEUED, OFFERED, ABANDONED),
        (*CONNECTED, ENDED, WRAPPED_UP),
        (*WAITING_FOR_CALLBACK, ENDED, WRAPPED_UP),
    ],
)
@pytest.mark.parametrize("direction", list(Direction))
def test_terminal_contact_accepts_nothing(
    kinds: tuple[EventKind, ...], direction: Direction
) -> None:
    state = derive_state(kinds, direction=direction)
    assert is_terminal(state.status)
    assert allowed_events(state, direction=direction) == frozenset()
    for kind in EventKind:
        with pytest.raises(IllegalTransition, match="allowed next: none, the contact is finished"):
            apply_event(state, kind, direction=direction)


# --- the machine as a whole ---------------------------------------------------------------


@pytest.mark.parametrize("direction", list(Direction))
def test_every_reachable_state_refuses_exactly_the_events_not_allowed(
    direction: Direction,
) -> None:
    for state in reachable_states(direction):
        allowed = allowed_events(state, direction=direction)
        for kind in EventKind:
            if kind in allowed:
                apply_event(state, kind, direction=direction)
                continue
            with pytest.raises(IllegalTransition) as refusal:
                apply_event(state, kind, direction=direction)
            assert f"is {state.status.value} cannot be {kind.value};" in refusal.value.message


def can_finish(state: ContactState, direction: Direction) -> bool:
    """Whether some sequence of allowed events takes the contact to a terminal status."""
    seen = {state}
    frontier = deque([state])
    while frontier:
        current = frontier.popleft()
        if is_terminal(current.status):
            return True
        for kind in allowed_events(current, direction=direction):
            after = apply_event(current, kind, direction=direction)
            # Finishing never needs another hold or transfer; the cap keeps the search finite.
            if after not in seen and after.hold_count <= 4 and after.transfer_count <= 4:
                seen.add(after)
                frontier.append(after)
    return False


@pytest.mark.parametrize("direction", list(Direction))
def test_every_reachable_contact_can_still_finish(direction: Direction) -> None:
    """No contact gets stuck, so every interaction ends in a closed, logged record (R-OPS-7)."""
    stuck = [
        path
        for state, path in reachable_states(direction).items()
        if not can_finish(state, direction)
    ]
    assert stuck == []


def test_derive_state_refuses_an_empty_log() -> None:
    """A contact exists only through its logged events (R-OPS-7)."""
    with pytest.raises(InvalidInput) as refusal:
        derive_state([])
    assert refusal.value.field == "events"


def test_derive_state_reads_any_iterable() -> None:
    """The current state is a replay of the logged events (R-OPS-7)."""
    assert derive_state(kind for kind in CONNECTED).status is ContactStatus.CONNECTED


@given(
    starts_with_arrival=st.booleans(),
    kinds=st.lists(st.sampled_from(EventKind), max_size=25),
    direction=st.sampled_from(Direction),
)
def test_derive_state_fails_exactly_at_the_first_event_not_allowed(
    starts_with_arrival: bool, kinds: list[EventKind], direction: Direction
) -> None:
    """Replaying a log succeeds step by step or fails at its first illegal event (R-OPS-7)."""
    if starts_with_arrival:
        kinds = [ARRIVED, *kinds]
    state: ContactState | None = None
    for index, kind in enumerate(kinds):
        if kind not in allowed_events(state, direction=direction):
            with pytest.raises(IllegalTransition):
                derive_state(kinds, direction=direction)
            # The refusal is the one for this event: the prefix before it replays cleanly.
            if index:
                assert derive_state(kinds[:index], direction=direction) == state
            return
        state = apply_event(state, kind, direction=direction)
    if state is None:
        with pytest.raises(InvalidInput):
            derive_state(kinds, direction=direction)
    else:
        assert derive_state(kinds, direction=direction) == state


@given(data=st.data(), direction=st.sampled_from(Direction))
def test_random_walk_keeps_flags_and_counters_in_step_with_the_log(
    data: st.DataObject, direction: Direction
) -> None:
    """R-ACCESS-3, R-ACCESS-4, R-OPS-7: the state is a faithful summary of the logged events."""
    kinds: list[EventKind] = []
    state: ContactState | None = None
    for _ in range(data.draw(st.integers(min_value=1, max_value=30), label="steps")):
        allowed = sorted(allowed_events(state, direction=direction))
        if not allowed:
            break
        kind = data.draw(st.sampled_from(allowed), label="event")
        state = apply_event(state, kind, direction=direction)
        kinds.append(kind)
        assert allowed_events(state, direction=direction) or is_terminal(state.status)
    assert state is not None
    assert derive_state(kinds, direction=direction) == state
    assert state.hold_count == kinds.count(HELD)
    assert state.transfer_count == kinds.count(TRANSFERRED)
    assert state.is_callback == (CALLBACK_REQUESTED in kinds)
    assert state.was_answered == (ANSWERED in kinds or CALLBACK_MADE in kinds)


# --- references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "number", "reference"),
    [
        (2026, 123, "HL-2026-000123"),
        (2000, 1, "HL-2000-000001"),
        (9999, 999_999, "HL-9999-999999"),
        (2026, 1_234_567, "HL-2026-1234567"),
    ],
)
def test_format_reference(year: int, number: int, reference: str) -> None:
    """The reference quoted to the customer (R-ACCESS-9)."""
    assert format_reference(year, number) == reference
    assert parse_reference(reference) == (year, number)


@pytest.mark.parametrize(
    ("year", "number"),
    [(1999, 1), (10_000, 1), (2026, 0), (2026, -5), (2026, 10**18)],
)
def test_format_reference_refuses_out_of_range_values(year: int, number: int) -> None:
    with pytest.raises(InvalidInput) as refusal:
        format_reference(year, number)
    assert refusal.value.field == "reference"


@given(
    year=st.integers(min_value=2000, max_value=9999),
    number=st.integers(min_value=1, max_value=10**9),
)
def test_reference_round_trip(year: int, number: int) -> None:
    """Any reference we issue is read back from a reply, whatever its case (R-ACCESS-9)."""
    reference = format_reference(year, number)
    assert parse_reference(reference) == (year, number)
    assert parse_reference(f"  {reference.lower()}\n") == (year, number)
    assert REFERENCE_PATTERN.fullmatch(reference)
    assert find_reference(f"Re: your question [{reference.lower()}]") == reference


@given(text=st.text(alphabet="HLhl-0123456789 x", max_size=24))
def test_parse_reference_accepts_only_canonical_references(text: str) -> None:
    """Whatever the text, a parsed reference formats back to the text typed (R-ACCESS-9)."""
    try:
        year, number = parse_reference(text)
    except InvalidInput as refusal:
        assert refusal.field == "reference"
    else:
        assert format_reference(year, number) == text.strip().upper()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Re: your question [HL-2026-000123]", "HL-2026-000123"),
        ("RE: hl-2026-000123 follow-up", "HL-2026-000123"),
        ("Your case (Hl-2026-1234567).", "HL-2026-1234567"),
        ("HL-2026-000123", "HL-2026-000123"),
        ("Fwd: HL-2025-000001 and HL-2026-000002", "HL-2025-000001"),
        ("Re: HL-2026-000000 or HL-2026-000007", "HL-2026-000007"),
        ("no reference here", None),
        ("", None),
        ("XHL-2026-000123", None),
        ("HL-2026-000123X", None),
        ("HL-2026-000123_1", None),
        ("HL-2026-12345", None),
        ("HL-2026-0000123", None),
        ("HL-2026-000000", None),
        ("HL-1999-000123", None),
        ("HL-26-000123", None),
        ("HL_2026_000123", None),
        ("HL-2026-1234567890123456789", None),
    ],
)
def test_find_reference_in_subjects(text: str, expected: str | None) -> None:
    """A reply quoting the reference is threaded onto its contact (R-ACCESS-9)."""
    assert find_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "HL-2026-",
        "2026-000123",
        "HL-2026-000123 extra",
        "Re: HL-2026-000123",
        "HL-2026-000000",
        "HL-1999-000001",
        "HL-2026-012345678",
        "HL\u20132026\u2013000123",  # en dashes, as word processors type them
    ],
)
def test_parse_reference_refuses_bad_references(text: str) -> None:
    """R-ACCESS-9: only a well-formed reference is accepted."""
    with pytest.raises(InvalidInput) as refusal:
        parse_reference(text)
    assert refusal.value.field == "reference"


def test_a_waiting_contact_can_move_queue_and_be_offered_a_callback() -> None:
    """R-ACCESS-3: about a minute in queue, the centre offers a callback; overflow moves
    a waiting contact to another queue without losing its place in time."""
    kinds = [ARRIVED, QUEUED, CALLBACK_OFFERED, QUEUED, CALLBACK_OFFERED, CALLBACK_REQUESTED]
    assert statuses_along(kinds) == [
        ContactStatus.ARRIVED,
        ContactStatus.QUEUED,
        ContactStatus.QUEUED,
        ContactStatus.QUEUED,
        ContactStatus.QUEUED,
        ContactStatus.CALLBACK_PENDING,
    ]
    with pytest.raises(IllegalTransition):
        derive_state([*CONNECTED, TRANSFERRED, QUEUED, CALLBACK_OFFERED])
