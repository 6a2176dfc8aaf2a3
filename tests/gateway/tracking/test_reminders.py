"""What is due (issue 14): the scheduled jobs remind the citizen, once, of a fee or bill falling
due, a request for information left unanswered, a draft never filed and a document about to
lapse; each reminder is one inbox notice, lists on `GET /v1/me/reminders` (own only, soonest
due first) and is done when its subject resolves. Time moves on the gateway's simulated clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from support import (
    NATTHIDA,
    Portal,
    Stack,
    act,
    agency_headers,
    agency_says,
    approved_and_issued,
    bearer,
    draft,
    filed,
    login,
    set_clock,
    wallet_document,
)

from gateway.jobs import remind_citizens, run_once
from gateway.tracking.reminders import Reminders
from kernel.working_time import BANGKOK


async def jobs(stack: Stack) -> dict[str, int]:
    assert stack.app is not None
    return await run_once(stack.app.state.runtime, stack.app.state.applications)


def now(stack: Stack) -> dt.datetime:
    assert stack.app is not None
    moment: dt.datetime = stack.app.state.runtime.clock.now()
    return moment


async def later(
    stack: Stack, instant: dt.datetime, person: dict[str, str] | None = None
) -> dict[str, str]:
    """The clock moved to `instant`, and a fresh login (tokens carry the time)."""
    await set_clock(stack, instant.isoformat())
    tokens = await login(stack, person=person) if person else await login(stack)
    return {**bearer(tokens), "Accept-Language": "en"}


async def reminders(stack: Stack, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = await stack.gateway.get("/v1/me/reminders", headers=headers, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def inbox(stack: Stack, headers: dict[str, str], kind: str) -> list[dict[str, Any]]:
    r = await stack.gateway.get("/v1/notifications", headers=headers)
    assert r.status_code == 200, r.text
    return [n for n in r.json()["items"] if n["kind"] == kind]


async def fee_requested(
    stack: Stack, headers: dict[str, str]
) -> tuple[dict[str, Any], dt.datetime]:
    """A DLT renewal filed, taken up and its fee asked for: the application and the fee's due
    time (as the citizen was told it)."""
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    assert (await act(stack, dlt, application["id"], "accept")).status_code == 200
    r = await act(stack, dlt, application["id"], "request_payment")
    assert r.status_code == 200, r.text
    [asked] = await inbox(stack, headers, "fee_due")
    return application, dt.datetime.fromisoformat(asked["data"]["due_at"].replace("Z", "+00:00"))


async def test_a_fee_falling_due_is_reminded_once_and_done_once_paid(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application, due_at = await fee_requested(stack, headers)

    # Told when asked; not reminded until the due date is 3 days off.
    assert (await jobs(stack))["reminders made"] == 0
    assert await reminders(stack, headers) == []
    headers = await later(stack, due_at - dt.timedelta(days=3, minutes=1))
    assert (await jobs(stack))["reminders made"] == 0
    headers = await later(stack, due_at - dt.timedelta(days=2))
    assert (await jobs(stack))["reminders made"] == 1
    assert (await jobs(stack))["reminders made"] == 0  # once, however often the jobs run

    [reminder] = await reminders(stack, headers)
    assert reminder["kind"] == "fee_due"
    assert reminder["due_on"] == due_at.astimezone(BANGKOK).date().isoformat()
    assert dt.datetime.fromisoformat(reminder["due_at"]) == due_at
    assert reminder["href"] == f"/v1/applications/{application['id']}/payments"
    assert reminder["application_id"] == application["id"]
    assert reminder["refs"]["application_id"] == application["id"]
    assert application["number"] in reminder["title"]
    assert "505.00" in reminder["body"]
    assert reminder["done_at"] is None
    [notice] = await inbox(stack, headers, "fee_due_soon")
    assert notice["id"] == reminder["notification_id"]
    assert notice["data"]["reminder_id"] == reminder["id"]
    assert notice["application_id"] == application["id"]
    th = await stack.gateway.get("/v1/me/reminders", headers={**headers, "Accept-Language": "th"})
    assert th.json()["items"][0]["title"].startswith("ใกล้ครบกำหนดชำระค่าธรรมเนียม")

    # Paid by QR at the bank: the next round finds the fee paid and the reminder done.
    r = await stack.gateway.post(reminder["href"], headers=headers)
    assert r.status_code == 201, r.text
    payment = r.json()
    r = await stack.agencies.post(
        "/bank/app/scan-pay",
        json={"pid": "1100100001014", "payload": payment["qr_payload"]},
    )
    assert r.status_code == 201, r.text
    assert (await stack.agencies.post("/bank/admin/webhooks/flush")).status_code == 200
    r = await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)
    assert r.json()["status"] == "succeeded"

    counts = await jobs(stack)
    assert counts["reminders done"] == 1
    assert counts["reminders made"] == 0
    assert await reminders(stack, headers) == []
    [done] = await reminders(stack, headers, include="done")
    assert done["id"] == reminder["id"]
    assert done["resolution"] == "paid"
    assert done["done_at"] is not None
    assert (await jobs(stack))["reminders done"] == 0
    assert len(await inbox(stack, headers, "fee_due_soon")) == 1


async def test_a_request_for_information_left_unanswered_is_reminded_until_answered(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    assert (await act(stack, dlt, application["id"], "accept")).status_code == 200
    wanted = {"name_th": "สำเนาทะเบียนบ้าน", "name_en": "House registration copy"}
    r = await act(stack, dlt, application["id"], "request_info", items=[wanted])
    assert r.status_code == 200, r.text
    asked_at = now(stack)

    assert (await jobs(stack))["reminders made"] == 0  # told at once; reminded if it waits
    headers = await later(stack, asked_at + dt.timedelta(days=3, minutes=1))
    assert (await jobs(stack))["reminders made"] == 1
    assert (await jobs(stack))["reminders made"] == 0

    [reminder] = await reminders(stack, headers)
    assert reminder["kind"] == "information_requested"
    assert reminder["due_on"] is None  # the agency gave no deadline
    assert reminder["href"] == f"/v1/applications/{application['id']}"
    assert "House registration copy" in reminder["body"]
    [notice] = await inbox(stack, headers, "information_reminder")
    assert notice["id"] == reminder["notification_id"]

    r = await stack.gateway.post(
        f"/v1/applications/{application['id']}/respond", json={"note": "sent"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert (await jobs(stack))["reminders done"] == 1
    assert await reminders(stack, headers) == []
    [done] = await reminders(stack, headers, include="done")
    assert done["resolution"] == "in_review"


async def test_a_draft_never_filed_is_reminded_and_done_once_discarded_and_only_its_owner_sees_it(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    started = now(stack)

    headers = await later(stack, started + dt.timedelta(days=6))
    assert (await jobs(stack))["reminders made"] == 0
    headers = await later(stack, started + dt.timedelta(days=7, minutes=1))
    assert (await jobs(stack))["reminders made"] == 1
    [reminder] = await reminders(stack, headers)
    assert reminder["kind"] == "draft_unfiled"
    assert reminder["refs"]["service_id"] == application["service_id"]
    [notice] = await inbox(stack, headers, "draft_reminder")
    assert notice["data"]["application_id"] == application["id"]

    # Another citizen sees none of it.
    other = await later(stack, now(stack), person=NATTHIDA)
    assert await reminders(stack, other) == []
    assert await reminders(stack, other, include="done") == []
    assert await inbox(stack, other, "draft_reminder") == []

    # The draft can still be discarded (the reminder does not hold it), and that settles it.
    r = await stack.gateway.delete(f"/v1/applications/{application['id']}", headers=headers)
    assert r.status_code == 204, r.text
    assert (await jobs(stack))["reminders done"] == 1
    assert await reminders(stack, headers) == []
    [done] = await reminders(stack, headers, include="done")
    assert done["resolution"] == "discarded"


async def test_an_expiring_document_is_one_reminder_with_its_one_notice_done_when_revoked(
    portal: Portal,
) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    valid_until = dt.date.fromisoformat(document["valid_until"])
    noon = dt.datetime.combine(valid_until - dt.timedelta(days=30), dt.time(12), tzinfo=BANGKOK)

    headers = await later(portal, noon)
    counts = await jobs(portal)
    assert counts["expiring documents told"] == 1
    assert counts["reminders made"] == 0  # documents are counted as told
    [reminder] = await reminders(portal, headers)
    assert reminder["kind"] == "document_expiring"
    assert reminder["due_on"] == valid_until.isoformat()
    assert reminder["href"] == f"/v1/services/{application['service_id']}"
    assert reminder["refs"]["document_id"] == document["id"]
    # One notice for the document: the expiry notice is the reminder's.
    [notice] = await inbox(portal, headers, "document_expiring")
    assert notice["id"] == reminder["notification_id"]
    assert notice["data"]["renew_href"] == reminder["href"]

    r = await agency_says(portal, document["number"], "revoked")
    assert r.status_code == 200, r.text
    assert (await jobs(portal))["reminders done"] == 1
    assert await reminders(portal, headers) == []
    [done] = await reminders(portal, headers, include="done")
    assert done["resolution"] == "revoked"


async def test_two_job_runners_at_once_make_one_reminder_and_one_notice(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runner A has found the draft to remind of and is about to make the reminder when
    runner B makes it and commits; A then finds the key taken and sends nothing."""
    headers = bearer(await login(stack))
    await draft(stack, headers)
    headers = await later(stack, now(stack) + dt.timedelta(days=8))
    assert stack.app is not None
    runtime = stack.app.state.runtime
    b_made: list[int] = []
    held: list[bool] = []
    original = Reminders.remind

    async def b_first(self: Reminders, due: Any) -> Any:
        if not held:  # A's first reminder: B runs a whole round to its commit now
            held.append(True)
            b_made.append(await remind_citizens(runtime))
        return await original(self, due)

    monkeypatch.setattr(Reminders, "remind", b_first)
    a_made = await remind_citizens(runtime)

    assert (b_made, a_made) == ([1], 0)
    assert len(await reminders(stack, headers)) == 1
    assert len(await inbox(stack, headers, "draft_reminder")) == 1


async def test_the_list_is_soonest_due_first_page_by_page(stack: Stack) -> None:
    headers = bearer(await login(stack))
    await draft(stack, headers)  # no deadline: listed last
    _, due_at = await fee_requested(stack, headers)
    headers = await later(stack, due_at - dt.timedelta(days=2))
    assert (await jobs(stack))["reminders made"] == 2

    listed = await reminders(stack, headers)
    assert [r["kind"] for r in listed] == ["fee_due", "draft_unfiled"]
    r = await stack.gateway.get("/v1/me/reminders", headers=headers, params={"limit": 1})
    first = r.json()
    assert [i["kind"] for i in first["items"]] == ["fee_due"]
    r = await stack.gateway.get(
        "/v1/me/reminders", headers=headers, params={"limit": 1, "cursor": first["next_cursor"]}
    )
    second = r.json()
    assert [i["kind"] for i in second["items"]] == ["draft_unfiled"]
    assert second["next_cursor"] is None
    # A cursor of the open list is not one of the list with done reminders.
    r = await stack.gateway.get(
        "/v1/me/reminders",
        headers=headers,
        params={"limit": 1, "cursor": first["next_cursor"], "include": "done"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_cursor"


async def test_an_expiry_reminder_is_done_once_the_document_is_renewed(portal: Portal) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    valid_until = dt.date.fromisoformat(document["valid_until"])
    noon = dt.datetime.combine(valid_until - dt.timedelta(days=20), dt.time(12), tzinfo=BANGKOK)
    await later(portal, noon)
    assert (await jobs(portal))["expiring documents told"] == 1

    # Renewed through the same service: the new document is in the wallet.
    headers, renewal = await approved_and_issued(portal)
    assert renewal["service_id"] == application["service_id"]
    assert (await jobs(portal))["reminders done"] == 1
    headers = {**headers, "Accept-Language": "en"}
    [done] = [
        r
        for r in await reminders(portal, headers, include="done")
        if r["refs"]["document_id"] == document["id"]
    ]
    assert done["resolution"] == "renewed"
    # The open list no longer asks to renew it (the new document has its own reminder when
    # it, too, lapses within 30 days).
    open_now = await reminders(portal, headers)
    assert document["id"] not in [r["refs"]["document_id"] for r in open_now]
