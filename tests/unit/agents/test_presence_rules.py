"""Unit tests for the presence state machine, time per state and training validity."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.agents.rules import (
    AuxReason,
    PresenceMover,
    PresenceState,
    StateChange,
    check_presence_move,
    is_routable,
    is_training_valid,
    state_seconds,
    validate_course_code,
    validate_period,
)
from helpline.errors import IllegalTransition, InvalidInput
from helpline.identity.rules import ROLE_PERMISSIONS, Permission, Role

OFF, AVL, BSY, WRP, AUX = (
    PresenceState.OFFLINE,
    PresenceState.AVAILABLE,
    PresenceState.BUSY,
    PresenceState.WRAP_UP,
    PresenceState.AUX,
)
AGENT, SYSTEM, SUPERVISOR = PresenceMover.AGENT, PresenceMover.SYSTEM, PresenceMover.SUPERVISOR

# The moves that change something, written out by hand from the brief (not read from the
# table under test): "mover: from -> to".
LEGAL = {
    # the agent itself
    "agent: offline -> available",
    "agent: available -> offline",
    "agent: available -> aux",
    "agent: aux -> available",
    "agent: aux -> aux",  # another reason, without passing through available
    "agent: aux -> offline",
    "agent: wrap_up -> available",
    "agent: wrap_up -> aux",  # a break straight after a contact
    "agent: wrap_up -> offline",
    # Helpline, as contacts come and go
    "system: available -> busy",
    "system: busy -> busy",
    "system: busy -> wrap_up",
    "system: busy -> available",
    "system: wrap_up -> available",
    "system: available -> aux",
    # a supervisor forces offline, available or aux from any state
    *(
        f"supervisor: {start.value} -> {target.value}"
        for start in PresenceState
        for target in (OFF, AVL, AUX)
        if start is not target or target is AUX
    ),
}


def reason_for(mover: PresenceMover, target: PresenceState) -> AuxReason | None:
    if target is not AUX:
        return None
    return AuxReason.MISSED if mover is SYSTEM else AuxReason.BREAK


def current_reason(state: PresenceState) -> AuxReason | None:
    # Aux to aux is a change only with another reason: start from lunch, move to break/missed.
    return AuxReason.LUNCH if state is AUX else None


@pytest.mark.parametrize(
    ("mover", "start", "target"),
    list(itertools.product(PresenceMover, PresenceState, PresenceState)),
    ids=lambda value: value.value,
)
def test_every_move_for_every_mover(
    mover: PresenceMover, start: PresenceState, target: PresenceState
) -> None:
    name = f"{mover.value}: {start.value} -> {target.value}"
    reason = reason_for(mover, target)
    if name in LEGAL:
        changed = check_presence_move(start, current_reason(start), target, reason, mover)
        assert changed is not (start is BSY and target is BSY), name
        return
    if start is target and start is not AUX and target is not BSY:
        # Repeating the present state is harmless for a mover who may hold that state.
        holds = {f"{mover.value}: {other.value} -> {target.value}" for other in PresenceState}
        if holds & LEGAL:
            assert check_presence_move(start, None, target, reason, mover) is False
            return
    with pytest.raises(IllegalTransition) as refused:
        check_presence_move(start, current_reason(start), target, reason, mover)
    assert start.value in refused.value.message
    assert target.value in refused.value.message


def test_busy_stays_busy_for_the_system_without_a_change() -> None:
    assert check_presence_move(BSY, None, BSY, None, SYSTEM) is False


def test_agent_cannot_leave_busy_or_go_busy() -> None:
    for target in PresenceState:
        with pytest.raises(IllegalTransition):
            check_presence_move(BSY, None, target, reason_for(AGENT, target), AGENT)
    with pytest.raises(IllegalTransition, match="from available to busy"):
        check_presence_move(AVL, None, BSY, None, AGENT)


def test_same_aux_reason_again_changes_nothing() -> None:
    assert check_presence_move(AUX, AuxReason.BREAK, AUX, AuxReason.BREAK, AGENT) is False
    assert check_presence_move(AUX, AuxReason.BREAK, AUX, AuxReason.LUNCH, AGENT) is True


@pytest.mark.parametrize("mover", list(PresenceMover))
def test_aux_needs_a_reason(mover: PresenceMover) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_presence_move(AVL, None, AUX, None, mover)
    assert refused.value.field == "aux_reason"


@pytest.mark.parametrize("target", [OFF, AVL, BSY, WRP])
def test_only_aux_takes_a_reason(target: PresenceState) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_presence_move(AVL, None, target, AuxReason.BREAK, SUPERVISOR)
    assert refused.value.field == "aux_reason"


@pytest.mark.parametrize("mover", [AGENT, SUPERVISOR])
def test_missed_is_the_systems_reason(mover: PresenceMover) -> None:
    with pytest.raises(InvalidInput, match="missed"):
        check_presence_move(AVL, None, AUX, AuxReason.MISSED, mover)


@pytest.mark.parametrize(
    "reason", [reason for reason in AuxReason if reason is not AuxReason.MISSED]
)
def test_system_goes_to_aux_only_for_missed_offers(reason: AuxReason) -> None:
    with pytest.raises(IllegalTransition, match=reason.value):
        check_presence_move(AVL, None, AUX, reason, SYSTEM)
    assert check_presence_move(AVL, None, AUX, reason, AGENT) is True


def test_routable_states() -> None:
    assert {state for state in PresenceState if is_routable(state)} == {AVL, BSY}


def test_training_permission_roles() -> None:
    assert ROLE_PERMISSIONS[Permission.RECORD_TRAINING] == {
        Role.SUPERVISOR,
        Role.ADMIN,
        Role.QUALITY,
    }


# --- time per state ------------------------------------------------------------------------

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_state_seconds_counts_each_stretch() -> None:
    changes = [
        StateChange(at(0), AVL),
        StateChange(at(10), BSY),
        StateChange(at(15), WRP),
        StateChange(at(16), AVL),
        StateChange(at(30), AUX, AuxReason.BREAK),
        StateChange(at(45), OFF),
    ]
    seconds = state_seconds(changes, at(0), at(60))
    assert seconds == {
        AVL: (10 + 14) * 60.0,
        BSY: 5 * 60.0,
        WRP: 60.0,
        AUX: 15 * 60.0,
        OFF: 15 * 60.0,
    }


def test_state_seconds_clips_to_the_period() -> None:
    changes = [
        StateChange(at(-30), AVL),  # in force when the period opens
        StateChange(at(20), BSY),
        StateChange(at(90), OFF),  # after the period: ignored
    ]
    seconds = state_seconds(changes, at(0), at(60))
    assert seconds[AVL] == 20 * 60
    assert seconds[BSY] == 40 * 60
    assert seconds[OFF] == 0


def test_before_the_first_change_an_agent_is_offline() -> None:
    seconds = state_seconds([StateChange(at(45), AVL)], at(0), at(60))
    assert seconds[OFF] == 45 * 60
    assert seconds[AVL] == 15 * 60
    assert state_seconds([], at(0), at(1)) == {**dict.fromkeys(PresenceState, 0.0), OFF: 60.0}


def test_changes_at_the_same_instant_leave_the_last_one_in_force() -> None:
    changes = [StateChange(at(5), AVL), StateChange(at(5), BSY)]
    seconds = state_seconds(changes, at(0), at(10))
    assert seconds[AVL] == 0
    assert seconds[BSY] == 5 * 60


def test_state_seconds_refuses_unordered_changes_and_bad_periods() -> None:
    with pytest.raises(InvalidInput, match="ordered"):
        state_seconds([StateChange(at(5), AVL), StateChange(at(1), OFF)], at(0), at(10))
    with pytest.raises(InvalidInput, match="after start"):
        state_seconds([], at(10), at(10))
    with pytest.raises(InvalidInput, match="time zone"):
        state_seconds([], at(0).replace(tzinfo=None), at(10))


def test_period_length_is_bounded() -> None:
    validate_period(T0, T0 + timedelta(days=31), max_days=31)
    with pytest.raises(InvalidInput, match="31 days"):
        validate_period(T0, T0 + timedelta(days=31, seconds=1), max_days=31)


change_lists = st.lists(
    st.tuples(
        st.integers(min_value=-10_000, max_value=100_000),  # seconds from T0
        st.sampled_from(list(PresenceState)),
    ),
    max_size=40,
)


@given(
    raw=change_lists,
    start_offset=st.integers(min_value=-5_000, max_value=50_000),
    length=st.integers(min_value=1, max_value=200_000),
)
def test_state_seconds_add_up_to_the_period_and_are_never_negative(
    raw: list[tuple[int, PresenceState]], start_offset: int, length: int
) -> None:
    changes = [
        StateChange(T0 + timedelta(seconds=offset), state)
        for offset, state in sorted(raw, key=lambda item: item[0])
    ]
    start = T0 + timedelta(seconds=start_offset)
    end = start + timedelta(seconds=length)
    seconds = state_seconds(changes, start, end)
    assert set(seconds) == set(PresenceState)
    assert all(value >= 0 for value in seconds.values())
    assert math.isclose(sum(seconds.values()), length, abs_tol=1e-6)


# --- training ------------------------------------------------------------------------------


def test_training_is_valid_from_completion_until_expiry() -> None:
    done, expires = at(0), at(60)
    assert not is_training_valid(done, expires, at(-1))
    assert is_training_valid(done, expires, at(0))
    assert is_training_valid(done, expires, at(59))
    assert not is_training_valid(done, expires, at(60))
    assert is_training_valid(done, None, at(10**6))


@pytest.mark.parametrize(
    ("code", "expected"),
    [(" Data-Protection ", "data-protection"), ("nda.v2", "nda.v2"), ("gdpr_2026", "gdpr_2026")],
)
def test_course_codes_are_normalised(code: str, expected: str) -> None:
    assert validate_course_code(code) == expected


@pytest.mark.parametrize("code", ["", "x", "-dash", "has space", "a" * 41, "ümlaut"])
def test_bad_course_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_course_code(code, "required_training_code")
    assert refused.value.field == "required_training_code"
