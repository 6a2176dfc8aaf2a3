"""Paying a fee for real (R-7.4): the QR scanned in the citizen's bank app at the mock bank,
the bank's signed webhook, the gateway asking the bank's status API for the final word, the
e-receipt, DLT told and issuing the licence only then. And what goes wrong at a bank: the
wrong amount, paying twice, paying after the QR expired, a webhook before the payment's
transaction committed, the bank down when the gateway confirms."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import jwt
from sqlalchemy import select
from support import (
    SOMCHAI,
    Portal,
    bearer,
    eventually,
    filed,
    login,
    shown,
)

from gateway.jobs import run_once
from payments.models import BankTransaction
from payments.signatures import signed_headers

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
PID = SOMCHAI["national_id"]


async def fee_due(portal: Portal, headers: dict[str, str]) -> dict[str, Any]:
    """A DLT renewal filed, delivered, and approved by DLT "waiting for the fee"."""
    application = (await filed(portal, headers))["application"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    cases = (await portal.agencies.get("/dlt/staff/applications")).json()["applications"]
    ref = next(c["agency_ref"] for c in cases if c["application_number"] == application["number"])
    for action in ("accept", "approve"):
        r = await portal.agencies.post(f"/dlt/staff/applications/{ref}/{action}")
        assert r.status_code == 200, r.text

    async def waiting() -> bool:
        return (await shown(portal, headers, application["id"]))["status"] == "awaiting_payment"

    await eventually(waiting)
    return application


async def pay_qr(portal: Portal, headers: dict[str, str], application_id: str) -> dict[str, Any]:
    r = await portal.gateway.post(f"/v1/applications/{application_id}/payments", headers=headers)
    assert r.status_code in (200, 201), r.text
    payment: dict[str, Any] = r.json()
    return payment


async def scan_and_pay(portal: Portal, payload: str, **body: Any) -> dict[str, Any]:
    r = await portal.agencies.post(
        "/bank/app/scan-pay", json={"pid": PID, "payload": payload, **body}
    )
    assert r.status_code == 201, r.text
    txn: dict[str, Any] = r.json()
    return txn


async def delivered(portal: Portal) -> None:
    """Every webhook the bank has queued, delivered now (and acknowledged)."""
    r = await portal.agencies.post("/bank/admin/webhooks/flush")
    assert r.status_code == 200, r.text
    listed = (await portal.agencies.get("/bank/admin/webhooks")).json()
    assert all(d["state"] == "delivered" for d in listed["deliveries"]), listed


async def payment_of(portal: Portal, headers: dict[str, str], payment_id: str) -> dict[str, Any]:
    r = await portal.gateway.get(f"/v1/payments/{payment_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def balance(portal: Portal) -> int:
    account = (await portal.agencies.get(f"/bank/app/accounts/{PID}")).json()
    return int(account["balance_satang"])


async def test_a_fee_paid_by_qr_at_the_bank_moves_the_application_and_dlt_issues(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    application = await fee_due(portal, headers)
    payment = await pay_qr(portal, headers, application["id"])
    before = await balance(portal)

    txn = await scan_and_pay(portal, payment["qr_payload"])
    assert txn["amount_satang"] == 50500
    await delivered(portal)

    paid = await payment_of(portal, headers, payment["id"])
    assert paid["status"] == "succeeded"
    assert paid["channel"] == "mobile"
    assert paid["qr_payload"] is None  # closed: no QR to pay twice
    assert await balance(portal) == before - 50500
    assert (await shown(portal, headers, application["id"]))["status"] == "paid"

    # The e-receipt: the agency's series in the Thai fiscal year, signed with a published key.
    r = await portal.gateway.get(paid["receipt"], headers=headers)
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert receipt["number"] == paid["receipt_number"]
    assert receipt["number"].startswith("DLT-25")
    assert receipt["payload"]["amount_satang"] == 50500
    assert receipt["payload"]["amount_text_th"] == "ห้าร้อยห้าบาทถ้วน"
    discovery = (await portal.gateway.get("/.well-known/openid-configuration")).json()
    jwks = (await portal.gateway.get(urlsplit(discovery["jwks_uri"]).path)).json()
    header = jwt.get_unverified_header(receipt["jws"])
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        receipt["jws"],
        jwt.PyJWK(key).key,
        algorithms=[header["alg"]],
        options={"verify_aud": False},
    )
    assert claims["number"] == receipt["number"]
    assert claims["bank_txn_id"] == txn["txn_id"]
    wallet = (await portal.gateway.get("/v1/documents", headers=headers)).json()["items"]
    [in_wallet] = [d for d in wallet if d["kind"] == "e_receipt"]
    assert (in_wallet["id"], in_wallet["href"]) == (receipt["number"], paid["receipt"])

    # DLT hears of the payment through its connector, and only then issues the licence; the
    # receipt's signed PDF takes the JWS's place in the wallet.
    assert sorted(d.outcome for d in await portal.forward()) == ["delivered", "issued"]
    wallet = (await portal.gateway.get("/v1/documents", headers=headers)).json()["items"]
    assert [(d["kind"], d["number"]) for d in wallet] == [("e_receipt", receipt["number"])]

    async def issued() -> bool:
        return (await shown(portal, headers, application["id"]))["status"] == "approved"

    await eventually(issued)
    timeline = [e["kind"] for e in (await shown(portal, headers, application["id"]))["timeline"]]
    assert timeline.index("pay") < timeline.index("approve")
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert {"payment_succeeded", "paid", "approved"} <= {n["kind"] for n in inbox}


async def test_the_wrong_amount_pays_nothing_and_waits_for_an_operator(portal: Portal) -> None:
    headers = bearer(await login(portal))
    application = await fee_due(portal, headers)
    payment = await pay_qr(portal, headers, application["id"])
    txn = await scan_and_pay(portal, payment["qr_payload"], amount_satang=50000)
    await delivered(portal)
    failed = await payment_of(portal, headers, payment["id"])
    assert (failed["status"], failed["failure"]) == ("failed", "underpaid")
    assert (await shown(portal, headers, application["id"]))["status"] == "awaiting_payment"
    queue = (await portal.gateway.get("/v1/admin/payments/exceptions", headers=ADMIN)).json()
    assert [(e["txn_id"], e["outcome"]) for e in queue["items"]] == [(txn["txn_id"], "underpaid")]
    # A new QR pays the fee.
    again = await pay_qr(portal, headers, application["id"])
    assert again["id"] != payment["id"]
    await scan_and_pay(portal, again["qr_payload"])
    await delivered(portal)
    assert (await payment_of(portal, headers, again["id"]))["status"] == "succeeded"
    # The operator gives the underpayment back.
    before = await balance(portal)
    r = await portal.gateway.post(
        f"/v1/admin/payments/exceptions/{txn['txn_id']}/refund",
        json={"reason": "underpaid"},
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "succeeded"
    assert await balance(portal) == before + 50000


async def test_paying_twice_credits_once(portal: Portal) -> None:
    headers = bearer(await login(portal))
    application = await fee_due(portal, headers)
    payment = await pay_qr(portal, headers, application["id"])
    first = await scan_and_pay(portal, payment["qr_payload"])
    second = await scan_and_pay(portal, payment["qr_payload"])  # the same QR, again
    await delivered(portal)
    assert (await payment_of(portal, headers, payment["id"]))["status"] == "succeeded"
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        outcomes = {t.txn_id: t.outcome for t in (await session.scalars(select(BankTransaction)))}
    # Whichever notice came first paid the fee; the other is money to give back.
    assert set(outcomes) == {first["txn_id"], second["txn_id"]}
    assert sorted(outcomes.values()) == ["credited", "duplicate"]
    paid = await payment_of(portal, headers, payment["id"])
    credited = next(txn for txn, outcome in outcomes.items() if outcome == "credited")
    receipt = (await portal.gateway.get(paid["receipt"], headers=headers)).json()
    assert receipt["payload"]["bank_txn_id"] == credited
    receipts = [
        n
        for n in (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
        if n["kind"] == "payment_succeeded"
    ]
    assert len(receipts) == 1


async def test_money_after_the_qr_expired_is_late_not_a_payment(portal: Portal) -> None:
    headers = bearer(await login(portal))
    application = await fee_due(portal, headers)
    payment = await pay_qr(portal, headers, application["id"])
    # 25 hours on: the QR (24 h) has expired, the fee (14 days) is still due.
    r = await portal.gateway.post("/v1/admin/clock", json={"advance": 25 * 3600}, headers=ADMIN)
    assert r.status_code == 200, r.text
    txn = await scan_and_pay(portal, payment["qr_payload"])
    await delivered(portal)
    headers = bearer(await login(portal))
    assert (await payment_of(portal, headers, payment["id"]))["status"] == "expired"
    assert (await shown(portal, headers, application["id"]))["status"] == "awaiting_payment"
    queue = (await portal.gateway.get("/v1/admin/payments/exceptions", headers=ADMIN)).json()
    assert [(e["txn_id"], e["outcome"]) for e in queue["items"]] == [(txn["txn_id"], "late")]
    # The operator accepts it: the fee is still due, so the late money pays it.
    r = await portal.gateway.post(
        f"/v1/admin/payments/exceptions/{txn['txn_id']}/accept",
        json={"reason": "paid a day late; fee still due"},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    assert (await shown(portal, headers, application["id"]))["status"] == "paid"


async def test_the_bank_down_when_confirming_retries_and_credits_once(portal: Portal) -> None:
    headers = bearer(await login(portal))
    application = await fee_due(portal, headers)
    payment = await pay_qr(portal, headers, application["id"])
    # The bank holds its webhook for now (it is delivered at the end, as a late duplicate).
    await portal.agencies.put("/bank/admin/webhook-faults", json={"hold": True})
    txn = await scan_and_pay(portal, payment["qr_payload"])
    assert portal.app is not None
    state = portal.app.state
    r = await portal.agencies.put("/faults/BANK", json={"outage": True})
    assert r.status_code == 200, r.text
    try:
        # The webhook reaches the gateway; the bank's status API does not answer.
        answer = await webhook(portal, txn)
        assert answer.status_code == 200, answer.text
        assert answer.json()["outcome"] == "unconfirmed"
        assert (await payment_of(portal, headers, payment["id"]))["status"] == "pending"
        inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()
        assert inbox["items"][0]["kind"] == "payment_pending"  # told it is being confirmed
        counts = await run_once(state.runtime, state.applications, None, state.payments)
        assert counts["payments confirmed"] == 0  # still down: asked again later
    finally:
        await portal.agencies.delete("/faults")
    await portal.gateway.post("/v1/admin/clock", json={"advance": 600}, headers=ADMIN)
    headers = bearer(await login(portal))
    counts = await run_once(state.runtime, state.applications, None, state.payments)
    assert counts["payments confirmed"] == 1
    assert (await payment_of(portal, headers, payment["id"]))["status"] == "succeeded"
    # The bank's own (late) delivery and another round of jobs change nothing.
    await portal.agencies.put("/bank/admin/webhook-faults", json={"hold": False})
    await delivered(portal)
    await run_once(state.runtime, state.applications, None, state.payments)
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert [n["kind"] for n in inbox].count("payment_succeeded") == 1
    assert (await shown(portal, headers, application["id"]))["status"] == "paid"


async def webhook(portal: Portal, txn: dict[str, Any], **changes: Any) -> Any:
    """The bank's notification of `txn`, signed with the bank's key, sent by the test."""
    assert portal.app is not None
    keys = portal.app.state.payments.webhook_keys
    key_id, secret = next(iter(keys.items()))
    body = json.dumps(
        {
            "event_id": f"EV-{txn['txn_id']}",
            "type": "payment.succeeded",
            "txn_id": txn["txn_id"],
            "biller_id": txn["biller_id"],
            "ref1": txn["ref1"],
            "ref2": txn["ref2"],
            "amount_satang": txn["amount_satang"],
            "paid_at": txn["paid_at"],
            "channel": txn["channel"],
            **changes,
        }
    ).encode()
    timestamp = int(dt.datetime.now(dt.UTC).timestamp())
    return await portal.gateway.post(
        "/v1/payments/webhooks/mockbank",
        content=body,
        headers={
            "Content-Type": "application/json",
            **signed_headers(key_id, secret, timestamp, body),
        },
    )


async def test_a_fee_paid_at_filing_sends_the_application_on_and_dlt_issues(
    portal: Portal,
) -> None:
    """The international driving permit: paid when filed, then sent to DLT with the payment
    reported after it; DLT approves and issues without asking for anything more."""
    headers = bearer(await login(portal))
    draft = await portal.gateway.post(
        "/v1/applications",
        json={"service_id": "dlt-international-driving-permit", "form": {}},
        headers=headers,
    )
    assert draft.status_code == 201, draft.text
    application_id = draft.json()["id"]
    submitted = await portal.gateway.post(
        f"/v1/applications/{application_id}/submit", headers=headers
    )
    assert submitted.status_code == 201, submitted.text
    assert await portal.forward() == []  # nothing goes to DLT before the fee is paid
    payment = await pay_qr(portal, headers, application_id)
    await scan_and_pay(portal, payment["qr_payload"])
    await delivered(portal)
    assert (await shown(portal, headers, application_id))["status"] == "paid"

    # The filing goes first, then the payment notice (it waits for the case to exist).
    outcomes: list[str] = []

    async def both_delivered() -> bool:
        outcomes.extend(d.outcome for d in await portal.forward())
        return outcomes.count("delivered") == 2

    await eventually(both_delivered)
    outcomes.remove("issued")  # the receipt's signed PDF, independent of the agency
    assert outcomes[0] == "delivered"
    seen = await shown(portal, headers, application_id)
    assert seen["status"] == "forwarded"
    number = seen["number"]
    cases = (await portal.agencies.get("/dlt/staff/applications")).json()["applications"]
    ref = next(c["agency_ref"] for c in cases if c["application_number"] == number)
    case = (await portal.agencies.get(f"/dlt/staff/applications/{ref}")).json()
    assert case["fees_paid"] is True
    assert case["payments"][0]["payment_id"] == payment["id"]
    for action in ("accept", "approve"):
        r = await portal.agencies.post(f"/dlt/staff/applications/{ref}/{action}")
        assert r.status_code == 200, r.text

    async def approved() -> bool:
        return (await shown(portal, headers, application_id))["status"] == "approved"

    await eventually(approved)
    kinds = [e["kind"] for e in (await shown(portal, headers, application_id))["timeline"]]
    assert kinds.index("request_payment") < kinds.index("pay") < kinds.index("forward")
