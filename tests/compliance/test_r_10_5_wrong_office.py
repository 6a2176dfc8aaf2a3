"""R-10.5: when the receiving office lacks authority and the responsible one is in the same
agency, the request is forwarded to it, and the deemed receipt time is kept."""

from __future__ import annotations

import pytest
from support import Portal, agency_headers, attach, bearer, draft, login, shown

pytestmark = pytest.mark.rule("R-10.5")


async def test_a_wrong_office_is_passed_on_within_the_agency_keeping_the_receipt_time(
    portal: Portal,
) -> None:
    """R-10.5: Somchai lives in Bangkok; addressed to the Chiang Mai office, DLT passes the
    application to its Bangkok office and the deemed receipt time stays."""
    headers = bearer(await login(portal))
    application = await draft(portal, headers)
    r = await portal.gateway.patch(
        f"/v1/applications/{application['id']}", json={"unit_code": "DLT_CNX"}, headers=headers
    )
    assert r.status_code == 200, r.text
    await attach(portal, headers, application["id"], "medical-certificate")
    submitted = await portal.gateway.post(
        f"/v1/applications/{application['id']}/submit", headers=headers
    )
    assert submitted.status_code == 201, submitted.text
    deemed = submitted.json()["application"]["deemed_received_at"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    now = await shown(portal, headers, application["id"])
    assert now["status"] == "forwarded"
    assert now["unit_code"] == "DLT_BKK_AREA1"
    assert now["deemed_received_at"] == deemed
    kinds = [e["kind"] for e in now["timeline"]]
    assert kinds == ["created", "submit", "misroute", "forward"]
    assert now["timeline"][2]["data"]["to_unit"] == "DLT_BKK_AREA1"


async def test_an_officer_on_the_back_office_passes_a_case_to_the_responsible_office(
    portal: Portal,
) -> None:
    """R-10.5 on the `platform` kind: a DOP officer finds the case is the Chiang Mai office's;
    it moves there with its deemed receipt time, and the citizen is told."""
    headers = bearer(await login(portal))
    allowance = await draft(
        portal,
        headers,
        "dop-older-persons-allowance-registration",
        {"payment_method": "promptpay_id"},
    )
    r = await portal.gateway.post(f"/v1/applications/{allowance['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    deemed = r.json()["application"]["deemed_received_at"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    dop = await agency_headers(portal, "DOP")
    r = await portal.gateway.post(
        f"/v1/agency/applications/{allowance['id']}/refer",
        json={"unit_code": "DOP_CNX", "officer": "dop-11"},
        headers=dop,
    )
    assert r.status_code == 200, r.text
    now = await shown(portal, headers, allowance["id"], "en")
    assert now["status"] == "forwarded"
    assert now["unit_code"] == "DOP_CNX"
    assert now["deemed_received_at"] == deemed
    assert [e["kind"] for e in now["timeline"]][-2:] == ["misroute", "forward"]
    assert now["timeline"][-2]["data"]["to_unit"] == "DOP_CNX"
    # Not an office of DOP: refused, nothing moved.
    r = await portal.gateway.post(
        f"/v1/agency/applications/{allowance['id']}/refer",
        json={"unit_code": "DLT_CNX"},
        headers=dop,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "unknown_unit"
    assert (await shown(portal, headers, allowance["id"]))["unit_code"] == "DOP_CNX"
