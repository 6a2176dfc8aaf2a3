"""Refunds: full or partial, guarded by the refundable amount the operator saw (412 when another
refund changed it), paid back by the bank once per refund id, the citizen told.

The race is made to happen: the first refund is held after it read the payment and before it
wrote; the second runs to its commit; the first then goes on with what it read. On SQLite
and, with CITIZEN_GATEWAY_TEST_DATABASE_URL, on PostgreSQL (where a second test also sends
the two at once)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
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

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
PID = SOMCHAI["national_id"]


async def paid(stack: Stack) -> tuple[dict[str, str], dict[str, Any]]:
    """A DLT fee of 505.00 THB, paid in the bank's app and confirmed."""
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    await act(stack, dlt, application["id"], "accept")
    await act(stack, dlt, application["id"], "request_payment")
    payment = (
        await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    ).json()
    r = await stack.agencies.post(
        "/bank/app/scan-pay", json={"pid": PID, "payload": payment["qr_payload"]}
    )
    assert r.status_code == 201, r.text
    await stack.agencies.post("/bank/admin/webhooks/flush")
    done = (await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()
    assert done["status"] == "succeeded"
    return headers, done


def refund(amount: int, expected: int) -> dict[str, Any]:
    return {
        "amount_satang": amount,
        "expected_refundable_satang": expected,
        "reason": "the licence was issued free after all",
    }


async def balance(stack: Stack) -> int:
    return int((await stack.agencies.get(f"/bank/app/accounts/{PID}")).json()["balance_satang"])


async def test_two_refunds_racing_for_the_same_balance_one_wins_one_412(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers, payment = await paid(stack)
    path = f"/v1/admin/payments/{payment['id']}/refunds"
    before = await balance(stack)
    held, go_on = asyncio.Event(), asyncio.Event()
    original = payment_service.Payments._refund_row

    async def hold_the_first(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not held.is_set():  # the first refund has read 50500 refundable; not yet written
            held.set()
            await go_on.wait()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(payment_service.Payments, "_refund_row", hold_the_first)
    first = asyncio.create_task(stack.gateway.post(path, json=refund(30000, 50500), headers=ADMIN))
    await held.wait()
    second = await stack.gateway.post(path, json=refund(30000, 50500), headers=ADMIN)
    go_on.set()
    first_answer = await first

    assert second.status_code == 201, second.text
    assert second.json()["status"] == "succeeded"
    assert_problem(first_answer, 412, "refundable_changed")
    assert await balance(stack) == before + 30000  # paid back once

    # What is left: 205.00. Too much is refused; the rest can go.
    assert_problem(
        await stack.gateway.post(path, json=refund(30000, 20500), headers=ADMIN),
        422,
        "refund_exceeds_payment",
    )
    rest = await stack.gateway.post(path, json=refund(20500, 20500), headers=ADMIN)
    assert rest.status_code == 201, rest.text
    assert await balance(stack) == before + 50500
    shown = (await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()
    assert shown["refunded_satang"] == 50500
    inbox = (await stack.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert [n["kind"] for n in inbox].count("payment_refunded") == 2


async def test_refunds_sent_at_the_same_moment_on_postgresql(stack: Stack) -> None:
    assert stack.app is not None
    if stack.app.state.runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the held race above covers it")
    _, payment = await paid(stack)
    path = f"/v1/admin/payments/{payment['id']}/refunds"
    before = await balance(stack)
    answers = await asyncio.gather(
        *(stack.gateway.post(path, json=refund(40000, 50500), headers=ADMIN) for _ in range(4))
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 412, 412, 412], [r.text for r in answers]
    assert await balance(stack) == before + 40000


async def test_only_a_succeeded_payment_is_refunded_and_amounts_are_checked(
    stack: Stack,
) -> None:
    _, payment = await paid(stack)
    path = f"/v1/admin/payments/{payment['id']}/refunds"
    r = await stack.gateway.post(path, json=refund(0, 50500), headers=ADMIN)
    assert_problem(r, 422, "validation_failed")
    r = await stack.gateway.post(path, json=refund(60000, 50500), headers=ADMIN)
    assert_problem(r, 422, "refund_exceeds_payment")
    r = await stack.gateway.post(
        "/v1/admin/payments/PNOSUCHPAYMENT12/refunds", json=refund(100, 100), headers=ADMIN
    )
    assert_problem(r, 404, "payment_not_found")
    r = await stack.gateway.post(path, json=refund(100, 50500))
    assert r.status_code == 401
