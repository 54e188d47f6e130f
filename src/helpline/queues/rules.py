"""Queue business hours, holiday closures, queue codes and default queue policy figures."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from helpline.errors import InvalidInput

MAX_QUEUE_NAME_LENGTH = 120
QUEUE_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")

# Default queue policy, used by routing unless a queue or agreement says otherwise.
DEFAULT_CALLBACK_OFFER_SECONDS = 60  # R-ACCESS-3: offer a callback after this long waiting
DEFAULT_SHORT_ABANDON_SECONDS = 5
DEFAULT_OFFER_TIMEOUT_SECONDS = 20
DEFAULT_WRAP_UP_SECONDS = 30
DEFAULT_SERVICE_LEVEL_THRESHOLD_SECONDS = 20

MIDNIGHT = time(0, 0)
DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ONE_SECOND = timedelta(seconds=1)
_DAY_INDEX = {name: index for index, name in enumerate(DAY_NAMES)}
_TIME = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})")
_TIME_RANGE = re.compile(r"(?P<opens>[^-\s]+)\s*-\s*(?P<closes>[^-\s]+)")
_SPEC_EXAMPLE = "e.g. 'mon-fri 08:00-18:00; sat 09:00-13:00'"


@dataclass(frozen=True, slots=True)
class OpeningPeriod:
    """One span of published hours on one weekday, in the calendar's local wall-clock time.

    `weekday` is 0 for Monday to 6 for Sunday; `closes_at` of 00:00 means midnight at the end
    of the day. Times are whole minutes, so every period has a canonical text form.
    """

    weekday: int
    opens_at: time
    closes_at: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput(
                f"Weekday {self.weekday} is out of range (0 = Monday to 6 = Sunday).",
                field="business_hours",
            )
        for moment in (self.opens_at, self.closes_at):
            if moment.tzinfo is not None:
                raise InvalidInput(
                    "Opening hours are local wall-clock times without a time zone.",
                    field="business_hours",
                )
            if moment.second or moment.microsecond:
                raise InvalidInput(
                    "Opening hours are given in whole minutes (HH:MM).",
                    field="business_hours",
                )
        if self.closes_at != MIDNIGHT and self.opens_at >= self.closes_at:
            raise InvalidInput(
                f"{DAY_NAMES[self.weekday]} {_format_range(self)} closes before it opens; "
                "split hours that run past midnight, e.g. 'mon 22:00-24:00; tue 00:00-06:00'.",
                field="business_hours",
            )

    def covers(self, wall_clock: time) -> bool:
        """Whether a local wall-clock time falls in [opens_at, closes_at)."""
        if wall_clock < self.opens_at:
            return False
        return self.closes_at == MIDNIGHT or wall_clock < self.closes_at


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """A queue's published hours (R-ACCESS-1): weekly periods, national holidays, extra closures."""

    time_zone: str
    periods: tuple[OpeningPeriod, ...]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidInput(
                f"{self.time_zone!r} is not an IANA time zone, e.g. 'Europe/Istanbul'.",
                field="time_zone",
            ) from error
        if self.holiday_country is None:
            if self.holiday_subdivision is not None:
                raise InvalidInput(
                    "A holiday subdivision needs a holiday country.",
                    field="holiday_subdivision",
                )
            return
        supported = _supported_holiday_countries()
        if self.holiday_country not in supported:
            raise InvalidInput(
                f"{self.holiday_country!r} is not a country with a holiday calendar; "
                "use an upper-case ISO 3166-1 alpha-2 code, e.g. 'TR'.",
                field="holiday_country",
            )
        subdivisions = supported[self.holiday_country]
        if self.holiday_subdivision is not None and self.holiday_subdivision not in subdivisions:
            known = ", ".join(subdivisions) or "none"
            raise InvalidInput(
                f"{self.holiday_subdivision!r} is not a subdivision of {self.holiday_country} "
                f"(known: {known}).",
                field="holiday_subdivision",
            )


def is_closed_on(calendar: BusinessCalendar, day: date) -> bool:
    """Whether a local date is a national holiday or an extra closure (R-ACCESS-1)."""
    if day in calendar.closed_dates:
        return True
    if calendar.holiday_country is None:
        return False
    return day in _holiday_dates(calendar.holiday_country, calendar.holiday_subdivision, day.year)


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the published hours cover the instant `at` (timezone-aware), R-ACCESS-1."""
    local = _to_utc(at).astimezone(ZoneInfo(calendar.time_zone))
    if is_closed_on(calendar, local.date()):
        return False
    wall_clock = local.time()
    weekday = local.weekday()
    return any(
        period.weekday == weekday and period.covers(wall_clock) for period in calendar.periods
    )


def next_opening(
    calendar: BusinessCalendar, at: datetime, *, horizon_days: int = 30
) -> datetime | None:
    """The first instant (aware, UTC) at or after `at` when the calendar is open.

    Returns `at` itself when open then, and None when the calendar does not open within
    `horizon_days`. An opening time that a DST jump skips opens at the first existing instant
    after it; one that a DST fall-back repeats opens on each occurrence.
    """
    if horizon_days < 0:
        raise InvalidInput("The horizon cannot be negative.", field="horizon_days")
    start = _to_utc(at)
    if is_open(calendar, start):
        return start
    zone = ZoneInfo(calendar.time_zone)
    limit = start + timedelta(days=horizon_days)
    first_day = start.astimezone(zone).date()
    # One spare day: the limit's local date can be a day later than first_day + horizon_days.
    for offset in range(horizon_days + 2):
        day = first_day + timedelta(days=offset)
        if is_closed_on(calendar, day):
            continue
        candidates = [
            instant
            for period in calendar.periods
            if period.weekday == day.weekday()
            for instant in _instants_reading(datetime.combine(day, period.opens_at), zone)
            if instant >= start and is_open(calendar, instant)
        ]
        if candidates:
            earliest = min(candidates)
            return earliest if earliest <= limit else None
    return None


def parse_opening_periods(spec: str) -> tuple[OpeningPeriod, ...]:
    """Parse admin-typed hours such as "mon-fri 08:00-18:00; sat 09:00-13:00" (R-ACCESS-1).

    Segments are separated by ";"; each names days ("mon", ranges "mon-fri", lists "mon,wed")
    and then one or more time ranges "HH:MM-HH:MM" separated by ",". "24:00" (or "00:00") as
    an end means midnight. An empty spec means never open. The result is sorted by weekday and
    opening time; overlapping hours on a day are refused.
    """
    periods: list[OpeningPeriod] = []
    for raw_segment in spec.split(";"):
        segment = " ".join(raw_segment.split()).lower()
        if segment:
            periods.extend(_parse_segment(segment))
    periods.sort(key=lambda period: (period.weekday, period.opens_at))
    for earlier, later in pairwise(periods):
        if earlier.weekday == later.weekday and (
            earlier.closes_at == MIDNIGHT or earlier.closes_at > later.opens_at
        ):
            raise InvalidInput(
                f"Hours overlap on {DAY_NAMES[earlier.weekday]}: "
                f"{_format_range(earlier)} and {_format_range(later)}.",
                field="business_hours",
            )
    return tuple(periods)


def format_opening_periods(periods: Iterable[OpeningPeriod]) -> str:
    """The canonical text of `periods`; consecutive weekdays with identical hours are grouped.

    `parse_opening_periods(format_opening_periods(p)) == p` for every sorted, non-overlapping p.
    """
    hours_by_day: list[tuple[str, ...]] = [() for _ in DAY_NAMES]
    for period in sorted(periods, key=lambda period: (period.weekday, period.opens_at)):
        hours_by_day[period.weekday] += (_format_range(period),)
    segments: list[str] = []
    weekday = 0
    while weekday < len(DAY_NAMES):
        hours = hours_by_day[weekday]
        last = weekday
        while last + 1 < len(DAY_NAMES) and hours_by_day[last + 1] == hours:
            last += 1
        if hours:
            days = (
                DAY_NAMES[weekday] if last == weekday else f"{DAY_NAMES[weekday]}-{DAY_NAMES[last]}"
            )
            segments.append(f"{days} {','.join(hours)}")
        weekday = last + 1
    return "; ".join(segments)


def validate_queue_code(code: str) -> str:
    """Return the code lower-cased: 2-40 of a-z 0-9 _ -, starting with a letter or digit."""
    normalised = code.strip().lower()
    if QUEUE_CODE_PATTERN.fullmatch(normalised) is None:
        raise InvalidInput(
            f"{code!r} is not a queue code: use 2 to 40 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit.",
            field="code",
        )
    return normalised


def _to_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("A timezone-aware datetime is needed.", field="at")
    return at.astimezone(UTC)


def _instants_reading(wall_clock: datetime, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which local clocks first read `wall_clock` (or, in a gap, jump past it).

    Usually one; two when a fall-back repeats the time; in a spring-forward gap, the instant of
    the jump, which is the first existing instant after the missing time.
    """
    first = wall_clock.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall_clock.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if _wall_clock(first, zone) == wall_clock:
        return [first] if second == first else [first, second]
    # In a gap fold=0 applies the offset before the jump and lands after it, while fold=1
    # applies the offset after the jump and lands before it; the jump lies between them.
    before, after = second, first
    while after - before > _ONE_SECOND:
        middle = before + (after - before) // _ONE_SECOND // 2 * _ONE_SECOND
        if _wall_clock(middle, zone) >= wall_clock:
            after = middle
        else:
            before = middle
    return [after]


def _wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _parse_segment(segment: str) -> list[OpeningPeriod]:
    first_digit = next((index for index, char in enumerate(segment) if char.isdigit()), None)
    if first_digit is None:
        raise InvalidInput(
            f"{segment!r} has no hours; {_SPEC_EXAMPLE}.",
            field="business_hours",
        )
    days_text, hours_text = segment[:first_digit].strip(), segment[first_digit:]
    if not days_text:
        raise InvalidInput(
            f"{segment!r} names no days; {_SPEC_EXAMPLE}.",
            field="business_hours",
        )
    weekdays = _parse_days(days_text, segment)
    ranges = [_parse_time_range(item.strip(), segment) for item in hours_text.split(",")]
    return [
        OpeningPeriod(weekday=weekday, opens_at=opens_at, closes_at=closes_at)
        for weekday in weekdays
        for opens_at, closes_at in ranges
    ]


def _parse_days(text: str, segment: str) -> list[int]:
    weekdays: list[int] = []
    for item in text.split(","):
        first, dash, last = (part.strip() for part in item.partition("-"))
        start = _parse_day(first, segment)
        end = _parse_day(last, segment) if dash else start
        if end < start:
            raise InvalidInput(
                f"Day range {item.strip()!r} in {segment!r} runs backwards; "
                "ranges run from mon to sun.",
                field="business_hours",
            )
        weekdays.extend(range(start, end + 1))
    return weekdays


def _parse_day(name: str, segment: str) -> int:
    if name not in _DAY_INDEX:
        raise InvalidInput(
            f"Unknown day {name!r} in {segment!r}; use {' '.join(DAY_NAMES)}.",
            field="business_hours",
        )
    return _DAY_INDEX[name]


def _parse_time_range(text: str, segment: str) -> tuple[time, time]:
    match = _TIME_RANGE.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"{text!r} in {segment!r} is not a time range HH:MM-HH:MM.",
            field="business_hours",
        )
    opens_at = _parse_time(match["opens"], segment, is_end=False)
    closes_at = _parse_time(match["closes"], segment, is_end=True)
    if closes_at != MIDNIGHT and opens_at >= closes_at:
        raise InvalidInput(
            f"{text!r} in {segment!r} closes before it opens; split hours that run past "
            "midnight, e.g. 'mon 22:00-24:00; tue 00:00-06:00'.",
            field="business_hours",
        )
    return opens_at, closes_at


def _parse_time(text: str, segment: str, *, is_end: bool) -> time:
    match = _TIME.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"{text!r} in {segment!r} is not a time HH:MM.",
            field="business_hours",
        )
    hour, minute = int(match["hour"]), int(match["minute"])
    if is_end and (hour, minute) == (24, 0):
        return MIDNIGHT
    if hour > 23 or minute > 59:
        allowed = "00:00 to 24:00" if is_end else "00:00 to 23:59"
        raise InvalidInput(
            f"{text!r} in {segment!r} is not a time of day ({allowed}).",
            field="business_hours",
        )
    return time(hour, minute)


def _format_time(moment: time, *, is_end: bool) -> str:
    if is_end and moment == MIDNIGHT:
        return "24:00"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _format_range(period: OpeningPeriod) -> str:
    opens = _format_time(period.opens_at, is_end=False)
    closes = _format_time(period.closes_at, is_end=True)
    return f"{opens}-{closes}"


@lru_cache(maxsize=1)
def _supported_holiday_countries() -> dict[str, list[str]]:
    # Alpha-2 codes only: the alpha-3 aliases holidays also accepts are not the stored form.
    supported: dict[str, list[str]] = holidays.list_supported_countries(include_aliases=False)
    return supported


@lru_cache(maxsize=512)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Observed days are included: the centre is closed when the country is.
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


# Bounds an administrator may set on a queue's policy figures.
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "priority": (0, 100),
    "callback_offer_seconds": (10, 3600),  # R-ACCESS-3 suggests about 60 s
    "short_abandon_seconds": (0, 60),
    "wrap_up_seconds": (0, 1800),
    "service_level_threshold_seconds": (1, 3600),
    "max_queue_size": (1, 100_000),
    "overflow_after_seconds": (1, 86_400),
    "offer_timeout_seconds": (5, 300),
    "skill_relaxation_after_seconds": (1, 86_400),
}


def validate_policy_figure(value: int, field: str) -> int:
    """Refuse a policy figure outside its bounds (booleans are not numbers here)."""
    lowest, highest = POLICY_BOUNDS[field]
    if isinstance(value, bool) or not lowest <= value <= highest:
        label = field.replace("_", " ")
        raise InvalidInput(f"{label} is from {lowest} to {highest}, not {value}", field=field)
    return value


def validate_optional_policy_figure(value: int | None, field: str) -> int | None:
    return None if value is None else validate_policy_figure(value, field)
