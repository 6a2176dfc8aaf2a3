"""Fees and payments at the API-kind mock agencies (docs/agency-integration.md, "Fees and
payments"): DLT approves, then waits for its fee before it issues; the gateway's payment report
issues the licence (the next seq, called back signed); the report is recorded once per
idempotency key and refused when it does not fit the case; RD's tax due is paid at filing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from casework_support import (
    KEY,
    MALEE,
    OTHER_KEY,
    OTHER_SECRET,
    SECRET,
    SOMCHAI,
    WALL_TIME,
    Receiver,
    Served,
    assert_error,
    eventually,
    filing,
    payment,
    serving,
    verified,
)
from dopa_support import FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_agencies.casework import Casework, CaseworkError, Rules
from mock_agencies.casework.model import StaffAction
from mock_agencies.dlt import app as dlt
from mock_agencies.dopa.population import national_id_check_digit
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

RENEWAL = "dlt-driving-licence-renewal"
VEHICLE_TAX = "dlt-annual-vehicle-tax"
EFILING = "rd-personal-income-tax-efiling"
BAHT = 100


def _pid(serial: int) -> str:
    first12 = f"18888{serial:07d}"
    return first12 + national_id_check_digit(first12)


#: Someone DLT has issued no licence (the mock's registers are drawn from the ID and seed 0).
NO_LICENCE = next(_pid(n) for n in range(10_000) if dlt.Dlt(0).licence(_pid(n)) is None)


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(dlt, "DLT") as served:
        yield served


async def approved_awaiting_fee(agency: Served, pid: str = MALEE) -> str:
    """A DLT renewal the officer accepted and approved: waiting for its fee."""
    ref = await agency.filed(filing(RENEWAL, pid=pid))
    assert (await agency.staff(ref, "accept")).status_code == 200
    waiting = await agency.staff(ref, "approve")
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["status"] == "awaiting_payment"
    return ref


async def licence_of(agency: Served, pid: str) -> dict[str, Any]:
    response = await agency.client.get(
        f"/dlt/api/v1/licences/{pid}", headers=await agency.headers()
    )
    assert response.status_code == 200, response.text
    licence: dict[str, Any] = response.json()
    return licence


# --- DLT: approved, then the fee, then the licence -------------------------------------------


async def test_approving_an_unpaid_renewal_asks_for_the_fee_and_issues_nothing(
    agency: Served,
) -> None:
    before = await licence_of(agency, MALEE)
    ref = await approved_awaiting_fee(agency)

    case = await agency.case(ref)
    assert [e["status"] for e in case["events"]] == ["received", "in_review", "awaiting_payment"]
    assert case["events"][-1]["data"] == {
        "fees": [
            {
                "label": "ค่าธรรมเนียมใบอนุญาตขับรถยนต์ส่วนบุคคล ชนิด 5 ปี",
                "label_en": "Private car driving licence fee, 5-year",
                "amount_satang": 50000,
            },
            {"label": "ค่าคำขอ", "label_en": "Application form", "amount_satang": 500},
        ],
        "amount_satang": 50500,
        "approved": True,
    }
    assert case["document_id"] is None
    assert case["fees_paid"] is False
    assert case["payments"] == []
    assert await licence_of(agency, MALEE) == before  # not renewed before the fee is paid
    # Decided: approving again is refused; rejecting (or the citizen withdrawing) still works.
    assert_error(await agency.staff(ref, "approve"), 409, "invalid_transition")
    assert (await agency.case(ref))["seq"] == 3


async def test_the_payment_issues_the_licence_as_the_next_event(agency: Served) -> None:
    ref = await approved_awaiting_fee(agency)
    case = await agency.case(ref)
    report = payment(case)

    paid = await agency.pay(ref, key=report["idempotency_key"], **report)

    assert paid.status_code == 201, paid.text
    answer = paid.json()
    assert (answer["agency_ref"], answer["status"], answer["seq"]) == (ref, "approved", 4)
    assert answer["payment"]["receipt_number"] == report["receipt_number"]
    assert answer["payment"]["amount_satang"] == 50500
    assert answer["payment"]["idempotency_key"] == report["idempotency_key"]
    case = await agency.case(ref)
    assert [(e["seq"], e["status"]) for e in case["events"][-2:]] == [
        (3, "awaiting_payment"),
        (4, "approved"),
    ]
    issued = case["events"][-1]["data"]
    assert issued["payment"] == {
        "payment_id": report["payment_id"],
        "receipt_number": report["receipt_number"],
        "amount_satang": 50500,
        "paid_at": "2025-10-09T03:00:00.000+00:00",
    }
    assert issued["document_id"] == case["document_id"]
    assert case["fees_paid"] is True
    assert [p["receipt_number"] for p in case["payments"]] == [report["receipt_number"]]
    # The licence is renewed now, and the PDF names the receipt the fee was paid with.
    assert (await licence_of(agency, MALEE))["licence_number"] == issued["licence"][
        "licence_number"
    ]
    assert (await licence_of(agency, MALEE))["expires_on"] == issued["licence"]["expires_on"]
    pdf = await agency.client.get(
        f"/dlt/api/v1/documents/{case['document_id']}", headers=await agency.headers()
    )
    assert pdf.status_code == 200
    assert report["receipt_number"].encode() in pdf.content
    assert b"Fee paid: 505.00 THB" in pdf.content


async def test_the_issued_case_is_called_back_signed_after_the_request_for_the_fee() -> None:
    receiver = Receiver()
    async with serving(dlt, "DLT", receiver) as agency:
        ref = await approved_awaiting_fee(agency)
        assert (await agency.pay(ref)).status_code == 201
        await eventually(lambda: len(receiver.acknowledged()) == 3)
        case = await agency.case(ref)
    payloads = [verified(headers, raw) for headers, raw in receiver.requests]
    assert [(p["seq"], p["status"]) for p in payloads] == [
        (2, "in_review"),
        (3, "awaiting_payment"),
        (4, "approved"),
    ]
    assert payloads[1]["data"]["approved"] is True
    assert payloads[1]["data"]["amount_satang"] == 50500
    assert payloads[2]["data"] == case["events"][-1]["data"]
    assert payloads[2]["data"]["document_id"] == case["document_id"]
    assert all(headers["x-timestamp"] == str(int(WALL_TIME)) for headers, _ in receiver.requests)


async def test_vehicle_tax_is_paid_before_the_disc_is_issued(agency: Served) -> None:
    form = {"vehicle_type": "motorcycle", "plate": "กข 123"}
    ref = await agency.filed(filing(VEHICLE_TAX, form=form))
    waiting = (await agency.staff(ref, "approve")).json()  # decided without "in review" first
    assert [e["status"] for e in waiting["events"]] == ["received", "awaiting_payment"]
    assert waiting["events"][-1]["data"]["amount_satang"] == 10000
    assert "tax_disc" not in waiting["events"][-1]["data"]
    assert (await agency.pay(ref)).json()["status"] == "approved"
    disc = (await agency.case(ref))["events"][-1]["data"]["tax_disc"]
    assert (disc["plate"], disc["amount_satang"]) == ("กข 123", 10000)


# --- once per idempotency key, and what does not fit -----------------------------------------


async def test_the_same_key_again_gives_the_first_answer_and_records_nothing(
    agency: Served,
) -> None:
    ref = await approved_awaiting_fee(agency)
    report = payment(await agency.case(ref))
    key = report["idempotency_key"]
    first = await agency.pay(ref, key=key, **report)
    assert first.status_code == 201
    again = await agency.pay(ref, key=key, **report)
    assert again.status_code == 200
    assert again.json() == first.json()
    case = await agency.case(ref)
    assert case["seq"] == 4
    assert len(case["payments"]) == 1
    # The key again with another payment is a conflict, not a second payment.
    other = await agency.pay(ref, key=key, **{**report, "payment_id": "PAY-OTHER"})
    assert_error(other, 409, "idempotency_conflict")
    assert (await agency.case(ref))["seq"] == 4


async def test_another_payment_for_a_paid_case_is_already_paid(agency: Served) -> None:
    ref = await approved_awaiting_fee(agency)
    report = payment(await agency.case(ref))
    assert (await agency.pay(ref, key=report["idempotency_key"], **report)).status_code == 201

    second = await agency.pay(ref, key="another-payment:agency")

    body = assert_error(second, 409, "already_paid")
    assert body["idempotency_key"] == report["idempotency_key"]  # the payment on record
    assert body["receipt_number"] == report["receipt_number"]
    case = await agency.case(ref)
    assert (case["seq"], len(case["payments"])) == (4, 1)


async def test_an_amount_other_than_the_fees_due_is_refused(agency: Served) -> None:
    ref = await approved_awaiting_fee(agency)
    short = await agency.pay(
        ref, amount_satang=50000, fees=[{"label": "ค่าธรรมเนียม", "amount_satang": 50000}]
    )
    assert assert_error(short, 422, "amount_mismatch")["due_satang"] == 50500
    case = await agency.case(ref)
    assert (case["status"], case["seq"], case["payments"]) == ("awaiting_payment", 3, [])
    assert (await agency.pay(ref)).json()["status"] == "approved"  # the right amount goes


async def test_a_case_not_waiting_for_its_fee_refuses_the_payment(agency: Served) -> None:
    received = await agency.filed(filing(RENEWAL))
    assert_error(await agency.pay(received), 409, "not_awaiting_payment")
    await agency.staff(received, "accept")
    assert_error(await agency.pay(received), 409, "not_awaiting_payment")
    rejected = await agency.filed(filing(RENEWAL))
    await agency.staff(rejected, "reject", reason="เอกสารไม่ครบ")
    assert_error(await agency.pay(rejected), 409, "not_awaiting_payment")
    withdrawn = await approved_awaiting_fee(agency)
    headers = await agency.headers()
    cancel = await agency.client.post(
        f"/dlt/api/v1/applications/{withdrawn}/cancel", headers=headers
    )
    assert cancel.json()["status"] == "cancelled"  # the citizen withdrew instead of paying
    assert_error(await agency.pay(withdrawn), 409, "not_awaiting_payment")
    for ref in (received, rejected, withdrawn):
        assert (await agency.case(ref))["payments"] == []


async def test_a_payment_report_is_checked(agency: Served) -> None:
    ref = await approved_awaiting_fee(agency)
    case = await agency.case(ref)
    headers = await agency.headers()
    url = f"/dlt/api/v1/applications/{ref}/payments"

    async def post(body: Any, key: str | None = "k-1:agency") -> httpx.Response:
        sent = {**headers, **({"Idempotency-Key": key} if key else {})}
        return await agency.client.post(url, content=json.dumps(body), headers=sent)

    good = payment(case, "k-1:agency")
    assert_error(await post(good, key=None), 400, "idempotency_key_required")
    for broken in (
        {**good, "amount_satang": 50400},  # not the sum of the fees it lists
        {**good, "amount_satang": "50500"},
        {**good, "paid_at": "2025-10-09T03:00:00"},  # no offset
        {**good, "fees": []},
        {**good, "channel": ""},
        {k: v for k, v in good.items() if k != "receipt_number"},
        {**good, "idempotency_key": "another-key"},  # not the header's
        [good],
    ):
        assert_error(await post(broken), 400, "invalid_request")
    elsewhere = await post({**good, "reference": "APP-2568-999999"})
    assert_error(elsewhere, 422, "reference_mismatch")
    assert_error(
        await agency.client.post(
            "/dlt/api/v1/applications/DLT-R-999999/payments",
            json=good,
            headers={**headers, "Idempotency-Key": "k-1:agency"},
        ),
        404,
        "not_found",
    )
    theirs = await agency.headers(OTHER_KEY, OTHER_SECRET)
    assert_error(await agency.pay(ref, headers=theirs), 404, "not_found")  # not their case
    anonymous = await agency.client.post(url, json=good, headers={"Idempotency-Key": "k-2"})
    assert_error(anonymous, 401, "unauthorised")
    assert (await agency.case(ref))["payments"] == []
    without_body_key = {k: v for k, v in good.items() if k != "idempotency_key"}
    assert (await post(without_body_key)).status_code == 201  # the header's key is enough


# --- a payment the staff asked for; the rules ------------------------------------------------


async def test_a_fee_the_staff_asked_for_sends_the_case_back_in_review_once_paid(
    agency: Served,
) -> None:
    ref = await agency.filed(filing(RENEWAL))
    await agency.staff(ref, "accept")
    asked = (await agency.staff(ref, "request-payment")).json()
    assert asked["events"][-1]["data"]["approved"] is False
    assert f"applications/{ref}/approve" in (await agency.client.get("/dlt/staff/")).text

    paid = (await agency.pay(ref)).json()

    assert (paid["status"], paid["seq"]) == ("in_review", 4)
    case = await agency.case(ref)
    assert case["events"][-1]["data"]["payment"]["amount_satang"] == 50500
    assert case["document_id"] is None  # the officer decides next
    assert_error(await agency.staff(ref, "request-payment"), 409, "invalid_transition")  # paid
    assert (
        f"applications/{ref}/request-payment" not in (await agency.client.get("/dlt/staff/")).text
    )
    approved = (await agency.staff(ref, "approve")).json()
    assert (approved["status"], approved["seq"]) == ("approved", 5)  # paid: issued at once
    assert approved["document_id"]


async def test_the_rules_approve_into_the_wait_for_the_fee_and_can_issue_at_once() -> None:
    async with serving(dlt, "DLT") as agency:
        rules = {"auto_accept": True, "auto_decide_after_seconds": 0, "decision": "approve"}
        assert (await agency.client.put("/dlt/rules", json=rules)).json()["collect_fees"] is True
        ref = await agency.filed(filing(RENEWAL))
        await eventually(lambda: agency.casework.cases[ref].status == "awaiting_payment")
        assert (await agency.pay(ref)).json()["status"] == "approved"
        await eventually(lambda: not agency.casework.running)
        assert [e["status"] for e in (await agency.case(ref))["events"]] == [
            "received",
            "in_review",
            "awaiting_payment",
            "approved",
        ]

        # Fees not collected: approval issues at once, as before the portal took payments.
        await agency.client.put("/dlt/rules", json={**rules, "collect_fees": False})
        free = await agency.filed(filing(RENEWAL))
        await eventually(lambda: agency.casework.cases[free].status == "approved")
        case = await agency.case(free)
        assert (case["fees_paid"], bool(case["document_id"])) == (False, True)
        assert_error(await agency.pay(free), 409, "not_awaiting_payment")


async def test_a_renewal_dlt_cannot_grant_is_refused_before_any_fee_is_asked(
    agency: Served,
) -> None:
    ref = await agency.filed(filing(RENEWAL, pid=NO_LICENCE))
    await agency.staff(ref, "accept")
    assert_error(await agency.staff(ref, "approve"), 409, "not_eligible")
    assert (await agency.case(ref))["status"] == "in_review"
    # The rules reject it with DLT's reason instead of asking for a fee.
    await agency.client.put("/dlt/rules", json={"auto_decide_after_seconds": 0})
    await eventually(lambda: agency.casework.cases[ref].status == "rejected")
    case = await agency.case(ref)
    assert [e["status"] for e in case["events"]] == ["received", "in_review", "rejected"]
    assert "5-year private car licence" in case["events"][-1]["data"]["reason"]


async def test_the_back_office_page_shows_paid_and_unpaid(agency: Served) -> None:
    waiting = await approved_awaiting_fee(agency)
    page = (await agency.client.get("/dlt/staff/")).text
    assert "unpaid: approved, waiting for the fee" in page
    assert f"applications/{waiting}/approve" not in page  # decided already
    assert f"applications/{waiting}/reject" in page
    report = payment(await agency.case(waiting))
    await agency.pay(waiting, key=report["idempotency_key"], **report)
    asked = await agency.filed(filing(RENEWAL))
    await agency.staff(asked, "accept")
    await agency.staff(asked, "request-payment")
    page = (await agency.client.get("/dlt/staff/")).text
    assert f"paid / ชำระแล้ว</span> ({report['receipt_number']})" in page
    assert "unpaid / ยังไม่ชำระ" in page  # the one asked to pay


# --- RD: the tax due is paid at filing; SSO charges nothing -----------------------------------


async def test_rd_tax_due_is_paid_at_filing_without_a_status_change() -> None:
    async with serving(rd, "RD") as agency:
        form = {"tax_year": 2567, "return_type": "PND91", "other_income_satang": 2_000_000 * BAHT}
        answer = (await agency.submit(filing(EFILING, code="RD", form=form))).json()
        ref, owed = answer["agency_ref"], answer["fees"][0]["amount_satang"]

        paid = await agency.pay(ref)

        assert paid.status_code == 201, paid.text
        assert (paid.json()["status"], paid.json()["seq"]) == ("received", 1)
        case = await agency.case(ref)
        assert [e["status"] for e in case["events"]] == ["received"]
        assert case["fees_paid"] is True
        assert case["payments"][0]["amount_satang"] == owed
        assert_error(await agency.pay(ref, key="again:agency"), 409, "already_paid")
        approved = (await agency.staff(ref, "approve")).json()  # approval never waits on it
        assert (approved["status"], approved["seq"]) == ("approved", 2)

        unpaid = await agency.filed(filing(EFILING, code="RD", form=form))
        assert (await agency.staff(unpaid, "approve")).json()["status"] == "approved"
        assert (await agency.pay(unpaid)).json()["status"] == "approved"  # paid after: recorded
        refused = await agency.filed(filing(EFILING, code="RD", form=form))
        await agency.staff(refused, "reject", reason="แบบไม่ครบ")
        assert_error(await agency.pay(refused), 409, "not_awaiting_payment")
        refund = await agency.filed(
            filing(EFILING, pid=SOMCHAI, code="RD", form={"tax_year": 2567})
        )
        nothing_due = await agency.pay(
            refund, amount_satang=100, fees=[{"label": "ภาษี", "amount_satang": 100}]
        )
        assert assert_error(nothing_due, 422, "amount_mismatch")["due_satang"] == 0


async def test_sso_approves_at_once_and_owes_nothing() -> None:
    async with serving(sso, "SSO") as agency:
        claim = {"last_working_day": "2025-09-30", "cause": "laid_off", "paid_by": "promptpay_id"}
        ref = await agency.filed(filing("sso-unemployment-benefit", code="SSO", form=claim))
        assert (await agency.staff(ref, "approve")).json()["status"] == "approved"
        something = await agency.pay(
            ref, amount_satang=100, fees=[{"label": "x", "amount_satang": 100}]
        )
        assert assert_error(something, 422, "amount_mismatch")["due_satang"] == 0


# --- the rules of a case, over any sequence of moves (the engine without HTTP) ----------------

MOVES = [
    *(action.value for action in StaffAction),
    "pay",  # the fees in full, with a new key
    "pay-again",  # the last payment's key and body again
    "pay-short",  # one satang short
    "cancel",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(MOVES), max_size=12), st.booleans())
def test_a_case_is_issued_only_once_paid_and_each_change_is_one_more_seq(
    moves: list[str], collect_fees: bool
) -> None:
    casework = Casework(
        dlt.Dlt(0),
        consumers={KEY: SECRET},
        callback_secret="s" * 32,
        clock=FakeClock(),
        wall_clock=lambda: WALL_TIME,
        send_callbacks=False,
        rules=Rules(collect_fees=collect_fees),
    )
    _, filed = casework.submit(
        KEY, "k:submit", json.dumps(filing(RENEWAL, pid=MALEE, callback=False)).encode()
    )
    case = casework.case_for(filed["agency_ref"])
    keys: list[str] = []
    for number, move in enumerate(moves):
        before = (case.seq, len(case.payments), case.status)
        approved_before = case.approved_awaiting_fee
        try:
            if move in {"pay", "pay-again", "pay-short"}:
                key = keys[-1] if move == "pay-again" and keys else f"p-{number}"
                keys.append(key)
                body = payment(case.view(), key, payment_id=f"PAY-{key}")
                if move == "pay-short":
                    body["amount_satang"] -= 1
                    body["fees"][-1]["amount_satang"] -= 1
                status, answer = casework.pay(case.ref, KEY, key, json.dumps(body).encode())
                if status == 200:  # the same key and body again: the first answer, no record
                    assert (case.seq, len(case.payments)) == before[:2]
                elif before[2] == "awaiting_payment":  # paid while waiting: the next event
                    assert case.seq == before[0] + 1
                    assert case.status == ("approved" if approved_before else "in_review")
                else:
                    assert case.seq == before[0]  # recorded, nothing else happens
                assert answer["seq"] <= case.seq
            elif move == "cancel":
                casework.cancel(case.ref, KEY)
            else:
                casework.act(case.ref, StaffAction(move))
        except CaseworkError:
            assert (case.seq, len(case.payments), case.status) == before  # refused: unchanged
        assert [event.seq for event in case.events] == list(range(1, case.seq + 1))
        assert len(case.payments) <= 1
        assert (case.document_id is not None) == (case.status == "approved")
        if collect_fees and case.status == "approved":
            assert case.paid  # DLT never issues before its fee is paid
