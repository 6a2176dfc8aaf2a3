"""The daily reconciliation against the bank's settlement statement: a counter payment, which
sends no webhook, is found only there and pays its fee; money that paid nothing is classified
and queued for the operators; the day's report is kept."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select
from support import (
    Stack,
    act,
    agency_headers,
    assert_problem,
    bearer,
    filed,
    login,
    shown,
)

from gateway import audit
from gateway.audit.chain import entry_hash
from gateway.jobs import run_once
from kernel.working_time import BANGKOK

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}


async def fee_to_pay(stack: Stack) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    await act(stack, dlt, application["id"], "accept")
    await act(stack, dlt, application["id"], "request_payment")
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    assert r.status_code == 201, r.text
    return headers, application, r.json()


async def at_the_counter(stack: Stack, payment: dict[str, Any], amount: int) -> dict[str, Any]:
    """Cash at a 7-Eleven with the bill's barcode: the biller and Ref1, no Ref2, no webhook."""
    r = await stack.agencies.post(
        "/bank/counter/payments",
        json={
            "biller_id": payment["biller_id"],
            "ref1": payment["paid_for"]["reference"],
            "amount_satang": amount,
            "channel": "7-eleven",
        },
    )
    assert r.status_code == 201, r.text
    txn: dict[str, Any] = r.json()
    return txn


def today(stack: Stack) -> str:
    assert stack.app is not None
    return stack.app.state.runtime.clock.now().astimezone(BANGKOK).date().isoformat()


async def test_a_counter_payment_is_found_only_by_reconciliation_and_pays_the_fee(
    stack: Stack,
) -> None:
    headers, application, payment = await fee_to_pay(stack)
    txn = await at_the_counter(stack, payment, payment["amount_satang"])
    # No webhook: the portal does not know yet.
    r = await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)
    assert r.json()["status"] == "created"
    assert_problem(
        await stack.gateway.get(
            f"/v1/admin/payments/reconciliations/{today(stack)}", headers=ADMIN
        ),
        404,
        "reconciliation_not_found",
    )

    r = await stack.gateway.post(
        "/v1/admin/payments/reconciliations", json={"day": today(stack)}, headers=ADMIN
    )
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["report"]["totals"]["unconfirmed"]["count"] == 1
    assert run["report"]["applied"] == {"credited": 1}
    assert txn["txn_id"] in run["markdown"]

    paid = (await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()
    assert (paid["status"], paid["channel"]) == ("succeeded", "7-eleven")
    assert (await shown(stack, headers, application["id"]))["status"] == "paid"
    # The same day again: everything matches now, nothing is applied twice.
    again = await stack.gateway.post(
        "/v1/admin/payments/reconciliations", json={"day": today(stack)}, headers=ADMIN
    )
    totals = again.json()["report"]["totals"]
    assert (totals["matched"]["count"], totals["unconfirmed"]["count"]) == (1, 0)
    assert again.json()["report"]["applied"] == {}
    kept = await stack.gateway.get(
        f"/v1/admin/payments/reconciliations/{today(stack)}", headers=ADMIN
    )
    assert kept.json()["report"] == again.json()["report"]


async def test_money_that_paid_nothing_is_classified_and_queued(stack: Stack) -> None:
    headers, _, payment = await fee_to_pay(stack)
    short = await at_the_counter(stack, payment, payment["amount_satang"] - 500)
    stray = await stack.agencies.post(
        "/bank/counter/payments",
        json={
            "biller_id": payment["biller_id"],
            "ref1": "NOSUCHREFERENCE1",
            "amount_satang": 12345,
            "channel": "branch",
        },
    )
    assert stray.status_code == 201, stray.text
    r = await stack.gateway.post(
        "/v1/admin/payments/reconciliations", json={"day": today(stack)}, headers=ADMIN
    )
    assert r.status_code == 201, r.text
    totals = r.json()["report"]["totals"]
    assert (totals["underpaid"]["count"], totals["unknown"]["count"]) == (1, 1)
    queue = (await stack.gateway.get("/v1/admin/payments/exceptions", headers=ADMIN)).json()
    assert {(e["txn_id"], e["outcome"]) for e in queue["items"]} == {
        (short["txn_id"], "underpaid"),
        (stray.json()["txn_id"], "unknown"),
    }
    written_off = await stack.gateway.post(
        f"/v1/admin/payments/exceptions/{stray.json()['txn_id']}/write-off",
        json={"reason": "no payer to return it to"},
        headers=ADMIN,
    )
    assert written_off.json()["resolution"] == "written_off"
    again = await stack.gateway.post(
        f"/v1/admin/payments/exceptions/{stray.json()['txn_id']}/write-off",
        json={"reason": "twice"},
        headers=ADMIN,
    )
    assert_problem(again, 409, "payment_closed")
    assert (await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()[
        "status"
    ] == "failed"
    # What reconciliation changed is in the audit chain, appended together and linked: each
    # entry's hash is recomputed from its content and the previous one's.
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        mine = await audit.entries_about(session, f"payment:{payment['id']}")
        failed = next(entry for entry in mine if entry.action == "payment.failed")
        since = (
            await session.scalars(
                select(audit.AuditEntry)
                .where(audit.AuditEntry.seq >= failed.seq - 1)
                .order_by(audit.AuditEntry.seq)
            )
        ).all()
    for previous, entry in itertools.pairwise(since):
        assert entry.seq == previous.seq + 1
        assert entry.prev_hash == previous.hash
        assert entry.hash == entry_hash(
            previous.hash,
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            data=entry.data,
        )


async def test_the_scheduled_job_reconciles_yesterday_once(stack: Stack) -> None:
    assert stack.app is not None
    _, _, payment = await fee_to_pay(stack)
    await at_the_counter(stack, payment, payment["amount_satang"])
    # The next morning, 07:00 in Bangkok.
    now = stack.app.state.runtime.clock.now().astimezone(BANGKOK)
    morning = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(7), BANGKOK)
    r = await stack.gateway.post(
        "/v1/admin/clock", json={"set": morning.isoformat()}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    state = stack.app.state
    first = await run_once(state.runtime, state.applications, None, state.payments)
    second = await run_once(state.runtime, state.applications, None, state.payments)
    assert (first["statements reconciled"], second["statements reconciled"]) == (1, 0)
    headers = bearer(await login(stack))
    paid = (await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()
    assert paid["status"] == "succeeded"
