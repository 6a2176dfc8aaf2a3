"""The demo citizens' entitlements and records as the app shows them, decided on what the mock
agencies hold about each (docs/demo-citizens.md, "What the agencies hold"), every agency asked
over HTTP through its connector."""

from __future__ import annotations

from typing import Any

import pytest
from support import Portal, bearer, login

from gateway.demo import DEMO_CITIZENS

OLDER_PERSONS = "dop-older-persons-allowance-registration"
PENSION = "cgd-pension-information"
UNEMPLOYMENT = "sso-unemployment-benefit"
CHILD_ALLOWANCE = "sso-child-allowance"
CHILD_GRANT = "dcy-child-support-grant"
RENEWAL = "dlt-driving-licence-renewal"
STUDENT_LOAN = "dslf-student-loan-application"
CHANGE_HOSPITAL = "nhso-change-primary-care-unit"
VEHICLE_TAX = "dlt-annual-vehicle-tax"
INCOME_TAX = "rd-personal-income-tax-efiling"


async def signed_in(portal: Portal, number: int) -> dict[str, str]:
    headers = bearer(await login(portal, person=DEMO_CITIZENS[number - 1]))
    return {**headers, "Accept-Language": "en"}


async def entitlements(portal: Portal, headers: dict[str, str]) -> dict[str, Any]:
    r = await portal.gateway.get("/v1/me/entitlements", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def statuses(body: dict[str, Any]) -> dict[str, str]:
    return {e["service_id"]: e["status"] for e in body["entitlements"]}


@pytest.mark.parametrize(
    ("citizen", "expected"),
    [
        (
            1,  # 39, SSO s.33, a daughter born 2566 BE, no pension
            {
                OLDER_PERSONS: "not_eligible",
                UNEMPLOYMENT: "eligible",
                CHILD_ALLOWANCE: "eligible",
                CHILD_GRANT: "eligible",
                RENEWAL: "eligible",
                PENSION: "not_eligible",
                STUDENT_LOAN: "unknown",  # no connected agency knows who studies
                CHANGE_HOSPITAL: "not_eligible",  # covered by social security, not UC
                VEHICLE_TAX: "eligible",
                INCOME_TAX: "eligible",
            },
        ),
        (
            2,  # 75, Thai, no state pension, insurance ended: UC
            {
                OLDER_PERSONS: "eligible",
                UNEMPLOYMENT: "not_eligible",
                CHILD_ALLOWANCE: "not_eligible",
                PENSION: "not_eligible",
                CHANGE_HOSPITAL: "eligible",
            },
        ),
        (
            7,  # born 2490 BE, a civil-service pensioner
            {OLDER_PERSONS: "not_eligible", PENSION: "eligible", CHANGE_HOSPITAL: "not_eligible"},
        ),
        (
            8,  # 22
            {OLDER_PERSONS: "not_eligible", RENEWAL: "eligible", UNEMPLOYMENT: "eligible"},
        ),
    ],
)
async def test_each_demo_citizens_entitlements(
    portal: Portal, citizen: int, expected: dict[str, str]
) -> None:
    headers = await signed_in(portal, citizen)
    given = await portal.gateway.put("/v1/me/consents/entitlements", headers=headers)
    assert given.status_code == 200, given.text
    body = await entitlements(portal, headers)
    assert {s["agency"]["code"]: s["outcome"] for s in body["sources"]} == dict.fromkeys(
        ("DOPA", "DLT", "SSO", "RD", "DOP", "CGD", "NHSO"), "answered"
    )
    shown = statuses(body)
    assert {service: shown[service] for service in expected} == expected


async def test_citizen_2_is_told_why_he_is_eligible(portal: Portal) -> None:
    body = await entitlements(portal, await signed_in(portal, 2))
    (older,) = [e for e in body["entitlements"] if e["service_id"] == OLDER_PERSONS]
    assert [c["text"] for c in older["conditions"]] == [
        "aged 60 or over: yes — born 2494 BE",
        "Thai nationality: yes — according to the Department of Provincial Administration (TH)",
        "not receiving a state pension: yes — according to the Comptroller General's Department",
    ]
    assert older["start"]["body"] == {"service_id": OLDER_PERSONS}


async def test_a_pensioner_sees_what_she_receives(portal: Portal) -> None:
    body = await entitlements(portal, await signed_in(portal, 7))
    pensions = [b for b in body["receiving"] if b["kind"] == "state_pension"]
    assert len(pensions) == 1
    assert pensions[0]["agency"]["code"] == "CGD"
    assert pensions[0]["amount_satang"] == 1_850_000
    assert pensions[0]["period"] == "month"


async def test_with_sso_down_its_facts_are_unknown_with_the_reason(portal: Portal) -> None:
    headers = await signed_in(portal, 1)
    down = await portal.agencies.put("/faults/SSO", json={"outage": True})
    assert down.status_code == 200, down.text
    try:
        body = await entitlements(portal, headers)
    finally:
        await portal.agencies.delete("/faults")
    assert {s["agency"]["code"]: s["outcome"] for s in body["sources"]}["SSO"] == "unavailable"
    (claim,) = [e for e in body["entitlements"] if e["service_id"] == UNEMPLOYMENT]
    assert claim["status"] == "unknown"
    assert claim["conditions"][0]["unknown_because"] == "unavailable"
    assert claim["conditions"][0]["text"] == (
        "insured with the Social Security Office: unknown — "
        "the Social Security Office did not answer"
    )
    # The rest is still decided.
    assert statuses(body)[RENEWAL] == "eligible"


async def test_records_come_from_each_agency_with_their_as_of_time(portal: Portal) -> None:
    headers = await signed_in(portal, 1)
    given = await portal.gateway.put("/v1/me/consents/records", headers=headers)
    assert given.status_code == 200, given.text
    r = await portal.gateway.get("/v1/me/records", headers=headers)
    assert r.status_code == 200, r.text
    kinds = {
        source["agency"]["code"]: {record["kind"] for record in source["records"]}
        for source in r.json()["sources"]
    }
    assert {code for code, found in kinds.items() if found} >= {
        "DOPA",
        "DLT",
        "SSO",
        "NHSO",
        "RD",
    }
    assert "house_registration" in kinds["DOPA"]
    assert "health_coverage" in kinds["NHSO"]
    house = next(
        record
        for source in r.json()["sources"]
        for record in source["records"]
        if record["kind"] == "house_registration"
    )
    assert house["as_of"]
    # The registry masks every other member's ID.
    members = house["data"]["members"]
    assert [m["pid"] for m in members if m.get("self")] == [DEMO_CITIZENS[0]["national_id"]]
    assert all("x" in m["pid"].lower() for m in members if not m.get("self"))


async def test_a_fact_that_does_not_apply_is_said_to_be_held_by_none(portal: Portal) -> None:
    body = await entitlements(portal, await signed_in(portal, 2))  # his insurance ended
    (claim,) = [e for e in body["entitlements"] if e["service_id"] == CHILD_ALLOWANCE]
    assert claim["status"] == "not_eligible"  # not insured decides it
    section = next(c for c in claim["conditions"] if c["fact"] == "sso_section")
    assert section["met"] is None
    assert section["unknown_because"] == "not_held"
    assert section["text"].endswith("— the Social Security Office holds none for you")
