"""R-10.6: when the responsible unit is in another agency, the citizen is told electronically
which agency is responsible, with a one-step way to resubmit there; the new agency's receipt
time is its own entry time. Either way it is recorded and audited."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from support import (
    POPULATION,
    SSO_FORM,
    Portal,
    agency_headers,
    attach,
    bearer,
    draft,
    eventually,
    filed,
    login,
    shown,
)

from connectors.errors import NotOurCase
from connectors.registry import ConnectorRegistry
from gateway import audit
from gateway.applications.resubmission import Resubmission
from gateway.forwarding.worker import Forwarder

pytestmark = pytest.mark.rule("R-10.6")


class NotOurs:
    """DLT's answer to a filing that belongs to the Social Security Office."""

    agency_code = "DLT"

    async def submit(self, submission: Any) -> Any:
        raise NotOurCase("DLT", "not a land transport matter", responsible_agency="SSO")

    async def status(self, agency_ref: str) -> Any:  # pragma: no cover - not asked
        raise NotImplementedError

    async def health(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


async def redirected(portal: Portal) -> tuple[dict[str, str], dict[str, Any]]:
    headers = bearer(await login(portal))
    submitted = await filed(portal, headers)
    assert portal.app is not None
    state = portal.app.state
    forwarder = Forwarder(state.runtime, state.applications, ConnectorRegistry({"DLT": NotOurs()}))
    assert [d.outcome for d in await forwarder.run_once()] == ["redirected"]
    return headers, submitted["application"]


async def test_the_citizen_is_told_which_agency_is_responsible(portal: Portal) -> None:
    headers, application = await redirected(portal)
    r = await portal.gateway.get(
        f"/v1/applications/{application['id']}", headers={**headers, "Accept-Language": "en"}
    )
    now = r.json()
    assert now["status"] == "redirected"
    assert now["turn"] == "none"
    assert [e["kind"] for e in now["timeline"]][-2:] == ["misroute", "redirect"]
    assert now["timeline"][-1]["data"]["responsible_agency"] == "SSO"
    inbox = (
        await portal.gateway.get("/v1/notifications", headers={**headers, "Accept-Language": "en"})
    ).json()["items"]
    assert inbox[0]["kind"] == "redirected"
    assert "Social Security Office" in inbox[0]["body"]
    # Recorded and audited.
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        actions = [
            e.action for e in await audit.entries_about(session, f"application:{application['id']}")
        ]
    assert actions[-2:] == ["application.misroute", "application.redirect"]


async def test_one_step_resubmits_at_the_responsible_agency_with_its_own_receipt_time(
    portal: Portal,
) -> None:
    headers, application = await redirected(portal)
    assert portal.app is not None
    await portal.gateway.post(
        "/v1/admin/clock",
        json={"advance": 3 * 86400},
        headers={"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"},
    )
    headers = bearer(await login(portal))
    resubmitted = await portal.gateway.post(
        f"/v1/applications/{application['id']}/resubmit",
        json={"service_id": "sso-unemployment-benefit"},
        headers=headers,
    )
    assert resubmitted.status_code == 201, resubmitted.text
    new = resubmitted.json()["application"]
    assert new["agency_code"] == "SSO"
    assert new["id"] != application["id"]
    # Prefilled from the state again; what the SSO form still needs is listed.
    assert new["form"]["first_name_th"] == "สมชาย"
    # The renewal's fields do not fit the claim: what the claim still needs is listed, and
    # the contact phone (a field of both) went along.
    assert new["status"] == "draft"
    assert new["form"]["contact_phone"] == "0812345678"
    assert "/body/form/last_working_day" in {m["pointer"] for m in new["missing"]}
    r = await portal.gateway.patch(
        f"/v1/applications/{new['id']}", json={"form": SSO_FORM}, headers=headers
    )
    assert r.status_code == 200, r.text
    filed_again = await portal.gateway.post(f"/v1/applications/{new['id']}/submit", headers=headers)
    assert filed_again.status_code == 201, filed_again.text
    # Its own receipt: SSO counts entry into its own system, so the time is set on delivery;
    # the arrival is the new filing's, three days after the first.
    assert filed_again.json()["application"]["arrived_at"] > application["arrived_at"]
    old = (
        await portal.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    ).json()
    assert old["timeline"][-1]["kind"] == "resubmitted"
    assert old["timeline"][-1]["data"]["new_application_id"] == new["id"]


async def test_resubmitting_to_an_agency_that_is_not_responsible_is_refused(
    portal: Portal,
) -> None:
    headers, application = await redirected(portal)
    r = await portal.gateway.post(
        f"/v1/applications/{application['id']}/resubmit",
        json={"service_id": "rd-personal-income-tax-efiling"},
        headers=headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "not_responsible_agency"


# --- forwarded when the service maps (the catalog's counterparts) ------------------------

#: The child: a newborn of the household, by her national ID.
CHILD = {"national_id": "1100100123453", "relationship": "mother"}
DCY_FORM = {
    "child": CHILD,
    "household_members": 4,
    "household_income_satang": 18_000_000,
    "paid_by": "promptpay_id",
    "contact_phone": "0812345678",
}


async def child_grant_with_dcy(portal: Portal) -> tuple[dict[str, str], dict[str, Any]]:
    """Demo citizen 1 (an insured employee) registers for DCY's child support grant; the
    portal delivers it to DCY's officers (the `platform` kind)."""
    headers = bearer(await login(portal))
    new = await draft(portal, headers, "dcy-child-support-grant", DCY_FORM)
    r = await attach(portal, headers, new["id"], "household-status-form")
    assert r.status_code == 201, r.text
    r = await portal.gateway.post(f"/v1/applications/{new['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    return headers, r.json()["application"]


async def test_a_case_an_officer_refers_is_forwarded_to_the_mapped_service_and_decided_there(
    portal: Portal,
) -> None:
    headers, grant = await child_grant_with_dcy(portal)
    dcy = await agency_headers(portal, "DCY")
    r = await portal.gateway.post(
        f"/v1/agency/applications/{grant['id']}/refer",
        json={"agency_code": "SSO", "reason": "ผู้ยื่นเป็นผู้ประกันตนมาตรา 33", "officer": "dcy-07"},
        headers=dcy,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "redirected"

    old = await shown(portal, headers, grant["id"], "en")
    assert old["status"] == "redirected"
    redirect = old["timeline"][-1]
    assert redirect["kind"] == "redirect"
    assert redirect["data"]["responsible_agency"] == "SSO"
    assert redirect["data"]["service_id"] == "sso-child-allowance"
    forwarded_id = redirect["data"]["forwarded_as"]

    # A new application at SSO, filed by the portal for the citizen, with its own receipt.
    new = await shown(portal, headers, forwarded_id, "en")
    assert new["agency_code"] == "SSO"
    assert new["service_id"] == "sso-child-allowance"
    assert new["status"] == "submitted"
    assert new["number"].startswith("SSO-")
    assert new["number"] == redirect["data"]["new_number"]
    assert new["arrived_at"] >= grant["arrived_at"]
    assert new["timeline"][0]["data"]["resubmission_of"] == grant["id"]
    # What the claim's form takes went along; the household's means (DCY's alone) did not.
    assert new["form"]["child"] == CHILD
    assert new["form"]["contact_phone"] == "0812345678"
    assert "household_income_satang" not in new["form"]
    receipt = await portal.gateway.get(f"/v1/applications/{forwarded_id}/receipt", headers=headers)
    assert receipt.status_code == 200
    assert receipt.json()["number"] == new["number"]

    inbox = (
        await portal.gateway.get("/v1/notifications", headers={**headers, "Accept-Language": "en"})
    ).json()["items"]
    told = next(n for n in inbox if n["kind"] == "transferred")
    assert "Social Security Office" in told["body"]
    assert new["number"] in told["body"]

    # Recorded and audited: the officer's referral, and the portal's filing at SSO.
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        old_lines = await audit.entries_about(session, f"application:{grant['id']}")
        new_lines = await audit.entries_about(session, f"application:{forwarded_id}")
    assert [(e.action, e.actor) for e in old_lines[-2:]] == [
        ("application.misroute", "agency:DCY:dcy-backend/dcy-07"),
        ("application.redirect", "agency:DCY:dcy-backend/dcy-07"),
    ]
    assert [(e.action, e.actor) for e in new_lines] == [("application.submitted", "system:gateway")]

    # The worker takes it to SSO, whose officer approves: the allowance is paid out.
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    r = await portal.agencies.get("/sso/staff/applications")
    case = next(c for c in r.json()["applications"] if c["application_number"] == new["number"])
    for action in ("accept", "approve"):
        r = await portal.agencies.post(f"/sso/staff/applications/{case['agency_ref']}/{action}")
        assert r.status_code == 200, r.text

    async def approved() -> bool:
        return (await shown(portal, headers, forwarded_id))["status"] == "approved"

    await eventually(approved)


async def test_a_case_that_does_not_fill_the_mapped_form_is_redirected_with_one_step_there(
    portal: Portal,
) -> None:
    """SSO finds the claimant is not its insured person: the child support grant is DCY's.
    The catalog maps the claim to DCY's grant, but the grant needs what the claim never asked
    (the household's means and referees), so the citizen is told, and one step prepares it."""
    person = uninsured_person()
    headers = bearer(await login(portal, person=person))
    form = {"child": CHILD, "paid_by": "promptpay_id", "contact_phone": "0812345678"}
    claim = await draft(portal, headers, "sso-child-allowance", form)
    r = await portal.gateway.post(f"/v1/applications/{claim['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text

    assert [d.outcome for d in await portal.forward()] == ["redirected"]
    old = await shown(portal, headers, claim["id"], "en")
    assert old["status"] == "redirected"
    assert [e["kind"] for e in old["timeline"]][-2:] == ["misroute", "redirect"]
    assert old["timeline"][-1]["data"]["responsible_agency"] == "DCY"
    assert old["timeline"][-1]["data"]["service_id"] == "dcy-child-support-grant"
    assert "forwarded_as" not in old["timeline"][-1]["data"]

    # One step, no service named: the mapped one.
    r = await portal.gateway.post(
        f"/v1/applications/{claim['id']}/resubmit", json={}, headers=headers
    )
    assert r.status_code == 201, r.text
    grant = r.json()["application"]
    assert grant["service_id"] == "dcy-child-support-grant"
    assert grant["status"] == "draft"
    assert grant["form"]["child"] == CHILD
    assert {m["pointer"] for m in grant["missing"]} >= {
        "/body/form/household_members",
        "/documents/household-status-form",
    }
    # And only once, however many taps at the same moment.
    both = await asyncio.gather(
        *(
            portal.gateway.post(
                f"/v1/applications/{claim['id']}/resubmit", json={}, headers=headers
            )
            for _ in range(2)
        )
    )
    assert [r.status_code for r in both] == [409, 409]
    assert {r.json()["code"] for r in both} == {"already_resubmitted"}
    # A draft the citizen deleted does not count: the one step is there again.
    r = await portal.gateway.delete(f"/v1/applications/{grant['id']}", headers=headers)
    assert r.status_code == 204, r.text
    both = await asyncio.gather(
        *(
            portal.gateway.post(
                f"/v1/applications/{claim['id']}/resubmit", json={}, headers=headers
            )
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in both) == [201, 409]
    r = await portal.gateway.get("/v1/applications", headers=headers)
    assert len(r.json()["items"]) == 2  # the claim and one grant


async def test_a_forwarded_case_is_never_bounced_back_automatically(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DCY refers a grant to SSO, which finds the claimant is not its insured person and names
    DCY: the portal does not send it back on its own, even where it could file it there; the
    citizen is told."""
    headers = bearer(await login(portal, person=uninsured_person()))
    grant = await draft(portal, headers, "dcy-child-support-grant", DCY_FORM)
    r = await attach(portal, headers, grant["id"], "household-status-form")
    assert r.status_code == 201, r.text
    r = await portal.gateway.post(f"/v1/applications/{grant['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    r = await portal.gateway.post(
        f"/v1/agency/applications/{grant['id']}/refer",
        json={"agency_code": "SSO"},
        headers=await agency_headers(portal, "DCY"),
    )
    assert r.status_code == 200, r.text
    claim_id = (await shown(portal, headers, grant["id"]))["timeline"][-1]["data"]["forwarded_as"]

    # Were the claim complete as a grant (it is not: the household's means are missing), it
    # would still not go back to DCY.
    async def complete(*_: object) -> bool:
        return True

    monkeypatch.setattr(Resubmission, "complete_at", complete)
    assert [d.outcome for d in await portal.forward()] == ["redirected"]
    claim = await shown(portal, headers, claim_id)
    assert claim["status"] == "redirected"
    assert claim["timeline"][-1]["data"]["responsible_agency"] == "DCY"
    assert "forwarded_as" not in claim["timeline"][-1]["data"]
    r = await portal.gateway.get("/v1/applications", headers=headers)
    assert len(r.json()["items"]) == 2  # the grant and the claim: nothing filed a third time


async def test_an_agency_with_its_own_system_says_so_when_filed_not_by_referring(
    portal: Portal,
) -> None:
    """DLT's back end answers not_our_case when the portal files with it; a referral on the
    agency API would leave the filing on its way to DLT regardless."""
    headers = bearer(await login(portal))
    renewal = (await filed(portal, headers))["application"]
    r = await portal.gateway.post(
        f"/v1/agency/applications/{renewal['id']}/refer",
        json={"agency_code": "SSO"},
        headers=await agency_headers(portal, "DLT"),
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "refer_in_own_system"
    assert (await shown(portal, headers, renewal["id"]))["status"] == "submitted"


async def test_an_agency_cannot_refer_to_itself_nor_name_two_destinations(portal: Portal) -> None:
    headers, grant = await child_grant_with_dcy(portal)
    dcy = await agency_headers(portal, "DCY")
    for body, code in (
        ({"agency_code": "DCY"}, "same_agency"),
        ({"agency_code": "SSO", "unit_code": "DCY_HQ"}, "one_of"),
        ({}, "one_of"),
    ):
        r = await portal.gateway.post(
            f"/v1/agency/applications/{grant['id']}/refer", json=body, headers=dcy
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == code
    r = await portal.gateway.post(
        f"/v1/agency/applications/{grant['id']}/refer", json={"agency_code": "XYZ"}, headers=dcy
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["code"] == "unknown_agency"
    assert (await shown(portal, headers, grant["id"]))["status"] == "forwarded"
    # Another agency's case is not found at all.
    sso = await agency_headers(portal, "SSO")
    r = await portal.gateway.post(
        f"/v1/agency/applications/{grant['id']}/refer", json={"agency_code": "DOP"}, headers=sso
    )
    assert r.status_code == 404


def uninsured_person() -> dict[str, str]:
    """A citizen with an active card whom mock SSO does not insure (it draws its register
    from the ID, so the choice is stable)."""
    from mock_agencies.dopa.population import CardStatus
    from mock_agencies.sso.app import Sso
    from mock_agencies.sso.rules import not_insured_for_child_allowance

    sso = Sso()
    person = next(
        p
        for p in POPULATION.by_status[CardStatus.ACTIVE]
        if not_insured_for_child_allowance(sso.insured(p.pid)) is not None
    )
    return {
        "national_id": person.pid,
        "laser_code": person.laser,
        "first_name_th": person.first_name.th,
        "last_name_th": person.last_name.th,
        "birth_date_be": person.birth_date_be,
    }


class SsoSaysDlt(NotOurs):
    agency_code = "SSO"

    async def submit(self, submission: Any) -> Any:
        raise NotOurCase("SSO", "a driving matter", responsible_agency="DLT")


@pytest.mark.rule("R-12.1")
async def test_a_resubmission_gets_the_documents_the_state_issued_for_the_new_service(
    portal: Portal,
) -> None:
    """Resubmitted at DLT's renewal, the draft carries the current licence fetched from DLT,
    as a draft made there directly would: the citizen is not asked for it."""
    headers = bearer(await login(portal))
    claim = await filed(portal, headers, service_id="sso-unemployment-benefit")
    assert portal.app is not None
    state = portal.app.state
    forwarder = Forwarder(
        state.runtime, state.applications, ConnectorRegistry({"SSO": SsoSaysDlt()})
    )
    assert [d.outcome for d in await forwarder.run_once()] == ["redirected"]
    r = await portal.gateway.post(
        f"/v1/applications/{claim['application']['id']}/resubmit",
        json={"service_id": "dlt-driving-licence-renewal"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    renewal = r.json()["application"]
    licence = renewal["fetched_documents"]["current-licence"]
    assert licence["status"] == "fetched"
    assert licence["data"]["pid"] == "1100100001014"
    assert "/documents/current-licence" not in {m["pointer"] for m in renewal["missing"]}
