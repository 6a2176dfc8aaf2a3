"""The mock Revenue Department's bills: personal income tax still to pay for the last tax year,
and the payments the portal reports for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from bills_support import Biller, assert_bill_shape, notice, pid
from casework_support import Served, assert_error, serving

from mock_agencies.rd import app as rd

THONGBAI = "3340100007076"  # demo citizen 7: always owes tax
SOMCHAI = "1100100001014"  # demo citizen 1: a refund on e-filing, never a tax bill
BILL_NUMBER = re.compile(r"RD(\d{4})(\d{10})")  # the tax year (BE), then the notice number
DAY = 86_400
BAHT = 100


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(rd, "RD") as served:
        yield served


@pytest.fixture
def biller(agency: Served) -> Biller:
    return Biller(agency.client, "RD", agency.clock)


async def test_last_years_income_tax_still_to_pay_is_a_bill(biller: Biller) -> None:
    # The agency's clock reads 9 October 2025: the last tax year is 2024 (BE 2567).
    [bill] = await biller.bills(THONGBAI)
    assert_bill_shape(bill, "tax")
    number = BILL_NUMBER.fullmatch(bill["bill_id"])
    assert number is not None
    assert number.group(1) == "2567"
    assert len(bill["bill_id"]) == 16
    assert (bill["account_ref"], bill["period"]) == ("2567", "2024")
    assert bill["title_th"] == "ภาษีเงินได้บุคคลธรรมดาที่ต้องชำระเพิ่ม ปีภาษี 2567"
    assert bill["title_en"] == "Personal income tax still to pay, tax year 2024"
    assert bill["due_on"] == "2025-04-08"  # the e-filing deadline: overdue, still owed
    assert 1_000 * BAHT <= bill["amount_satang"] <= 40_000 * BAHT
    assert await biller.bills(SOMCHAI) == []


async def test_about_one_in_seven_people_owes_tax(biller: Biller) -> None:
    owing = 0
    for serial in range(600):
        bills = await biller.bills(pid(serial))
        assert len(bills) <= 1
        owing += len(bills)
    assert 60 <= owing <= 120  # ~15 %


async def test_the_tax_is_paid_once(biller: Biller) -> None:
    [bill] = await biller.bills(THONGBAI)
    paying = notice(bill)
    assert_error(
        await biller.pay(bill["bill_id"], notice(bill, amount_satang=bill["amount_satang"] - 1)),
        422,
        "amount_mismatch",
    )
    first = await biller.pay(bill["bill_id"], paying)
    assert first.status_code == 201, first.text
    assert (await biller.pay(bill["bill_id"], paying)).status_code == 200
    assert await biller.bills(THONGBAI) == []
    assert_error(await biller.pay(bill["bill_id"], notice(bill)), 409, "already_paid")
    assert len(await biller.payments()) == 1


async def test_a_new_tax_year_brings_its_own_bill_and_the_old_one_is_settled(
    agency: Served, biller: Biller
) -> None:
    [last_year] = await biller.bills(THONGBAI)
    agency.clock.advance(120 * DAY)  # February 2026: the last tax year is now 2025
    [this_year] = await biller.bills(THONGBAI)
    assert this_year["bill_id"].startswith("RD2568")
    assert this_year["due_on"] == "2026-04-08"
    answer = await biller.pay(last_year["bill_id"], notice(last_year))
    assert_error(answer, 409, "already_paid")
    ancient = "RD2560" + last_year["bill_id"][6:]
    assert_error(
        await biller.pay(ancient, notice({**last_year, "bill_id": ancient})), 404, "bill_not_found"
    )
