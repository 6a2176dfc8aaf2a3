"""The citizen files an application over HTTP and follows it: draft, prefill, attachments,
submission with a receipt, timeline, inbox, withdrawal; and nobody else can see any of it."""

from __future__ import annotations

import hashlib
from typing import Any

import jwt
from support import (
    DLT_FORM,
    DLT_RENEWAL,
    NATTHIDA,
    PNG,
    Stack,
    assert_problem,
    attach,
    bearer,
    draft,
    filed,
    login,
)

from gateway.receipts.digest import AttachmentDigest, submission_digest


async def test_a_draft_is_prefilled_from_the_verified_identity_and_the_registry(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    assert application["status"] == "draft"
    assert application["turn"] == "citizen"
    form = application["form"]
    # names, birth date and address come from the state, not from the citizen.
    assert form["first_name_th"] == "สมชาย"
    assert form["last_name_th"] == "ใจดี"
    assert form["birth_date"] == "1987-01-15"
    assert "ปทุมวัน" in form["registered_address"]
    assert set(application["prefilled_fields"]) == {
        "first_name_th",
        "last_name_th",
        "birth_date",
        "registered_address",
    }
    assert form["appointment_period"] == "morning"
    missing = {(m["kind"], m["pointer"]) for m in application["missing"]}
    assert missing == {("document", "/documents/medical-certificate")}


async def test_a_prefilled_field_cannot_be_overridden(stack: Stack) -> None:
    headers = bearer(await login(stack))
    r = await stack.gateway.post(
        "/v1/applications",
        json={"service_id": DLT_RENEWAL, "form": {**DLT_FORM, "first_name_th": "คนอื่น"}},
        headers=headers,
    )
    problem = assert_problem(r, 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
        ("/body/form/first_name_th", "prefilled_field")
    ]


async def test_a_draft_is_checked_field_by_field(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers, form={})
    r = await stack.gateway.patch(
        f"/v1/applications/{application['id']}",
        json={"form": {"contact_phone": "12", "appointment_period": "night", "extra": 1}},
        headers=headers,
    )
    problem = assert_problem(r, 422, "validation_failed")
    found = {(e["pointer"], e["code"]) for e in problem["errors"]}
    assert found == {
        ("/body/form/contact_phone", "pattern"),
        ("/body/form/appointment_period", "enum"),
        ("/body/form/extra", "unknown_field"),
    }
    # A partial draft is fine: only what was given is checked.
    r = await stack.gateway.patch(
        f"/v1/applications/{application['id']}",
        json={"form": {"contact_phone": "0812345678"}},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    missing = {m["pointer"] for m in r.json()["missing"]}
    assert "/body/form/appointment_date" in missing
    assert "/body/form/contact_phone" not in missing


async def test_submit_gives_a_signed_timestamped_receipt_and_starts_the_timeline(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application, receipt = submitted["application"], submitted["receipt"]
    assert application["status"] == "submitted"
    assert application["turn"] == "agency"
    assert application["number"].startswith("DLT-25")
    assert application["arrived_at"] is not None
    assert application["deemed_received_at"] is not None
    assert application["due_at"] is not None
    assert [e["kind"] for e in application["timeline"]] == ["created", "submit"]

    # The JWS verifies against the published JWKS.
    jwks = (await stack.gateway.get("/oauth/jwks")).json()
    header = jwt.get_unverified_header(receipt["jws"])
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        receipt["jws"], jwt.PyJWK(key).key, algorithms=["ES256"], options={"verify_aud": False}
    )
    assert claims["number"] == application["number"]
    assert claims["agency"]["code"] == "DLT"
    assert claims["arrived_at"].startswith(application["arrived_at"][:19])
    # The digest covers the form and every attachment's digest, and can be recomputed.
    digests = [AttachmentDigest(a["document"], a["sha256"]) for a in application["attachments"]]
    assert claims["content_digest"]["value"] == submission_digest(
        service_id=DLT_RENEWAL, form=application["form"], attachments=digests
    )
    assert receipt["timestamp_token"]

    # The receipt can be fetched again, unchanged.
    again = await stack.gateway.get(
        f"/v1/applications/{application['id']}/receipt", headers=headers
    )
    assert again.status_code == 200
    assert again.json()["jws"] == receipt["jws"]


async def test_the_inbox_hears_of_the_submission(stack: Stack) -> None:
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    inbox = await stack.gateway.get("/v1/notifications", headers=headers)
    assert inbox.status_code == 200
    items = inbox.json()["items"]
    assert items[0]["kind"] == "submitted"
    assert items[0]["application_id"] == submitted["application"]["id"]
    assert submitted["application"]["number"] in items[0]["title"]
    assert inbox.json()["unread"] >= 1


async def test_an_executable_renamed_pdf_is_refused_and_a_png_renamed_pdf_is_kept_as_png(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    elf = b"\x7fELF\x02\x01\x01" + bytes(100)
    r = await attach(stack, headers, application["id"], "medical-certificate", elf, "cert.pdf")
    assert_problem(r, 415, "unsupported_media_type")
    r = await attach(stack, headers, application["id"], "medical-certificate", PNG, "cert.pdf")
    assert r.status_code == 201, r.text
    stored = r.json()["items"][0]
    assert stored["media_type"] == "image/png"
    assert stored["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert stored["filename"].endswith(".png")
    download = await stack.gateway.get(
        f"/v1/applications/{application['id']}/attachments/{stored['id']}", headers=headers
    )
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"


async def test_an_upload_the_portal_fetches_itself_is_refused(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    r = await attach(stack, headers, application["id"], "id-card")
    problem = assert_problem(r, 422, "validation_failed")
    assert problem["errors"][0]["code"] == "fetched_by_portal"


async def test_withdraw_while_open_then_nothing_more(stack: Stack) -> None:
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    r = await stack.gateway.post(
        f"/v1/applications/{application_id}/withdraw",
        json={"reason": "changed my mind"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn"
    assert r.json()["turn"] == "none"
    again = await stack.gateway.post(f"/v1/applications/{application_id}/withdraw", headers=headers)
    assert_problem(again, 409, "application_closed")


async def test_another_citizen_sees_none_of_it(stack: Stack) -> None:
    owner = bearer(await login(stack))
    submitted = await filed(stack, owner)
    application = submitted["application"]
    attachment = application["attachments"][0]["id"]
    other = bearer(await login(stack, person=NATTHIDA))
    base = f"/v1/applications/{application['id']}"
    for path in (base, f"{base}/receipt", f"{base}/attachments/{attachment}"):
        r = await stack.gateway.get(path, headers=other)
        assert_problem(r, 404, "application_not_found")
    for path in (f"{base}/withdraw", f"{base}/submit"):
        r = await stack.gateway.post(path, headers=other)
        assert r.status_code == 404
    mine = await stack.gateway.get("/v1/applications", headers=other)
    assert mine.json()["items"] == []
    inbox = await stack.gateway.get("/v1/notifications", headers=other)
    assert all(n["application_id"] != application["id"] for n in inbox.json()["items"])
    # Without a token there is nothing at all.
    r = await stack.gateway.get(base)
    assert r.status_code == 401


async def test_the_list_pages_with_a_cursor(stack: Stack) -> None:
    headers = bearer(await login(stack))
    ids = [(await draft(stack, headers))["id"] for _ in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await stack.gateway.get("/v1/applications", params=params, headers=headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))  # newest first, each once
