"""R-10.6: when the responsible unit is in another agency, the citizen is told electronically
which agency is responsible, with a one-step way to resubmit there; the new agency's receipt
time is its own entry time. Either way it is recorded and audited."""

from __future__ import annotations

from typing import Any

import pytest
from support import SSO_FORM, Portal, bearer, filed, login

from connectors.errors import NotOurCase
from connectors.registry import ConnectorRegistry
from gateway import audit
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
