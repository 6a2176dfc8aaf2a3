"""The DOP's automatic rule as a pure function: age on the day, completeness, R-LFA.2."""

from __future__ import annotations

import datetime as dt

import pytest

from mock_agencies.dop.eligibility import age_on, assess, bangkok_date

TODAY = dt.date(2026, 4, 16)


@pytest.mark.parametrize(
    ("birth", "age"),
    [
        (dt.date(1966, 4, 16), 60),  # the 60th birthday itself
        (dt.date(1966, 4, 17), 59),  # one day short
        (dt.date(1930, 1, 1), 96),
        (dt.date(1964, 2, 29), 62),
    ],
)
def test_age_is_completed_years(birth: dt.date, age: int) -> None:
    assert age_on(birth, TODAY) == age


def test_a_leap_day_birthday_counts_from_the_first_of_march() -> None:
    assert age_on(dt.date(1964, 2, 29), dt.date(2024, 2, 28)) == 59
    assert age_on(dt.date(1964, 2, 29), dt.date(2023, 3, 1)) == 59
    assert age_on(dt.date(1963, 2, 28), dt.date(2023, 2, 28)) == 60


def test_sixty_or_over_is_approved_and_under_sixty_rejected_with_the_age() -> None:
    assert assess({"birth_date": "1966-04-16"}, [], 0, TODAY).action == "approve"
    under = assess({"birth_date": "1966-04-17"}, [], 0, TODAY)
    assert under.action == "reject"
    assert under.reason is not None
    assert "59" in under.reason


def test_no_usable_birth_date_is_rejected() -> None:
    for form in ({}, {"birth_date": "16/04/1950"}, {"birth_date": None}):
        verdict = assess(form, [], 0, TODAY)
        assert verdict.action == "reject"
        assert verdict.reason is not None
        assert "birth date" in verdict.reason


def test_missing_items_are_asked_for_once_then_rejected() -> None:
    missing = [{"kind": "document", "pointer": "/documents/bank-book", "name": "Bank book"}]
    first = assess({"birth_date": "1950-01-01"}, missing, 0, TODAY)
    assert first.action == "request_info"
    assert first.items == [{"name_th": "Bank book", "name_en": "Bank book"}]
    again = assess({"birth_date": "1950-01-01"}, missing, 1, TODAY)
    assert again.action == "reject"
    assert again.reason is not None
    assert "Bank book" in again.reason


def test_the_day_is_bangkoks() -> None:
    # 2026-04-15 17:30 UTC is already 16 April in Bangkok
    at = dt.datetime(2026, 4, 15, 17, 30, tzinfo=dt.UTC).timestamp()
    assert bangkok_date(at) == TODAY
