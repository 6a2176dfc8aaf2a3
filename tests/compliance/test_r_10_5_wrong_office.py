"""R-10.5: when the receiving office lacks authority and the responsible one is in the same
agency, the request is forwarded to it, and the deemed receipt time is kept."""

from __future__ import annotations

import pytest
from support import Portal, attach, bearer, draft, login, shown

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
