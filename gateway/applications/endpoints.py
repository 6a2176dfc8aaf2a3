"""The citizen's side of "submit" and "track": `/v1/applications`, the inbox and the wallet list.

Every endpoint is thin: parse, call the service, commit the request's one transaction, answer.
A citizen only ever reaches their own applications; anyone else's id answers 404.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from gateway.applications.lifecycle import ActorKind
from gateway.applications.repository import ApplicationRepository
from gateway.applications.schemas import (
    ApplicationOut,
    ApplicationPage,
    AttachmentOut,
    DraftIn,
    DraftPatch,
    NotificationOut,
    NotificationPage,
    ReceiptOut,
    RespondIn,
    SubmitIn,
    SubmitOut,
    WalletAttachIn,
    WalletDocumentOut,
    WalletPage,
    WithdrawIn,
    after_position,
    position_of,
    summary_page,
)
from gateway.applications.service import (
    Actor,
    ApplicationService,
    ApplicationsRuntime,
)
from gateway.applications.state_data import fetch_once_only, prefill_facts
from gateway.applications.transfer import copy_attachments, discard
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.deps import LangDep, RuntimeDep, SessionDep
from gateway.http import PersonalDataRoute, parse_body, read_capped
from gateway.idempotency import HEADER, Idempotency, check_key, fingerprint
from gateway.storage.uploads import receive_multipart
from identity.login import CitizenDep
from kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    ValidationFailed,
)

router = APIRouter(prefix="/v1", tags=["applications"], route_class=PersonalDataRoute)
T = TypeVar("T")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="1-255 visible ASCII characters; the same key and body replay the "
        "original response for 24 hours, a different body answers 409.",
    ),
]


async def get_applications_runtime(request: Request) -> ApplicationsRuntime:
    runtime: ApplicationsRuntime = request.app.state.applications
    return runtime


AppsRuntimeDep = Annotated[ApplicationsRuntime, Depends(get_applications_runtime)]


async def get_service(
    session: SessionDep, runtime: RuntimeDep, apps: AppsRuntimeDep
) -> ApplicationService:
    return ApplicationService(
        ApplicationRepository(session),
        CatalogService(CatalogRepository(session), runtime.cursors),
        apps,
        runtime.clock.now(),
    )


ServiceDep = Annotated[ApplicationService, Depends(get_service)]


def application_body(
    service: ApplicationService, view: Any, lang: str, viewer: ActorKind
) -> dict[str, Any]:
    return ApplicationOut.of(view, lang, service.now, viewer).model_dump(mode="json")


async def _commit_once(
    service: ApplicationService,
    owner: str,
    key: str | None,
    scope: str,
    request_body: Any,
    run: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> JSONResponse:
    """Run a creating write under its Idempotency-Key and commit it with the key's record."""
    session = service.repository.session
    idempotency = Idempotency(session, owner, service.now, service.runtime.vault)
    request_hash = fingerprint(scope, request_body)
    if key is not None:
        replay = await idempotency.replay(key, scope, request_hash)
        if replay is not None:
            return JSONResponse(
                replay.body, replay.status_code, headers={"Idempotent-Replayed": "true"}
            )
    try:
        status_code, body = await run()
        if key is not None:
            idempotency.remember(key, scope, request_hash, status_code, body)
        await session.commit()
    except (IntegrityError, StaleDataError) as exc:
        # Another request changed the same thing first (often: the same key, sent twice).
        await session.rollback()
        if key is not None:
            replay = await idempotency.replay(key, scope, request_hash)
            if replay is not None:
                return JSONResponse(
                    replay.body, replay.status_code, headers={"Idempotent-Replayed": "true"}
                )
        raise _concurrent_change() from exc
    return JSONResponse(body, status_code)


# --- applications -------------------------------------------------------------------------


@router.post("/applications", status_code=201, response_model=ApplicationOut)
async def create_application(
    request: Request,
    body: DraftIn,
    login: CitizenDep,
    service: ServiceDep,
    apps: AppsRuntimeDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Start a draft for an e-service. Data the state already holds (names, birth date,
    address) is prefilled from the verified identity and the civil registry (R-12.1)."""
    key = check_key(idempotency_key)
    citizen = login.citizen

    async def run() -> tuple[int, dict[str, Any]]:
        facts = await prefill_facts(service, apps, citizen, body.service_id)
        fetched = await fetch_once_only(
            request.app.state.connectors, service, apps, citizen, body.service_id
        )
        application = await service.create_draft(
            citizen,
            body.service_id,
            entered=body.form,
            facts=facts,
            unit_code=body.unit_code,
            fetched=fetched,
        )
        await service.repository.flush()
        view = await service.view(application)
        return 201, application_body(service, view, lang, ActorKind.CITIZEN)

    return await _commit_once(
        service, citizen.id, key, "POST /v1/applications", body.model_dump(mode="json"), run
    )


@router.get("/applications", response_model=ApplicationPage)
async def list_applications(
    login: CitizenDep,
    service: ServiceDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ApplicationPage:
    """The citizen's own applications, newest first."""
    fingerprint_ = f"applications:{login.citizen.id}"
    after = after_position(runtime.cursors.decode(cursor, fingerprint_)) if cursor else None
    rows = await service.repository.of_citizen(login.citizen.id, limit=limit + 1, after=after)
    page = rows[:limit]
    more = len(rows) > limit
    return summary_page(
        page, runtime.cursors.encode(fingerprint_, position_of(page[-1])) if more else None
    )


@router.get("/applications/{application_id}", response_model=ApplicationOut)
async def get_application(
    application_id: str, login: CitizenDep, service: ServiceDep, lang: LangDep
) -> dict[str, Any]:
    """Status, whose turn it is, the due date, what is still missing and the timeline."""
    application = await service.owned(login.citizen, application_id)
    return application_body(service, await service.view(application), lang, ActorKind.CITIZEN)


@router.patch("/applications/{application_id}", response_model=ApplicationOut)
async def update_application(
    application_id: str,
    body: DraftPatch,
    login: CitizenDep,
    service: ServiceDep,
    lang: LangDep,
) -> dict[str, Any]:
    """Change a draft's form fields (validated field by field) or its office."""
    application = await commit_change(
        service,
        service.update_draft(
            login.citizen,
            application_id,
            entered=body.form,
            unit_code=body.unit_code,
            unit_given="unit_code" in body.model_fields_set,
        ),
    )
    return application_body(service, await service.view(application), lang, ActorKind.CITIZEN)


@router.delete("/applications/{application_id}", status_code=204)
async def delete_application(
    application_id: str, login: CitizenDep, service: ServiceDep, apps: AppsRuntimeDep
) -> Response:
    """Discard a draft (a filed application is withdrawn instead, and kept)."""
    keys = await commit_change(service, service.delete_draft(login.citizen, application_id))
    for key in keys:
        await apps.store.delete(key)
    return Response(status_code=204)


@router.post(
    "/applications/{application_id}/attachments",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "document": {"type": "string"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                },
                "application/json": {"schema": WalletAttachIn.model_json_schema()},
            }
        }
    },
)
async def add_attachment(
    request: Request,
    application_id: str,
    login: CitizenDep,
    service: ServiceDep,
    apps: AppsRuntimeDep,
    document: Annotated[str | None, Query(max_length=40)] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Attach scans or photos (multipart: `document` = the manual's document key, `file` one
    or more files), or a document from the wallet by reference (JSON). The type is decided by
    the content (PDF, JPEG, PNG); copies need no signature or certification (R-7.2), and one
    set is enough (R-7.3)."""
    key = check_key(idempotency_key)
    citizen = login.citizen
    scope = f"POST /v1/applications/{application_id}/attachments"
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "application/json":
        body = parse_body(WalletAttachIn, await read_capped(request, apps.json_body_limit))

        async def run_wallet() -> tuple[int, dict[str, Any]]:
            row = await service.attach_from_wallet(
                citizen, application_id, body.document, body.wallet_document_id
            )
            await service.repository.flush()
            return 201, {"items": [AttachmentOut.of(row).model_dump(mode="json")]}

        return await _commit_once(
            service, citizen.id, key, scope, body.model_dump(mode="json"), run_wallet
        )

    idempotency = Idempotency(
        service.repository.session, citizen.id, service.now, service.runtime.vault
    )
    if key is not None and await idempotency.exists(key, scope):
        # A retry of an upload that was stored: its answer is replayed below (or 409 for a
        # different body), whatever the application's allowance or state is now.
        room, files = apps.limits.max_application_bytes, apps.limits.max_attachments
    else:
        room, files = await service.upload_allowance(citizen, application_id)
    # No transaction stays open while the body streams in.
    await service.repository.session.rollback()
    upload = await receive_multipart(
        request,
        store=apps.store,
        new_key=lambda: f"attachments/{uuid.uuid4()}",
        max_file_bytes=apps.limits.max_attachment_bytes,
        max_total_bytes=room,
        max_files=files,
    )
    stored = [f.blob.key for f in upload.files]
    try:
        document_key = document or upload.fields.get("document")
        if not document_key:
            raise ValidationFailed(
                "Name the document these files are for.",
                errors=[FieldError("/query/document", "required", "The manual's document key.")],
            )
        if not upload.files:
            raise ValidationFailed(
                "No file was sent.",
                errors=[FieldError("/body/file", "required", "Send at least one file.")],
            )
        request_body = {
            "document": document_key,
            "files": [[f.filename, f.blob.sha256] for f in upload.files],
        }

        async def run_upload() -> tuple[int, dict[str, Any]]:
            rows = await service.add_uploads(
                citizen,
                application_id,
                document_key,
                [(f.download_name, f.blob) for f in upload.files],
            )
            await service.repository.flush()
            return 201, {"items": [AttachmentOut.of(r).model_dump(mode="json") for r in rows]}

        response = await _commit_once(service, citizen.id, key, scope, request_body, run_upload)
        if response.headers.get("Idempotent-Replayed"):
            raise _Replayed(response)
        return response
    except _Replayed as replayed:
        await _delete_all(apps, stored)
        return replayed.response
    except BaseException:
        await service.repository.session.rollback()
        await _delete_all(apps, stored)
        raise


class _Replayed(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


async def _delete_all(apps: ApplicationsRuntime, keys: list[str]) -> None:
    for blob_key in keys:
        await apps.store.delete(blob_key)


@router.get("/applications/{application_id}/attachments/{attachment_id}")
async def get_attachment(
    application_id: str,
    attachment_id: str,
    login: CitizenDep,
    service: ServiceDep,
    apps: AppsRuntimeDep,
) -> StreamingResponse:
    """An attachment's bytes, as stored (only the owner's)."""
    application = await service.owned(login.citizen, application_id)
    row = await service.attachment_of(application, attachment_id)
    return await stream_attachment(service, apps, row)


async def stream_attachment(
    service: ApplicationService, apps: ApplicationsRuntime, row: Any
) -> StreamingResponse:
    blob_key = await service.wallet_blob_key(row)
    headers = {
        "Content-Length": str(row.size),
        # RFC 9530: the digest of the stored bytes, for the client to check.
        "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(row.sha256)).decode()}:",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "attachment; filename*=UTF-8''" + _quote(row.filename),
    }
    media_type = row.media_type
    # The database is not held while the bytes stream out.
    await service.repository.session.rollback()
    return StreamingResponse(apps.store.open(blob_key), media_type=media_type, headers=headers)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.delete("/applications/{application_id}/attachments/{attachment_id}", status_code=204)
async def delete_attachment(
    application_id: str,
    attachment_id: str,
    login: CitizenDep,
    service: ServiceDep,
    apps: AppsRuntimeDep,
) -> Response:
    blob_key = await commit_change(
        service, service.remove_attachment(login.citizen, application_id, attachment_id)
    )
    if blob_key is not None:
        await apps.store.delete(blob_key)
    return Response(status_code=204)


@router.post(
    "/applications/{application_id}/submit",
    status_code=201,
    response_model=SubmitOut,
    responses={422: {"description": "incomplete: `errors[]` lists every missing item"}},
)
async def submit_application(
    application_id: str,
    login: CitizenDep,
    service: ServiceDep,
    lang: LangDep,
    body: SubmitIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """File the application and get the legal receipt at once (R-10.4): number, actual
    arrival, deemed receipt time (R-10.1-10.3), agency, SHA-256 digest of the content, signed
    by the gateway and carrying an RFC 3161 timestamp token."""
    key = check_key(idempotency_key)
    body = body or SubmitIn()
    citizen = login.citizen

    async def run() -> tuple[int, dict[str, Any]]:
        application, receipt = await service.submit(citizen, application_id, delivery=body.delivery)
        await service.repository.flush()
        view = await service.view(application)
        return 201, {
            "application": application_body(service, view, lang, ActorKind.CITIZEN),
            "receipt": ReceiptOut.of(receipt).model_dump(mode="json"),
        }

    return await _commit_once(
        service,
        citizen.id,
        key,
        f"POST /v1/applications/{application_id}/submit",
        body.model_dump(mode="json"),
        run,
    )


class ResubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # None: the service of the responsible agency the catalog maps this one to.
    service_id: str | None = Field(default=None, min_length=1, max_length=80)
    delivery: Literal["electronic", "paper"] = "electronic"


@router.post("/applications/{application_id}/resubmit", status_code=201)
async def resubmit_application(
    request: Request,
    application_id: str,
    body: ResubmitIn,
    login: CitizenDep,
    service: ServiceDep,
    apps: AppsRuntimeDep,
    lang: LangDep,
) -> dict[str, Any]:
    """R-10.6, one step: file a redirected application again at the agency that is responsible
    (`service_id`: one of its services; by default the one the catalog maps this service to).
    What the citizen entered and attached goes along; the new application is filed at once when
    complete (its own receipt time), or stays a draft listing what the new service still
    needs."""
    citizen = login.citizen
    original, target = await service.resubmission_target(citizen, application_id, body.service_id)
    facts = await prefill_facts(service, apps, citizen, target.id)
    fetched = await fetch_once_only(request.app.state.connectors, service, apps, citizen, target.id)
    new = await service.carry_over(
        citizen,
        original,
        target,
        facts=facts,
        fetched=fetched,
        actor=Actor(ActorKind.CITIZEN, citizen.subject),
    )
    session = service.repository.session
    copied: list[str] = []
    try:
        await service.repository.flush()
        await copy_attachments(service, apps, citizen, original, new, target, copied)
        await session.commit()
    except (IntegrityError, StaleDataError) as exc:  # resubmitted at the same moment
        await session.rollback()
        await discard(apps, copied)
        raise _concurrent_change() from exc
    except BaseException:
        await session.rollback()
        await discard(apps, copied)
        raise
    receipt = None
    if not (await service.view(new)).missing:
        # Complete: filed at once, in its own transaction, with its own receipt time.
        _, receipt = await commit_change(
            service, service.submit(citizen, new.id, delivery=body.delivery)
        )
    result: dict[str, Any] = {
        "application": application_body(service, await service.view(new), lang, ActorKind.CITIZEN)
    }
    if receipt is not None:
        result["receipt"] = ReceiptOut.of(receipt).model_dump(mode="json")
    return result


@router.get("/applications/{application_id}/receipt", response_model=ReceiptOut)
async def get_receipt(application_id: str, login: CitizenDep, service: ServiceDep) -> ReceiptOut:
    application = await service.owned(login.citizen, application_id)
    receipt = await service.repository.receipt(application.id)
    if receipt is None:
        raise NotFound("The application has not been submitted.", code="receipt_not_found")
    return ReceiptOut.of(receipt)


@router.get(
    "/applications/{application_id}/receipt/timestamp.tsr",
    response_class=Response,
    responses={200: {"content": {"application/timestamp-reply": {}}}},
)
async def get_receipt_timestamp(
    application_id: str, login: CitizenDep, service: ServiceDep
) -> Response:
    """The receipt's RFC 3161 TimeStampResp, for `openssl ts -verify`."""
    application = await service.owned(login.citizen, application_id)
    receipt = await service.repository.receipt(application.id)
    if receipt is None or receipt.timestamp_token is None:
        raise NotFound("No timestamp for this application.", code="receipt_not_found")
    return Response(receipt.timestamp_token, media_type="application/timestamp-reply")


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationOut)
async def withdraw_application(
    application_id: str,
    login: CitizenDep,
    service: ServiceDep,
    lang: LangDep,
    body: WithdrawIn | None = None,
) -> dict[str, Any]:
    """Withdraw a filed application while it is still open."""
    application = await commit_change(
        service, service.withdraw(login.citizen, application_id, (body or WithdrawIn()).reason)
    )
    return application_body(service, await service.view(application), lang, ActorKind.CITIZEN)


@router.post("/applications/{application_id}/respond", response_model=ApplicationOut)
async def respond_to_request(
    application_id: str,
    login: CitizenDep,
    service: ServiceDep,
    lang: LangDep,
    body: RespondIn | None = None,
) -> dict[str, Any]:
    """Answer the agency's request for information (upload the documents first)."""
    application = await commit_change(
        service, service.provide_info(login.citizen, application_id, (body or RespondIn()).note)
    )
    return application_body(service, await service.view(application), lang, ActorKind.CITIZEN)


async def commit_change(service: ApplicationService, change: Awaitable[T]) -> T:
    """Make one change and commit it; a concurrent change to the same application (seen at a
    flush or at the commit) answers 409 `concurrent_change` with nothing applied."""
    session = service.repository.session
    try:
        result = await change
        await session.commit()
    except (IntegrityError, StaleDataError) as exc:
        await session.rollback()
        raise _concurrent_change() from exc
    return result


def _concurrent_change() -> Conflict:
    return Conflict(
        "The application was changed by another request at the same moment; "
        "read it again and retry.",
        code="concurrent_change",
    )


# --- the inbox (R-11.1) ------------------------------------------------------------------


@router.get("/notifications", response_model=NotificationPage, tags=["inbox"])
async def list_notifications(
    login: CitizenDep,
    service: ServiceDep,
    lang: LangDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> NotificationPage:
    """The citizen's inbox, newest first: every state change, request for information and
    result of their applications."""
    fingerprint_ = f"inbox:{login.citizen.id}"
    after = int(runtime.cursors.decode(cursor, fingerprint_)) if cursor else None
    rows = await service.repository.notifications(
        login.citizen.id, after_id=after, limit=limit + 1, newest_first=True
    )
    page = rows[:limit]
    next_cursor = (
        runtime.cursors.encode(fingerprint_, str(page[-1].id)) if len(rows) > limit else None
    )
    return NotificationPage(
        items=[NotificationOut.of(row, lang) for row in page],
        next_cursor=next_cursor,
        unread=await service.repository.unread_count(login.citizen.id),
    )


@router.post(
    "/notifications/{notification_id}/read", response_model=NotificationOut, tags=["inbox"]
)
async def mark_read(
    notification_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)],
    login: CitizenDep,
    service: ServiceDep,
    lang: LangDep,
) -> NotificationOut:
    row = await service.repository.notification(notification_id)
    if row is None or row.citizen_id != login.citizen.id:
        raise NotFound("No such notification.", code="notification_not_found")
    if row.read_at is None:
        row.read_at = service.now
        await service.repository.session.commit()
    return NotificationOut.of(row, lang)


@router.get(
    "/notifications/stream",
    tags=["inbox"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_notifications(
    login: CitizenDep,
    runtime: RuntimeDep,
    lang: LangDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    wait: Annotated[float, Query(ge=0, le=300)] = 300,
) -> StreamingResponse:
    """Server-sent events: each new inbox message as `event: notification` with its id.

    Reconnect with `Last-Event-ID` to receive what arrived in between; without it the stream
    starts with what arrives from now on. The stream ends after `wait` seconds (at most 300;
    0 = send what is pending and end), and clients reconnect.
    """
    citizen_id = login.citizen.id
    settings = runtime.settings
    # The stream ends when the token does: a revoked or expired login reads no more.
    wait = min(wait, max(0.0, (login.claims.expires_at - runtime.clock.now()).total_seconds()))
    after: int | None = None
    if last_event_id is not None:
        if not re.fullmatch(r"[0-9]{1,18}", last_event_id):
            raise ValidationFailed(
                "Last-Event-ID must be a notification id.",
                errors=[FieldError("/header/Last-Event-ID", "invalid", "A number.")],
            )
        after = int(last_event_id)
    else:
        async with runtime.sessions() as session:
            newest = await ApplicationRepository(session).notifications(
                citizen_id, after_id=None, limit=1, newest_first=True
            )
            after = newest[0].id if newest else 0

    async def events() -> AsyncIterator[bytes]:
        nonlocal after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        yield f"retry: {int(settings.sse_poll_seconds * 1000) + 1000}\n\n".encode()
        while True:
            async with runtime.sessions() as session:
                rows = await ApplicationRepository(session).notifications(
                    citizen_id, after_id=after, limit=100, newest_first=False
                )
            for row in rows:
                data = NotificationOut.of(row, lang).model_dump(mode="json")
                payload = json.dumps(data, ensure_ascii=False)
                yield f"id: {row.id}\nevent: notification\ndata: {payload}\n\n".encode()
                after = row.id
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            if not rows:
                yield b": keep-alive\n\n"
                await asyncio.sleep(min(settings.sse_poll_seconds, remaining))

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# --- the wallet (documents issued through the portal) -------------------------------------


@router.get("/documents", response_model=WalletPage, tags=["wallet"])
async def list_wallet(login: CitizenDep, service: ServiceDep, lang: LangDep) -> WalletPage:
    """Documents the state issued to the citizen through the portal; any of them can be
    attached to an application by reference instead of being uploaded (R-12.1)."""
    rows = await service.repository.wallet(login.citizen.id)
    return WalletPage(items=[WalletDocumentOut.of(row, lang) for row in rows])
