"""The citizen's side of "submit": `/v1/applications`, drafts to receipts.

Every endpoint is thin: parse, call a service in the request's unit of work, commit it, answer.
A citizen only ever reaches their own applications; anyone else's id answers 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.applications.deps import ApplicationsDep, AppsRuntimeDep
from gateway.applications.lifecycle import ActorKind, Status, is_overdue
from gateway.applications.reading import ApplicationView
from gateway.applications.schemas import (
    ApplicationOut,
    ApplicationPage,
    AttachmentOut,
    DraftIn,
    DraftPatch,
    ReceiptOut,
    RespondIn,
    SubmitIn,
    SubmitOut,
    WalletAttachIn,
    WithdrawIn,
    summary_page,
)
from gateway.applications.services import Applications
from gateway.deps import IdempotencyKey, LangDep, idempotent_answer
from gateway.http import PersonalDataRoute, parse_body, read_capped, stream_blob
from gateway.idempotency import IDEMPOTENCY, check_key
from gateway.storage.uploads import receive_multipart
from identity import CitizenDep
from kernel.errors import FieldError, NotFound, ValidationFailed
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["applications"], route_class=PersonalDataRoute)

#: What the state machine answers a move it does not allow (lifecycle.py), or a move that met
#: another person's change that stands in its way.
LIFECYCLE = (
    "invalid_transition",
    "application_closed",
    "not_your_action",
    "info_already_requested",
    "concurrent_change",
)
#: What an attachment (an upload streamed to the store, or a wallet reference) can meet.
ATTACHING = (
    "application_not_found",
    "invalid_transition",
    "too_many_attachments",
    "application_too_large",
    "attachment_too_large",
    "too_many_files",
    "too_many_fields",
    "field_too_large",
    "multipart_required",
    "invalid_multipart",
    "unsupported_media_type",
    "validation_failed",
    "storage_unavailable",
)


def shown(apps: Applications, view: ApplicationView, lang: str) -> dict[str, Any]:
    """An application as its citizen sees it."""
    return ApplicationOut.of(view, lang, apps.ctx.now, ActorKind.CITIZEN).model_dump(mode="json")


# --- applications -------------------------------------------------------------------------


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    responses=problem_responses(
        "service_not_found",
        "not_filed_online",
        "validation_failed",
        "registry_unavailable",
        *IDEMPOTENCY,
    ),
)
async def create_application(
    body: DraftIn,
    login: CitizenDep,
    apps: ApplicationsDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Start a draft for an e-service. Data the state already holds (names, birth date,
    address) is prefilled from the verified identity and the civil registry (R-12.1)."""
    key = check_key(idempotency_key)

    async def create() -> tuple[int, dict[str, Any]]:
        view = await apps.drafts.start(
            login.citizen, body.service_id, entered=body.form, unit_code=body.unit_code
        )
        return 201, shown(apps, view, lang)

    scope = "POST /v1/applications"
    return idempotent_answer(
        await apps.uow.once(login.citizen.id, key, scope, body.model_dump(mode="json"), create)
    )


@router.get(
    "/applications",
    response_model=ApplicationPage,
    responses=problem_responses("invalid_cursor"),
)
async def list_applications(
    login: CitizenDep,
    apps: ApplicationsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ApplicationPage:
    """The citizen's own applications, newest first."""
    return summary_page(*await apps.reader.citizen_page(login.citizen, limit=limit, cursor=cursor))


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    responses=problem_responses("application_not_found"),
)
async def get_application(
    application_id: str, login: CitizenDep, apps: ApplicationsDep, lang: LangDep
) -> Response:
    """Status, whose turn it is, the due date, what is still missing and the timeline."""
    # The app polls this: one statement says whether the answer rendered last time still
    # stands (the application's stamp); only a changed application is read and rendered again.
    stamp = await apps.reader.owned_stamp(login.citizen, application_id)
    now = apps.ctx.now
    key = (stamp, lang, is_overdue(Status(stamp.status), stamp.due_at, now))
    answers = apps.ctx.runtime.answers
    body = answers.get(application_id, key)
    if body is None:
        view = await apps.reader.owned_view(login.citizen, application_id)
        body = ApplicationOut.of(view, lang, now, ActorKind.CITIZEN).model_dump_json()
        answers.put(application_id, key, body)
    return Response(body, media_type="application/json")


@router.patch(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    responses=problem_responses(
        "application_not_found", "not_a_draft", "validation_failed", "concurrent_change"
    ),
)
async def update_application(
    application_id: str,
    body: DraftPatch,
    login: CitizenDep,
    apps: ApplicationsDep,
    lang: LangDep,
) -> dict[str, Any]:
    """Change a draft's form fields (validated field by field) or its office."""
    application = await apps.uow.run(
        lambda: apps.drafts.update(
            login.citizen,
            application_id,
            entered=body.form,
            unit_code=body.unit_code,
            unit_given="unit_code" in body.model_fields_set,
        )
    )
    return shown(apps, await apps.reader.view(application), lang)


@router.delete(
    "/applications/{application_id}",
    status_code=204,
    responses=problem_responses("application_not_found", "not_a_draft", "concurrent_change"),
)
async def delete_application(
    application_id: str, login: CitizenDep, apps: ApplicationsDep
) -> Response:
    """Discard a draft (a filed application is withdrawn instead, and kept)."""
    await apps.uow.run(lambda: apps.drafts.delete(login.citizen, application_id))
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
                            "document": {"type": "string", "maxLength": 40},
                            "file": {"type": "string", "format": "binary"},
                        },
                        "required": ["file"],
                        "additionalProperties": False,
                    }
                },
                "application/json": {"schema": WalletAttachIn.model_json_schema()},
            }
        }
    },
    responses=problem_responses(*ATTACHING, "wallet_document_not_found", *IDEMPOTENCY),
)
async def add_attachment(
    request: Request,
    application_id: str,
    login: CitizenDep,
    apps: ApplicationsDep,
    runtime: AppsRuntimeDep,
    document: Annotated[str | None, Query(max_length=40)] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Attach scans or photos (multipart: `document` = the manual's document key, `file` one
    or more files), or a document from the wallet by reference (JSON). The type is decided by
    the content (PDF, JPEG, PNG); copies need no signature or certification (R-7.2), and one
    set is enough (R-7.3)."""
    key = check_key(idempotency_key)
    citizen, uow = login.citizen, apps.uow
    scope = f"POST /v1/applications/{application_id}/attachments"
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "application/json":
        body = parse_body(WalletAttachIn, await read_capped(request, runtime.json_body_limit))

        async def attach() -> tuple[int, dict[str, Any]]:
            row = await apps.attachments.attach_from_wallet(
                citizen, application_id, body.document, body.wallet_document_id
            )
            return 201, {"items": [AttachmentOut.of(row).model_dump(mode="json")]}

        return idempotent_answer(
            await uow.once(citizen.id, key, scope, body.model_dump(mode="json"), attach)
        )

    room, files = await apps.attachments.allowance(citizen, application_id, key=key, scope=scope)
    await uow.rollback()  # no transaction stays open while the body streams in
    upload = await receive_multipart(
        request,
        store=runtime.store,
        new_key=lambda: f"attachments/{uuid.uuid4()}",
        max_file_bytes=runtime.limits.max_attachment_bytes,
        max_total_bytes=room,
        max_files=files,
    )
    for stored in upload.files:
        uow.wrote(stored.blob.key)  # deleted again unless the attachment is committed
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
    except BaseException:
        await uow.rollback()
        raise
    request_body = {
        "document": document_key,
        "files": [[f.filename, f.blob.sha256] for f in upload.files],
    }

    async def add() -> tuple[int, dict[str, Any]]:
        rows = await apps.attachments.add_uploads(
            citizen, application_id, document_key, [(f.download_name, f.blob) for f in upload.files]
        )
        return 201, {"items": [AttachmentOut.of(r).model_dump(mode="json") for r in rows]}

    return idempotent_answer(await uow.once(citizen.id, key, scope, request_body, add))


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}",
    responses=problem_responses(
        "application_not_found", "attachment_not_found", "storage_unavailable"
    ),
)
async def get_attachment(
    application_id: str,
    attachment_id: str,
    login: CitizenDep,
    apps: ApplicationsDep,
    runtime: AppsRuntimeDep,
) -> StreamingResponse:
    """An attachment's bytes, as stored (only the owner's)."""
    application = await apps.reader.owned(login.citizen, application_id)
    download = await apps.reader.download(application, attachment_id)
    await apps.uow.rollback()  # the database is not held while the bytes stream out
    return stream_blob(runtime.store, download)


@router.delete(
    "/applications/{application_id}/attachments/{attachment_id}",
    status_code=204,
    responses=problem_responses(
        "application_not_found", "not_a_draft", "attachment_not_found", "concurrent_change"
    ),
)
async def delete_attachment(
    application_id: str, attachment_id: str, login: CitizenDep, apps: ApplicationsDep
) -> Response:
    await apps.uow.run(
        lambda: apps.attachments.remove(login.citizen, application_id, attachment_id)
    )
    return Response(status_code=204)


@router.post(
    "/applications/{application_id}/submit",
    status_code=201,
    response_model=SubmitOut,
    responses=problem_responses(
        "application_not_found",
        "file_on_agency_site",
        "application_incomplete",
        *LIFECYCLE,
        *IDEMPOTENCY,
    ),
)
async def submit_application(
    application_id: str,
    login: CitizenDep,
    apps: ApplicationsDep,
    lang: LangDep,
    body: SubmitIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """File the application and get the legal receipt at once (R-10.4): number, actual
    arrival, deemed receipt time (R-10.1-10.3), agency, SHA-256 digest of the content, signed
    by the gateway and carrying an RFC 3161 timestamp token."""
    key = check_key(idempotency_key)
    body = body or SubmitIn()

    async def submit() -> tuple[int, dict[str, Any]]:
        application, receipt = await apps.filing.submit(
            login.citizen, application_id, delivery=body.delivery
        )
        return 201, {
            "application": shown(apps, await apps.reader.view(application), lang),
            "receipt": ReceiptOut.of(receipt).model_dump(mode="json"),
        }

    scope = f"POST /v1/applications/{application_id}/submit"
    return idempotent_answer(
        await apps.uow.once(login.citizen.id, key, scope, body.model_dump(mode="json"), submit)
    )


class ResubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # None: the service of the responsible agency the catalog maps this one to.
    service_id: str | None = Field(default=None, min_length=1, max_length=80)
    delivery: Literal["electronic", "paper"] = "electronic"


@router.post(
    "/applications/{application_id}/resubmit",
    status_code=201,
    responses=problem_responses(
        "application_not_found",
        "not_redirected",
        "already_resubmitted",
        "service_not_found",
        "not_filed_online",
        "validation_failed",
        "registry_unavailable",
        "storage_unavailable",
        "attachment_too_large",
        *LIFECYCLE,
    ),
)
async def resubmit_application(
    application_id: str,
    body: ResubmitIn,
    login: CitizenDep,
    apps: ApplicationsDep,
    lang: LangDep,
) -> dict[str, Any]:
    """R-10.6, one step: file a redirected application again at the agency that is responsible
    (`service_id`: one of its services; by default the one the catalog maps this service to).
    What the citizen entered and attached goes along; the new application is filed at once when
    complete (its own receipt time), or stays a draft listing what the new service still
    needs."""
    new = await apps.uow.run(
        lambda: apps.resubmission.resubmit(login.citizen, application_id, body.service_id)
    )
    receipt = None
    if not (await apps.reader.view(new)).missing:
        # Complete: filed at once, in its own transaction, with its own receipt time.
        _, receipt = await apps.uow.run(
            lambda: apps.filing.submit(login.citizen, new.id, delivery=body.delivery)
        )
    result: dict[str, Any] = {"application": shown(apps, await apps.reader.view(new), lang)}
    if receipt is not None:
        result["receipt"] = ReceiptOut.of(receipt).model_dump(mode="json")
    return result


@router.get(
    "/applications/{application_id}/receipt",
    response_model=ReceiptOut,
    responses=problem_responses("application_not_found", "receipt_not_found"),
)
async def get_receipt(application_id: str, login: CitizenDep, apps: ApplicationsDep) -> ReceiptOut:
    return ReceiptOut.of(await apps.reader.receipt(login.citizen, application_id))


@router.get(
    "/applications/{application_id}/receipt/timestamp.tsr",
    response_class=Response,
    responses={
        200: {"content": {"application/timestamp-reply": {}}},
        **problem_responses("application_not_found", "receipt_not_found"),
    },
)
async def get_receipt_timestamp(
    application_id: str, login: CitizenDep, apps: ApplicationsDep
) -> Response:
    """The receipt's RFC 3161 TimeStampResp, for `openssl ts -verify`."""
    receipt = await apps.reader.receipt(login.citizen, application_id)
    if receipt.timestamp_token is None:  # pragma: no cover - every receipt is timestamped
        raise NotFound("No timestamp for this application.", code="receipt_not_found")
    return Response(receipt.timestamp_token, media_type="application/timestamp-reply")


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=ApplicationOut,
    responses=problem_responses("application_not_found", *LIFECYCLE),
)
async def withdraw_application(
    application_id: str,
    login: CitizenDep,
    apps: ApplicationsDep,
    lang: LangDep,
    body: WithdrawIn | None = None,
) -> dict[str, Any]:
    """Withdraw a filed application while it is still open."""
    reason = (body or WithdrawIn()).reason
    application = await apps.uow.run(
        lambda: apps.transitions.withdraw(login.citizen, application_id, reason)
    )
    return shown(apps, await apps.reader.view(application), lang)


@router.post(
    "/applications/{application_id}/respond",
    response_model=ApplicationOut,
    responses=problem_responses("application_not_found", *LIFECYCLE),
)
async def respond_to_request(
    application_id: str,
    login: CitizenDep,
    apps: ApplicationsDep,
    lang: LangDep,
    body: RespondIn | None = None,
) -> dict[str, Any]:
    """Answer the agency's request for information (upload the documents first)."""
    note = (body or RespondIn()).note
    application = await apps.uow.run(
        lambda: apps.transitions.provide_info(login.citizen, application_id, note)
    )
    return shown(apps, await apps.reader.view(application), lang)
