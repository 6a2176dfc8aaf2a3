"""A document from the wallet, attached to a new application by reference, reaches the agency
with its verification: the agency sees whether it is good now, and a revocation at the very
next read (R-12.1, R-14.1).

No e-service of the demo catalog declares a `source: wallet` document yet, so the award letter
goes by reference into the DLT renewal's upload slot (the gateway takes a wallet reference
wherever the citizen could upload). The agency reads it through the agency API
(`GET /v1/agency/applications/{id}`), the view a platform agency's back office uses.
"""

from __future__ import annotations

from support import (
    DLT_FORM,
    DLT_RENEWAL,
    Portal,
    agency_headers,
    agency_says,
    approved_and_issued,
    bearer,
    draft,
    filed,
    login,
    wallet_document,
)


async def test_the_agency_sees_a_wallet_attachments_standing_now(portal: Portal) -> None:
    headers, granted_by = await approved_and_issued(portal)
    award = await wallet_document(portal, headers, granted_by["id"])
    application = await draft(portal, headers, DLT_RENEWAL, DLT_FORM)
    r = await portal.gateway.post(
        f"/v1/applications/{application['id']}/attachments",
        json={"document": "medical-certificate", "wallet_document_id": award["id"]},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    [attached] = r.json()["items"]
    assert (attached["source"], attached["sha256"]) == ("wallet", award["sha256"])
    assert "verification" not in attached  # the citizen's own view has no need of it
    r = await portal.gateway.post(f"/v1/applications/{application['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text

    dlt = await agency_headers(portal, "DLT")

    async def seen_by_dlt() -> dict[str, object]:
        r = await portal.gateway.get(f"/v1/agency/applications/{application['id']}", headers=dlt)
        assert r.status_code == 200, r.text
        [attachment] = r.json()["attachments"]
        assert attachment["id"] == attached["id"]
        verification: dict[str, object] = attachment["verification"]
        return verification

    verification = await seen_by_dlt()
    assert verification["result"] == "valid"
    assert verification["issuer_agency"] == "SSO"
    assert verification["number"] == award["number"]
    assert verification["kind"] == "benefit_award"
    assert verification["verify_url"] == award["links"]["verify"]
    # The file the agency fetches is the signed PDF itself.
    pdf = await portal.gateway.get(
        f"/v1/agency/applications/{application['id']}/attachments/{attached['id']}", headers=dlt
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert len(pdf.content) == award["size"]

    r = await agency_says(portal, award["number"], "revoked", "ออกผิดคน / issued in error")
    assert r.status_code == 200, r.text
    assert (await seen_by_dlt())["result"] == "revoked"


async def test_an_upload_has_no_verification(portal: Portal) -> None:
    headers = bearer(await login(portal))
    application = (await filed(portal, headers))["application"]
    dlt = await agency_headers(portal, "DLT")
    r = await portal.gateway.get(f"/v1/agency/applications/{application['id']}", headers=dlt)
    assert r.status_code == 200, r.text
    [attachment] = r.json()["attachments"]
    assert (attachment["source"], attachment["verification"]) == ("upload", None)
