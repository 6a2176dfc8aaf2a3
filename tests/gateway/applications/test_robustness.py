"""What a busy, careless or hostile client meets: concurrency, retries, odd input, and what
must never be kept in the clear or forever."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from sqlalchemy import select
from support import (
    DLT_FORM,
    DLT_RENEWAL,
    PDF,
    Stack,
    act,
    agency_headers,
    applications_service,
    assert_problem,
    attach,
    bearer,
    draft,
    filed,
    login,
    set_clock,
)

from gateway import audit
from gateway.idempotency import IdempotencyRecord
from gateway.jobs import run_once
from gateway.tracking.overdue import OVERDUE_NOTICE_EVERY

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}


async def test_many_concurrent_requests_do_not_starve_the_connection_pool(stack: Stack) -> None:
    """More simultaneous requests than the pool has connections: each holds one at a time."""
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    url = f"/v1/applications/{application['id']}"
    answers = await asyncio.gather(*(stack.gateway.get(url, headers=headers) for _ in range(40)))
    assert {r.status_code for r in answers} == {200}
    streams = [
        stack.gateway.get(
            "/v1/notifications/stream",
            params={"wait": 1},
            headers={**headers, "Last-Event-ID": "0"},
        )
        for _ in range(20)
    ]
    reads = [stack.gateway.get(url, headers=headers) for _ in range(5)]
    answers = await asyncio.gather(*streams, *reads)
    assert {r.status_code for r in answers} == {200}


async def test_a_double_tapped_submit_files_once_and_answers_both_taps(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    await attach(stack, headers, application["id"], "medical-certificate")
    url = f"/v1/applications/{application['id']}/submit"
    keyed = {**headers, "Idempotency-Key": "double-tap-1"}
    first, second = await asyncio.gather(
        stack.gateway.post(url, headers=keyed), stack.gateway.post(url, headers=keyed)
    )
    assert {first.status_code, second.status_code} <= {201, 409}, (first.text, second.text)
    assert 201 in {first.status_code, second.status_code}
    numbers = {r.json()["application"]["number"] for r in (first, second) if r.status_code == 201}
    assert len(numbers) == 1
    again = await stack.gateway.post(url, headers=keyed)
    assert again.status_code == 201
    assert again.json()["application"]["number"] in numbers


async def test_a_citizen_and_an_agency_acting_at_once_never_get_a_500(stack: Stack) -> None:
    headers = bearer(await login(stack))
    dlt = await agency_headers(stack, "DLT")
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    withdraw, accept = await asyncio.gather(
        stack.gateway.post(f"/v1/applications/{application_id}/withdraw", headers=headers),
        act(stack, dlt, application_id, "accept"),
    )
    assert withdraw.status_code in {200, 409}, withdraw.text
    assert accept.status_code in {200, 409}, accept.text
    shown = (await stack.gateway.get(f"/v1/applications/{application_id}", headers=headers)).json()
    assert shown["status"] in {"withdrawn", "in_review"}


async def test_an_office_can_be_named_and_a_wrong_one_is_refused(stack: Stack) -> None:
    headers = bearer(await login(stack))
    r = await stack.gateway.post(
        "/v1/applications",
        json={"service_id": DLT_RENEWAL, "form": DLT_FORM, "unit_code": "DLT_BKK_AREA1"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["unit_code"] == "DLT_BKK_AREA1"
    wrong = await stack.gateway.patch(
        f"/v1/applications/{r.json()['id']}", json={"unit_code": "SSO_HQ"}, headers=headers
    )
    problem = assert_problem(wrong, 422, "validation_failed")
    assert problem["errors"][0] == {
        "pointer": "/body/unit_code",
        "code": "unknown_unit",
        "message": "Not an office of DLT.",
    }


async def test_a_field_set_to_null_leaves_the_draft(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    r = await stack.gateway.patch(
        f"/v1/applications/{application['id']}",
        json={"form": {"contact_phone": None}},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert "contact_phone" not in r.json()["form"]
    assert "/body/form/contact_phone" in {m["pointer"] for m in r.json()["missing"]}


async def test_stored_replies_to_idempotent_requests_hold_no_personal_data_and_expire(
    stack: Stack,
) -> None:
    headers = {**bearer(await login(stack)), "Idempotency-Key": "draft-with-names"}
    r = await stack.gateway.post(
        "/v1/applications", json={"service_id": DLT_RENEWAL, "form": DLT_FORM}, headers=headers
    )
    assert r.status_code == 201
    assert r.json()["form"]["first_name_th"] == "สมชาย"
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        stored = (await session.scalars(select(IdempotencyRecord))).all()
    text = json.dumps([row.response for row in stored], ensure_ascii=False)
    assert stored
    assert "สมชาย" not in text
    assert "ปทุมวัน" not in text
    # The replay still gives the original answer.
    again = await stack.gateway.post(
        "/v1/applications", json={"service_id": DLT_RENEWAL, "form": DLT_FORM}, headers=headers
    )
    assert again.json()["id"] == r.json()["id"]
    # A day later the record is gone.
    await stack.gateway.post("/v1/admin/clock", json={"advance": 86_401}, headers=ADMIN)
    counts = await run_once(stack.app.state.runtime, stack.app.state.applications)
    assert counts["idempotency records purged"] >= 1
    async with stack.app.state.runtime.sessions() as session:
        assert (await session.scalars(select(IdempotencyRecord))).all() == []


async def test_an_upload_retried_after_submission_gets_its_original_answer(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    keyed = {**headers, "Idempotency-Key": "upload-1"}
    url = f"/v1/applications/{application['id']}/attachments"
    files = {"file": ("certificate.pdf", PDF, "application/pdf")}
    data = {"document": "medical-certificate"}
    first = await stack.gateway.post(url, data=data, files=files, headers=keyed)
    assert first.status_code == 201
    submitted = await stack.gateway.post(
        f"/v1/applications/{application['id']}/submit", headers=headers
    )
    assert submitted.status_code == 201
    retry = await stack.gateway.post(url, data=data, files=files, headers=keyed)
    assert retry.status_code == 201
    assert retry.json() == first.json()
    other = await stack.gateway.post(
        url, data=data, files={"file": ("other.pdf", PDF + b"x", "application/pdf")}, headers=keyed
    )
    assert_problem(other, 409, "idempotency_key_reused")


async def test_typed_reasons_never_enter_the_unerasable_audit_log(stack: Stack) -> None:
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    secret = "because my neighbour Khun Somsri at 12 Soi 5 told me"
    r = await stack.gateway.post(
        f"/v1/applications/{application_id}/withdraw", json={"reason": secret}, headers=headers
    )
    assert r.status_code == 200
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        entries = await audit.entries_about(session, f"application:{application_id}")
    withdrawn = [e for e in entries if e.action == "application.withdraw"]
    assert withdrawn
    assert withdrawn[0].data["reason_given"] is True
    assert secret not in json.dumps([e.data for e in entries])


async def test_the_agency_may_ask_for_a_document_the_manual_does_not_list(stack: Stack) -> None:
    headers = bearer(await login(stack))
    dlt = await agency_headers(stack, "DLT")
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    assert (await act(stack, dlt, application_id, "accept")).status_code == 200
    r = await act(
        stack,
        dlt,
        application_id,
        "request_info",
        items=[{"name_th": "รูปถ่ายหน้าตรง", "name_en": "A front-facing photo", "document": "photo"}],
    )
    assert r.status_code == 200, r.text
    upload = await attach(stack, headers, application_id, "photo", PDF, "photo.pdf")
    assert upload.status_code == 201, upload.text
    assert upload.json()["items"][0]["stage"] == "info_response"
    answered = await stack.gateway.post(
        f"/v1/applications/{application_id}/respond", headers=headers
    )
    assert answered.status_code == 200
    assert answered.json()["timeline"][-1]["data"]["documents"] == ["photo"]


async def test_the_due_date_waits_while_the_agency_waits_for_the_citizen(stack: Stack) -> None:
    """No overdue notice while it is the citizen's turn, and the days waited move the due date
    (LFA s.8 as the project reads it; see docs/api.md)."""
    await set_clock(stack, "2026-11-02T09:00:00+07:00")  # Monday; due Tuesday 16:30
    headers = bearer(await login(stack))
    dlt = await agency_headers(stack, "DLT")
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    due = dt.datetime.fromisoformat(submitted["application"]["due_at"].replace("Z", "+00:00"))
    assert due == dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)
    assert (await act(stack, dlt, application_id, "accept")).status_code == 200
    r = await act(stack, dlt, application_id, "request_info", items=[{"name_th": "ภาพถ่าย"}])
    assert r.status_code == 200
    await set_clock(stack, "2026-11-05T10:00:00+07:00")  # Thursday: past the due date
    async with applications_service(stack) as apps:
        assert await apps.overdue.due(apps.ctx.now - OVERDUE_NOTICE_EVERY) == []
    headers = bearer(await login(stack))
    answered = await stack.gateway.post(
        f"/v1/applications/{application_id}/respond", headers=headers
    )
    assert answered.status_code == 200
    # Waited Tuesday, Wednesday, Thursday: 3 working days after Tuesday is Friday.
    moved = dt.datetime.fromisoformat(answered.json()["due_at"].replace("Z", "+00:00"))
    assert moved == dt.datetime(2026, 11, 6, 9, 30, tzinfo=dt.UTC)
    assert answered.json()["timeline"][-1]["data"]["due_extended_working_days"] == 3
    assert answered.json()["overdue"] is False


async def test_odd_inbox_input_is_refused_cleanly(stack: Stack) -> None:
    headers = bearer(await login(stack))
    r = await stack.gateway.post("/v1/notifications/99999999999999999999999/read", headers=headers)
    assert_problem(r, 422, "validation_failed")
    r = await stack.gateway.get(
        "/v1/notifications/stream",
        params={"wait": 0},
        headers={**headers, "Last-Event-ID": b"\xb2"},
    )
    assert_problem(r, 422, "validation_failed")


async def test_a_huge_json_body_on_the_upload_route_is_cut_off(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    body = json.dumps({"document": "medical-certificate", "wallet_document_id": "x" * 5_000_000})
    r = await stack.gateway.post(
        f"/v1/applications/{application['id']}/attachments",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert_problem(r, 413, "payload_too_large")


async def test_simultaneous_submissions_get_distinct_numbers(stack: Stack) -> None:
    headers = bearer(await login(stack))
    drafts = [await draft(stack, headers) for _ in range(8)]
    for application in drafts:
        r = await attach(stack, headers, application["id"], "medical-certificate")
        assert r.status_code == 201
    answers = await asyncio.gather(
        *(stack.gateway.post(f"/v1/applications/{a['id']}/submit", headers=headers) for a in drafts)
    )
    assert [r.status_code for r in answers] == [201] * 8
    numbers = [r.json()["application"]["number"] for r in answers]
    assert len(set(numbers)) == 8
    assert all(n.startswith("DLT-") for n in numbers)
