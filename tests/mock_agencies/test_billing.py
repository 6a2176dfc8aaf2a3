"""The billers' pure rules: the tariffs, the months bills are for, the keyed check digits of
account and notice numbers, and a bill found again from its number alone."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mock_agencies.billing import Draw, Month, MonthlyBiller
from mock_agencies.billing.tariffs import banded
from mock_agencies.dopa.population import national_id_check_digit
from mock_agencies.pea import rules as electricity
from mock_agencies.pea.data import Electricity
from mock_agencies.pwa import rules as water
from mock_agencies.pwa.data import Water
from mock_agencies.rd.app import Rd
from mock_agencies.rd.bills import TaxDue

pids = st.from_regex(r"[1-8][0-9]{11}", fullmatch=True).map(
    lambda first12: first12 + national_id_check_digit(first12)
)
days = st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31))
units = st.integers(0, 5_000)


def test_electricity_bills_by_the_book() -> None:
    # 300 kWh: 150 x 3.2484 + 150 x 4.2218 = 1,120.53; + 24.62 service; + 300 x 0.1972 Ft
    # = 1,204.31 THB; with 7 % VAT 1,288.6117 → 1,288.61 THB.
    assert electricity.bill_satang(300) == 128_861
    # Nothing used: the service charge with VAT, 26.3434 → 26.34 THB.
    assert electricity.bill_satang(0) == 2_634


def test_water_bills_by_the_book() -> None:
    # 25 m³: 10 x 10.20 + 10 x 16.00 + 5 x 19.00 = 357.00; + 30 meter = 387.00; VAT → 414.09.
    assert water.bill_satang(25) == 41_409
    assert water.bill_satang(0) == 3_210


@given(units, units)
def test_a_banded_charge_is_the_sum_of_its_parts(first: int, more: int) -> None:
    bands = ((10, 3), (20, 5), (None, 7))
    whole = banded(first + more, bands)
    assert whole == banded(first, bands) + sum(
        (3 if used <= 10 else 5 if used <= 20 else 7) for used in range(first + 1, first + more + 1)
    )


@given(units)
def test_a_unit_more_costs_between_the_lowest_and_the_highest_rate(used: int) -> None:
    # Per unit, VAT included, in satang, ± 1 satang of rounding on each side.
    cheapest = (32_484 + 1_972) * 107 / 10_000
    dearest = (44_217 + 1_972) * 107 / 10_000
    step = electricity.bill_satang(used + 1) - electricity.bill_satang(used)
    assert cheapest - 1 <= step <= dearest + 1
    water_step = water.bill_satang(used + 1) - water.bill_satang(used)
    assert 1020 * 1.07 - 1 <= water_step <= 2160 * 1.07 + 1


@given(days, st.integers(-600, 600))
def test_months_count_back_and_forth(day: dt.date, months: int) -> None:
    month = Month.of(day)
    earlier = month.minus(months)
    assert month.since(earlier) == months
    assert earlier.minus(-months) == month
    assert 1 <= earlier.month <= 12
    assert earlier.issued_on.day == 1
    assert earlier.issued_on > dt.date(earlier.year, earlier.month, 1)


@given(st.integers(0, 10**9 - 1), st.integers(0, 3))
def test_a_checked_number_passes_and_a_changed_check_digit_does_not(body: int, seed: int) -> None:
    draw = Draw(seed, "TEST")
    number = draw.checked(body, 9)
    assert len(number) == 12
    assert draw.is_checked(number, 9)
    changed = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not draw.is_checked(changed, 9)
    assert not draw.is_checked(number[:-1], 9)


@given(pids, days, st.sampled_from([Electricity, Water]))
def test_a_utility_bill_is_found_again_by_its_number_alone(
    pid: str, today: dt.date, biller_class: type[MonthlyBiller]
) -> None:
    biller = biller_class(seed=0)
    bills = biller.bills_of(pid, today)
    assert len(bills) <= 2
    assert [bill.period for bill in bills] == sorted(bill.period or "" for bill in bills)
    if bills:  # the latest came out on the 1st of this month
        assert bills[-1].issued_on == today.replace(day=1)
    for bill in bills:
        assert len(bill.bill_id) <= 20
        assert biller.issued(bill.bill_id, today) == (bill, True)
        assert bill.due_on == bill.issued_on + dt.timedelta(days=14)


@given(pids, days)
def test_a_tax_bill_is_found_again_by_its_number_alone(pid: str, today: dt.date) -> None:
    taxes = TaxDue(Rd(seed=0))
    for bill in taxes.bills_of(pid, today):
        assert bill.period == str(today.year - 1)
        assert len(bill.bill_id) == 16
        assert taxes.issued(bill.bill_id, today) == (bill, True)
        next_year = today.replace(year=today.year + 1, day=min(today.day, 28))
        assert taxes.issued(bill.bill_id, next_year) == (bill, False)  # settled since
