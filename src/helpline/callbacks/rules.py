"""Pure callback rules: kinds, statuses, outcomes, promised windows and the retry policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from helpline.contacts.rules import Channel
from helpline.errors import InvalidInput

__all__ = [
    "DEFAULT_HANDLE_SECONDS",
    "DEFAULT_SCHEDULED_WINDOW_MINUTES",
    "KEEP_PLACE_MAX_PROMISE",
    "KEEP_PLACE_MIN_PROMISE",
    "MAX_ATTEMPTS",
    "MAX_DAYS_AHEAD",
    "MAX_WINDOW_MINUTES",
    "MIN_WINDOW_MINUTES",
    "OPEN_STATUSES",
    "RETRY_DELAY",
    "AttemptOutcome",
    "CallbackKind",
    "CallbackStatus",
    "RetryDecision",
    "decide_after_attempt",
    "is_kept",
    "keep_place_window",
    "scheduled_window",
]

# Handle time assumed for a queue with no contact finished in the last hour (R-INFO-3).
DEFAULT_HANDLE_SECONDS: Final[dict[Channel, float]] = {
    Channel.VOICE: 300.0,
    Channel.CHAT: 600.0,
    Channel.EMAIL: 1800.0,
}
# A keep-place promise is the estimated wait, but never shorter than 15 minutes (a promise
# the centre can keep when the estimate is optimistic) nor longer than two hours.
KEEP_PLACE_MIN_PROMISE: Final = timedelta(minutes=15)
KEEP_PLACE_MAX_PROMISE: Final = timedelta(hours=2)
MIN_WINDOW_MINUTES: Final = 15
MAX_WINDOW_MINUTES: Final = 120
DEFAULT_SCHEDULED_WINDOW_MINUTES: Final = 30
MAX_DAYS_AHEAD: Final = 14
# After no answer, busy or voicemail the centre tries again later, a few times (R-ACCESS-4).
RETRY_DELAY: Final = timedelta(minutes=10)
MAX_ATTEMPTS: Final = 3
# The step at which a window is checked against business hours.
_HOURS_STEP: Final = timedelta(minutes=5)


class CallbackKind(StrEnum):
    KEEP_PLACE = "keep_place"
    SCHEDULED = "scheduled"


class CallbackStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    CALLING = "calling"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


# A callback still owed to the customer.
OPEN_STATUSES: Final = frozenset(
    {CallbackStatus.WAITING, CallbackStatus.OFFERED, CallbackStatus.CALLING}
)


class AttemptOutcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    INVALID_NUMBER = "invalid_number"


class RetryDecision(StrEnum):
    COMPLETED = "completed"
    RETRY = "retry"
    FAILED = "failed"


_RETRYABLE: Final = frozenset(
    {AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.VOICEMAIL}
)


def keep_place_window(
    now: datetime,
    estimated_wait_seconds: float | None,
    is_open_at: Callable[[datetime], bool],
) -> tuple[datetime, datetime]:
    """The promised window of a virtual-hold callback (R-ACCESS-3, R-ACCESS-4).

    Due at once (the contact keeps its place in line and is called when its turn comes);
    kept if called within max(EWT, 15 min), at most two hours, and cut short at the queue's
    closing time: the end is the first whole minute at which the queue is closed, though
    never less than 15 minutes after now (a contact waiting out of hours keeps the minimum).
    """
    _require_aware(now, "now")
    wait = timedelta(seconds=estimated_wait_seconds or 0)
    promise = min(max(wait, KEEP_PLACE_MIN_PROMISE), KEEP_PLACE_MAX_PROMISE)
    end = now + promise
    # Closing times fall on whole minutes: look minute by minute after the minimum promise.
    step = _next_whole_minute(now + KEEP_PLACE_MIN_PROMISE)
    while step < end:
        if not is_open_at(step):
            return now, step
        step += timedelta(minutes=1)
    return now, end


def scheduled_window(
    now: datetime,
    window_start: datetime,
    window_minutes: int,
    is_open_at: Callable[[datetime], bool],
) -> tuple[datetime, datetime]:
    """Check a window the customer chose and return it (R-ACCESS-4).

    The start must be in the future and at most 14 days ahead, the window 15 to 120 minutes
    long, and the queue open throughout it (its hours, national holidays and closures).
    """
    _require_aware(now, "now")
    _require_aware(window_start, "window_start")
    window_start = window_start.astimezone(UTC)
    if not MIN_WINDOW_MINUTES <= window_minutes <= MAX_WINDOW_MINUTES:
        raise InvalidInput(
            f"a callback window lasts {MIN_WINDOW_MINUTES} to {MAX_WINDOW_MINUTES} minutes",
            field="window_minutes",
        )
    if window_start <= now:
        raise InvalidInput("a scheduled callback must start in the future", field="window_start")
    if window_start > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            f"a callback can be scheduled at most {MAX_DAYS_AHEAD} days ahead",
            field="window_start",
        )
    end = window_start + timedelta(minutes=window_minutes)
    step = window_start
    while step < end:
        if not is_open_at(step):
            raise InvalidInput(
                "the queue is closed during that window; choose a time inside business hours",
                field="window_start",
            )
        step += _HOURS_STEP
    if not is_open_at(end - timedelta(seconds=1)):
        raise InvalidInput(
            "the queue closes before the window ends; choose a time inside business hours",
            field="window_start",
        )
    return window_start, end


def decide_after_attempt(outcome: AttemptOutcome, attempts: int) -> RetryDecision:
    """What an attempt's outcome means, `attempts` counting this one (R-ACCESS-4).

    Answered completes the callback; an invalid number fails it at once; no answer, busy
    or voicemail retry after RETRY_DELAY until MAX_ATTEMPTS have been made.
    """
    outcome = AttemptOutcome(outcome)
    if attempts < 1:
        raise InvalidInput("an attempt count starts at 1", field="attempts")
    if outcome is AttemptOutcome.ANSWERED:
        return RetryDecision.COMPLETED
    if outcome in _RETRYABLE and attempts < MAX_ATTEMPTS:
        return RetryDecision.RETRY
    return RetryDecision.FAILED


def is_kept(
    window_end: datetime, first_attempt_at: datetime | None, window_missed_at: datetime | None
) -> bool:
    """A promise is kept when the first attempt came by the window's end, before any flag
    that the window was missed (Callback KPIs: kept rate). A flag raised later, on a retry's
    window, does not unkeep the first promise."""
    if first_attempt_at is None or first_attempt_at > window_end:
        return False
    return window_missed_at is None or first_attempt_at < window_missed_at


def _next_whole_minute(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def _require_aware(moment: datetime, field: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} must be a timezone-aware datetime", field=field)
