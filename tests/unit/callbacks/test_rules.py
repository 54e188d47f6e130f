"""Pure callback rules: promised windows, the retry policy and the kept test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpline.callbacks.rules import (
    AttemptOutcome,
    RetryDecision,
    decide_after_attempt,
    is_kept,
    keep_place_window,
    scheduled_window,
)
from helpline.errors import InvalidInput

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CLOSING = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _always_open(_: datetime) -> bool:
    return True


def _open_until_ten(at: datetime) -> bool:
    return at < CLOSING


@pytest.mark.parametrize(
    ("estimate", "promise_minutes"),
    [(None, 15), (0.0, 15), (1200.0, 20), (5 * 3600.0, 120)],
)
def test_keep_place_promise_is_the_estimate_within_bounds(
    estimate: float | None, promise_minutes: int
) -> None:
    start, end = keep_place_window(NOW, estimate, _always_open)

    assert start == NOW
    assert end - start == timedelta(minutes=promise_minutes)


def test_keep_place_promise_stops_at_closing() -> None:
    assert keep_place_window(NOW, 3600.0, _open_until_ten) == (NOW, CLOSING)


def test_keep_place_promise_never_below_the_minimum() -> None:
    late = CLOSING - timedelta(minutes=5)
    assert keep_place_window(late, 3600.0, _open_until_ten)[1] == late + timedelta(minutes=15)


def test_scheduled_window_checks() -> None:
    start = NOW + timedelta(hours=1)
    assert scheduled_window(NOW, start, 45, _always_open) == (start, start + timedelta(minutes=45))
    for bad_minutes in (14, 121):
        with pytest.raises(InvalidInput) as refusal:
            scheduled_window(NOW, start, bad_minutes, _always_open)
        assert refusal.value.field == "window_minutes"
    for bad_start in (NOW, NOW + timedelta(days=14, seconds=1)):
        with pytest.raises(InvalidInput):
            scheduled_window(NOW, bad_start, 30, _always_open)
    with pytest.raises(InvalidInput):
        scheduled_window(NOW, NOW + timedelta(minutes=10), 30, _open_until_ten)
    with pytest.raises(InvalidInput):
        scheduled_window(NOW, datetime(2026, 11, 24, 9, 0), 30, _always_open)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("outcome", "attempts", "decision"),
    [
        (AttemptOutcome.ANSWERED, 1, RetryDecision.COMPLETED),
        (AttemptOutcome.NO_ANSWER, 1, RetryDecision.RETRY),
        (AttemptOutcome.BUSY, 2, RetryDecision.RETRY),
        (AttemptOutcome.VOICEMAIL, 3, RetryDecision.FAILED),
        (AttemptOutcome.INVALID_NUMBER, 1, RetryDecision.FAILED),
    ],
)
def test_retry_policy(outcome: AttemptOutcome, attempts: int, decision: RetryDecision) -> None:
    assert decide_after_attempt(outcome, attempts) is decision


def test_attempts_start_at_one() -> None:
    with pytest.raises(InvalidInput):
        decide_after_attempt(AttemptOutcome.BUSY, 0)


def test_kept_means_attempted_in_window_before_any_miss() -> None:
    end = NOW + timedelta(minutes=15)
    assert is_kept(end, NOW, None)
    assert not is_kept(end, None, None)
    assert not is_kept(end, end + timedelta(seconds=1), None)
    assert not is_kept(end, NOW, NOW - timedelta(seconds=1))
    assert is_kept(end, NOW, NOW + timedelta(hours=1))
