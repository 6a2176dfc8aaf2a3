"""A fee paid through the portal leaves an official e-receipt in the wallet as a signed PDF:
any PDF validator accepts its signature, it prints the receipt number, the amount and the
amount in Thai words, and its verification page says it is genuine (R-7.4, R-14.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support import (
    SOMCHAI,
    Portal,
    Tool,
    bearer,
    eventually,
    filed,
    local,
    login,
    shown,
)


async def paid_fee(portal: Portal, headers: dict[str, str]) -> dict[str, Any]:
    """A DLT renewal approved "waiting for the fee", paid by QR in the mock bank's app; the
    payment as the citizen sees it."""
    application = (await filed(portal, headers))["application"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    cases = (await portal.agencies.get("/dlt/staff/applications")).json()["applications"]
    ref = next(c["agency_ref"] for c in cases if c["application_number"] == application["number"])
    for action in ("accept", "approve"):
        r = await portal.agencies.post(f"/dlt/staff/applications/{ref}/{action}")
        assert r.status_code == 200, r.text

    async def waiting() -> bool:
        status: str = (await shown(portal, headers, application["id"]))["status"]
        return status == "awaiting_payment"

    await eventually(waiting)
    r = await portal.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    assert r.status_code in (200, 201), r.text
    intent = r.json()
    r = await portal.agencies.post(
        "/bank/app/scan-pay", json={"pid": SOMCHAI["national_id"], "payload": intent["qr_payload"]}
    )
    assert r.status_code == 201, r.text
    assert (await portal.agencies.post("/bank/admin/webhooks/flush")).status_code == 200
    payment = await portal.gateway.get(f"/v1/payments/{intent['id']}", headers=headers)
    assert payment.status_code == 200, payment.text
    body: dict[str, Any] = payment.json()
    return body


async def test_a_paid_fee_leaves_a_signed_e_receipt_pdf_that_verifies(
    portal: Portal, tmp_path: Path, pdfsig: Tool, pdftotext: Tool
) -> None:
    headers = bearer(await login(portal))
    payment = await paid_fee(portal, headers)
    assert payment["status"] == "succeeded"
    receipt = (await portal.gateway.get(payment["receipt"], headers=headers)).json()
    number, amount_text = receipt["number"], receipt["payload"]["amount_text_th"]
    assert amount_text == "ห้าร้อยห้าบาทถ้วน"

    assert "issued" in [d.outcome for d in await portal.forward()]
    wallet = (await portal.gateway.get("/v1/documents", headers=headers)).json()["items"]
    [document] = [d for d in wallet if d["kind"] == "e_receipt"]
    assert document["number"] == number
    assert document["media_type"] == "application/pdf"
    assert document["standing"] == "valid"

    pdf = await portal.gateway.get(document["links"]["pdf"], headers=headers)
    assert pdf.status_code == 200
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf.content)
    report = pdfsig(path).stdout
    assert "Signature is Valid" in report, report
    assert "DLT document signing" in report
    text = " ".join(pdftotext(path, "-").stdout.split())
    assert number in text
    assert "505.00" in text
    assert amount_text in text
    assert "ใบเสร็จรับเงิน" in text

    verify = local(document["links"]["verify"])
    answer = (await portal.gateway.get(verify, headers={"Accept": "application/json"})).json()
    assert answer["result"] == "valid"
    assert answer["sha256"] == document["sha256"]
    values = {item["key"]: item["value"] for item in answer["items"]}
    assert values["number"] == number
    assert values["amount_text"] == amount_text
    assert "เอกสารถูกต้องและใช้ได้" in (await portal.gateway.get(verify)).text
