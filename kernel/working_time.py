"""Working time of a Thai government agency: deemed receipt (R-10.1) and working days (R-10.2).

A request that enters an agency's electronic system inside working time is received at that
moment; otherwise at the start of the agency's next working period. Working time defaults to
Monday-Friday 08:30-16:30 Asia/Bangkok, minus Thai government holidays (the `holidays`
package's Thailand calendar, PUBLIC + GOVERNMENT, without Labour Day, plus days the cabinet
declares), with per-agency overrides of days, hours, a closed lunch hour and extra holidays.

Working periods are half-open: an agency that closes at 16:30 has stopped receiving at
16:30:00 exactly. Thailand keeps no daylight saving time, so local times are unambiguous.

Everything here is pure: the holiday source is passed in, and nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

BANGKOK = ZoneInfo("Asia/Bangkok")
LUNCH = (dt.time(12, 0), dt.time(13, 0))

#: A calendar with no working day inside this many days is misconfigured, not slow.
_SEARCH_LIMIT_DAYS = 366 * 2

# Labour Day is a private-sector holiday; government offices work. The `holidays`
# package files it under PUBLIC, so it is taken out by name, never by date, so that another
# holiday falling on 1 May stays.
_NOT_GOVERNMENT_HOLIDAYS = ("National Labor Day",)


class HolidaySource(Protocol):
    def __contains__(self, day: object) -> bool: ...


@functools.lru_cache(maxsize=512)
def _holiday_names(year: int, language: str) -> Mapping[dt.date, str]:
    """Thai government holidays of a year, with names in `language` (th or en_US)."""
    calendar = holidays.country_holidays(
        "TH", years=year, categories=("public", "government"), language="en_US"
    )
    kept = {
        day
        for day, names in calendar.items()
        if any(not n.startswith(_NOT_GOVERNMENT_HOLIDAYS) for n in names.split("; "))
    }
    if language != "en_US":
        calendar = holidays.country_holidays(
            "TH", years=year, categories=("public", "government"), language=language
        )
    return MappingProxyType({day: name for day, name in calendar.items() if day in kept})


def holiday_name(day: dt.date, lang: str) -> str | None:
    """The name of a Thai government holiday in Thai ("th") or English ("en"); None otherwise."""
    return _holiday_names(day.year, "th" if lang == "th" else "en_US").get(day)


@dataclass(frozen=True)
class ThaiGovernmentHolidays:
    """Thai government holidays plus operator-declared extra days (e.g. cabinet bridge days)."""

    extra: frozenset[dt.date] = frozenset()

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        return day in self.extra or day in _holiday_names(day.year, "en_US")

    def with_extra(self, days: Iterable[dt.date]) -> ThaiGovernmentHolidays:
        return ThaiGovernmentHolidays(self.extra | frozenset(days))


@dataclass(frozen=True)
class WorkingCalendar:
    """When an agency works. All times are Asia/Bangkok wall-clock times."""

    holidays: HolidaySource = field(default_factory=ThaiGovernmentHolidays)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # 0 = Monday
    opens: dt.time = dt.time(8, 30)
    closes: dt.time = dt.time(16, 30)
    lunch_closed: bool = False

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty set of 0 (Monday) .. 6 (Sunday)")
        if not self.opens < self.closes:
            raise ValueError("an agency must open before it closes")
        if not self._spans():
            raise ValueError("the closed lunch hour leaves no working time")

    def _spans(self) -> list[tuple[dt.time, dt.time]]:
        """Opening to closing, less the lunch hour when it is closed, whatever the hours are."""
        if not self.lunch_closed:
            return [(self.opens, self.closes)]
        lunch_start, lunch_end = LUNCH
        pieces = [
            (self.opens, min(self.closes, lunch_start)),
            (max(self.opens, lunch_end), self.closes),
        ]
        return [(a, b) for a, b in pieces if a < b]

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def periods(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working periods of `day`, as aware datetimes in Bangkok time; [] on a day off."""
        if not self.is_working_day(day):
            return []

        def at(t: dt.time) -> dt.datetime:
            return dt.datetime.combine(day, t, tzinfo=BANGKOK)

        spans = self._spans()
        return [(at(a), at(b)) for a, b in spans]

    def is_working_time(self, instant: dt.datetime) -> bool:
        local = _local(instant)
        return any(start <= local < end for start, end in self.periods(local.date()))

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        for offset in range(1, _SEARCH_LIMIT_DAYS + 1):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_SEARCH_LIMIT_DAYS} days after {day}")

    def close_of(self, day: dt.date) -> dt.datetime:
        """The end of working time on a working day (the moment a deadline on it passes)."""
        periods = self.periods(day)
        if not periods:
            raise ValueError(f"{day} is not a working day")
        return periods[-1][1]


def _local(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("times must be timezone-aware; naive times are ambiguous")
    return instant.astimezone(BANGKOK)


def deemed_receipt_time(arrived_at: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """When a request that arrived at `arrived_at` is legally received (R-10.1).

    Inside working time: the arrival itself. Otherwise the start of the next working period,
    which may be later the same day (before opening, or in a closed lunch hour).
    The result is in UTC.
    """
    local = _local(arrived_at)
    day = local.date()
    for start, end in calendar.periods(day):
        if local < start:
            return start.astimezone(dt.UTC)
        if local < end:
            return arrived_at.astimezone(dt.UTC)
    next_day = calendar.next_working_day(day)
    return calendar.periods(next_day)[0][0].astimezone(dt.UTC)


def add_working_days(day: dt.date, count: int, calendar: WorkingCalendar) -> dt.date:
    """The `count`-th working day after `day` (the day itself is not counted).

    `count == 0` gives `day` back. Thai administrative practice counts a period from the day
    after the event, so a 5-working-day service received on a Thursday is due on the
    following Thursday when no holiday intervenes.
    """
    if count < 0:
        raise ValueError("count must be zero or more")
    for _ in range(count):
        day = calendar.next_working_day(day)
    return day


def working_days_between(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> int:
    """How many working days fall in (start, end]; 0 when end is not after start."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def due_at(
    deemed_received_at: dt.datetime, working_days: int, calendar: WorkingCalendar
) -> dt.datetime:
    """The deadline for a request: close of the `working_days`-th working day after receipt.

    A same-day service (0 working days) is due at the close of the day it was received.
    """
    received_day = _local(deemed_received_at).date()
    return calendar.close_of(add_working_days(received_day, working_days, calendar)).astimezone(
        dt.UTC
    )
