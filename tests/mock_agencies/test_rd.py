"""The mock Revenue Department: income tax e-filing assessed from the withholding certificates
it holds, the refund approval pays, and its once-only data (the certificates)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from casework_support import (
    BOONMEE,
    CHIANG_MAI_ADDRESS,
    MALEE,
    NATTHIDA,
    SOMCHAI,
    Served,
    assert_error,
    filing,
    serving,
)

from mock_agencies.dopa.population import national_id_check_digit
from mock_agencies.rd import app as rd
from mock_agencies.rd.rules import income_tax_satang

EFILING = "rd-personal-income-tax-efiling"
BAHT = 100


def _pid(serial: int) -> str:
    first12 = f"16666{serial:07d}"
    return first12 + national_id_check_digit(first12)


def tax_by_the_book(net_baht: int) -> float:
    """The progressive scale, band by band, written out independently (in baht)."""
    bands = [
        (150_000, 0),
        (150_000, 5),
        (200_000, 10),
        (250_000, 15),
        (250_000, 20),
        (1_000_000, 25),
        (3_000_000, 30),
    ]
    tax, left = 0.0, net_baht
    for width, percent in bands:
        part = min(left, width)
        tax += part * percent / 100
        left -= part
    return tax + left * 35 / 100


def efiling(pid: str, **form: Any) -> dict[str, Any]:
    fields = {"tax_year": 2567, "return_type": "PND91", "refund_requested": True}
    return filing(EFILING, pid=pid, code="RD", form={**fields, **form})


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(rd, "RD") as served:
        yield served


async def withholding(agency: Served, pid: str, year: int) -> dict[str, Any]:
    response = await agency.client.get(
        f"/rd/api/v1/withholding/{pid}", params={"year": year}, headers=await agency.headers()
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_withholding_certificates_by_tax_year_in_either_era(agency: Served) -> None:
    by_ce = await withholding(agency, SOMCHAI, 2024)
    assert (by_ce["tax_year"], by_ce["tax_year_be"]) == (2024, 2567)
    assert by_ce == await withholding(agency, SOMCHAI, 2567)
    certificates = by_ce["certificates"]
    assert certificates
    first = certificates[0]
    assert first["income_type"] == "40(1)"
    assert len(first["payer"]["tax_id"]) == 13
    assert first["income_satang"] > first["withheld_satang"] > 0
    assert by_ce["totals"]["income_satang"] == sum(c["income_satang"] for c in certificates)
    assert by_ce["totals"]["withheld_satang"] == sum(c["withheld_satang"] for c in certificates)
    this_year = await withholding(agency, SOMCHAI, 2025)  # not over yet: nothing reported
    assert this_year["certificates"] == []


async def test_withholding_needs_a_year_a_valid_id_and_a_taxpayer(agency: Served) -> None:
    headers = await agency.headers()
    no_year = await agency.client.get(f"/rd/api/v1/withholding/{SOMCHAI}", headers=headers)
    assert_error(no_year, 400, "invalid_request")
    bad_id = await agency.client.get(
        "/rd/api/v1/withholding/1100100001015", params={"year": 2024}, headers=headers
    )
    assert_error(bad_id, 400, "invalid_pid")
    register = rd.Rd(0)
    unknown = next(_pid(n) for n in range(10_000) if not register.knows(_pid(n)))
    missing = await agency.client.get(
        f"/rd/api/v1/withholding/{unknown}", params={"year": 2024}, headers=headers
    )
    assert_error(missing, 404, "not_found")
    anonymous = await agency.client.get(f"/rd/api/v1/withholding/{SOMCHAI}", params={"year": 2024})
    assert_error(anonymous, 401, "unauthorised")


@pytest.mark.parametrize("pid", [SOMCHAI, BOONMEE, MALEE, NATTHIDA])
async def test_approval_refunds_what_was_withheld_beyond_the_tax(agency: Served, pid: str) -> None:
    totals = (await withholding(agency, pid, 2024))["totals"]
    income = totals["income_satang"] // BAHT
    expenses = min(income // 2, 100_000)
    allowances = 60_000 + min(totals["social_security_satang"] // BAHT, 9_000)
    tax = round(tax_by_the_book(income - expenses - allowances))
    refund = totals["withheld_satang"] // BAHT - tax
    assert refund > 0  # the demo citizens had more withheld than their tax

    answer = (await agency.submit(efiling(pid))).json()
    assert answer["fees"] == []  # nothing more to pay
    approved = (await agency.staff(answer["agency_ref"], "approve")).json()
    data = approved["events"][-1]["data"]
    assert data["tax_year_be"] == 2567
    assert abs(data["assessment"]["tax_satang"] // BAHT - tax) <= 1  # rounding to the baht
    assert abs(data["refund_satang"] // BAHT - refund) <= 1
    assert data["refund"]["amount_satang"] == data["refund_satang"]
    assert data["refund"]["to"] == {"promptpay_id": pid}


async def test_no_refund_unless_asked_for(agency: Served) -> None:
    ref = await agency.filed(efiling(SOMCHAI, refund_requested=False))
    data = (await agency.staff(ref, "approve")).json()["events"][-1]["data"]
    assert data["refund_satang"] == 0
    assert data["refund"] is None
    assert data["assessment"]["refundable_satang"] > 0


async def test_income_payers_did_not_report_makes_tax_to_pay(agency: Served) -> None:
    answer = (await agency.submit(efiling(SOMCHAI, other_income_satang=2_000_000 * BAHT))).json()
    assert len(answer["fees"]) == 1
    owed = answer["fees"][0]["amount_satang"]
    assert owed > 0
    approved = (await agency.staff(answer["agency_ref"], "approve")).json()
    data = approved["events"][-1]["data"]
    assert data["assessment"]["payable_satang"] == owed
    assert data["refund_satang"] == 0


async def test_a_bad_tax_form_is_refused(agency: Served) -> None:
    assert_error(await agency.submit(efiling(SOMCHAI, tax_year=1999)), 400, "invalid_request")
    bad_income = efiling(SOMCHAI, other_income_satang=-5)
    assert_error(await agency.submit(bad_income), 400, "invalid_request")


async def test_a_chiang_mai_taxpayer_is_handled_in_chiang_mai(agency: Served) -> None:
    answer = (
        await agency.submit(
            filing(EFILING, code="RD", unit_code="RD_HQ", address=CHIANG_MAI_ADDRESS)
        )
    ).json()
    assert (answer["status"], answer["unit_code"]) == ("forwarded_within_agency", "RD_CNX")
    refused = await agency.submit(filing("sso-unemployment-benefit", code="RD"))
    assert assert_error(refused, 422, "not_our_case")["responsible_agency"] == "SSO"


def test_the_tax_scale_matches_the_book() -> None:
    for net_baht in (0, 150_000, 150_001, 300_000, 420_000, 750_000, 1_500_000, 6_000_000):
        assert income_tax_satang(net_baht * BAHT) == round(tax_by_the_book(net_baht) * BAHT)


async def refund_of(agency: Served, pid: str) -> dict[str, Any]:
    response = await agency.client.get(f"/rd/api/v1/refunds/{pid}", headers=await agency.headers())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_demo_citizens_latest_refunds_are_as_documented(agency: Served) -> None:
    """docs/demo-citizens.md: demo citizen 1's refund is paid, 8's processing, 2's none. On
    9 October 2025 the latest tax year with its returns in is 2024 (BE 2567)."""
    first = await refund_of(agency, SOMCHAI)
    assert (first["status"], first["tax_year"], first["tax_year_be"]) == ("paid", 2024, 2567)
    assert first["amount_satang"] > 0
    assert first["filed_on"] < first["paid_on"] <= "2025-10-09"
    assert first["refund_id"].startswith("RD-R-2567-")
    second = await refund_of(agency, NATTHIDA)
    assert (second["status"], second["paid_on"]) == ("processing", None)
    assert second["filed_on"].startswith("2025-0")
    assert await refund_of(agency, BOONMEE) == {
        "pid": BOONMEE,
        "tax_year": 2024,
        "tax_year_be": 2567,
        "status": "none",
        "refund_id": None,
        "amount_satang": None,
        "filed_on": None,
        "paid_on": None,
    }


async def test_a_refund_approved_on_the_portal_is_the_latest(agency: Served) -> None:
    answer = (await agency.submit(efiling(BOONMEE))).json()
    approved = (await agency.staff(answer["agency_ref"], "approve")).json()
    paid = approved["events"][-1]["data"]["refund"]
    latest = await refund_of(agency, BOONMEE)
    assert latest["status"] == "paid"
    assert (latest["refund_id"], latest["amount_satang"]) == (
        paid["refund_id"],
        paid["amount_satang"],
    )
    assert latest["paid_on"] == paid["paid_at"][:10]


async def test_refunds_are_drawn_the_same_way_every_time_and_vary(agency: Served) -> None:
    async def answers() -> list[tuple[int, Any]]:
        headers = await agency.headers()
        found = []
        for serial in range(60):
            r = await agency.client.get(f"/rd/api/v1/refunds/{_pid(serial)}", headers=headers)
            found.append((r.status_code, r.json()))
        return found

    seen = await answers()
    assert seen == await answers()
    held = [body for status, body in seen if status == 200]
    assert 30 <= len(held) < 60  # RD has no record of about one in five
    assert {"none", "paid"} <= {refund["status"] for refund in held}
    for refund in held:
        assert (refund["amount_satang"] is None) == (refund["status"] == "none")


async def test_a_refund_needs_a_token_and_a_known_taxpayer(agency: Served) -> None:
    anonymous = await agency.client.get(f"/rd/api/v1/refunds/{SOMCHAI}")
    assert_error(anonymous, 401, "unauthorised")
    malformed = await agency.client.get("/rd/api/v1/refunds/123", headers=await agency.headers())
    assert_error(malformed, 400, "invalid_pid")
