"""R-LFA.2: an incomplete application is flagged at once, with the missing items listed in
writing; extra documents may be requested once per application.

Over HTTP, through the whole stack: the citizen files a driving-licence renewal (three fields to
fill in, one document to upload: the medical certificate) and the DLT back end works it.
"""

from __future__ import annotations

import pytest
from support import (
    PDF,
    Stack,
    act,
    agency_headers,
    assert_problem,
    attach,
    bearer,
    draft,
    filed,
    login,
)

pytestmark = pytest.mark.rule("R-LFA.2")

EN = {"Accept-Language": "en"}
MISSING = [
    ("/body/form/appointment_date", "required"),
    ("/body/form/appointment_period", "required"),
    ("/body/form/contact_phone", "required"),
    ("/documents/medical-certificate", "missing_document"),
]
NEW_CERTIFICATE = {"name_th": "ใบรับรองแพทย์ฉบับใหม่", "name_en": "A new medical certificate"}


async def test_an_incomplete_application_is_refused_at_once_naming_every_missing_item(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers, form={})  # nothing entered, nothing attached
    application_id = application["id"]
    # The draft already says what is missing, before any attempt to submit.
    assert sorted((m["pointer"], m["code"]) for m in application["missing"]) == MISSING

    r = await stack.gateway.post(
        f"/v1/applications/{application_id}/submit", headers={**headers, **EN}
    )
    problem = assert_problem(r, 422, "application_incomplete")
    assert sorted((e["pointer"], e["code"]) for e in problem["errors"]) == MISSING
    assert sorted((m["pointer"], m["code"]) for m in problem["missing"]) == MISSING
    by_pointer = {m["pointer"]: m for m in problem["missing"]}
    document = by_pointer["/documents/medical-certificate"]
    assert document["kind"] == "document"
    assert document["name_th"]
    assert document["name_en"]
    # In writing: the message itself names the missing document.
    assert document["name_en"] in problem["detail"]
    assert {by_pointer[p]["kind"] for p, _ in MISSING[:3]} == {"field"}

    # Nothing was filed: still a draft, no number, no receipt, no message in the inbox.
    r = await stack.gateway.get(f"/v1/applications/{application_id}", headers=headers)
    assert r.status_code == 200
    assert r.json()["status"] == "draft"
    assert r.json()["number"] is None
    assert r.json()["arrived_at"] is None
    r = await stack.gateway.get(f"/v1/applications/{application_id}/receipt", headers=headers)
    assert_problem(r, 404, "receipt_not_found")
    inbox = await stack.gateway.get("/v1/notifications", headers=headers)
    assert inbox.json()["items"] == []


async def test_a_partly_complete_application_is_told_only_what_is_still_missing(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers, form={"appointment_period": "morning"})
    r = await attach(stack, headers, application["id"], "medical-certificate")
    assert r.status_code == 201, r.text

    r = await stack.gateway.post(f"/v1/applications/{application['id']}/submit", headers=headers)
    problem = assert_problem(r, 422, "application_incomplete")
    assert sorted((e["pointer"], e["code"]) for e in problem["errors"]) == [
        ("/body/form/appointment_date", "required"),
        ("/body/form/contact_phone", "required"),
    ]


async def test_more_documents_may_be_requested_only_once(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application_id = (await filed(stack, headers))["application"]["id"]
    dlt = await agency_headers(stack, "DLT")
    r = await act(stack, dlt, application_id, "accept")
    assert r.status_code == 200, r.text

    # A request must say what is needed; an empty one is refused and does not count.
    r = await act(stack, dlt, application_id, "request_info", items=[])
    problem = assert_problem(r, 422, "validation_failed")
    assert [e["pointer"] for e in problem["errors"]] == ["/body/items"]
    r = await stack.gateway.get(f"/v1/agency/applications/{application_id}", headers=dlt)
    assert r.json()["status"] == "in_review"
    assert r.json()["info_requests"] == 0
    assert "request_info" in r.json()["allowed_actions"]

    r = await act(stack, dlt, application_id, "request_info", items=[NEW_CERTIFICATE])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "needs_info"
    assert r.json()["info_requests"] == 1

    # The citizen answers with the new document.
    r = await attach(stack, headers, application_id, "medical-certificate", PDF, "new.pdf")
    assert r.status_code == 201, r.text
    assert r.json()["items"][0]["stage"] == "info_response"
    r = await stack.gateway.post(f"/v1/applications/{application_id}/respond", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_review"

    # A second request is refused, even though the first was answered.
    r = await act(stack, dlt, application_id, "request_info", items=[NEW_CERTIFICATE])
    assert_problem(r, 409, "info_already_requested")
    r = await stack.gateway.get(f"/v1/agency/applications/{application_id}", headers=dlt)
    assert r.json()["status"] == "in_review"
    assert r.json()["info_requests"] == 1
    assert "request_info" not in r.json()["allowed_actions"]
    assert "approve" in r.json()["allowed_actions"]
    inbox = await stack.gateway.get("/v1/notifications", headers=headers)
    assert [n["kind"] for n in inbox.json()["items"]].count("needs_info") == 1
