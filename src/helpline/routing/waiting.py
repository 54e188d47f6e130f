"""Estimated wait time (EWT): what a waiting customer is told about their wait (R-INFO-3)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from helpline.errors import InvalidInput

__all__ = ["estimate_wait_seconds", "mean_handle_seconds"]


def mean_handle_seconds(
    recent_handle_seconds: Sequence[float], *, default_handle_seconds: float
) -> float:
    """The mean of the recent handle times, or the default when there are none yet."""
    _require_duration(default_handle_seconds, "default_handle_seconds", allow_zero=False)
    for seconds in recent_handle_seconds:
        _require_duration(seconds, "recent_handle_seconds", allow_zero=True)
    if not recent_handle_seconds:
        return float(default_handle_seconds)
    return math.fsum(recent_handle_seconds) / len(recent_handle_seconds)


def estimate_wait_seconds(
    position: int,
    eligible_agent_count: int,
    recent_handle_seconds: Sequence[float],
    *,
    default_handle_seconds: float,
    free_agent_count: int = 0,
) -> float | None:
    """How long the customer at `position` in line should expect to wait, in seconds.

    EWT = max(0, position - free_agent_count) x AHT / eligible_agent_count, where AHT is the
    mean handle time (talk or chat time, hold and wrap-up) of the contacts the eligible agents
    finished recently, or `default_handle_seconds` when they have finished none yet.

    Why: while every eligible agent is busy, N agents each finishing a contact every AHT
    seconds free one up every AHT / N seconds on average, and the customer at position p is
    served at the p-th release; free agents serve the first places at once, so position 1
    with a free agent waits about 0. For a channel where an agent holds several contacts at
    once (chat, e-mail), count capacity slots rather than people, with handle times measured
    per contact.

    What it ignores, so it is an estimate and not a promise: contacts of other queues (or of
    higher priority arriving later) competing for the same agents, agents going on break,
    and the spread of handle times. It uses only figures the centre records, so a customer
    can be told how it was reached. Returns None when no eligible agent is logged in: the
    channel then says it cannot estimate the wait rather than invent a number.
    """
    if isinstance(position, bool) or position < 1:
        raise InvalidInput(f"a place in line starts at 1, not {position}", field="position")
    if eligible_agent_count < 0:
        raise InvalidInput(
            f"an agent count cannot be negative ({eligible_agent_count})",
            field="eligible_agent_count",
        )
    if not 0 <= free_agent_count <= eligible_agent_count:
        raise InvalidInput(
            f"free agents ({free_agent_count}) must be from 0 to the eligible agents "
            f"({eligible_agent_count})",
            field="free_agent_count",
        )
    handle_seconds = mean_handle_seconds(
        recent_handle_seconds, default_handle_seconds=default_handle_seconds
    )
    if eligible_agent_count == 0:
        return None
    ahead_of_service = max(0, position - free_agent_count)
    return ahead_of_service * handle_seconds / eligible_agent_count


def _require_duration(seconds: float, field: str, *, allow_zero: bool) -> None:
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        wanted = "zero or more" if allow_zero else "more than zero"
        raise InvalidInput(f"{field} must be a finite number of seconds, {wanted}", field=field)
