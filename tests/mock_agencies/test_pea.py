"""The mock Provincial Electricity Authority: the monthly electricity bills a citizen owes, the
payments the portal reports for them, and its bill e-service (an account's statement)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bills_support import Biller, assert_bill_shape, notice, pid
from casework_support import (
    BOONMEE,
    CALLBACK_SECRET,
    CHIANG_MAI_ADDRESS,
    KEY,
    SECRET,
    SOMCHAI,
    Served,
    assert_error,
    filing,
    serving,
)
from dopa_support import FakeClock

from mock_agencies.app import create_app as create_host
from mock_agencies.casework import DEMO_PIDS
from mock_agencies.pea import app as pea
from mock_agencies.pea.data import Electricity

BILL_NUMBER = re.compile(r"PEA(\d{12})(\d{2})(\d{2})")  # the CA, then YYMM
DAY = 86_400
BAHT = 100


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(pea, "PEA") as served:
        yield served


@pytest.fixture
def biller(agency: Served) -> Biller:
    return Biller(agency.client, "PEA", agency.clock)


async def test_every_demo_citizen_owes_this_months_electricity_bill(biller: Biller) -> None:
    # The agency's clock reads 9 October 2025: September's bill came out on the 1st.
    for demo in sorted(DEMO_PIDS):
        bills = await biller.bills(demo)
        assert 1 <= len(bills) <= 2, (demo, bills)
        latest = bills[-1]
        assert_bill_shape(latest, "electricity")
        number = BILL_NUMBER.fullmatch(latest["bill_id"])
        assert number is not None
        assert len(latest["bill_id"]) == 19  # within Ref1's 20
        assert number.group(1) == latest["account_ref"]
        assert (number.group(2), number.group(3)) == ("25", "09")
        assert latest["period"] == "2025-09"
        assert latest["title_th"] == "ค่าไฟฟ้าเดือนกันยายน 2568"
        assert latest["title_en"] == "Electricity, September 2025"
        assert (latest["issued_on"], latest["due_on"]) == ("2025-10-01", "2025-10-15")
        assert latest["details"]["unit"] == "kWh"
        if len(bills) == 2:  # August's too, overdue since 15 September
            assert bills[0]["period"] == "2025-08"
            assert bills[0]["due_on"] == "2025-09-15"
            assert bills[0]["account_ref"] == latest["account_ref"]


async def test_most_people_owe_one_or_two_bills_of_a_few_hundred_to_a_few_thousand_baht(
    biller: Biller,
) -> None:
    owed: dict[int, int] = {}
    numbers: list[str] = []
    for serial in range(300):
        bills = await biller.bills(pid(serial))
        owed[len(bills)] = owed.get(len(bills), 0) + 1
        for bill in bills:
            assert_bill_shape(bill, "electricity")
            assert 250 * BAHT <= bill["amount_satang"] <= 5_000 * BAHT, bill
            numbers.append(bill["bill_id"])
    assert set(owed) == {0, 1, 2}
    assert 30 <= owed[0] <= 100  # some owe nothing (no account, or a direct debit)
    assert owed[1] + owed[2] >= 200
    assert len(set(numbers)) == len(numbers)


async def first_account(seed: int) -> str:
    """Demo citizen 2's account number at a freshly started PEA drawn with `seed`."""
    agency = pea.create_app(
        seed=seed,
        clock=FakeClock(),
        consumers={KEY: SECRET},
        callback_secret=CALLBACK_SECRET,
        send_callbacks=False,
    )
    transport = httpx.ASGITransport(app=create_host({"PEA": agency}, seed=1, device_app=None))
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        bills = await Biller(client, "PEA", FakeClock()).bills(BOONMEE)
    account: str = bills[0]["account_ref"]
    return account


async def test_every_start_knows_the_same_bills_and_another_seed_other_ones() -> None:
    assert await first_account(0) == await first_account(0)
    assert await first_account(0) != await first_account(5)


async def test_a_paid_bill_is_recorded_once_and_no_longer_owed(biller: Biller) -> None:
    bill = (await biller.bills(SOMCHAI))[-1]
    paying = notice(bill)

    first = await biller.pay(bill["bill_id"], paying)
    assert first.status_code == 201, first.text
    recorded = first.json()
    assert recorded["bill_id"] == bill["bill_id"]
    assert recorded["status"] == "paid"
    assert recorded["amount_satang"] == bill["amount_satang"]
    assert recorded["receipt_number"] == paying["receipt_number"]
    assert recorded["payment_id"] == paying["payment_id"]
    assert recorded["paid_at"] == "2025-10-09T03:00:00.000+00:00"
    assert bill["bill_id"] not in [b["bill_id"] for b in await biller.bills(SOMCHAI)]

    again = await biller.pay(bill["bill_id"], paying)  # the gateway lost the answer
    assert again.status_code == 200
    assert again.json() == recorded
    assert await biller.payments() == [recorded]

    second = await biller.pay(bill["bill_id"], notice(bill))  # another payment of it
    body = assert_error(second, 409, "already_paid")
    assert body["receipt_number"] == paying["receipt_number"]
    conflict = await biller.pay(bill["bill_id"], {**paying, "channel": "7-eleven"})
    assert_error(conflict, 409, "idempotency_conflict")
    assert await biller.payments() == [recorded]


async def test_the_key_may_come_in_the_header_or_the_notice_but_must_agree(biller: Biller) -> None:
    bill = (await biller.bills(SOMCHAI))[-1]
    paying = notice(bill)
    without_key = {k: v for k, v in paying.items() if k != "idempotency_key"}
    assert_error(await biller.pay(bill["bill_id"], without_key), 400, "idempotency_key_required")
    assert_error(
        await biller.pay(bill["bill_id"], paying, key="another-key"), 400, "invalid_request"
    )
    headers = await biller.headers()
    by_header = await biller.pay(bill["bill_id"], without_key, key="header-key-1")
    assert by_header.status_code == 201, by_header.text
    assert by_header.json()["idempotency_key"] == "header-key-1"
    replay = await biller.pay(bill["bill_id"], without_key, key="header-key-1", headers=headers)
    assert replay.status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount_satang": 100}, 422, "amount_mismatch"),
        ({"reference": "PEA000000000000000"}, 422, "reference_mismatch"),
        ({"fees": [{"label": "ค่าไฟฟ้า", "amount_satang": 1}]}, 400, "invalid_request"),
        ({"paid_at": "2025-10-09T10:00:00"}, 400, "invalid_request"),
        ({"amount_satang": "1000.00"}, 400, "invalid_request"),
    ],
)
async def test_a_wrong_payment_is_refused_and_nothing_recorded(
    biller: Biller, change: dict[str, Any], status: int, code: str
) -> None:
    bill = (await biller.bills(SOMCHAI))[-1]
    body = assert_error(await biller.pay(bill["bill_id"], notice(bill, **change)), status, code)
    if code == "amount_mismatch":
        assert body["due_satang"] == bill["amount_satang"]
    assert await biller.payments() == []
    assert bill in await biller.bills(SOMCHAI)


async def test_a_bill_never_issued_is_not_found(biller: Biller) -> None:
    bill = (await biller.bills(SOMCHAI))[-1]
    number = bill["bill_id"]
    check = int(number[13])  # the account number's last check digit
    made_up = [
        number[:13] + str((check + 1) % 10) + number[14:],  # a wrong check digit
        number[:15] + "10",  # October: not billed before 1 November
        number[:15] + "13",  # no such month
        "PWA" + number[3:],  # another biller's prefix
        number[:-4] + "2001",  # before the records kept
        "PEA123",
    ]
    for bill_id in made_up:
        response = await biller.pay(bill_id, notice({**bill, "bill_id": bill_id}))
        assert_error(response, 404, "bill_not_found")
    assert await biller.payments() == []


async def test_an_older_bill_was_settled_at_a_counter(biller: Biller) -> None:
    bill = (await biller.bills(SOMCHAI))[0]
    older = bill["bill_id"][:-4] + "2503"  # March 2025: on record, long paid
    response = await biller.pay(older, notice({**bill, "bill_id": older}))
    body = assert_error(response, 409, "already_paid")
    assert "another channel" in body["message"]


async def test_next_month_a_new_bill_comes_and_what_was_paid_stays_paid(
    agency: Served, biller: Biller
) -> None:
    before = await biller.bills(SOMCHAI)
    paid = before[-1]
    assert (await biller.pay(paid["bill_id"], notice(paid))).status_code == 201

    agency.clock.advance(31 * DAY)  # 9 November: October's bill is out
    after = await biller.bills(SOMCHAI)
    assert after[-1]["period"] == "2025-10"
    assert after[-1]["due_on"] == "2025-11-15"
    assert paid["bill_id"] not in [bill["bill_id"] for bill in after]
    assert_error(await biller.pay(paid["bill_id"], notice(paid)), 409, "already_paid")


async def test_the_bills_api_needs_a_token_and_a_valid_id(biller: Biller) -> None:
    no_token = await biller.client.get("/pea/api/v1/bills", params={"pid": SOMCHAI})
    assert_error(no_token, 401, "unauthorised")
    assert no_token.headers["www-authenticate"] == 'Token realm="mock-pea"'
    bill = (await biller.bills(SOMCHAI))[-1]
    assert_error(await biller.pay(bill["bill_id"], notice(bill), headers={}), 401, "unauthorised")
    assert_error(await biller.listing("1100100001015"), 400, "invalid_pid")
    missing = await biller.client.get("/pea/api/v1/bills", headers=await biller.headers())
    assert_error(missing, 400, "invalid_request")


async def test_the_hosts_fault_knobs_apply_to_the_bills(biller: Biller) -> None:
    assert (await biller.client.put("/faults/PEA", json={"outage": True})).status_code == 200
    down = await biller.client.get(
        "/pea/api/v1/bills", params={"pid": SOMCHAI}, headers={"Consumer-Key": "x", "Token": "y"}
    )
    assert down.status_code == 503
    assert (await biller.client.delete("/faults")).status_code == 204
    assert await biller.bills(SOMCHAI)


# -- the bill e-service: an account's statement -----------------------------------------------

SERVICE = "pea-electricity-bill-payment"


async def test_the_e_service_approves_with_the_account_and_what_it_owes(
    agency: Served, biller: Biller
) -> None:
    ref = await agency.filed(filing(SERVICE, pid=BOONMEE, code="PEA", address=CHIANG_MAI_ADDRESS))
    case = await agency.case(ref)
    assert case["unit_code"] == "PEA_CNX"  # Chiang Mai's office
    assert case["fees"] == []  # the bills are paid through the Bills API, not as a fee
    owed = await biller.bills(BOONMEE)

    approved = await agency.staff(ref, "approve")
    assert approved.status_code == 200, approved.text
    effect = approved.json()["events"][-1]["data"]
    assert effect["account"]["ca"] == owed[0]["account_ref"]
    assert effect["bills"] == owed
    assert effect["outstanding_satang"] == sum(bill["amount_satang"] for bill in owed)


async def test_someone_who_is_no_customer_cannot_be_shown_an_account(agency: Served) -> None:
    customers = Electricity(0)
    stranger = next(p for p in map(pid, range(500)) if customers.account(p) is None)
    ref = await agency.filed(filing(SERVICE, pid=stranger, code="PEA"))
    assert_error(await agency.staff(ref, "approve"), 409, "not_eligible")
    named = await agency.filed(filing(SERVICE, code="PEA", form={"ca": "000000000000"}))
    body = assert_error(await agency.staff(named, "approve"), 409, "not_eligible")
    assert "'000000000000' is not the applicant's" in body["message"]
