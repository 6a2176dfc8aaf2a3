"""The older persons' allowance as pure rules: the amount by age, the age that counts in a
month, the payout id and the month it is paid for."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_agencies.dop import allowance

#: What the portal's agency API takes as a payout id (gateway/payments/schemas.py).
PORTAL_PAYOUT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
BIRTHS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2010, 12, 31))
MONTHS = st.tuples(st.integers(2000, 2100), st.integers(1, 12))


@pytest.mark.parametrize(
    ("age", "satang"),
    [(59, None), (60, 60_000), (69, 60_000), (70, 70_000), (79, 70_000), (80, 80_000),
     (89, 80_000), (90, 100_000), (120, 100_000)],
)  # fmt: skip
def test_the_steps_of_facts_md(age: int, satang: int | None) -> None:
    assert allowance.monthly_satang(age) == satang


@given(st.integers(0, 130), st.integers(0, 130))
def test_older_is_never_paid_less(younger: int, older: int) -> None:
    younger, older = sorted((younger, older))
    low, high = allowance.monthly_satang(younger), allowance.monthly_satang(older)
    if low is not None:
        assert high is not None
        assert high >= low
    assert (low is None) == (younger < 60)


@given(BIRTHS, MONTHS)
def test_the_age_that_counts_is_the_one_reached_in_the_month(
    birth: dt.date, month: tuple[int, int]
) -> None:
    year, number = month
    age = allowance.age_in_month(birth, year, number)
    last = allowance.last_day(year, number)
    # a leap-day birthday is reached on 1 March in other years, so not in their February
    reached = (number, last.day) >= (birth.month, birth.day)
    assert age == year - birth.year - (0 if reached else 1)
    # the month before pays at most that age, the month after at least
    previous = allowance.last_day(year, number) - dt.timedelta(days=last.day)
    assert allowance.age_in_month(birth, previous.year, previous.month) in (age, age - 1)


@given(MONTHS, st.from_regex(r"[A-Z]{2,5}-[0-9]{4}-[0-9]{6}", fullmatch=True))
def test_a_payout_id_is_one_the_portal_takes_and_names_the_month(
    month: tuple[int, int], number: str
) -> None:
    year, m = month
    payout_id = allowance.payout_id(year, m, number)
    assert payout_id is not None
    assert PORTAL_PAYOUT_ID.fullmatch(payout_id)
    assert payout_id == f"DOP-OPA-{year:04d}-{m:02d}-{number}"
    assert allowance.month_of(payout_id[8:15]) == month


def test_a_number_that_cannot_be_in_a_payout_id_gives_none() -> None:
    assert allowance.payout_id(2026, 7, "DOP 2569/1") is None
    assert allowance.payout_id(2026, 7, "X" * 49) is None


@given(MONTHS)
def test_months_read_back_and_are_paid_on_the_tenth(month: tuple[int, int]) -> None:
    year, number = month
    assert allowance.month_of(f"{year:04d}-{number:02d}") == month
    assert allowance.pay_on(year, number) == dt.date(year, number, 10)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-7", "1999-12", "2026-07-01", ""])
def test_not_a_month(text: str) -> None:
    assert allowance.month_of(text) is None


def test_titles_name_the_month_in_both_languages() -> None:
    assert allowance.titles(2026, 7) == (
        "เบี้ยยังชีพผู้สูงอายุ ประจำเดือนกรกฎาคม 2569",
        "Older persons' allowance, July 2026",
    )


@given(st.from_regex(r"[0-9]{13}", fullmatch=True))
def test_a_masked_id_shows_three_digits(national_id: str) -> None:
    shown = allowance.masked(national_id)
    assert re.sub(r"[^0-9]", "", shown) == national_id[-3:]
