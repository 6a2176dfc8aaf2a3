"""Money from the state (รับเงิน): an agency orders a payout, idempotent per its payout id; on
its day the portal has the bank credit the account PromptPay links to the citizen's national
ID; without a link it is returned and the citizen is told how to link one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from support import (
    NATTHIDA,
    SOMCHAI,
    Stack,
    agency_headers,
    assert_problem,
    bearer,
    login,
)

from gateway.jobs import run_once
from kernel.working_time import BANGKOK

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}


def order(pid: str, payout_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "payout_id": payout_id,
        "national_id": pid,
        "amount_satang": 60000,
        "kind": "older_persons_allowance",
        "title_th": "เบี้ยยังชีพผู้สูงอายุ ธันวาคม 2569",
        "title_en": "Older persons' allowance, December 2026",
        "period": "2026-12",
        **changes,
    }


async def pay_due(stack: Stack) -> dict[str, int]:
    assert stack.app is not None
    state = stack.app.state
    return await run_once(state.runtime, state.applications, None, state.payments)


async def test_a_payout_is_credited_to_the_promptpay_account_and_shown_to_the_citizen(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))  # signed in before: told when it comes
    dop = await agency_headers(stack, "DOP")
    pid = SOMCHAI["national_id"]
    before = (await stack.agencies.get(f"/bank/app/accounts/{pid}")).json()["balance_satang"]
    today = stack.app.state.runtime.clock.now().astimezone(BANGKOK).date()  # type: ignore[union-attr]
    later = (today + dt.timedelta(days=3)).isoformat()

    # Due later: ordered, shown to the citizen as coming.
    r = await stack.gateway.post(
        "/v1/agency/disbursements", json=order(pid, "OPA-1", pay_on=later), headers=dop
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "ordered"
    again = await stack.gateway.post(
        "/v1/agency/disbursements", json=order(pid, "OPA-1", pay_on=later), headers=dop
    )
    assert again.status_code == 200  # the same order: the first answer, nothing new
    assert again.json()["id"] == r.json()["id"]
    other = await stack.gateway.post(
        "/v1/agency/disbursements", json=order(pid, "OPA-1", amount_satang=70000), headers=dop
    )
    assert_problem(other, 409, "payout_id_reused")
    coming = (await stack.gateway.get("/v1/disbursements", headers=headers)).json()
    assert [(d["status"], d["pay_on"]) for d in coming["coming"]] == [("ordered", later)]
    assert coming["received"] == []
    assert (await pay_due(stack))["disbursements settled"] == 0  # not yet its day

    # Due today: sent to the bank at once.
    now = await stack.gateway.post(
        "/v1/agency/disbursements", json=order(pid, "OPA-0"), headers=dop
    )
    assert now.status_code == 201, now.text
    assert now.json()["status"] == "credited"
    after = (await stack.agencies.get(f"/bank/app/accounts/{pid}")).json()["balance_satang"]
    assert after == before + 60000

    # Its day comes: the scheduled job pays it, once.
    r = await stack.gateway.post("/v1/admin/clock", json={"advance": 3 * 86400}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert (await pay_due(stack))["disbursements settled"] == 1
    assert (await pay_due(stack))["disbursements settled"] == 0
    headers = bearer(await login(stack))
    mine = (await stack.gateway.get("/v1/disbursements", headers=headers)).json()
    assert mine["coming"] == []
    assert [(d["payout_id"], d["status"]) for d in mine["received"]] == [
        ("OPA-1", "credited"),
        ("OPA-0", "credited"),
    ]
    assert all(d["account_masked"] for d in mine["received"])
    final = (await stack.agencies.get(f"/bank/app/accounts/{pid}")).json()["balance_satang"]
    assert final == before + 120000
    dop = await agency_headers(stack, "DOP")  # three days on: a new token
    state = await stack.gateway.get("/v1/agency/disbursements/OPA-1", headers=dop)
    assert state.json()["status"] == "credited"
    inbox = (await stack.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert [n["kind"] for n in inbox].count("disbursement_credited") == 2


async def test_without_a_promptpay_link_the_payout_is_returned_and_the_citizen_told(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack, person=NATTHIDA))
    pid = NATTHIDA["national_id"]
    r = await stack.agencies.put(f"/bank/app/promptpay/{pid}", json={"linked": False})
    assert r.status_code == 200, r.text
    dop = await agency_headers(stack, "DOP")
    r = await stack.gateway.post("/v1/agency/disbursements", json=order(pid, "OPA-2"), headers=dop)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "returned"
    [returned] = (await stack.gateway.get("/v1/disbursements", headers=headers)).json()["received"]
    assert (returned["status"], returned["reason"]) == ("returned", "no_promptpay_link")
    inbox = (await stack.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert inbox[0]["kind"] == "disbursement_returned"
    assert "พร้อมเพย์" in inbox[0]["body"]


async def test_a_citizen_sees_only_their_own_money_and_agencies_only_their_payouts(
    stack: Stack,
) -> None:
    dop = await agency_headers(stack, "DOP")
    r = await stack.gateway.post(
        "/v1/agency/disbursements", json=order(SOMCHAI["national_id"], "OPA-3"), headers=dop
    )
    assert r.status_code == 201
    someone_else = bearer(await login(stack, person=NATTHIDA))
    seen = (await stack.gateway.get("/v1/disbursements", headers=someone_else)).json()
    assert seen == {"received": [], "coming": []}
    sso = await agency_headers(stack, "SSO")
    r = await stack.gateway.get("/v1/agency/disbursements/OPA-3", headers=sso)
    assert_problem(r, 404, "disbursement_not_found")
