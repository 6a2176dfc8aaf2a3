"""Working calendar: deemed receipt time (R-10.1) and working-day arithmetic (R-10.2)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.working_time import (
    BANGKOK,
    ThaiGovernmentHolidays,
    WorkingCalendar,
    add_working_days,
    deemed_receipt_time,
    due_at,
    working_days_between,
)

DEFAULT = WorkingCalendar()
LUNCH_CLOSED = WorkingCalendar(lunch_closed=True)
SATURDAY_MORNINGS = WorkingCalendar(weekdays=frozenset({0, 1, 2, 3, 4, 5}), opens=dt.time(8, 0))


def bkk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BANGKOK)


# -- examples ---------------------------------------------------------------------------------


@pytest.mark.rule("R-10.2")
def test_friday_evening_before_songkran_is_received_after_the_holidays() -> None:
    # RULES.md R-10.2's own example: 13-15 Apr 2026 is Songkran, 11-12 the weekend.
    assert deemed_receipt_time(bkk(2026, 4, 10, 17, 5), DEFAULT) == bkk(2026, 4, 16, 8, 30)


@pytest.mark.rule("R-10.1")
def test_arrival_inside_working_time_is_received_at_once() -> None:
    arrived = bkk(2026, 11, 19, 10, 15, 42)
    assert deemed_receipt_time(arrived, DEFAULT) == arrived


@pytest.mark.rule("R-10.1")
def test_arrival_before_opening_is_received_at_opening_the_same_day() -> None:
    assert deemed_receipt_time(bkk(2026, 11, 19, 8, 29, 59), DEFAULT) == bkk(2026, 11, 19, 8, 30)


@pytest.mark.rule("R-10.1")
def test_arrival_at_closing_time_exactly_is_after_hours() -> None:
    assert deemed_receipt_time(bkk(2026, 11, 19, 16, 30), DEFAULT) == bkk(2026, 11, 20, 8, 30)


@pytest.mark.rule("R-10.1")
def test_ordinary_friday_evening_is_received_monday_morning() -> None:
    assert deemed_receipt_time(bkk(2026, 11, 20, 19, 0), DEFAULT) == bkk(2026, 11, 23, 8, 30)


@pytest.mark.rule("R-10.2")
def test_labour_day_is_a_working_day_for_government() -> None:
    # 1 May 2026 is a Friday: private sector off, government offices open.
    assert DEFAULT.is_working_day(dt.date(2026, 5, 1))
    assert deemed_receipt_time(bkk(2026, 4, 30, 18, 0), DEFAULT) == bkk(2026, 5, 1, 8, 30)


@pytest.mark.rule("R-10.2")
def test_government_category_holiday_is_closed() -> None:
    # Royal Ploughing Ceremony (13 May 2026) is a government, not a public, holiday.
    assert not DEFAULT.is_working_day(dt.date(2026, 5, 13))


@pytest.mark.rule("R-10.2")
def test_cabinet_extra_day_closes_the_agency() -> None:
    extra_day = dt.date(2026, 11, 23)  # a Monday, declared off by the operator
    calendar = WorkingCalendar(holidays=ThaiGovernmentHolidays().with_extra([extra_day]))
    assert DEFAULT.is_working_day(extra_day)
    assert not calendar.is_working_day(extra_day)
    assert deemed_receipt_time(bkk(2026, 11, 20, 19, 0), calendar) == bkk(2026, 11, 24, 8, 30)


@pytest.mark.rule("R-10.2")
def test_closed_lunch_hour_defers_to_the_afternoon() -> None:
    assert deemed_receipt_time(bkk(2026, 11, 19, 12, 10), LUNCH_CLOSED) == bkk(2026, 11, 19, 13)
    assert deemed_receipt_time(bkk(2026, 11, 19, 12, 10), DEFAULT) == bkk(2026, 11, 19, 12, 10)


@pytest.mark.rule("R-10.2")
def test_agency_with_saturday_hours_receives_on_saturday() -> None:
    assert deemed_receipt_time(bkk(2026, 11, 20, 19, 0), SATURDAY_MORNINGS) == bkk(2026, 11, 21, 8)


def test_result_is_utc_and_naive_input_is_refused() -> None:
    assert deemed_receipt_time(bkk(2026, 11, 19, 7, 0), DEFAULT).tzinfo == dt.UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        deemed_receipt_time(dt.datetime(2026, 11, 19, 7, 0), DEFAULT)


def test_five_working_days_across_songkran() -> None:
    # Received Thu 9 Apr 2026: Fri 10, then Songkran and the weekend, then 16, 17, 20, 21.
    assert add_working_days(dt.date(2026, 4, 9), 5, DEFAULT) == dt.date(2026, 4, 21)


def test_due_date_is_the_close_of_the_last_working_day() -> None:
    received = bkk(2026, 11, 19, 10, 0)  # Thursday
    assert due_at(received, 5, DEFAULT) == bkk(2026, 11, 26, 16, 30)
    assert due_at(received, 0, DEFAULT) == bkk(2026, 11, 19, 16, 30)


def test_misconfigured_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="weekdays"):
        WorkingCalendar(weekdays=frozenset())
    with pytest.raises(ValueError, match="open before"):
        WorkingCalendar(opens=dt.time(17), closes=dt.time(8))
    with pytest.raises(ValueError, match="zero or more"):
        add_working_days(dt.date(2026, 1, 1), -1, DEFAULT)


# -- properties -------------------------------------------------------------------------------

calendars = st.sampled_from([DEFAULT, LUNCH_CLOSED, SATURDAY_MORNINGS])
instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(dt.UTC),
)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))


@given(instants, calendars)
def test_receipt_is_never_before_arrival_and_falls_in_working_time(
    arrived: dt.datetime, calendar: WorkingCalendar
) -> None:
    deemed = deemed_receipt_time(arrived, calendar)
    assert deemed >= arrived
    assert calendar.is_working_time(deemed)


@given(instants, calendars)
def test_receipt_is_the_arrival_exactly_when_inside_working_time(
    arrived: dt.datetime, calendar: WorkingCalendar
) -> None:
    assert (deemed_receipt_time(arrived, calendar) == arrived) == calendar.is_working_time(arrived)


@given(instants, calendars)
def test_receipt_is_idempotent(arrived: dt.datetime, calendar: WorkingCalendar) -> None:
    once = deemed_receipt_time(arrived, calendar)
    assert deemed_receipt_time(once, calendar) == once


@given(instants, instants, calendars)
def test_receipt_preserves_order(a: dt.datetime, b: dt.datetime, calendar: WorkingCalendar) -> None:
    early, late = sorted((a, b))
    assert deemed_receipt_time(early, calendar) <= deemed_receipt_time(late, calendar)


@given(instants, calendars)
def test_no_working_minute_is_skipped(arrived: dt.datetime, calendar: WorkingCalendar) -> None:
    # Nothing between arrival and deemed receipt is working time: the receipt is the earliest.
    deemed = deemed_receipt_time(arrived, calendar)
    for start, end in calendar.periods(arrived.astimezone(BANGKOK).date()):
        assert not (arrived <= start < deemed) or start == deemed
        assert not (start <= arrived < end) or deemed == arrived


@settings(max_examples=60)
@given(days, st.integers(0, 40), st.integers(0, 40), calendars)
def test_working_days_add_up(day: dt.date, m: int, n: int, calendar: WorkingCalendar) -> None:
    after_m = add_working_days(day, m, calendar)
    assert add_working_days(after_m, n, calendar) == add_working_days(day, m + n, calendar)
    assert working_days_between(day, after_m, calendar) == m
    if m > 0:
        assert calendar.is_working_day(after_m)
        assert after_m > day


hours = st.times(min_value=dt.time(6, 0), max_value=dt.time(20, 0)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


@given(hours, hours, instants)
def test_a_closed_lunch_hour_is_never_working_time(
    a: dt.time, b: dt.time, arrived: dt.datetime
) -> None:
    opens, closes = sorted((a, b))
    try:
        calendar = WorkingCalendar(opens=opens, closes=closes, lunch_closed=True)
    except ValueError:
        return  # opening hours that lie wholly in the lunch hour (or are empty) are refused
    local = arrived.astimezone(BANGKOK)
    if dt.time(12) <= local.time() < dt.time(13):
        assert not calendar.is_working_time(arrived)
    assert (
        not dt.time(12)
        <= deemed_receipt_time(arrived, calendar).astimezone(BANGKOK).time()
        < dt.time(13)
    )


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        (dt.time(12, 30), dt.time(16, 30), [(dt.time(13), dt.time(16, 30))]),
        (dt.time(8, 30), dt.time(12, 30), [(dt.time(8, 30), dt.time(12))]),
        (dt.time(8, 30), dt.time(13, 0), [(dt.time(8, 30), dt.time(12))]),
    ],
)
def test_lunch_is_taken_out_whatever_the_opening_hours(
    opens: dt.time, closes: dt.time, expected: list[tuple[dt.time, dt.time]]
) -> None:
    calendar = WorkingCalendar(opens=opens, closes=closes, lunch_closed=True)
    day = dt.date(2026, 11, 19)
    assert [(a.time(), b.time()) for a, b in calendar.periods(day)] == expected


def test_opening_hours_inside_a_closed_lunch_are_refused() -> None:
    with pytest.raises(ValueError, match="no working time"):
        WorkingCalendar(opens=dt.time(12, 10), closes=dt.time(12, 50), lunch_closed=True)
