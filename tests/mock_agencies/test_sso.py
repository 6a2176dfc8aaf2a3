"""The mock Social Security Office: unemployment benefit claims, the payout approval makes,
and its once-only data (the insurance record)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from casework_support import (
    CHIANG_MAI_ADDRESS,
    SOMCHAI,
    Receiver,
    Served,
    assert_error,
    eventually,
    filing,
    serving,
    verified,
)

from mock_agencies.dopa.population import national_id_check_digit
from mock_agencies.sso import app as sso

CLAIM = "sso-unemployment-benefit"
PAYOUTS = "/sso/api/v1/payouts"


def _pid(serial: int) -> str:
    first12 = f"17777{serial:07d}"
    return first12 + national_id_check_digit(first12)


_REGISTER = sso.Sso(0)
NOT_INSURED = next(_pid(n) for n in range(10_000) if _REGISTER.insured(_pid(n)) is None)
SECTION_40 = next(
    _pid(n)
    for n in range(10_000)
    if (person := _REGISTER.insured(_pid(n))) is not None and person.section == 40
)


def claim(pid: str = SOMCHAI, unit_code: str | None = None, **form: Any) -> dict[str, Any]:
    fields = {"cause": "laid_off", "paid_by": "promptpay_id", "last_working_day": "2025-09-30"}
    return filing(CLAIM, pid=pid, code="SSO", unit_code=unit_code, form={**fields, **form})


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(sso, "SSO") as served:
        yield served


async def test_the_insurance_record_of_an_insured_person(agency: Served) -> None:
    headers = await agency.headers()
    record = (await agency.client.get(f"/sso/api/v1/insured/{SOMCHAI}", headers=headers)).json()
    assert record["pid"] == SOMCHAI
    assert record["section"] == 33
    assert record["employer"]["name_th"]
    assert record["employer"]["name_en"]
    assert len(record["employer"]["account_number"]) == 10
    assert record["months_contributed"] >= 6
    assert record["contributions_last_15_months"] >= 6
    assert record["last_wage_satang"] > 0
    missing = await agency.client.get(f"/sso/api/v1/insured/{NOT_INSURED}", headers=headers)
    assert_error(missing, 404, "not_found")
    assert_error(await agency.client.get(f"/sso/api/v1/insured/{SOMCHAI}"), 401, "unauthorised")


@pytest.mark.parametrize(
    ("cause", "percent", "days"), [("laid_off", 50, 180), ("resigned", 30, 90)]
)
async def test_approval_pays_the_benefit_out_to_promptpay(
    agency: Served, cause: str, percent: int, days: int
) -> None:
    headers = await agency.headers()
    record = (await agency.client.get(f"/sso/api/v1/insured/{SOMCHAI}", headers=headers)).json()
    expected = min(record["last_wage_satang"], 1_500_000) * percent // 100
    filed = claim(cause=cause)
    answer = (await agency.submit(filed)).json()
    assert answer["fees"] == []
    # 01:30 on 10 October in Bangkok, still the 9th in UTC
    agency.clock.now = dt.datetime(2025, 10, 9, 18, 30, tzinfo=dt.UTC).timestamp()
    headers = await agency.headers()  # the earlier token lapsed meanwhile
    approved = (await agency.staff(answer["agency_ref"], "approve")).json()
    data = approved["events"][-1]["data"]
    assert data["benefit"]["rate_percent"] == percent
    assert data["benefit"]["days"] == days
    assert data["benefit"]["monthly_satang"] == expected
    # The portal pays it: the first month, ordered in the approved event.
    assert data["disbursements"] == [
        {
            "payout_id": f"{filed['application_number']}-UB-1",
            "amount_satang": expected,
            "kind": "unemployment_benefit",
            "title_th": "เงินทดแทนกรณีว่างงาน เดือนที่ 1",
            "title_en": "Unemployment benefit, month 1",
            "period": "2025-10",
            "pay_on": "2025-10-10",
        }
    ]
    payout = data["payout"]
    assert payout["payout_id"] == data["disbursements"][0]["payout_id"]
    assert payout["amount_satang"] == expected
    assert payout["to"] == {"promptpay_id": SOMCHAI}
    assert payout["agency_ref"] == answer["agency_ref"]
    assert (payout["status"], payout["via"]) == ("ordered", "portal")
    listed = await agency.client.get(
        "/sso/api/v1/payouts", params={"pid": SOMCHAI}, headers=headers
    )
    assert listed.json() == {"pid": SOMCHAI, "payouts": [payout]}
    # The gateway's status read sees the same event data.
    read = await agency.client.get(
        f"/sso/api/v1/applications/{answer['agency_ref']}", headers=headers
    )
    assert read.json()["events"][-1]["data"] == data


async def test_the_wage_counted_is_capped_at_15000_baht() -> None:
    register = sso.Sso(0)
    above = next(
        p
        for n in range(10_000)
        if (p := _pid(n))
        and (person := register.insured(p)) is not None
        and person.section == 33
        and person.status == "active"
        and person.contributions_last_15_months >= 6
        and (person.last_wage_satang or 0) > 1_500_000
    )
    async with serving(sso, "SSO") as agency:
        ref = await agency.filed(claim(pid=above))
        data = (await agency.staff(ref, "approve")).json()["events"][-1]["data"]
    assert data["benefit"]["wage_base_satang"] == 1_500_000
    assert data["disbursements"][0]["amount_satang"] == 750_000  # 50 % of 15,000 THB


async def test_a_bank_account_is_paid_as_given_and_a_broken_one_refused(agency: Served) -> None:
    account = {"bank": "006", "account_number": "1234567890"}
    ref = await agency.filed(claim(paid_by="bank_account", bank_account=account))
    approved = (await agency.staff(ref, "approve")).json()
    data = approved["events"][-1]["data"]
    assert data["payout"]["to"] == {"bank_account": account}
    assert data["payout"]["status"] == "paid"  # SSO pays a bank account itself
    assert "disbursements" not in data  # the portal pays only PromptPay on the ID
    broken = await agency.submit(claim(paid_by="bank_account", bank_account={"bank": "999"}))
    assert_error(broken, 400, "invalid_request")
    missing = await agency.submit(claim(paid_by="bank_account"))
    assert_error(missing, 400, "invalid_request")


async def test_nobody_else_is_paid_and_nothing_is_paid_before_approval(agency: Served) -> None:
    headers = await agency.headers()
    await agency.filed(claim())
    for pid in (SOMCHAI, NOT_INSURED):
        listed = await agency.client.get(
            "/sso/api/v1/payouts", params={"pid": pid}, headers=headers
        )
        assert listed.json()["payouts"] == []
    bad = await agency.client.get("/sso/api/v1/payouts", params={"pid": "123"}, headers=headers)
    assert_error(bad, 400, "invalid_pid")


@pytest.mark.parametrize("pid", [NOT_INSURED, SECTION_40])
async def test_a_claim_the_record_does_not_support_is_not_approved(
    agency: Served, pid: str
) -> None:
    ref = await agency.filed(claim(pid=pid))
    refused = assert_error(await agency.staff(ref, "approve"), 409, "not_eligible")
    assert "/" in refused["message"]  # Thai / English
    # the automatic officer rejects it, giving the reason
    rules = {"auto_accept": True, "auto_decide_after_seconds": 0, "decision": "approve"}
    await agency.client.put("/sso/rules", json=rules)
    await eventually(lambda: agency.casework.cases[ref].status == "rejected")
    case = await agency.case(ref)
    assert case["events"][-1]["data"]["reason"] == refused["message"]
    headers = await agency.headers()
    listed = await agency.client.get("/sso/api/v1/payouts", params={"pid": pid}, headers=headers)
    assert listed.json()["payouts"] == []


async def test_the_payout_reaches_the_gateway_in_the_signed_callback() -> None:
    receiver = Receiver()
    async with serving(sso, "SSO", receiver) as agency:
        ref = await agency.filed(claim())
        await agency.staff(ref, "approve")
        await eventually(lambda: len(receiver.requests) == 1)
    payload = verified(*receiver.requests[0])
    assert payload["status"] == "approved"
    assert payload["data"]["payout"]["to"] == {"promptpay_id": SOMCHAI}
    assert payload["data"]["payout"]["amount_satang"] > 0
    # the order for the portal, unchanged from the case's own event
    held = agency.casework.cases[ref].events[-1].data
    assert payload["data"]["disbursements"] == held["disbursements"]
    [order] = payload["data"]["disbursements"]
    assert order["amount_satang"] == held["benefit"]["monthly_satang"]


async def test_routing_and_refusing_other_agencies_cases(agency: Served) -> None:
    answer = (await agency.submit(claim(unit_code="SSO_HQ", province="TH-20"))).json()
    assert (answer["status"], answer["unit_code"]) == ("forwarded_within_agency", "SSO_CBI")
    by_address = (
        await agency.submit(
            filing(CLAIM, code="SSO", unit_code="SSO_HQ", address=CHIANG_MAI_ADDRESS)
        )
    ).json()
    assert by_address["unit_code"] == "SSO_CNX"
    refused = await agency.submit(filing("dlt-driving-licence-renewal", code="SSO"))
    assert assert_error(refused, 422, "not_our_case")["responsible_agency"] == "DLT"
