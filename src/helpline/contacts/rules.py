"""Pure rules of a contact: its channels, the event state machine and customer references."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from helpline.errors import IllegalTransition, InvalidInput
from helpline.identity.rules import chain_hash

__all__ = [
    "GENESIS_EVENT_HASH",
    "MAX_EVENT_DATA_BYTES",
    "MAX_EVENT_DATA_DEPTH",
    "MAX_EVENT_DATA_KEYS",
    "MAX_EVENT_NOTE_LENGTH",
    "MAX_SUBJECT_LENGTH",
    "REFERENCE_PATTERN",
    "WAITING_STATUSES",
    "Channel",
    "ContactState",
    "ContactStatus",
    "Direction",
    "EventKind",
    "allowed_events",
    "apply_event",
    "derive_state",
    "event_hash",
    "find_reference",
    "format_reference",
    "is_terminal",
    "parse_reference",
    "validate_event_data",
]

MAX_SUBJECT_LENGTH: Final = 300
MAX_EVENT_NOTE_LENGTH: Final = 2000
# Event data is context passed along with the contact (R-OPS-8), not a document store.
MAX_EVENT_DATA_KEYS: Final = 50
MAX_EVENT_DATA_DEPTH: Final = 3
MAX_EVENT_DATA_BYTES: Final = 8 * 1024


class Channel(StrEnum):
    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class EventKind(StrEnum):
    ARRIVED = "arrived"
    QUEUED = "queued"
    OFFERED = "offered"
    ANSWERED = "answered"
    HELD = "held"
    RESUMED = "resumed"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    CALLBACK_REQUESTED = "callback_requested"
    # The centre offered a callback to a waiting customer (R-ACCESS-3); the contact keeps
    # waiting until the customer accepts (callback_requested) or leaves.
    CALLBACK_OFFERED = "callback_offered"
    CALLBACK_MADE = "callback_made"
    ENDED = "ended"
    WRAPPED_UP = "wrapped_up"


class ContactStatus(StrEnum):
    ARRIVED = "arrived"
    QUEUED = "queued"
    OFFERED = "offered"
    CALLBACK_PENDING = "callback_pending"
    CONNECTED = "connected"
    ON_HOLD = "on_hold"
    TRANSFERRING = "transferring"
    ENDED = "ended"
    ABANDONED = "abandoned"
    WRAPPED_UP = "wrapped_up"


# Contacts that occupy a place in line; a pending callback keeps its place (R-ACCESS-3, R-ACCESS-4).
WAITING_STATUSES: Final = frozenset(
    {ContactStatus.QUEUED, ContactStatus.OFFERED, ContactStatus.CALLBACK_PENDING}
)

_TERMINAL_STATUSES: Final = frozenset({ContactStatus.ABANDONED, ContactStatus.WRAPPED_UP})


@dataclass(frozen=True, slots=True)
class ContactState:
    """Where a contact stands, derived from its events.

    `is_callback` means the customer left the line and the centre must call back, keeping
    their place; `was_answered` means an agent has spoken to the customer at least once.
    """

    status: ContactStatus
    is_callback: bool = False
    was_answered: bool = False
    transfer_count: int = 0
    hold_count: int = 0


def is_terminal(status: ContactStatus) -> bool:
    """True when the contact accepts no further event."""
    return status in _TERMINAL_STATUSES


def _is_awaiting_callback(state: ContactState) -> bool:
    # The customer is off the line until the callback connects; once it has, the contact
    # behaves like any answered one (it may be transferred, queued and offered again).
    return state.is_callback and not state.was_answered


def _has_customer_on_line(state: ContactState) -> bool:
    return not _is_awaiting_callback(state)


def _can_request_callback(state: ContactState) -> bool:
    # One callback per contact, and only from the first wait: a customer who has already
    # been served and wants to be called again opens a new contact.
    return not state.is_callback and not state.was_answered


@dataclass(frozen=True, slots=True)
class _Transition:
    kind: EventKind
    sources: frozenset[ContactStatus]
    target: ContactStatus
    when: Callable[[ContactState], bool] | None = None
    direction: Direction | None = None
    answers: bool = False
    makes_callback: bool = False
    counts_hold: bool = False
    counts_transfer: bool = False

    def applies(self, state: ContactState, direction: Direction) -> bool:
        return (
            state.status in self.sources
            and (self.direction is None or self.direction is direction)
            and (self.when is None or self.when(state))
        )

    def apply(self, state: ContactState) -> ContactState:
        return replace(
            state,
            status=self.target,
            is_callback=state.is_callback or self.makes_callback,
            was_answered=state.was_answered or self.answers,
            hold_count=state.hold_count + int(self.counts_hold),
            transfer_count=state.transfer_count + int(self.counts_transfer),
        )


def _from(*statuses: ContactStatus) -> frozenset[ContactStatus]:
    return frozenset(statuses)


# The one transition table; apply_event and allowed_events both read it, so they cannot
# drift. The first transition that applies wins. `arrived` opens a contact and is handled
# before the table, as it has no source status.
_TRANSITIONS: Final[tuple[_Transition, ...]] = (
    _Transition(
        EventKind.QUEUED,
        _from(ContactStatus.ARRIVED, ContactStatus.TRANSFERRING),
        ContactStatus.QUEUED,
    ),
    # A waiting contact moves to another queue (overflow) and keeps its original arrival.
    _Transition(
        EventKind.QUEUED,
        _from(ContactStatus.QUEUED),
        ContactStatus.QUEUED,
    ),
    _Transition(
        EventKind.CALLBACK_OFFERED,
        _from(ContactStatus.QUEUED),
        ContactStatus.QUEUED,
        when=_can_request_callback,
    ),
    # A callback whose offer was rejected or timed out goes back to its held place.
    _Transition(
        EventKind.QUEUED,
        _from(ContactStatus.OFFERED),
        ContactStatus.CALLBACK_PENDING,
        when=_is_awaiting_callback,
    ),
    _Transition(
        EventKind.QUEUED,
        _from(ContactStatus.OFFERED),
        ContactStatus.QUEUED,
        when=_has_customer_on_line,
    ),
    _Transition(
        EventKind.OFFERED,
        _from(ContactStatus.QUEUED, ContactStatus.CALLBACK_PENDING, ContactStatus.TRANSFERRING),
        ContactStatus.OFFERED,
    ),
    # A callback is connected by making the call, never by answering an offer.
    _Transition(
        EventKind.ANSWERED,
        _from(ContactStatus.OFFERED),
        ContactStatus.CONNECTED,
        when=_has_customer_on_line,
        answers=True,
    ),
    _Transition(
        EventKind.ANSWERED,
        _from(ContactStatus.ARRIVED),
        ContactStatus.CONNECTED,
        direction=Direction.OUTBOUND,
        answers=True,
    ),
    _Transition(
        EventKind.CALLBACK_REQUESTED,
        _from(ContactStatus.QUEUED, ContactStatus.OFFERED),
        ContactStatus.CALLBACK_PENDING,
        when=_can_request_callback,
        makes_callback=True,
    ),
    _Transition(
        EventKind.CALLBACK_MADE,
        _from(ContactStatus.OFFERED),
        ContactStatus.CONNECTED,
        when=_is_awaiting_callback,
        answers=True,
    ),
    _Transition(
        EventKind.HELD,
        _from(ContactStatus.CONNECTED),
        ContactStatus.ON_HOLD,
        counts_hold=True,
    ),
    _Transition(EventKind.RESUMED, _from(ContactStatus.ON_HOLD), ContactStatus.CONNECTED),
    _Transition(
        EventKind.TRANSFERRED,
        _from(ContactStatus.CONNECTED, ContactStatus.ON_HOLD),
        ContactStatus.TRANSFERRING,
        counts_transfer=True,
    ),
    # Only a customer on the line can abandon; a pending callback is cancelled with `ended`.
    _Transition(
        EventKind.ABANDONED,
        _from(ContactStatus.QUEUED, ContactStatus.OFFERED),
        ContactStatus.ABANDONED,
        when=_has_customer_on_line,
    ),
    # From CALLBACK_PENDING: the callback was cancelled or its attempts ran out.
    _Transition(
        EventKind.ENDED,
        _from(ContactStatus.CONNECTED, ContactStatus.ON_HOLD, ContactStatus.CALLBACK_PENDING),
        ContactStatus.ENDED,
    ),
    _Transition(EventKind.WRAPPED_UP, _from(ContactStatus.ENDED), ContactStatus.WRAPPED_UP),
)


def _next_state(
    state: ContactState | None, kind: EventKind, direction: Direction
) -> ContactState | None:
    """The state after `kind`, or None when the event is not allowed."""
    if state is None:
        return ContactState(ContactStatus.ARRIVED) if kind is EventKind.ARRIVED else None
    for transition in _TRANSITIONS:
        if transition.kind is kind and transition.applies(state, direction):
            return transition.apply(state)
    return None


def allowed_events(
    state: ContactState | None, *, direction: Direction = Direction.INBOUND
) -> frozenset[EventKind]:
    """The events `apply_event` accepts next; empty for a terminal contact."""
    return frozenset(kind for kind in EventKind if _next_state(state, kind, direction) is not None)


def apply_event(
    state: ContactState | None, kind: EventKind, *, direction: Direction = Direction.INBOUND
) -> ContactState:
    """Move a contact (None before its first event) through one event, or refuse it."""
    next_state = _next_state(state, kind, direction)
    if next_state is not None:
        return next_state
    allowed = allowed_events(state, direction=direction)
    # Listed in lifecycle order (the enum's order), so messages are stable.
    allowed_text = ", ".join(event.value for event in EventKind if event in allowed)
    if state is None:
        subject = "a contact that does not exist yet"
    elif _is_awaiting_callback(state):
        subject = f"a callback contact that is {state.status.value}"
    else:
        subject = f"a contact that is {state.status.value}"
    if not allowed_text:
        allowed_text = "none, the contact is finished"
    raise IllegalTransition(f"{subject} cannot be {kind.value}; allowed next: {allowed_text}")


def derive_state(
    kinds: Iterable[EventKind], *, direction: Direction = Direction.INBOUND
) -> ContactState:
    """Replay a contact's logged events, oldest first, into its current state."""
    state: ContactState | None = None
    for kind in kinds:
        state = apply_event(state, kind, direction=direction)
    if state is None:
        raise InvalidInput("a contact needs at least one event", field="events")
    return state


_MIN_REFERENCE_YEAR: Final = 2000
_MAX_REFERENCE_YEAR: Final = 9999
_MAX_REFERENCE_NUMBER: Final = 10**18 - 1

# Matches exactly the references format_reference produces (any letter case): the number
# is six digits, or longer without a leading zero, and never zero. Eighteen digits at most
# keeps it within a database bigint.
REFERENCE_PATTERN: Final[re.Pattern[str]] = re.compile(
    r"""
    \b HL-
    (?P<year>[2-9][0-9]{3})
    -
    (?P<number>(?!000000)[0-9]{6}|[1-9][0-9]{6,17})
    \b
    """,
    re.IGNORECASE | re.VERBOSE,
)


def format_reference(year: int, number: int) -> str:
    """The reference quoted to the customer, e.g. HL-2026-000123 (R-ACCESS-9)."""
    if not _MIN_REFERENCE_YEAR <= year <= _MAX_REFERENCE_YEAR:
        raise InvalidInput(
            f"reference year {year} is outside {_MIN_REFERENCE_YEAR}..{_MAX_REFERENCE_YEAR}",
            field="reference",
        )
    if not 1 <= number <= _MAX_REFERENCE_NUMBER:
        raise InvalidInput(
            f"reference number {number} is outside 1..{_MAX_REFERENCE_NUMBER}", field="reference"
        )
    return f"HL-{year:04d}-{number:06d}"


def find_reference(text: str) -> str | None:
    """The first reference quoted in free text such as an e-mail subject, in canonical form."""
    match = REFERENCE_PATTERN.search(text)
    return match.group(0).upper() if match else None


def parse_reference(text: str) -> tuple[int, int]:
    """The (year, number) of a reference typed on its own; surrounding spaces are ignored."""
    match = REFERENCE_PATTERN.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(f"{text!r} is not a reference like HL-2026-000123", field="reference")
    return int(match.group("year")), int(match.group("number"))


GENESIS_EVENT_HASH = "0" * 64


def event_hash(
    previous_hash: str,
    *,
    contact_id: int,
    seq: int,
    kind: str,
    occurred_at: datetime,
    actor_user_id: int | None,
    agent_id: int | None,
    queue_id: int | None,
    note: str | None,
    data: dict[str, Any],
) -> str:
    """The hash of one contact event linked to the contact's previous event (R-INFRA-2)."""
    payload = {
        "contact_id": contact_id,
        "seq": seq,
        "kind": kind,
        "occurred_at": occurred_at.isoformat(),
        "actor_user_id": actor_user_id,
        "agent_id": agent_id,
        "queue_id": queue_id,
        "note": note,
        "data": data,
    }
    return chain_hash(previous_hash, payload)


def validate_event_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """Refuse event data that is not a small JSON object: keys, nesting and size are capped."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object", field="data")
    if len(data) > MAX_EVENT_DATA_KEYS:
        raise InvalidInput(f"data may have at most {MAX_EVENT_DATA_KEYS} keys", field="data")
    if _depth(data) > MAX_EVENT_DATA_DEPTH:
        raise InvalidInput(
            f"data may be nested at most {MAX_EVENT_DATA_DEPTH} levels deep", field="data"
        )
    try:
        # Strict JSON: NaN and Infinity are not JSON and PostgreSQL would refuse them.
        encoded = json.dumps(data, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("data must hold JSON values only", field="data") from exc
    if len(encoded.encode()) > MAX_EVENT_DATA_BYTES:
        raise InvalidInput(
            f"data may take at most {MAX_EVENT_DATA_BYTES} bytes as JSON", field="data"
        )
    return data


def _depth(value: Any, level: int = 1) -> int:
    """Nesting depth of a JSON value: each object or array is one level, a scalar none."""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return level - 1
    if level > MAX_EVENT_DATA_DEPTH:
        return level  # deep enough to refuse; stop before a hostile document recurses far
    return max((_depth(child, level + 1) for child in children), default=level)
