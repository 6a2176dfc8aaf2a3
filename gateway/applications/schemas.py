"""Request and response bodies of the applications API (the OpenAPI schema documents them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from documents.facts import DocumentSpec
from gateway.applications.filing import receipt_document
from gateway.applications.lifecycle import (
    Action,
    ActorKind,
    Snapshot,
    Status,
    allowed_actions,
    is_overdue,
)
from gateway.applications.models import Application, Attachment
from gateway.applications.reading import ApplicationView


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftIn(_In):
    service_id: str = Field(min_length=1, max_length=80)
    form: dict[str, Any] = Field(default_factory=dict)
    unit_code: str | None = Field(default=None, max_length=32)


class DraftPatch(_In):
    form: dict[str, Any] | None = None
    unit_code: str | None = Field(default=None, max_length=32)


class SubmitIn(_In):
    # replies go electronically unless the citizen chooses paper here.
    delivery: Literal["electronic", "paper"] = "electronic"


class WithdrawIn(_In):
    reason: str | None = Field(default=None, max_length=1000)


class RespondIn(_In):
    note: str | None = Field(default=None, max_length=2000)


class WalletAttachIn(_In):
    document: str = Field(min_length=1, max_length=40)
    wallet_document_id: str = Field(min_length=1, max_length=36)


class RequestedItem(_In):
    name_th: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    # A document key: the manual's, or a new one for something the manual does not list.
    document: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{1,39}$")


class FeeIn(_In):
    """A fee the agency asks for when the amount depends on the case (R-7.4)."""

    label_th: str = Field(min_length=1, max_length=200)
    label_en: str = Field(default="", max_length=200)
    amount_satang: int = Field(gt=0, le=100_000_000_000)
    purpose: Literal["fee", "state_document_copy"] = "fee"


class AgencyActionIn(_In):
    action: Literal["accept", "request_info", "request_payment", "approve", "reject"]
    reason: str | None = Field(default=None, max_length=2000)
    items: list[RequestedItem] = Field(default_factory=list, max_length=20)
    # request_payment: the fee items when the amount depends on the case; none: the manual's
    fees: list[FeeIn] = Field(default_factory=list, max_length=20)
    # request_payment after approving (APPROVED_WAITING_PAY_FEE): issued once paid
    approved: bool = False
    officer: str | None = Field(default=None, max_length=80)
    # approve: the document the approval grants; the portal signs it and puts it in the
    # citizen's wallet, then the application is `issued` (docs/agency-integration.md)
    document: DocumentSpec | None = None


class ReferIn(_In):
    """The case is not this office's or not this agency's: name exactly one of
    `unit_code` (another office of the same agency, R-10.5) or `agency_code` (R-10.6)."""

    unit_code: str | None = Field(default=None, min_length=1, max_length=40)
    agency_code: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    reason: str | None = Field(default=None, max_length=2000)
    officer: str | None = Field(default=None, max_length=80)


class AttachmentOut(BaseModel):
    id: str
    document: str
    filename: str
    media_type: str
    size: int
    sha256: str
    source: Literal["upload", "wallet"]
    stage: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row: Attachment) -> AttachmentOut:
        return cls(
            id=row.id,
            document=row.document_key,
            filename=row.filename,
            media_type=row.media_type,
            size=row.size,
            sha256=row.sha256,
            source="wallet" if row.wallet_document_id else "upload",
            stage=row.stage,
            created_at=row.created_at,
        )


class DocumentOut(BaseModel):
    key: str
    name: str
    source: str
    required: bool
    attached: int


class MissingOut(BaseModel):
    kind: str
    pointer: str
    code: str
    name: str


class EventOut(BaseModel):
    kind: str
    from_status: str | None
    to_status: str
    actor: str
    at: dt.datetime
    data: dict[str, Any]


class ApplicationOut(BaseModel):
    id: str
    number: str | None
    service_id: str
    service_name: str
    agency_code: str
    agency_name: str
    unit_code: str | None
    status: Status
    turn: str
    delivery: str
    form: dict[str, Any]
    prefilled_fields: list[str]
    # documents fetched from the agencies that issued them, with what they hold.
    fetched_documents: dict[str, Any]
    documents: list[DocumentOut]
    attachments: list[AttachmentOut]
    missing: list[MissingOut]
    receipt_anchor: str
    arrived_at: dt.datetime | None
    deemed_received_at: dt.datetime | None
    due_working_days: int | None
    due_at: dt.datetime | None
    overdue: bool
    info_requests: int
    allowed_actions: list[str]
    timeline: list[EventOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(
        cls, view: ApplicationView, lang: str, now: dt.datetime, viewer: ActorKind
    ) -> ApplicationOut:
        a, s = view.application, view.service
        status = Status(a.status)
        counts: dict[str, int] = {}
        for row in view.attachments:
            counts[row.document_key] = counts.get(row.document_key, 0) + 1
        en = lang == "en"
        return cls(
            id=a.id,
            number=a.number,
            service_id=s.id,
            service_name=(s.name_en or s.name_th) if en else s.name_th,
            agency_code=a.agency_code,
            agency_name=(s.agency.name_en or s.agency.name_th) if en else s.agency.name_th,
            unit_code=a.unit_code,
            status=status,
            turn=a.turn,
            delivery=a.delivery,
            form=view.form,
            prefilled_fields=view.prefilled,
            fetched_documents=view.fetched,
            documents=[
                DocumentOut(
                    key=d.key,
                    name=(d.name_en or d.name_th) if en else d.name_th,
                    source=d.source,
                    required=d.required,
                    attached=counts.get(d.key, 0),
                )
                for d in view.documents
            ],
            attachments=[AttachmentOut.of(row) for row in view.attachments],
            missing=[
                MissingOut(
                    kind=m.kind,
                    pointer=m.pointer,
                    code=m.code,
                    name=(m.name_en or m.name_th) if en else m.name_th,
                )
                for m in view.missing
            ],
            receipt_anchor=a.receipt_anchor,
            arrived_at=a.arrived_at,
            deemed_received_at=a.deemed_received_at,
            due_working_days=a.due_working_days,
            due_at=a.due_at,
            overdue=is_overdue(status, a.due_at, now),
            info_requests=a.info_requests,
            allowed_actions=[
                action.value
                for action in allowed_actions(Snapshot(status, a.info_requests), viewer)
                if action not in _INTERNAL
            ],
            timeline=[
                EventOut(
                    kind=e.kind,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    actor=e.actor_kind,
                    at=e.at,
                    data=e.data,
                )
                for e in view.events
            ],
            created_at=a.created_at,
            updated_at=a.updated_at,
        )


# Actions the gateway takes itself, never offered as buttons.
_INTERNAL = {Action.FORWARD, Action.PAY, Action.ISSUE, Action.MISROUTE, Action.REDIRECT}


class ApplicationSummary(BaseModel):
    id: str
    number: str | None
    service_id: str
    agency_code: str
    status: Status
    turn: str
    due_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    next_cursor: str | None


def summary_page(rows: Sequence[Application], next_cursor: str | None) -> ApplicationPage:
    return ApplicationPage(
        items=[
            ApplicationSummary(
                id=a.id,
                number=a.number,
                service_id=a.service_id,
                agency_code=a.agency_code,
                status=Status(a.status),
                turn=a.turn,
                due_at=a.due_at,
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
            for a in rows
        ],
        next_cursor=next_cursor,
    )


class ReceiptOut(BaseModel):
    number: str
    payload: dict[str, Any]
    jws: str = Field(description="The receipt signed by the gateway (ES256; key in the JWKS).")
    timestamp_token: str | None = Field(
        description="RFC 3161 TimeStampResp (base64 DER) over SHA-256 of the JWS text."
    )

    @classmethod
    def of(cls, receipt: Any) -> ReceiptOut:
        return cls(**receipt_document(receipt))


class SubmitOut(BaseModel):
    application: ApplicationOut
    receipt: ReceiptOut


class ApplicantOut(BaseModel):
    """Who filed, as the identity check verified them: for the agency that handles the case
    (e.g. to pay a benefit it grants to the applicant's PromptPay-linked account)."""

    national_id: str
    first_name_th: str
    last_name_th: str


class AttachmentVerificationOut(BaseModel):
    """A wallet document's standing as the public verification page says it now (R-14.1)."""

    result: Literal[
        "valid", "expired", "not_yet_valid", "suspended", "revoked", "not_issued_by_portal"
    ]
    issuer_agency: str
    number: str | None
    kind: str
    verify_url: str | None = Field(description="The public page to check it again")
    checked_at: dt.datetime


class AgencyAttachmentOut(AttachmentOut):
    verification: AttachmentVerificationOut | None = Field(
        default=None, description="A document from the citizen's wallet: its standing now"
    )


class AgencyApplicationOut(ApplicationOut):
    """An application as its agency sees it: the citizen's view, who the applicant is, and
    each wallet attachment's standing now (R-12.1, R-14.1)."""

    attachments: list[AgencyAttachmentOut]  # type: ignore[assignment]
    applicant: ApplicantOut
