"""Pure rules of the agents domain: skills, capacity, scope, presence moves, training validity."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from helpline.contacts.rules import Channel
from helpline.errors import IllegalTransition, InvalidInput
from helpline.identity.rules import Actor

MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 5
SKILL_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
MAX_SKILL_CODE_LENGTH = 40
MAX_SKILL_NAME_LENGTH = 120
MAX_SKILLS_PER_AGENT = 100

# Upper bounds an administrator may set; a voice agent holds one call at a time.
MAX_CAPACITY_BY_CHANNEL: dict[Channel, int] = {
    Channel.VOICE: 1,
    Channel.CHAT: 8,
    Channel.EMAIL: 20,
}
DEFAULT_CAPACITY_BY_CHANNEL: dict[Channel, int] = {
    Channel.VOICE: 1,
    Channel.CHAT: 3,
    Channel.EMAIL: 5,
}
NO_CAPACITY: dict[Channel, int] = dict.fromkeys(Channel, 0)


def validate_skill_level(level: int) -> int:
    if not MIN_SKILL_LEVEL <= level <= MAX_SKILL_LEVEL:
        raise InvalidInput(
            f"a skill level is from {MIN_SKILL_LEVEL} to {MAX_SKILL_LEVEL}, not {level}",
            field="level",
        )
    return level


def validate_skill_code(code: str) -> str:
    normalised = code.strip().lower()
    if not SKILL_CODE_PATTERN.fullmatch(normalised):
        raise InvalidInput(
            "a skill code has 2-40 characters: lower-case letters, digits, '-' or '_'", field="code"
        )
    return normalised


def validate_skill_levels(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Skill code -> level from (code, level) pairs; each code once, each level in range.

    R-HR-1: skill tags with levels drive routing, so a list that names a skill twice is
    ambiguous and refused rather than resolved silently.
    """
    levels: dict[str, int] = {}
    for raw_code, level in pairs:
        code = validate_skill_code(raw_code)
        if code in levels:
            raise InvalidInput(f"the skill {code} is named twice", field="skills")
        try:
            levels[code] = validate_skill_level(level)
        except InvalidInput as error:
            raise InvalidInput(f"{code}: {error.message}", field="skills") from error
        if len(levels) > MAX_SKILLS_PER_AGENT:
            raise InvalidInput(f"at most {MAX_SKILLS_PER_AGENT} skills", field="skills")
    return levels


def validate_capacity(channel: Channel, max_contacts: int) -> int:
    """Capacity 0 means the agent takes no contacts of that channel."""
    ceiling = MAX_CAPACITY_BY_CHANNEL[channel]
    if not 0 <= max_contacts <= ceiling:
        raise InvalidInput(
            f"capacity for {channel.value} is from 0 to {ceiling}, not {max_contacts}",
            field="capacities",
        )
    return max_contacts


def parse_channel(value: str, field: str = "channels") -> Channel:
    try:
        return Channel(value.strip().lower())
    except ValueError as error:
        known = ", ".join(channel.value for channel in Channel)
        raise InvalidInput(f"unknown channel {value!r}; use one of {known}", field=field) from error


def resolve_capacities(
    given: Mapping[str, int] | Mapping[Channel, int], *, base: Mapping[Channel, int]
) -> dict[Channel, int]:
    """A capacity for every channel: `given` (keyed by channel name) over `base`, each checked."""
    capacities = {channel: base.get(channel, 0) for channel in Channel}
    for name, max_contacts in given.items():
        capacities[parse_channel(name, "capacities")] = max_contacts
    return {channel: validate_capacity(channel, value) for channel, value in capacities.items()}


def is_agent_visible_to(actor: Actor, agent_client_ids: frozenset[int]) -> bool:
    """An agent serves the clients its user is scoped to, every client when the user has none.

    An actor sees an agent who works for at least one client the actor reaches; an agent
    serving every client therefore works for the actor's clients too and is always seen.
    """
    if actor.serves_all_clients or not agent_client_ids:
        return True
    return bool(agent_client_ids & actor.client_ids)


def can_manage_agent(actor: Actor, agent_client_ids: frozenset[int]) -> bool:
    """An actor changes an agent only when the actor reaches every client the agent serves.

    Skills and capacities steer routing for all of the agent's clients, so a supervisor of
    client A may not change an agent who also serves B, nor one who serves every client,
    unless the supervisor serves every client too.
    """
    if actor.serves_all_clients:
        return True
    return bool(agent_client_ids) and agent_client_ids <= actor.client_ids


# --- presence ------------------------------------------------------------------------------


class PresenceState(StrEnum):
    """GLOSSARY: presence state. Timestamps of every move feed occupancy and adherence."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    AUX = "aux"


class AuxReason(StrEnum):
    """Why an agent in aux takes no contacts (R-HR-8 breaks, R-OPS-2 adherence by activity)."""

    BREAK = "break"
    LUNCH = "lunch"
    TRAINING = "training"
    MEETING = "meeting"
    COACHING = "coaching"
    MISSED = "missed"  # set by the system when an offer times out or is rejected
    OTHER = "other"


class PresenceMover(StrEnum):
    """Who makes a presence move: the agent itself, Helpline (the engine), or a supervisor."""

    AGENT = "agent"
    SYSTEM = "system"
    SUPERVISOR = "supervisor"


_A, _S, _V = PresenceMover.AGENT, PresenceMover.SYSTEM, PresenceMover.SUPERVISOR
_OFF, _AVL, _BSY, _WRP, _AUX = (
    PresenceState.OFFLINE,
    PresenceState.AVAILABLE,
    PresenceState.BUSY,
    PresenceState.WRAP_UP,
    PresenceState.AUX,
)

# Every legal move and who may make it. Busy and wrap-up follow from contacts, which only the
# engine knows, so only the system moves into them. A supervisor may force an agent into
# offline, available or aux from any state (log out someone who left, end a forgotten break).
# An agent may not leave busy by hand: its contacts must end first. Aux to aux changes the
# reason, and wrap-up to aux starts a break straight after a contact; both spare the agent a
# pass through available, where it would be offered a contact it does not want.
PRESENCE_MOVES: dict[tuple[PresenceState, PresenceState], frozenset[PresenceMover]] = {
    (_OFF, _AVL): frozenset({_A, _V}),
    (_OFF, _AUX): frozenset({_V}),
    (_AVL, _OFF): frozenset({_A, _V}),
    (_AVL, _AUX): frozenset({_A, _S, _V}),
    (_AVL, _BSY): frozenset({_S}),
    (_BSY, _BSY): frozenset({_S}),  # another contact assigned, or one of several ended
    (_BSY, _WRP): frozenset({_S}),  # the last contact ended and the queue has wrap-up time
    (_BSY, _AVL): frozenset({_S, _V}),  # the last contact ended without wrap-up
    (_BSY, _OFF): frozenset({_V}),
    (_BSY, _AUX): frozenset({_V}),
    (_WRP, _AVL): frozenset({_A, _S, _V}),  # done early (agent) or wrap-up time elapsed
    (_WRP, _AUX): frozenset({_A, _V}),
    (_WRP, _OFF): frozenset({_A, _V}),
    (_AUX, _AVL): frozenset({_A, _V}),
    (_AUX, _AUX): frozenset({_A, _V}),
    (_AUX, _OFF): frozenset({_A, _V}),
}

# Aux reasons each mover may give: "missed" is evidence of an unanswered offer, so only the
# system records it, and the system goes to aux for no other reason.
AUX_REASONS_BY_MOVER: dict[PresenceMover, frozenset[AuxReason]] = {
    _A: frozenset(AuxReason) - {AuxReason.MISSED},
    _V: frozenset(AuxReason) - {AuxReason.MISSED},
    _S: frozenset({AuxReason.MISSED}),
}

# Longest period agent_state_seconds answers for at once.
MAX_STATE_SECONDS_RANGE_DAYS = 31


def validate_aux_reason(state: PresenceState, aux_reason: AuxReason | None) -> None:
    """Aux needs a reason; every other state takes none."""
    if state is PresenceState.AUX and aux_reason is None:
        raise InvalidInput("aux needs a reason, e.g. break or meeting", field="aux_reason")
    if state is not PresenceState.AUX and aux_reason is not None:
        raise InvalidInput(
            f"a reason is given only with aux, not with {state.value}", field="aux_reason"
        )


def check_presence_move(
    current: PresenceState,
    current_reason: AuxReason | None,
    target: PresenceState,
    target_reason: AuxReason | None,
    mover: PresenceMover,
) -> bool:
    """Refuse a move the mover may not make; True when it changes something.

    A move to exactly the present state and reason changes nothing and is accepted from a
    mover who may put an agent in that state at all, so repeating a request is harmless.
    Raises InvalidInput for a missing or misplaced reason and IllegalTransition, naming both
    states, for a move the table does not give this mover.
    """
    validate_aux_reason(target, target_reason)
    if target_reason is not None and target_reason not in AUX_REASONS_BY_MOVER[mover]:
        if mover is PresenceMover.SYSTEM:
            raise IllegalTransition(
                f"the system goes to aux only for missed offers, not for {target_reason.value}",
                field="aux_reason",
            )
        raise InvalidInput(
            "the reason missed is set by the system when an offer is not taken",
            field="aux_reason",
        )
    if (current, current_reason) == (target, target_reason) and may_hold(mover, target):
        return False
    if mover not in PRESENCE_MOVES.get((current, target), frozenset()):
        move = f"from {current.value} to {target.value}"
        if mover is PresenceMover.AGENT:
            message = f"an agent may not go {move} by itself"
        else:
            who = "the system" if mover is PresenceMover.SYSTEM else "a supervisor"
            message = f"{who} may not move an agent {move}"
        raise IllegalTransition(message, field="state")
    return True


def may_hold(mover: PresenceMover, state: PresenceState) -> bool:
    """Whether the mover may put an agent into `state` by any move."""
    return any(
        mover in movers and target is state for (_from, target), movers in PRESENCE_MOVES.items()
    )


def is_routable(state: PresenceState) -> bool:
    """Whether contacts may be offered: a busy agent with free capacity takes more chats."""
    return state in {PresenceState.AVAILABLE, PresenceState.BUSY}


@dataclass(frozen=True, slots=True)
class StateChange:
    """One entry of an agent's presence history: the state in force from `started_at`."""

    started_at: datetime
    state: PresenceState
    aux_reason: AuxReason | None = None


def validate_period(start: datetime, end: datetime, *, max_days: int | None = None) -> None:
    """An aware [start, end) with end after start, at most `max_days` long when given."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            "start and end must carry a time zone, e.g. 2026-11-23T09:00:00Z", field="start"
        )
    if end <= start:
        raise InvalidInput("end must be after start", field="end")
    if max_days is not None and end - start > timedelta(days=max_days):
        raise InvalidInput(f"the period is at most {max_days} days long", field="end")


def state_seconds(
    changes: Sequence[StateChange], start: datetime, end: datetime
) -> dict[PresenceState, float]:
    """Seconds spent in each state within [start, end), from changes ordered by time.

    The raw figures of occupancy (R-HR-8) and adherence (R-OPS-2). Before its first change
    an agent is offline; a change at or before `start` sets the state the period opens in;
    changes at or after `end` are ignored. Every state is in the answer, and the figures add
    up to the length of the period.
    """
    validate_period(start, end)
    spent = dict.fromkeys(PresenceState, timedelta(0))
    state, since = PresenceState.OFFLINE, start
    previous: datetime | None = None
    for change in changes:
        if previous is not None and change.started_at < previous:
            raise InvalidInput("state changes must be ordered by time", field="changes")
        previous = change.started_at
        if change.started_at >= end:
            break
        moment = max(change.started_at, start)
        spent[state] += moment - since
        state, since = change.state, moment
    spent[state] += end - since
    return {key: value.total_seconds() for key, value in spent.items()}


# --- training records ----------------------------------------------------------------------

COURSE_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
MAX_COURSE_CODE_LENGTH = 40
MAX_TRAINING_NOTE_LENGTH = 500


def validate_course_code(code: str, field: str = "course_code") -> str:
    normalised = code.strip().lower()
    if not COURSE_CODE_PATTERN.fullmatch(normalised):
        raise InvalidInput(
            "a course code has 2-40 characters: lower-case letters, digits, '.', '-' or '_'",
            field=field,
        )
    return normalised


def is_training_valid(completed_at: datetime, expires_at: datetime | None, at: datetime) -> bool:
    """A record counts from completion until (not including) its expiry (R-HR-3)."""
    return completed_at <= at and (expires_at is None or at < expires_at)
