"""The Thai government fiscal year (1 Oct - 30 Sep, named by the BE year it ends in) and
receipt numbers (a series per agency per fiscal year)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.working_time import BANGKOK
from payments.fiscal import (
    ReceiptNumber,
    fiscal_year,
    fiscal_year_of_day,
    fiscal_year_span,
    parse_receipt_number,
    receipt_number,
)

UTC = dt.UTC


def test_fiscal_year_2570_runs_from_1_october_2026_to_30_september_2027() -> None:
    assert fiscal_year(dt.datetime(2026, 10, 1, 0, 0, tzinfo=BANGKOK)) == 2570
    assert fiscal_year(dt.datetime(2027, 9, 30, 23, 59, 59, tzinfo=BANGKOK)) == 2570
    assert fiscal_year(dt.datetime(2027, 10, 1, tzinfo=BANGKOK)) == 2571
    assert fiscal_year(dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=BANGKOK)) == 2569
    assert fiscal_year(dt.datetime(2027, 1, 1, 12, tzinfo=BANGKOK)) == 2570


def test_the_year_turns_at_midnight_bangkok_which_is_17_utc_on_30_september() -> None:
    assert fiscal_year(dt.datetime(2026, 9, 30, 16, 59, 59, 999999, tzinfo=UTC)) == 2569
    assert fiscal_year(dt.datetime(2026, 9, 30, 17, 0, 0, tzinfo=UTC)) == 2570
    # Whatever the instant's own zone, the Bangkok calendar decides.
    new_york = dt.timezone(dt.timedelta(hours=-4))
    assert fiscal_year(dt.datetime(2026, 9, 30, 13, 0, tzinfo=new_york)) == 2570


def test_fiscal_year_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fiscal_year(dt.datetime(2026, 10, 1))


def test_fiscal_year_span_is_half_open_in_utc() -> None:
    start, end = fiscal_year_span(2570)
    assert start == dt.datetime(2026, 9, 30, 17, tzinfo=UTC)
    assert end == dt.datetime(2027, 9, 30, 17, tzinfo=UTC)
    assert start.utcoffset() == dt.timedelta(0)
    assert fiscal_year(start) == 2570
    assert fiscal_year(end - dt.timedelta(microseconds=1)) == 2570
    assert fiscal_year(end) == 2571


@given(st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2400, 1, 1)))
def test_every_instant_falls_in_the_span_of_its_fiscal_year(naive: dt.datetime) -> None:
    at = naive.replace(tzinfo=UTC)
    start, end = fiscal_year_span(fiscal_year(at))
    assert start <= at < end


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2400, 1, 1)))
def test_a_day_and_its_first_instant_agree(day: dt.date) -> None:
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=BANGKOK)
    assert fiscal_year(midnight) == fiscal_year_of_day(day)
    # The fiscal year ends in the calendar year of its last 30 September.
    assert fiscal_year_of_day(day) - 543 == (day.year + 1 if day.month >= 10 else day.year)


# -- receipt numbers --------------------------------------------------------------------------


def test_receipt_number_format() -> None:
    assert receipt_number("DLT", 2570, 123) == "DLT-2570-000123"
    assert receipt_number("BMA", 2569, 1) == "BMA-2569-000001"
    assert receipt_number("DLT", 2570, 999_999) == "DLT-2570-999999"
    assert receipt_number("DLT", 2570, 1_000_000) == "DLT-2570-1000000"  # widens, never wraps
    assert str(ReceiptNumber("SSO", 2570, 42)) == "SSO-2570-000042"


@pytest.mark.parametrize(
    ("agency", "year", "seq", "message"),
    [
        ("dlt", 2570, 1, "agency code"),
        ("D", 2570, 1, "agency code"),
        ("DLT-1", 2570, 1, "agency code"),
        ("1DLT", 2570, 1, "agency code"),
        ("ABCDEFGHIJK", 2570, 1, "agency code"),
        ("DLT", 257, 1, "fiscal year"),
        ("DLT", 25700, 1, "fiscal year"),
        ("DLT", 2570, 0, "sequence number"),
        ("DLT", 2570, -1, "sequence number"),
        ("DLT", 2570, True, "sequence number"),
    ],
)
def test_receipt_number_refuses_bad_parts(agency: str, year: int, seq: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        receipt_number(agency, year, seq)


@given(
    st.from_regex(r"[A-Z][A-Z0-9]{1,9}", fullmatch=True),
    st.integers(min_value=1000, max_value=9999),
    st.integers(min_value=1, max_value=10**9),
)
def test_parse_receipt_number_reads_back_what_was_written(agency: str, year: int, seq: int) -> None:
    text = receipt_number(agency, year, seq)
    assert parse_receipt_number(text) == ReceiptNumber(agency, year, seq)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "DLT-2570-123",  # not padded
        "DLT-2570-0000123",  # padded too much: a second spelling of 123
        "DLT-2570-000000",  # no receipt 0
        "dlt-2570-000123",
        "DLT2570000123",
        "DLT-257-000123",
        "DLT-2570-000123 ",
        "DLT-๒๕๗๐-000123",  # Thai digits
    ],
)
def test_parse_receipt_number_refuses_other_spellings(text: str) -> None:
    with pytest.raises(ValueError, match="receipt number"):
        parse_receipt_number(text)
