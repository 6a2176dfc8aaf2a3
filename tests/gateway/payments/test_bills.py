"""Bills (จ่ายบิล): what the citizen owes agencies that bill them, asked of each biller through
its connector; each paid through the same Thai QR machinery; the biller told once."""

from __future__ import annotations

from typing import Any

from support import SOMCHAI, Portal, assert_problem, bearer, login

PID = SOMCHAI["national_id"]


async def bills(portal: Portal, headers: dict[str, str]) -> dict[str, Any]:
    r = await portal.gateway.get("/v1/me/bills", headers={**headers, "Accept-Language": "en"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_a_bill_is_listed_paid_by_qr_and_the_biller_told(portal: Portal) -> None:
    headers = bearer(await login(portal))
    listed = await bills(portal, headers)
    assert listed["unavailable"] == []
    assert {b["kind"] for b in listed["items"]} >= {"electricity", "water"}
    bill = next(b for b in listed["items"] if b["agency_code"] == "PEA")

    r = await portal.gateway.post(f"/v1/bills/{bill['id']}/payments", headers=headers)
    assert r.status_code == 201, r.text
    payment = r.json()
    assert payment["paid_for"]["kind"] == "bill"
    assert payment["paid_for"]["reference"] == bill["bill_id"]  # Ref1: the bill's number
    assert payment["amount_satang"] == bill["amount_satang"]
    again = await portal.gateway.post(f"/v1/bills/{bill['id']}/payments", headers=headers)
    assert (again.status_code, again.json()["id"]) == (200, payment["id"])

    paid = await portal.agencies.post(
        "/bank/app/scan-pay", json={"pid": PID, "payload": payment["qr_payload"]}
    )
    assert paid.status_code == 201, paid.text
    await portal.agencies.post("/bank/admin/webhooks/flush")
    done = (await portal.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()
    assert done["status"] == "succeeded"
    assert done["receipt_number"].startswith("PEA-")

    # The worker tells PEA, once.
    # The biller is told, and the receipt's signed PDF goes into the wallet.
    assert sorted(d.outcome for d in await portal.forward()) == ["delivered", "issued"]
    assert await portal.forward() == []
    wallet = (await portal.gateway.get("/v1/documents", headers=headers)).json()["items"]
    [receipt_pdf] = [d for d in wallet if d["kind"] == "e_receipt"]
    assert (receipt_pdf["number"], receipt_pdf["media_type"]) == (
        done["receipt_number"],
        "application/pdf",
    )
    told = (await portal.agencies.get("/pea/staff/bill-payments")).json()["payments"]
    assert [(t["bill_id"], t["receipt_number"]) for t in told] == [
        (bill["bill_id"], done["receipt_number"])
    ]
    # Paid: no longer owed.
    assert bill["id"] not in [b["id"] for b in (await bills(portal, headers))["items"]]


async def test_a_biller_that_does_not_answer_is_named_not_waited_for(portal: Portal) -> None:
    headers = bearer(await login(portal))
    r = await portal.agencies.put("/faults/PWA", json={"outage": True})
    assert r.status_code == 200, r.text
    try:
        listed = await bills(portal, headers)
    finally:
        await portal.agencies.delete("/faults")
    assert listed["unavailable"] == ["PWA"]
    assert listed["items"]
    assert all(b["agency_code"] != "PWA" for b in listed["items"])


async def test_a_bill_that_is_not_the_citizens_cannot_be_paid(portal: Portal) -> None:
    headers = bearer(await login(portal))
    for bill_id in ("PEA-PEA0000000000000000", "XYZ-123", "not a bill"):
        r = await portal.gateway.post(f"/v1/bills/{bill_id}/payments", headers=headers)
        assert_problem(r, 404, "bill_not_found")
