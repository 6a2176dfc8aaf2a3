"""Attachments through the gateway: caps that cut a huge upload off early, wallet references,
and the per-application allowance."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import select
from support import (
    JPEG,
    NATTHIDA,
    PDF,
    Stack,
    applications_service,
    assert_problem,
    attach,
    bearer,
    draft,
    filed,
    login,
)

from gateway.config import Settings
from identity.verification.models import Citizen

BOUNDARY = "citizen-gateway-test-boundary"
GIB = 1024**3


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def test_a_1_gib_upload_is_cut_off_at_the_cap_without_filling_the_disk(
    stack: Stack, seeded: Settings
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    before = _files(seeded.storage_dir)
    produced = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal produced
        head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        yield head + b"%PDF-1.7\n"
        chunk = b"0" * (1024 * 1024)
        while produced < GIB:
            produced += len(chunk)
            yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    r = await stack.gateway.post(
        f"/v1/applications/{application['id']}/attachments",
        params={"document": "medical-certificate"},
        content=body(),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    problem = assert_problem(r, 413, "attachment_too_large")
    assert problem["status"] == 413
    # Reading stopped near the 10 MiB per-file cap: far from the gigabyte that was offered.
    assert produced < 64 * 1024 * 1024
    assert _files(seeded.storage_dir) == before
    shown = await stack.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    assert shown.json()["attachments"] == []


async def test_the_application_allowance_counts_every_file(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    assert stack.app is not None
    limits = stack.app.state.applications.limits
    big = b"%PDF-1.7\n" + b"0" * (limits.max_attachment_bytes - 100)
    uploaded = 0
    while uploaded + len(big) <= limits.max_application_bytes:
        r = await attach(stack, headers, application["id"], "medical-certificate", big, "page.pdf")
        assert r.status_code == 201, r.text
        uploaded += len(big)
    r = await attach(stack, headers, application["id"], "medical-certificate", big, "page.pdf")
    assert_problem(r, 413, "application_too_large")
    shown = await stack.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    assert sum(a["size"] for a in shown.json()["attachments"]) == uploaded


async def test_a_draft_attachment_can_be_removed_and_its_bytes_go(
    stack: Stack, seeded: Settings
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    before = _files(seeded.storage_dir)
    r = await attach(stack, headers, application["id"], "medical-certificate", JPEG, "photo.jpg")
    assert r.status_code == 201
    attachment = r.json()["items"][0]
    assert attachment["media_type"] == "image/jpeg"
    assert len(_files(seeded.storage_dir) - before) == 1
    gone = await stack.gateway.delete(
        f"/v1/applications/{application['id']}/attachments/{attachment['id']}", headers=headers
    )
    assert gone.status_code == 204
    assert _files(seeded.storage_dir) == before
    shown = await stack.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    assert shown.json()["missing"][0]["pointer"] == "/documents/medical-certificate"


async def test_a_wallet_document_is_attached_by_reference(stack: Stack) -> None:
    """R-12.1: what the state already issued to the citizen is picked, not uploaded again."""
    headers = bearer(await login(stack))
    me = (await stack.gateway.get("/v1/me", headers=headers)).json()
    assert stack.app is not None
    store = stack.app.state.applications.store

    async def pdf() -> AsyncIterator[bytes]:
        yield PDF

    blob = await store.put("wallet/test-medical-certificate", pdf(), max_bytes=1024)
    async with applications_service(stack) as apps:
        citizen = (
            await apps.ctx.session.scalars(select(Citizen).where(Citizen.subject == me["subject"]))
        ).one()
        document = apps.ctx.wallet.add(
            citizen.id,
            kind="medical-certificate",
            title_th="ใบรับรองแพทย์",
            title_en="Medical certificate",
            issuer_agency="DMS",
            blob=blob,
            issued_at=apps.ctx.now,
        )
        await apps.uow.commit()

    wallet = await stack.gateway.get("/v1/documents", headers=headers)
    assert [d["id"] for d in wallet.json()["items"]] == [document.id]

    application = await draft(stack, headers)
    r = await stack.gateway.post(
        f"/v1/applications/{application['id']}/attachments",
        json={"document": "medical-certificate", "wallet_document_id": document.id},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    item = r.json()["items"][0]
    assert item["source"] == "wallet"
    assert item["sha256"] == hashlib.sha256(PDF).hexdigest()
    download = await stack.gateway.get(
        f"/v1/applications/{application['id']}/attachments/{item['id']}", headers=headers
    )
    assert download.content == PDF
    submitted = await stack.gateway.post(
        f"/v1/applications/{application['id']}/submit", headers=headers
    )
    assert submitted.status_code == 201, submitted.text

    # Someone else's wallet document cannot be attached.
    other = bearer(await login(stack, person=NATTHIDA))
    theirs = await draft(stack, other)
    r = await stack.gateway.post(
        f"/v1/applications/{theirs['id']}/attachments",
        json={"document": "medical-certificate", "wallet_document_id": document.id},
        headers=other,
    )
    assert_problem(r, 404, "wallet_document_not_found")


async def test_attachments_are_frozen_once_submitted(stack: Stack) -> None:
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    r = await attach(stack, headers, application_id, "medical-certificate")
    assert_problem(r, 409, "invalid_transition")
    attachment = submitted["application"]["attachments"][0]["id"]
    r = await stack.gateway.delete(
        f"/v1/applications/{application_id}/attachments/{attachment}", headers=headers
    )
    assert_problem(r, 409, "not_a_draft")


async def test_a_replayed_upload_keeps_no_second_copy_of_the_bytes(
    stack: Stack, seeded: Settings
) -> None:
    """A retry with the same Idempotency-Key gets the first answer; the bytes it brought again
    are not kept (only the first upload's are referenced)."""
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    keyed = {**headers, "Idempotency-Key": "upload-twice"}
    before = _files(seeded.storage_dir)
    first = await attach(stack, keyed, application["id"], "medical-certificate", JPEG, "a.jpg")
    assert first.status_code == 201, first.text
    assert len(_files(seeded.storage_dir) - before) == 1
    again = await attach(stack, keyed, application["id"], "medical-certificate", JPEG, "a.jpg")
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert len(_files(seeded.storage_dir) - before) == 1
