"""The bank's webhooks at the gateway: signed and fresh, or refused with problem+json and
nothing changed; never believed alone (the bank's status API has the final word); idempotent
by the bank's transaction id; resolved even when they arrive before the payment they are about
has committed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from support import (
    SOMCHAI,
    Stack,
    act,
    agency_headers,
    assert_problem,
    bearer,
    filed,
    login,
)

import gateway.payments.service as payment_service
from gateway.jobs import run_once
from payments.models import BankTransaction, PaymentIntent
from payments.signatures import signed_headers
from payments.thaiqr import bill_payment, encode

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
HOOK = "/v1/payments/webhooks/mockbank"


async def open_payment(stack: Stack) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """A citizen with a DLT fee to pay and its QR."""
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    await act(stack, dlt, application["id"], "accept")
    await act(stack, dlt, application["id"], "request_payment")
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    assert r.status_code == 201, r.text
    return headers, application, r.json()


async def paid_at_bank(stack: Stack, payload: str) -> dict[str, Any]:
    # The bank's own delivery is held: each test sends (or forges) the webhook itself.
    await stack.agencies.put("/bank/admin/webhook-faults", json={"hold": True})
    r = await stack.agencies.post(
        "/bank/app/scan-pay", json={"pid": SOMCHAI["national_id"], "payload": payload}
    )
    assert r.status_code == 201, r.text
    txn: dict[str, Any] = r.json()
    return txn


def keys(stack: Stack) -> tuple[str, str]:
    assert stack.app is not None
    key_id, secret = next(iter(stack.app.state.payments.webhook_keys.items()))
    return str(key_id), str(secret)


def body_of(txn: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps(
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


async def send(
    stack: Stack,
    body: bytes,
    *,
    secret: str | None = None,
    key_id: str | None = None,
    at: int | None = None,
) -> Any:
    real_key_id, real_secret = keys(stack)
    timestamp = at if at is not None else int(dt.datetime.now(dt.UTC).timestamp())
    headers = signed_headers(key_id or real_key_id, secret or real_secret, timestamp, body)
    return await stack.gateway.post(
        HOOK, content=body, headers={"Content-Type": "application/json", **headers}
    )


async def transactions(stack: Stack) -> int:
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(BankTransaction))
    return int(count or 0)


async def status_of(stack: Stack, headers: dict[str, str], payment_id: str) -> str:
    r = await stack.gateway.get(f"/v1/payments/{payment_id}", headers=headers)
    return str(r.json()["status"])


async def test_a_signed_fresh_webhook_is_confirmed_with_the_bank_and_credited(
    stack: Stack,
) -> None:
    headers, _, payment = await open_payment(stack)
    txn = await paid_at_bank(stack, payment["qr_payload"])
    r = await send(stack, body_of(txn))
    assert r.status_code == 200, r.text
    assert r.json() == {"received": True, "txn_id": txn["txn_id"], "outcome": "credited"}
    assert await status_of(stack, headers, payment["id"]) == "succeeded"


async def test_forged_stale_and_replayed_webhooks_are_refused_and_change_nothing(
    stack: Stack,
) -> None:
    headers, _, payment = await open_payment(stack)
    txn = await paid_at_bank(stack, payment["qr_payload"])
    body = body_of(txn)
    forged = await send(stack, body, secret="not-the-banks-secret-0123456789abcdef")
    assert_problem(forged, 401, "signature_invalid")
    unknown = await send(stack, body, key_id="k9")
    assert_problem(unknown, 401, "unknown_key")
    stale = await send(stack, body, at=int(dt.datetime.now(dt.UTC).timestamp()) - 3600)
    assert_problem(stale, 401, "signature_stale")
    bare = await stack.gateway.post(HOOK, content=body)
    assert_problem(bare, 401, "signature_missing")
    tampered = body.replace(b'"amount_satang": 50500', b'"amount_satang": 50501')
    real_key_id, real_secret = keys(stack)
    timestamp = int(dt.datetime.now(dt.UTC).timestamp())
    signed_for_original = signed_headers(real_key_id, real_secret, timestamp, body)
    r = await stack.gateway.post(HOOK, content=tampered, headers=signed_for_original)
    assert_problem(r, 401, "signature_invalid")
    assert await transactions(stack) == 0
    assert await status_of(stack, headers, payment["id"]) == "created"

    # The genuine one, then exactly the same request again: a replay.
    first = await stack.gateway.post(HOOK, content=body, headers=signed_for_original)
    assert first.status_code == 200, first.text
    replay = await stack.gateway.post(HOOK, content=body, headers=signed_for_original)
    assert_problem(replay, 401, "signature_replayed")
    assert await transactions(stack) == 1
    # The bank sending the same event again (a retry: a new timestamp) is harmless.
    again = await send(stack, body, at=timestamp + 2)
    assert again.status_code == 200
    assert again.json()["outcome"] == "credited"
    inbox = (await stack.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert [n["kind"] for n in inbox].count("payment_succeeded") == 1


async def test_malformed_oversized_and_unknown_provider_are_refused(stack: Stack) -> None:
    r = await send(stack, b'{"event_id": "x", "type": "payment.succeeded"}')
    assert_problem(r, 422, "invalid_webhook")
    r = await send(stack, b"not json at all")
    assert_problem(r, 422, "invalid_webhook")
    r = await send(stack, b'{"pad": "' + b"x" * 20_000 + b'"}')
    assert_problem(r, 413, "payload_too_large")
    r = await stack.gateway.post("/v1/payments/webhooks/otherbank", content=b"{}")
    assert_problem(r, 404, "psp_not_found")
    assert await transactions(stack) == 0


async def test_a_signed_webhook_the_bank_never_sent_credits_nothing(stack: Stack) -> None:
    """Even with the bank's key (leaked, say), a made-up payment is not believed: the bank's
    status API does not know it."""
    headers, _, payment = await open_payment(stack)
    made_up = {
        "txn_id": "MB20261206FAKE000001",
        "biller_id": payment["biller_id"],
        "ref1": payment["paid_for"]["reference"],
        "ref2": payment["id"],
        "amount_satang": payment["amount_satang"],
        "paid_at": dt.datetime.now(dt.UTC).isoformat(),
        "channel": "mobile",
    }
    r = await send(stack, body_of(made_up))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "unknown"
    assert await status_of(stack, headers, payment["id"]) == "created"


async def test_a_webhook_before_its_payment_exists_still_resolves(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bank's notice names a payment id the gateway has not committed yet: it is kept, and
    the payment is credited once the id exists (on the jobs' next look)."""
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    await act(stack, dlt, application["id"], "accept")
    await act(stack, dlt, application["id"], "request_payment")
    payment_id = "PEARLYWEBHOOK2345"[:16]
    monkeypatch.setattr(payment_service, "new_payment_id", lambda: payment_id)
    assert stack.app is not None
    biller = stack.app.state.payments.biller_id("DLT")
    qr = encode(
        bill_payment(
            biller, application["number"].replace("-", ""), payment_id, amount_satang=50500
        )
    )
    txn = await paid_at_bank(stack, qr)
    r = await send(stack, body_of(txn))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "waiting"

    created = await stack.gateway.post(
        f"/v1/applications/{application['id']}/payments", headers=headers
    )
    assert created.json()["id"] == payment_id
    await stack.gateway.post("/v1/admin/clock", json={"advance": 60}, headers=ADMIN)
    state = stack.app.state
    counts = await run_once(state.runtime, state.applications, None, state.payments)
    assert counts["payments confirmed"] == 1
    headers = bearer(await login(stack))
    assert await status_of(stack, headers, payment_id) == "succeeded"


async def test_a_webhook_during_the_payments_own_transaction_resolves(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the webhook is handled while the transaction creating the payment is still
    open (not visible to it); it is kept and credited once that transaction commits."""
    assert stack.app is not None
    if stack.app.state.runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: the webhook would wait for the payment's commit")
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    await act(stack, dlt, application["id"], "accept")
    await act(stack, dlt, application["id"], "request_payment")
    payment_id = "PINFLIGHT2345678"
    monkeypatch.setattr(payment_service, "new_payment_id", lambda: payment_id)
    written, release = asyncio.Event(), asyncio.Event()
    original = payment_service.Payments.start

    async def held_start(self: payment_service.Payments, demand: Any) -> Any:
        started = await original(self, demand)
        await self.session.flush()  # the row is written, not committed
        written.set()
        await release.wait()
        return started

    monkeypatch.setattr(payment_service.Payments, "start", held_start)
    creating = asyncio.create_task(
        stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    )
    await written.wait()
    biller = stack.app.state.payments.biller_id("DLT")
    qr = encode(
        bill_payment(
            biller, application["number"].replace("-", ""), payment_id, amount_satang=50500
        )
    )
    txn = await paid_at_bank(stack, qr)
    r = await send(stack, body_of(txn))
    assert r.json()["outcome"] == "waiting"  # the payment is not visible yet
    release.set()
    assert (await creating).status_code == 201
    async with stack.app.state.runtime.sessions() as session:
        intent = await session.get(PaymentIntent, payment_id)
        assert intent is not None
        assert intent.status == "created"
    await stack.gateway.post("/v1/admin/clock", json={"advance": 60}, headers=ADMIN)
    state = stack.app.state
    await run_once(state.runtime, state.applications, None, state.payments)
    headers = bearer(await login(stack))
    assert await status_of(stack, headers, payment_id) == "succeeded"
