"""R-10.1-R-10.3: when a filed application is legally received, shown to the citizen on the
application and its receipt, with the actual arrival kept beside it.

Each case sets the gateway's simulated clock, files a driving-licence renewal (DLT: portal
anchor, Monday-Friday 08:30-16:30, 1 working day) or an unemployment claim (SSO: the agency's own
system counts), and reads what the citizen is shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from support import (
    SSO_UNEMPLOYMENT,
    Stack,
    applications_service,
    bearer,
    filed,
    login,
    set_clock,
)

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def bkk(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def arrived_when_set(shown: str, clock_set_to: str) -> bool:
    """The simulated clock keeps running from where it was set: the request arrives a moment
    (the login before it) after that."""
    return bkk(clock_set_to) <= utc(shown) < bkk(clock_set_to) + dt.timedelta(seconds=60)


async def file_at(stack: Stack, arrival: str, *, service_id: str = "") -> dict[str, Any]:
    await set_clock(stack, arrival)
    headers = bearer(await login(stack))
    if service_id:
        return await filed(stack, headers, service_id=service_id)
    return await filed(stack, headers)


CASES = [
    # (why, arrival in Bangkok time, deemed receipt in Bangkok time)
    ("inside working hours", "2026-11-18T10:00:00+07:00", None),  # the arrival itself
    ("just before opening", "2026-11-18T08:29:00+07:00", "2026-11-18T08:30:00+07:00"),
    ("after closing", "2026-11-18T16:31:00+07:00", "2026-11-19T08:30:00+07:00"),
    ("on a Saturday", "2026-11-21T11:00:00+07:00", "2026-11-23T08:30:00+07:00"),
    ("on a Sunday night", "2026-11-22T23:59:00+07:00", "2026-11-23T08:30:00+07:00"),
    # RULES.md's example: Friday evening before Songkran (13-15 April 2026).
    ("before Songkran", "2026-04-10T17:05:00+07:00", "2026-04-16T08:30:00+07:00"),
    ("during Songkran", "2026-04-14T09:00:00+07:00", "2026-04-16T08:30:00+07:00"),
]


@pytest.mark.rule("R-10.1")
@pytest.mark.rule("R-10.2")
@pytest.mark.parametrize(("why", "arrival", "deemed"), CASES, ids=[c[0] for c in CASES])
async def test_deemed_receipt_time(
    stack: Stack, why: str, arrival: str, deemed: str | None
) -> None:
    submitted = await file_at(stack, arrival)
    application, receipt = submitted["application"], submitted["receipt"]
    assert arrived_when_set(application["arrived_at"], arrival)
    expected = utc(application["arrived_at"]) if deemed is None else bkk(deemed)
    assert utc(application["deemed_received_at"]) == expected, why
    assert application["receipt_anchor"] == "portal"
    claims = receipt["payload"]
    assert utc(claims["arrived_at"]) == utc(application["arrived_at"])
    assert utc(claims["deemed_received_at"]) == expected


@pytest.mark.rule("R-10.2")
async def test_a_cabinet_extra_day_off_moves_the_receipt(stack: Stack) -> None:
    """The operator declares Monday 30 November 2026 a day off (as a cabinet resolution would);
    a request sent on the Friday evening before is received on Tuesday."""
    declared = await stack.gateway.post(
        "/v1/admin/calendar/holidays",
        json={"day": "2026-11-30", "name_th": "วันหยุดพิเศษ", "name_en": "Special holiday"},
        headers=ADMIN,
    )
    assert declared.status_code == 201, declared.text
    try:
        submitted = await file_at(stack, "2026-11-27T17:00:00+07:00")
        deemed = utc(submitted["application"]["deemed_received_at"])
        assert deemed == bkk("2026-12-01T08:30:00+07:00")
    finally:
        r = await stack.gateway.delete(
            f"/v1/admin/calendar/holidays/{declared.json()['id']}", headers=ADMIN
        )
        assert r.status_code == 204


@pytest.mark.rule("R-10.2")
async def test_the_due_date_counts_working_days_from_the_deemed_receipt(stack: Stack) -> None:
    submitted = await file_at(stack, "2026-04-10T17:05:00+07:00")
    application = submitted["application"]
    # 1 working day after Thursday 16 April (received) is Friday 17 April, due at closing.
    assert application["due_working_days"] == 1
    assert utc(application["due_at"]) == bkk("2026-04-17T16:30:00+07:00")
    assert submitted["receipt"]["payload"]["due_at"] is not None


@pytest.mark.rule("R-10.3")
async def test_with_the_agency_backend_anchor_receipt_waits_for_the_agencys_system(
    stack: Stack,
) -> None:
    """SSO counts entry into its own system: the receipt shows the arrival at once and the
    anchor; the deemed receipt time is set when the agency's system takes the application."""
    submitted = await file_at(stack, "2026-11-21T11:00:00+07:00", service_id=SSO_UNEMPLOYMENT)
    application, claims = submitted["application"], submitted["receipt"]["payload"]
    assert application["receipt_anchor"] == "agency_backend"
    assert claims["receipt_anchor"] == "agency_backend"
    assert arrived_when_set(application["arrived_at"], "2026-11-21T11:00:00+07:00")
    assert application["deemed_received_at"] is None
    assert application["due_at"] is None

    # The agency's system takes it on Monday at 07:10, before its office opens.
    await set_clock(stack, "2026-11-23T07:10:00+07:00")
    async with applications_service(stack) as apps:
        await apps.transitions.record_delivery(application["id"], apps.ctx.now)
        await apps.uow.commit()
    headers = bearer(await login(stack))
    shown = (
        await stack.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    ).json()
    assert shown["status"] == "forwarded"
    assert shown["arrived_at"] == application["arrived_at"]  # both times are kept
    assert utc(shown["deemed_received_at"]) == bkk("2026-11-23T08:30:00+07:00")
    assert shown["due_at"] is not None
    assert shown["timeline"][-1]["kind"] == "forward"


@pytest.mark.rule("R-10.3")
async def test_with_the_portal_anchor_delivery_does_not_move_the_receipt(stack: Stack) -> None:
    submitted = await file_at(stack, "2026-11-18T10:00:00+07:00")
    application = submitted["application"]
    await set_clock(stack, "2026-11-19T09:00:00+07:00")
    async with applications_service(stack) as apps:
        await apps.transitions.record_delivery(application["id"], apps.ctx.now)
        await apps.uow.commit()
    headers = bearer(await login(stack))
    shown = (
        await stack.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    ).json()
    assert shown["status"] == "forwarded"
    assert shown["deemed_received_at"] == application["deemed_received_at"]
    assert arrived_when_set(shown["deemed_received_at"], "2026-11-18T10:00:00+07:00")
