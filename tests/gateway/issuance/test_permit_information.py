"""Requests for permit information (R-21.1): the citizen files at
`/v1/permit-information-requests`, the agency answers at
`/v1/agency/permit-information-requests/{id}/answer`; due at the close of the 3rd working day
after receipt on the agency's calendar, flagged overdue after that, the citizen told in the
inbox of the answer and (once) of the delay.

On the simulated clock: DLT works Monday to Friday, 08:30-16:30 Bangkok time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from support import NATTHIDA, Stack, agency_headers, assert_problem, bearer, login, set_clock

from gateway.clock import SimulationClock
from gateway.documents.models import PermitInformationRequest
from gateway.jobs import overdue_permit_requests
from payments.models import PaymentDemand

ICT = dt.timezone(dt.timedelta(hours=7))
FILED_AT = "2026-11-05T10:00:00+07:00"  # a Thursday
# Friday 6, Monday 9, Tuesday 10 November: the 3rd working day, closing at 16:30.
DUE_AT = dt.datetime(2026, 11, 10, 16, 30, tzinfo=ICT)
ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
QUESTION = "ใบอนุญาตเลขที่ DLT2569-0000001 ของร้านข้างบ้านยังมีผลอยู่หรือไม่"


@pytest.fixture(autouse=True)
async def real_time_afterwards(stack: Stack) -> AsyncIterator[None]:
    """The simulated clock lives in the shared database: put it back for the next tests."""
    yield
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session, session.begin():
        await session.execute(delete(SimulationClock))


async def citizen(stack: Stack, **person: Any) -> dict[str, str]:
    return bearer(await login(stack, **person))


async def file(stack: Stack, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    r = await stack.gateway.post(
        "/v1/permit-information-requests",
        json={"agency": "DLT", "permit_number": "DLT2569-0000001", "question": QUESTION, **body},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    filed: dict[str, Any] = r.json()
    return filed


async def mine(stack: Stack, headers: dict[str, str], request_id: str) -> dict[str, Any]:
    r = await stack.gateway.get(f"/v1/permit-information-requests/{request_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def inbox(stack: Stack, headers: dict[str, str], kind: str) -> list[dict[str, Any]]:
    r = await stack.gateway.get("/v1/notifications", headers={**headers, "Accept-Language": "en"})
    assert r.status_code == 200, r.text
    return [n for n in r.json()["items"] if n["kind"] == kind]


async def advance(stack: Stack, seconds: float) -> None:
    r = await stack.gateway.post("/v1/admin/clock", json={"advance": seconds}, headers=ADMIN)
    assert r.status_code == 200, r.text


async def test_filing_is_free_and_due_in_three_working_days(stack: Stack) -> None:
    """R-21.1: filed on a Thursday morning, due at the close of the following Tuesday (the
    weekend does not count); numbered, open, not overdue; no fee is asked."""
    await set_clock(stack, FILED_AT)
    headers = await citizen(stack)

    filed = await file(stack, headers)

    assert re.fullmatch(r"PIR-2569-[0-9A-HJKMNP-TV-Z]{8}", filed["number"])
    assert filed["status"] == "open"
    assert filed["overdue"] is False
    assert filed["agency"] == "DLT"
    assert filed["permit_number"] == "DLT2569-0000001"
    assert filed["question"] == QUESTION
    assert filed["answer"] is None
    assert dt.datetime.fromisoformat(filed["due_at"]) == DUE_AT
    assert "fee" not in str(filed).lower()
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PaymentDemand)) == 0


async def test_question_filed_out_of_hours_counts_from_the_next_working_period(
    stack: Stack,
) -> None:
    """Received on Monday 08:30 when sent on Saturday: due Thursday at 16:30."""
    await set_clock(stack, "2026-11-07T20:00:00+07:00")  # Saturday evening
    filed = await file(stack, await citizen(stack))
    assert dt.datetime.fromisoformat(filed["due_at"]) == dt.datetime(
        2026, 11, 12, 16, 30, tzinfo=ICT
    )


async def test_idempotent_filing_and_own_requests_only(stack: Stack) -> None:
    headers = await citizen(stack)
    keyed = {**headers, "Idempotency-Key": "pir-once-1"}
    first = await file(stack, keyed)
    again = await stack.gateway.post(
        "/v1/permit-information-requests",
        json={"agency": "DLT", "permit_number": "DLT2569-0000001", "question": QUESTION},
        headers=keyed,
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first["id"]
    second = await file(stack, headers, permit_number=None, question="ขอข้อมูลใบอนุญาตอีกฉบับ")

    r = await stack.gateway.get("/v1/permit-information-requests", headers=headers)
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == [second["id"], first["id"]]
    page = await stack.gateway.get(
        "/v1/permit-information-requests", params={"limit": 1}, headers=headers
    )
    rest = await stack.gateway.get(
        "/v1/permit-information-requests",
        params={"limit": 1, "cursor": page.json()["next_cursor"]},
        headers=headers,
    )
    assert [i["id"] for i in rest.json()["items"]] == [first["id"]]
    assert rest.json()["next_cursor"] is None

    other = await citizen(stack, person=NATTHIDA)
    r = await stack.gateway.get(f"/v1/permit-information-requests/{first['id']}", headers=other)
    assert_problem(r, 404, "permit_request_not_found")
    r = await stack.gateway.get("/v1/permit-information-requests", headers=other)
    assert r.json()["items"] == []
    r = await stack.gateway.get("/v1/permit-information-requests")
    assert r.status_code == 401


async def test_bad_requests_are_refused(stack: Stack) -> None:
    headers = await citizen(stack)
    r = await stack.gateway.post(
        "/v1/permit-information-requests",
        json={"agency": "NOPE", "question": "?"},
        headers=headers,
    )
    assert_problem(r, 404, "agency_not_found")
    for question in ("", "ก" * 2001):
        r = await stack.gateway.post(
            "/v1/permit-information-requests",
            json={"agency": "DLT", "question": question},
            headers=headers,
        )
        body = assert_problem(r, 422, "validation_failed")
        assert body["errors"][0]["pointer"] == "/body/question"
    assert (await file(stack, headers, question="ก" * 2000))["status"] == "open"


async def test_question_and_answer_are_encrypted_at_rest(stack: Stack) -> None:
    headers = await citizen(stack)
    filed = await file(stack, headers)
    dlt = await agency_headers(stack, "DLT")
    r = await stack.gateway.post(
        f"/v1/agency/permit-information-requests/{filed['id']}/answer",
        json={"answer": "ใบอนุญาตนี้ยังมีผลถึงปี 2570", "officer": "officer-7"},
        headers=dlt,
    )
    assert r.status_code == 200, r.text
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        row = await session.get(PermitInformationRequest, filed["id"])
    assert row is not None
    assert row.answer_enc is not None
    assert "ใบอนุญาตเลขที่" not in row.question_enc
    assert "2570" not in row.answer_enc


async def test_the_agency_answers_once_and_the_citizen_is_told(stack: Stack) -> None:
    """R-21.1 with R-11.1: the agency sees its own open requests (never who asked), answers
    once; a second answer is refused; the citizen reads the answer and is told in the inbox."""
    headers = await citizen(stack)
    filed = await file(stack, headers)
    dlt, dop = await agency_headers(stack, "DLT"), await agency_headers(stack, "DOP")

    r = await stack.gateway.get(
        "/v1/agency/permit-information-requests", params={"status": "open"}, headers=dlt
    )
    assert r.status_code == 200, r.text
    (listed,) = r.json()["items"]
    assert listed["id"] == filed["id"]
    assert listed["question"] == QUESTION
    assert listed["overdue"] is False
    assert listed["answered_by"] is None
    assert "citizen" not in str(listed).lower()
    r = await stack.gateway.get("/v1/agency/permit-information-requests", headers=dop)
    assert r.json()["items"] == []
    answer = {"answer": "ใบอนุญาตนี้ยังมีผลถึงปี 2570", "officer": "officer-7"}
    path = f"/v1/agency/permit-information-requests/{filed['id']}/answer"
    assert_problem(
        await stack.gateway.post(path, json=answer, headers=dop), 404, "permit_request_not_found"
    )

    r = await stack.gateway.post(path, json=answer, headers=dlt)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered"
    assert r.json()["answered_by"].endswith("/officer-7")

    again = await stack.gateway.post(path, json={**answer, "answer": "อีกครั้ง"}, headers=dlt)
    assert_problem(again, 409, "permit_request_answered")

    seen = await mine(stack, headers, filed["id"])
    assert seen["status"] == "answered"
    assert seen["answer"] == answer["answer"]
    assert seen["answered_at"] is not None
    assert "answered_by" not in seen
    told = await inbox(stack, headers, "permit_request_answered")
    assert len(told) == 1
    assert filed["number"] in told[0]["title"]
    assert answer["answer"] not in str(told)  # the inbox points to the answer, never holds it
    r = await stack.gateway.get(
        "/v1/agency/permit-information-requests", params={"status": "open"}, headers=dlt
    )
    assert r.json()["items"] == []


async def test_overdue_is_flagged_and_told_once(stack: Stack) -> None:
    """R-21.1: past its due time an open request shows `overdue` to both sides and the
    citizen is told once, however often the job runs; an answer ends the overdue flag."""
    assert stack.app is not None
    runtime = stack.app.state.runtime
    await set_clock(stack, FILED_AT)
    headers = await citizen(stack)
    filed = await file(stack, headers)

    await set_clock(stack, "2026-11-10T16:29:00+07:00")  # a minute before it is due
    assert await overdue_permit_requests(runtime) == 0
    headers = await citizen(stack)
    assert (await mine(stack, headers, filed["id"]))["overdue"] is False

    await advance(stack, 2 * 60)
    assert await overdue_permit_requests(runtime) == 1
    assert await overdue_permit_requests(runtime) == 0
    assert (await mine(stack, headers, filed["id"]))["overdue"] is True
    dlt = await agency_headers(stack, "DLT")
    r = await stack.gateway.get("/v1/agency/permit-information-requests", headers=dlt)
    assert [i["overdue"] for i in r.json()["items"]] == [True]
    told = await inbox(stack, headers, "permit_request_overdue")
    assert len(told) == 1
    assert filed["number"] in told[0]["title"]

    r = await stack.gateway.post(
        f"/v1/agency/permit-information-requests/{filed['id']}/answer",
        json={"answer": "ตอบล่าช้า ขออภัย", "officer": "officer-7"},
        headers=dlt,
    )
    assert r.status_code == 200, r.text
    assert (await mine(stack, headers, filed["id"]))["overdue"] is False
    await advance(stack, 7 * 24 * 3600)
    assert await overdue_permit_requests(runtime) == 0
