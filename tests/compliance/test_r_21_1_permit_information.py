"""R-21.1: a request for permit information is answered within 3 days, free.

Read as 3 working days on the agency's own calendar (the Licensing Facilitation Act counts
working days), from the moment the request is legally received. Over HTTP, on the simulated
clock: filed on Friday 4 December 2026 at 10:00 with DLT (Monday to Friday, 08:30-16:30),
when Saturday 5 December (King Bhumibol's birthday) is made up for on Monday 7 December; the
3 working days are Tuesday 8, Wednesday 9 and Thursday 10 December (Thursday 10 December is
Constitution Day, so Friday 11 December)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from support import Stack, agency_headers, bearer, login, set_clock

from gateway.clock import SimulationClock
from gateway.jobs import overdue_permit_requests
from kernel.working_time import BANGKOK, ThaiGovernmentHolidays
from payments.models import PaymentDemand

pytestmark = pytest.mark.rule("R-21.1")

ICT = dt.timezone(dt.timedelta(hours=7))
ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
FILED_AT = "2026-12-04T10:00:00+07:00"
DUE_AT = dt.datetime(2026, 12, 11, 16, 30, tzinfo=ICT)


@pytest.fixture(autouse=True)
async def real_time_afterwards(stack: Stack) -> AsyncIterator[None]:
    yield
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session, session.begin():
        await session.execute(delete(SimulationClock))


def test_the_calendar_this_module_assumes() -> None:
    """The holidays the dates above rely on (so a change of calendar fails here, plainly)."""
    holidays = ThaiGovernmentHolidays()
    assert dt.date(2026, 12, 7) in holidays
    assert dt.date(2026, 12, 10) in holidays
    assert dt.date(2026, 12, 8) not in holidays
    assert dt.date(2026, 12, 11) not in holidays


async def _file(stack: Stack) -> tuple[dict[str, str], dict[str, object]]:
    await set_clock(stack, FILED_AT)
    headers = bearer(await login(stack))
    r = await stack.gateway.post(
        "/v1/permit-information-requests",
        json={"agency": "DLT", "question": "ขอทราบว่าใบอนุญาตของอู่ซ่อมรถข้างบ้านยังมีผลหรือไม่"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return headers, r.json()


async def test_due_within_three_working_days_and_free(stack: Stack) -> None:
    assert stack.app is not None
    _, filed = await _file(stack)
    assert dt.datetime.fromisoformat(str(filed["due_at"])) == DUE_AT
    assert filed["overdue"] is False
    async with stack.app.state.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PaymentDemand)) == 0


async def test_overdue_is_flagged_and_the_citizen_told_once(stack: Stack) -> None:
    assert stack.app is not None
    runtime = stack.app.state.runtime
    _, filed = await _file(stack)

    await set_clock(stack, (DUE_AT - dt.timedelta(minutes=1)).isoformat())
    assert await overdue_permit_requests(runtime) == 0
    r = await stack.gateway.post("/v1/admin/clock", json={"advance": 120}, headers=ADMIN)
    assert r.status_code == 200
    assert runtime.clock.now().astimezone(BANGKOK) > DUE_AT
    assert await overdue_permit_requests(runtime) == 1
    assert await overdue_permit_requests(runtime) == 0

    headers = bearer(await login(stack))
    r = await stack.gateway.get(f"/v1/permit-information-requests/{filed['id']}", headers=headers)
    assert r.json()["overdue"] is True
    r = await stack.gateway.get("/v1/notifications", headers=headers)
    told = [n for n in r.json()["items"] if n["kind"] == "permit_request_overdue"]
    assert len(told) == 1


async def test_the_answer_reaches_the_citizen(stack: Stack) -> None:
    _, filed = await _file(stack)
    dlt = await agency_headers(stack, "DLT")
    r = await stack.gateway.post(
        f"/v1/agency/permit-information-requests/{filed['id']}/answer",
        json={"answer": "ใบอนุญาตของอู่ซ่อมรถยังมีผลถึง 31 ธันวาคม 2570", "officer": "officer-3"},
        headers=dlt,
    )
    assert r.status_code == 200, r.text

    headers = bearer(await login(stack))
    r = await stack.gateway.get(f"/v1/permit-information-requests/{filed['id']}", headers=headers)
    assert r.json()["status"] == "answered"
    assert r.json()["answer"] == "ใบอนุญาตของอู่ซ่อมรถยังมีผลถึง 31 ธันวาคม 2570"
    assert r.json()["overdue"] is False
    r = await stack.gateway.get("/v1/notifications", headers=headers)
    told = [n for n in r.json()["items"] if n["kind"] == "permit_request_answered"]
    assert len(told) == 1
