"""R-LFA.4: when processing overruns the manual's time, the citizen is notified every 7 days
(copy to the oversight body, OPDC) until it is done.

On the simulated clock: a driving-licence renewal (1 working day) filed on Monday 2 November
2026 at 09:00 Bangkok time is received at once and due at the close of Tuesday (16:30). The
scheduled job (`send_overdue_notices`, what `serve` runs every minute and
`citizen-gateway jobs run` runs once) is run by hand after each move of the clock. Access tokens
live 10 minutes, so the citizen logs in again after the clock has moved on by days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, select
from support import (
    Stack,
    act,
    agency_headers,
    bearer,
    filed,
    login,
    set_clock,
)

from gateway.clock import SimulationClock
from gateway.jobs import send_overdue_notices
from gateway.tracking.models import OversightCopy

pytestmark = pytest.mark.rule("R-LFA.4")

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
EN = {"Accept-Language": "en"}
HOUR = 3600
DAY = 24 * HOUR
FILED_AT = "2026-11-02T09:00:00+07:00"  # Monday
DUE_AT = dt.datetime(2026, 11, 3, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
async def real_time_afterwards(stack: Stack) -> AsyncIterator[None]:
    """The simulated clock is kept in the shared database and the next gateway started adopts
    it: put it back to real time, or later tests would run on this module's dates (their
    tokens then look expired to a verifier using the real time)."""
    yield
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session, session.begin():
        await session.execute(delete(SimulationClock))


async def _advance(stack: Stack, seconds: float) -> None:
    r = await stack.gateway.post("/v1/admin/clock", json={"advance": seconds}, headers=ADMIN)
    assert r.status_code == 200, r.text


async def _run_job(stack: Stack) -> int:
    """The scheduled job, as `serve` and `citizen-gateway jobs run` run it (at the gateway's
    simulated time)."""
    assert stack.app is not None
    return await send_overdue_notices(stack.app.state.runtime, stack.app.state.applications)


async def _overdue_inbox(stack: Stack, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await stack.gateway.get("/v1/notifications", headers={**headers, **EN})
    assert r.status_code == 200, r.text
    return [n for n in r.json()["items"] if n["kind"] == "overdue"]


async def _detail(stack: Stack, headers: dict[str, str], application_id: str) -> dict[str, Any]:
    r = await stack.gateway.get(f"/v1/applications/{application_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _copies(stack: Stack, application_id: str) -> list[tuple[str, int]]:
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        rows = await session.scalars(
            select(OversightCopy)
            .where(OversightCopy.application_id == application_id)
            .order_by(OversightCopy.notice_number)
        )
        return [(row.body, row.notice_number) for row in rows]


async def _file_on_monday(stack: Stack, count: int = 1) -> list[str]:
    await set_clock(stack, FILED_AT)  # before the login: tokens carry the time
    headers = bearer(await login(stack))
    ids = []
    for _ in range(count):
        application = (await filed(stack, headers))["application"]
        assert dt.datetime.fromisoformat(application["due_at"]) == DUE_AT
        assert application["overdue"] is False
        ids.append(application["id"])
    return ids


async def test_the_citizen_is_told_the_day_after_the_due_date_then_every_7_days(
    stack: Stack,
) -> None:
    [application_id] = await _file_on_monday(stack)

    # Tuesday 16:00, before the close of the due day: nothing yet.
    await _advance(stack, 31 * HOUR)
    assert await _run_job(stack) == 0
    headers = bearer(await login(stack))
    assert await _overdue_inbox(stack, headers) == []
    assert (await _detail(stack, headers, application_id))["overdue"] is False

    # Wednesday 09:00: overdue, so the first notice, with a copy to OPDC.
    await _advance(stack, 17 * HOUR)
    assert await _run_job(stack) == 1
    headers = bearer(await login(stack))
    notices = await _overdue_inbox(stack, headers)
    assert len(notices) == 1
    assert notices[0]["application_id"] == application_id
    assert "OPDC" in notices[0]["body"]
    assert "1 working days past its due date" in notices[0]["body"]
    detail = await _detail(stack, headers, application_id)
    assert detail["overdue"] is True
    assert detail["status"] == "submitted"  # a notice changes nothing else
    event = detail["timeline"][-1]
    assert event["kind"] == "overdue_notice"
    assert event["data"]["notice"] == 1
    assert event["data"]["copied_to"] == "OPDC"
    assert await _copies(stack, application_id) == [("OPDC", 1)]

    # Later the same day, and six days on: nothing more.
    await _advance(stack, 2 * HOUR)
    assert await _run_job(stack) == 0
    await _advance(stack, 6 * DAY - 2 * HOUR)
    assert await _run_job(stack) == 0
    assert await _copies(stack, application_id) == [("OPDC", 1)]

    # Seven days after the first notice: the second.
    await _advance(stack, DAY)
    assert await _run_job(stack) == 1
    assert await _run_job(stack) == 0
    headers = bearer(await login(stack))
    assert len(await _overdue_inbox(stack, headers)) == 2
    detail = await _detail(stack, headers, application_id)
    assert detail["overdue"] is True
    notices = [e for e in detail["timeline"] if e["kind"] == "overdue_notice"]
    assert [e["data"]["notice"] for e in notices] == [1, 2]
    assert await _copies(stack, application_id) == [("OPDC", 1), ("OPDC", 2)]


async def test_a_rejected_or_withdrawn_application_is_no_longer_chased(stack: Stack) -> None:
    rejected, withdrawn, still_open = await _file_on_monday(stack, 3)

    await _advance(stack, 2 * DAY)  # Wednesday 09:00
    assert await _run_job(stack) == 3

    dlt = await agency_headers(stack, "DLT")
    r = await act(stack, dlt, rejected, "reject", reason="The licence is suspended.")
    assert r.status_code == 200, r.text
    headers = bearer(await login(stack))
    r = await stack.gateway.post(f"/v1/applications/{withdrawn}/withdraw", headers=headers)
    assert r.status_code == 200, r.text

    await _advance(stack, 7 * DAY)
    assert await _run_job(stack) == 1
    assert await _copies(stack, still_open) == [("OPDC", 1), ("OPDC", 2)]
    for done in (rejected, withdrawn):
        assert await _copies(stack, done) == [("OPDC", 1)]
    headers = bearer(await login(stack))
    for done in (rejected, withdrawn):
        detail = await _detail(stack, headers, done)
        assert detail["overdue"] is False
        assert [e["kind"] for e in detail["timeline"]].count("overdue_notice") == 1
    chased = [n["application_id"] for n in await _overdue_inbox(stack, headers)]
    assert sorted(chased) == sorted([rejected, withdrawn, still_open, still_open])


async def test_an_approved_application_is_no_longer_chased(stack: Stack) -> None:
    # The decision is the end of processing (R-LFA.3 counts the result from it): once the
    # agency has approved, the citizen is not told that processing is late any more.
    approved, still_open = await _file_on_monday(stack, 2)

    await _advance(stack, 2 * DAY)  # Wednesday 09:00
    assert await _run_job(stack) == 2

    dlt = await agency_headers(stack, "DLT")
    for action in ("accept", "approve"):
        r = await act(stack, dlt, approved, action)
        assert r.status_code == 200, r.text

    await _advance(stack, 7 * DAY)
    await _run_job(stack)
    assert await _copies(stack, still_open) == [("OPDC", 1), ("OPDC", 2)]
    assert await _copies(stack, approved) == [("OPDC", 1)]
    headers = bearer(await login(stack))
    detail = await _detail(stack, headers, approved)
    assert detail["status"] == "approved"
    assert [e["kind"] for e in detail["timeline"]].count("overdue_notice") == 1
