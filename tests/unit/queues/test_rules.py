"""Unit tests for queue business hours, holiday closures and queue codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.errors import InvalidInput
from helpline.queues.rules import (
    MIDNIGHT,
    BusinessCalendar,
    OpeningPeriod,
    format_opening_periods,
    is_closed_on,
    is_open,
    next_opening,
    parse_opening_periods,
    validate_queue_code,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")
BUDAPEST = ZoneInfo("Europe/Budapest")


def istanbul_calendar(spec: str = "mon-fri 09:00-18:00") -> BusinessCalendar:
    return BusinessCalendar("Europe/Istanbul", parse_opening_periods(spec), holiday_country="TR")


def budapest_calendar(spec: str = "mon-fri 08:00-20:00") -> BusinessCalendar:
    return BusinessCalendar("Europe/Budapest", parse_opening_periods(spec), holiday_country="HU")


def in_istanbul(
    year: int, month: int, day: int, hour: int, minute: int, *, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=ISTANBUL)


def in_budapest(
    year: int, month: int, day: int, hour: int, minute: int, *, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BUDAPEST)


# --- published hours: is_open -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (in_istanbul(2026, 10, 27, 8, 59), False),  # Tuesday, before opening
        (in_istanbul(2026, 10, 27, 9, 0), True),  # opening minute is included
        (in_istanbul(2026, 10, 27, 17, 59, second=59), True),
        (in_istanbul(2026, 10, 27, 18, 0), False),  # closing minute is excluded
        (in_istanbul(2026, 10, 31, 12, 0), False),  # Saturday
        (datetime(2026, 10, 27, 6, 0, tzinfo=UTC), True),  # 09:00 in Istanbul (UTC+3)
        (datetime(2026, 10, 27, 5, 59, tzinfo=UTC), False),
        (datetime(2026, 10, 27, 7, 0, tzinfo=BUDAPEST), True),  # 06:00 UTC after fall-back
    ],
)
def test_istanbul_hours_apply_to_instants_in_any_zone(at: datetime, expected: bool) -> None:
    """R-ACCESS-1: published hours are read in the queue's own time zone."""
    assert is_open(istanbul_calendar(), at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (in_budapest(2026, 8, 19, 12, 0), True),  # Wednesday
        (in_budapest(2026, 8, 19, 20, 0), False),
        (in_budapest(2026, 8, 20, 12, 0), False),  # State Foundation Day
        (in_budapest(2026, 8, 21, 12, 0), False),  # bridge day off in the Hungarian calendar
        (in_budapest(2026, 8, 24, 8, 0), True),
    ],
)
def test_budapest_hours_close_on_hungarian_holidays(at: datetime, expected: bool) -> None:
    """R-ACCESS-1: the holiday calendar closes the queue on national holidays."""
    assert is_open(budapest_calendar(), at) is expected


def test_istanbul_closes_on_republic_day() -> None:
    """R-ACCESS-1: 2026-10-29 (Thursday) is Republic Day in Turkey."""
    calendar = istanbul_calendar()
    assert is_closed_on(calendar, date(2026, 10, 29))
    assert not is_open(calendar, in_istanbul(2026, 10, 29, 12, 0))
    assert is_open(calendar, in_istanbul(2026, 10, 28, 12, 0))
    assert is_open(calendar, in_istanbul(2026, 10, 30, 12, 0))


def test_without_a_holiday_country_holidays_are_working_days() -> None:
    calendar = BusinessCalendar("Europe/Istanbul", parse_opening_periods("mon-fri 09:00-18:00"))
    assert is_open(calendar, in_istanbul(2026, 10, 29, 12, 0))


def test_extra_closed_dates_close_the_whole_local_day() -> None:
    """R-ACCESS-1: a one-off closure is published like a holiday."""
    calendar = BusinessCalendar(
        "Europe/Istanbul",
        parse_opening_periods("mon-sun 00:00-24:00"),
        closed_dates=frozenset({date(2026, 11, 2)}),
    )
    assert is_open(calendar, in_istanbul(2026, 11, 1, 23, 59))
    assert not is_open(calendar, in_istanbul(2026, 11, 2, 0, 0))
    # 2026-11-02 20:59 UTC is already 23:59 on the 2nd in Istanbul, 21:00 UTC is the 3rd.
    assert not is_open(calendar, datetime(2026, 11, 2, 20, 59, tzinfo=UTC))
    assert is_open(calendar, datetime(2026, 11, 2, 21, 0, tzinfo=UTC))


def test_a_period_closing_at_midnight_runs_to_the_end_of_the_day() -> None:
    calendar = istanbul_calendar("fri 20:00-24:00; sat 00:00-02:00")
    assert is_open(calendar, in_istanbul(2026, 10, 30, 23, 59, second=59))
    assert is_open(calendar, in_istanbul(2026, 10, 31, 0, 0))
    assert is_open(calendar, in_istanbul(2026, 10, 31, 1, 59))
    assert not is_open(calendar, in_istanbul(2026, 10, 31, 2, 0))


def test_hours_follow_the_wall_clock_across_the_spring_change() -> None:
    """R-ACCESS-1: 08:00 in Budapest is 07:00 UTC in winter and 06:00 UTC after 2026-03-29."""
    calendar = budapest_calendar("sun 08:00-12:00")
    assert not is_open(calendar, datetime(2026, 3, 22, 6, 30, tzinfo=UTC))  # 07:30 CET
    assert is_open(calendar, datetime(2026, 3, 22, 7, 0, tzinfo=UTC))  # 08:00 CET
    assert is_open(calendar, datetime(2026, 3, 29, 6, 0, tzinfo=UTC))  # 08:00 CEST
    assert not is_open(calendar, datetime(2026, 3, 29, 10, 0, tzinfo=UTC))  # 12:00 CEST


def test_hours_follow_the_wall_clock_across_the_autumn_change() -> None:
    """R-ACCESS-1: after 2026-10-25 Budapest is back on UTC+1."""
    calendar = budapest_calendar("sun 08:00-12:00")
    assert is_open(calendar, datetime(2026, 10, 18, 6, 30, tzinfo=UTC))  # 08:30 CEST
    assert not is_open(calendar, datetime(2026, 10, 25, 6, 30, tzinfo=UTC))  # 07:30 CET
    assert is_open(calendar, datetime(2026, 10, 25, 10, 59, tzinfo=UTC))  # 11:59 CET


def test_a_repeated_hour_is_open_both_times() -> None:
    calendar = budapest_calendar("sun 02:00-03:00")
    assert is_open(calendar, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 CEST
    assert is_open(calendar, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30 CET


def test_naive_datetimes_are_refused() -> None:
    calendar = istanbul_calendar()
    naive = datetime(2026, 10, 27, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(InvalidInput, match="timezone-aware") as caught:
        is_open(calendar, naive)
    assert caught.value.field == "at"
    with pytest.raises(InvalidInput, match="timezone-aware"):
        next_opening(calendar, naive)


# --- next_opening -------------------------------------------------------------------------------


def test_next_opening_is_the_instant_itself_when_open() -> None:
    at = in_istanbul(2026, 10, 27, 12, 0)
    opening = next_opening(istanbul_calendar(), at)
    assert opening == at
    assert opening is not None
    assert opening.tzinfo is UTC


def test_next_opening_later_the_same_day() -> None:
    opening = next_opening(istanbul_calendar(), in_istanbul(2026, 10, 27, 7, 15))
    assert opening == datetime(2026, 10, 27, 6, 0, tzinfo=UTC)


def test_next_opening_over_a_weekend() -> None:
    """R-ACCESS-1: Friday evening waits for Monday morning."""
    opening = next_opening(istanbul_calendar(), in_istanbul(2026, 11, 6, 18, 0))
    assert opening == datetime(2026, 11, 9, 6, 0, tzinfo=UTC)  # Monday 09:00 in Istanbul


def test_next_opening_over_a_holiday() -> None:
    """R-ACCESS-1: Wednesday evening before Republic Day waits for Friday."""
    opening = next_opening(istanbul_calendar(), in_istanbul(2026, 10, 28, 19, 0))
    assert opening == in_istanbul(2026, 10, 30, 9, 0)


def test_next_opening_over_holidays_and_a_weekend_in_budapest() -> None:
    """R-ACCESS-1: 20 August, the bridge day and the weekend are all closed."""
    opening = next_opening(budapest_calendar(), in_budapest(2026, 8, 19, 20, 0))
    assert opening == in_budapest(2026, 8, 24, 8, 0)
    assert opening == datetime(2026, 8, 24, 6, 0, tzinfo=UTC)


def test_an_opening_in_the_spring_gap_opens_when_the_clocks_jump() -> None:
    """02:30 does not exist in Budapest on 2026-03-29; 03:00 CEST (01:00 UTC) comes first."""
    calendar = budapest_calendar("sun 02:30-05:00")
    opening = next_opening(calendar, in_budapest(2026, 3, 28, 12, 0))
    assert opening == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert is_open(calendar, datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
    assert not is_open(calendar, datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC))  # 01:59:59 CET


def test_hours_that_fall_wholly_in_the_spring_gap_do_not_open_that_day() -> None:
    calendar = budapest_calendar("sun 02:15-02:45")
    opening = next_opening(calendar, in_budapest(2026, 3, 28, 12, 0))
    # The next Sunday, 5 April, is Easter; the one after opens at 02:15 CEST.
    assert opening == in_budapest(2026, 4, 12, 2, 15)


def test_an_opening_repeated_by_the_autumn_change_opens_again() -> None:
    calendar = budapest_calendar("sun 02:10-02:20")
    at = datetime(2026, 10, 25, 0, 25, tzinfo=UTC)  # 02:25 CEST, just after the first 02:20
    assert next_opening(calendar, at) == datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET


def test_next_opening_is_none_beyond_the_horizon() -> None:
    never = BusinessCalendar("Europe/Istanbul", ())
    assert next_opening(never, in_istanbul(2026, 10, 27, 12, 0)) is None
    saturdays = istanbul_calendar("sat 10:00-14:00")
    monday = in_istanbul(2026, 10, 26, 12, 0)
    assert next_opening(saturdays, monday, horizon_days=4) is None
    assert next_opening(saturdays, monday, horizon_days=5) == in_istanbul(2026, 10, 31, 10, 0)


def test_a_negative_horizon_is_refused() -> None:
    with pytest.raises(InvalidInput):
        next_opening(istanbul_calendar(), in_istanbul(2026, 10, 27, 12, 0), horizon_days=-1)


@st.composite
def period_sets(draw: st.DrawFn) -> tuple[OpeningPeriod, ...]:
    """Sorted, non-overlapping whole-minute periods: the canonical form the parser returns."""
    periods: list[OpeningPeriod] = []
    for weekday in range(7):
        bounds = sorted(draw(st.lists(st.integers(0, 24 * 60), unique=True, max_size=6)))
        for opens, closes in zip(bounds[::2], bounds[1::2], strict=False):
            periods.append(
                OpeningPeriod(
                    weekday=weekday,
                    opens_at=time(opens // 60, opens % 60),
                    closes_at=MIDNIGHT if closes == 24 * 60 else time(closes // 60, closes % 60),
                )
            )
    return tuple(periods)


@given(
    periods=period_sets(),
    at=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis adds the zone
        max_value=datetime(2026, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_next_opening_is_open_and_nothing_earlier_is(
    periods: tuple[OpeningPeriod, ...], at: datetime
) -> None:
    """The answer is an open instant, and the second before it (if not before `at`) is closed."""
    calendar = BusinessCalendar("Europe/Budapest", periods, holiday_country="HU")
    opening = next_opening(calendar, at, horizon_days=14)
    if opening is None:
        assert not is_open(calendar, at)
        return
    assert opening >= at
    assert opening <= at + timedelta(days=14)
    assert is_open(calendar, opening)
    before = opening - timedelta(seconds=1)
    if before >= at:
        assert not is_open(calendar, before)


# --- calendars and periods ----------------------------------------------------------------------


def test_calendar_refuses_an_unknown_time_zone() -> None:
    for zone in ("Europe/Atlantis", "", "../etc/passwd"):
        with pytest.raises(InvalidInput, match="IANA") as caught:
            BusinessCalendar(zone, ())
        assert caught.value.field == "time_zone"


@pytest.mark.parametrize("country", ["XX", "tr", "TUR"])
def test_calendar_refuses_an_unknown_holiday_country(country: str) -> None:
    with pytest.raises(InvalidInput, match="holiday calendar") as caught:
        BusinessCalendar("Europe/Istanbul", (), holiday_country=country)
    assert caught.value.field == "holiday_country"


def test_calendar_checks_the_holiday_subdivision() -> None:
    calendar = BusinessCalendar("Europe/Berlin", (), holiday_country="DE", holiday_subdivision="BY")
    assert is_closed_on(calendar, date(2026, 1, 6))  # Epiphany in Bavaria only
    assert not is_closed_on(BusinessCalendar("Europe/Berlin", (), "DE"), date(2026, 1, 6))
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar("Europe/Berlin", (), holiday_country="DE", holiday_subdivision="XX")
    assert caught.value.field == "holiday_subdivision"
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar("Europe/Berlin", (), holiday_subdivision="BY")
    assert caught.value.field == "holiday_subdivision"


@pytest.mark.parametrize(
    ("weekday", "opens_at", "closes_at"),
    [
        (0, time(18, 0), time(9, 0)),
        (0, time(9, 0), time(9, 0)),
        (7, time(9, 0), time(18, 0)),
        (-1, time(9, 0), time(18, 0)),
        (0, time(9, 0, 30), time(18, 0)),
        (0, time(9, 0, tzinfo=UTC), time(18, 0)),
    ],
)
def test_invalid_opening_periods_are_refused(weekday: int, opens_at: time, closes_at: time) -> None:
    with pytest.raises(InvalidInput) as caught:
        OpeningPeriod(weekday, opens_at, closes_at)
    assert caught.value.field == "business_hours"


def test_midnight_closes_at_the_end_of_the_day() -> None:
    whole_day = OpeningPeriod(6, MIDNIGHT, MIDNIGHT)
    assert whole_day.covers(time(0, 0))
    assert whole_day.covers(time(23, 59, 59, 999999))


# --- the admin text form ------------------------------------------------------------------------


def test_parse_a_typical_week() -> None:
    assert parse_opening_periods("mon-fri 08:00-18:00; sat 09:00-13:00") == (
        *(OpeningPeriod(day, time(8, 0), time(18, 0)) for day in range(5)),
        OpeningPeriod(5, time(9, 0), time(13, 0)),
    )


def test_parse_lists_several_ranges_and_midnight() -> None:
    assert parse_opening_periods("SUN,wed 13:00-17:00, 8:00-12:00; fri 22:00-24:00") == (
        OpeningPeriod(2, time(8, 0), time(12, 0)),
        OpeningPeriod(2, time(13, 0), time(17, 0)),
        OpeningPeriod(4, time(22, 0), MIDNIGHT),
        OpeningPeriod(6, time(8, 0), time(12, 0)),
        OpeningPeriod(6, time(13, 0), time(17, 0)),
    )


def test_parse_is_forgiving_about_spacing() -> None:
    assert parse_opening_periods("  mon - wed ,  fri   09:00 - 17:00 ;; sat 10:00-00:00 ;") == (
        parse_opening_periods("mon-wed,fri 09:00-17:00; sat 10:00-24:00")
    )
    assert parse_opening_periods("") == ()
    assert parse_opening_periods(" ; ") == ()


def test_format_groups_consecutive_days_with_identical_hours() -> None:
    periods = parse_opening_periods(
        "mon 08:00-18:00; tue 08:00-18:00; wed 08:00-18:00; thu 08:00-12:00,13:00-18:00;"
        "fri 08:00-12:00, 13:00-18:00; sat 10:00-14:00; sun 00:00-24:00"
    )
    assert format_opening_periods(periods) == (
        "mon-wed 08:00-18:00; thu-fri 08:00-12:00,13:00-18:00; sat 10:00-14:00; sun 00:00-24:00"
    )
    assert format_opening_periods(parse_opening_periods("mon,wed,fri 09:00-17:00")) == (
        "mon 09:00-17:00; wed 09:00-17:00; fri 09:00-17:00"
    )
    assert format_opening_periods(()) == ""


def test_format_sorts_its_input() -> None:
    periods = parse_opening_periods("mon-tue 09:00-12:00,13:00-17:00")
    assert format_opening_periods(reversed(periods)) == "mon-tue 09:00-12:00,13:00-17:00"


@given(period_sets())
def test_parse_of_format_round_trips(periods: tuple[OpeningPeriod, ...]) -> None:
    """R-ACCESS-1: the published hours text is a faithful, canonical form of the hours."""
    text = format_opening_periods(periods)
    assert parse_opening_periods(text) == periods
    assert format_opening_periods(parse_opening_periods(text)) == text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mon-fri", "'mon-fri' has no hours"),
        ("08:00-18:00", "names no days"),
        ("mon-fri 08:00-18:00; sat", "'sat' has no hours"),
        ("mond 08:00-18:00", "Unknown day 'mond'"),
        ("mon wed 08:00-18:00", "Unknown day 'mon wed'"),
        ("mon-xyz 08:00-18:00", "Unknown day 'xyz'"),
        ("fri-mon 08:00-18:00", "'fri-mon' in 'fri-mon 08:00-18:00' runs backwards"),
        ("mon 08:00", "'08:00' in 'mon 08:00' is not a time range"),
        ("mon 08:00-12:00 13:00-18:00", "is not a time range"),
        ("mon 8-18", "'8' in 'mon 8-18' is not a time HH:MM"),
        ("mon 08.00-18.00", "is not a time HH:MM"),
        ("mon 24:00-18:00", "'24:00' in 'mon 24:00-18:00' is not a time of day"),
        ("mon 08:00-24:30", "'24:30' .* is not a time of day"),
        ("mon 08:60-18:00", "'08:60' .* is not a time of day"),
        ("mon 18:00-08:00", "closes before it opens; split hours that run past midnight"),
        ("mon 08:00-08:00", "closes before it opens"),
        ("mon 08:00-12:00,11:00-13:00", "overlap on mon: 08:00-12:00 and 11:00-13:00"),
        ("mon-fri 08:00-18:00; wed 19:00-24:00,20:00-21:00", "overlap on wed"),
        ("mon-fri 08:00-18:00; fri 09:00-10:00", "overlap on fri"),
        ("sun 20:00-24:00, 21:00-22:00", "overlap on sun"),
    ],
)
def test_bad_specs_are_refused_with_the_part_at_fault(spec: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_opening_periods(spec)
    assert caught.value.field == "business_hours"


# --- queue codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("billing", "billing"), ("TR-Billing_2", "tr-billing_2"), (" vip ", "vip"), ("9x", "9x")],
)
def test_queue_codes_are_lower_cased(code: str, expected: str) -> None:
    assert validate_queue_code(code) == expected


@pytest.mark.parametrize("code", ["", "a", "-billing", "_billing", "bill ing", "fatura✓", "x" * 41])
def test_bad_queue_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_queue_code(code)
    assert caught.value.field == "code"
