"""The submit-and-track rules: drafts, attachments, submission with its legal receipt, the
timeline, the inbox and the agency's actions. Services never commit; the endpoint commits the
one transaction a request makes (with its idempotency record), so a state change, its timeline
event, its audit line, its inbox message and its outbox message stand or fall together.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.civil_registry import CivilRegistry
from gateway import audit
from gateway.applications import forms
from gateway.applications.lifecycle import (
    Action,
    ActorKind,
    Decision,
    Snapshot,
    Status,
    TransitionRefused,
    Turn,
    decide,
)
from gateway.applications.messages import render
from gateway.applications.models import (
    Application,
    ApplicationEvent,
    Attachment,
    Notification,
    OutboxMessage,
    OversightCopy,
    Receipt,
    WalletDocument,
)
from gateway.applications.repository import ApplicationRepository
from gateway.catalog.definitions import Manual, can_file
from gateway.catalog.models import Agency, EService
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.receipts.digest import AttachmentDigest, submission_digest
from gateway.receipts.signer import ReceiptSigner
from gateway.receipts.tsa import TimestampAuthority
from gateway.storage import BlobStore, StoredBlob
from identity.crypto import PIIVault
from identity.login import CitizenProfile
from identity.verification.models import Citizen
from kernel.buddhist_era import BE_OFFSET
from kernel.errors import Conflict, FieldError, NotFound, PayloadTooLarge, ValidationFailed
from kernel.working_time import (
    BANGKOK,
    add_working_days,
    deemed_receipt_time,
    due_at,
    working_days_between,
)

OVERDUE_NOTICE_EVERY = dt.timedelta(days=7)  # R-LFA.4
DELIVERY_CHOICES = ("electronic", "paper")  # paper only when chosen at submission
UPLOAD_STAGES = {Status.DRAFT: "submission", Status.NEEDS_INFO: "info_response"}


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str

    @property
    def label(self) -> str:
        return f"{self.kind.value}:{self.id}"


SYSTEM = Actor(ActorKind.SYSTEM, "gateway")

#: Outbox topics: what the worker passes on to an agency's back end.
TOPIC_SUBMITTED = "application.submitted"  # file the application
TOPIC_INFO_PROVIDED = "application.info_provided"  # the citizen's answer to a request for info
TOPIC_WITHDRAWN = "application.withdrawn"  # the citizen withdrew it: cancel the case


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int
    max_application_bytes: int
    max_attachments: int


@dataclass
class ApplicationsRuntime:
    """What the applications domain needs from the running gateway (wired in create_app)."""

    vault: PIIVault
    signer: ReceiptSigner
    tsa: TimestampAuthority
    store: BlobStore
    registry: CivilRegistry
    issuer: str  # the gateway's public URL, the `iss` of receipts
    limits: Limits
    json_body_limit: int = 1_048_576  # JSON bodies on routes that otherwise stream uploads
    # Sessions for taking application numbers in a transaction of their own (None: in the
    # submission's own transaction).
    number_sessions: async_sessionmaker[AsyncSession] | None = None


@dataclass(frozen=True)
class DocumentRequirement:
    """A document of the service's manual, with the key attachments name it by."""

    key: str
    name_th: str
    name_en: str
    source: str  # upload | wallet | portal_fetch
    required: bool


@dataclass(frozen=True)
class MissingItem:
    kind: str  # document | field
    pointer: str
    code: str
    name_th: str
    name_en: str


@dataclass
class ApplicationView:
    """An application as its owner (or its agency) sees it."""

    application: Application
    service: EService
    form: dict[str, Any]
    prefilled: list[str]
    attachments: Sequence[Attachment]
    events: Sequence[ApplicationEvent]
    missing: list[MissingItem]
    documents: list[DocumentRequirement]
    receipt: Receipt | None = None
    fetched: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchPlan:
    """A document the portal fetches from its issuing agency (R-12.1)."""

    document: str
    agency_code: str
    kind: str


def fetch_plan(service: EService) -> list[FetchPlan]:
    manual = Manual.model_validate(service.manual)
    return [
        FetchPlan(key, document.issuer.agency_code, document.fetch_kind)
        for key, document in manual.keyed_documents()
        if document.source == "portal_fetch" and document.fetch_kind and document.issuer.agency_code
    ]


def requirements(service: EService) -> list[DocumentRequirement]:
    """The manual's documents with their keys (`doc-<n>` by position when none is given)."""
    manual = Manual.model_validate(service.manual)
    return [
        DocumentRequirement(
            key=key,
            name_th=document.name.th,
            name_en=document.name.en,
            source=document.source,
            required=document.required,
        )
        for key, document in manual.keyed_documents()
    ]


def can_be_filed(service: EService) -> bool:
    """R-7.1 with R-7.5: every live service that is filed at all can be filed electronically;
    personal-appearance services and link-outs are informed, not filed, on the portal."""
    return service.status == "live" and can_file(
        in_person_required=service.in_person_required,
        integration_mode=service.integration_mode,
    )


def receipt_anchor(agency: Agency) -> str:
    """Which entry counts as the agency receiving a request filed on the portal (R-10.3), given
    its announced channels (R-20.1): the portal's own entry counts when the agency counts the
    portal and has announced it, or has announced no channel at all (then every channel in use
    counts); otherwise the entry into the agency's own system does."""
    announced = agency.announced_channels or []
    portal_is_a_channel = not announced or "portal" in announced
    if agency.receipt_anchor == "portal" and portal_is_a_channel:
        return "portal"
    return "agency_backend"


def be_year(instant: dt.datetime) -> int:
    return instant.astimezone(BANGKOK).year + BE_OFFSET


class ApplicationService:
    def __init__(
        self,
        session_repository: ApplicationRepository,
        catalog: CatalogService,
        runtime: ApplicationsRuntime,
        now: dt.datetime,
    ) -> None:
        self.repository = session_repository
        self.catalog = catalog
        self.catalog_rows = CatalogRepository(session_repository.session)
        self.runtime = runtime
        self.now = now

    # --- reading ----------------------------------------------------------------------

    async def owned(self, citizen: Citizen, application_id: str) -> Application:
        """The citizen's own application; someone else's is reported exactly like a missing
        one (404), so ids cannot be probed."""
        application = await self.repository.get(application_id)
        if application is None or application.citizen_id != citizen.id:
            raise NotFound("No such application.", code="application_not_found")
        return application

    async def of_agency(self, agency_code: str, application_id: str) -> Application:
        application = await self.repository.get(application_id)
        if (
            application is None
            or application.agency_code != agency_code
            or application.status == Status.DRAFT
        ):
            raise NotFound("No such application.", code="application_not_found")
        return application

    async def view(self, application: Application) -> ApplicationView:
        service = await self._service(application.service_id)
        stored = self._open_form(application)
        spec = forms.effective_form(service.form)
        data = forms.merge(spec, stored["prefilled"], stored["entered"])
        attachments = await self.repository.attachments(application.id)
        documents = requirements(service)
        missing = []
        if application.status == Status.DRAFT:
            missing = self.missing_items(spec, data, documents, attachments)
        return ApplicationView(
            application=application,
            service=service,
            form=data,
            prefilled=sorted(stored["prefilled"]),
            attachments=attachments,
            events=await self.repository.events(application.id),
            missing=missing,
            documents=documents,
            receipt=await self.repository.receipt(application.id),
            fetched=stored.get("fetched", {}),
        )

    @staticmethod
    def missing_items(
        spec: forms.FormSpec,
        data: Mapping[str, Any],
        documents: Sequence[DocumentRequirement],
        attachments: Sequence[Attachment],
    ) -> list[MissingItem]:
        """What still stands between a draft and submission, in writing (R-LFA.2)."""
        thai = {e.pointer: e.message for e in forms.check_complete(spec, data, lang="th")}
        items = [
            MissingItem("field", e.pointer, e.code, thai.get(e.pointer, e.message), e.message)
            for e in forms.check_complete(spec, data, lang="en")
        ]
        attached = {a.document_key for a in attachments}
        for document in documents:
            # Documents the portal fetches from the issuing agency are never asked of the
            # citizen; one attachment is a whole set however many copies.
            if document.source == "portal_fetch" or not document.required:
                continue
            if document.key not in attached:
                items.append(
                    MissingItem(
                        "document",
                        f"/documents/{document.key}",
                        "missing_document",
                        document.name_th,
                        document.name_en,
                    )
                )
        return items

    # --- drafts -----------------------------------------------------------------------

    async def create_draft(
        self,
        citizen: Citizen,
        service_id: str,
        *,
        entered: Mapping[str, Any],
        facts: Mapping[str, Any],
        unit_code: str | None,
        fetched: Mapping[str, Any] | None = None,
        actor: Actor | None = None,
        origin: Mapping[str, Any] | None = None,
    ) -> Application:
        """A new draft. `actor`: who made it (the citizen unless the portal carries an
        application over to another agency, R-10.6); `origin`: what it was made from."""
        service = await self.catalog_rows.get_service(service_id)
        if service is None or service.status != "live":
            raise NotFound(f"No live e-service {service_id}.", code="service_not_found")
        if not can_be_filed(service):
            raise Conflict(
                "This service is not filed on the portal: it needs personal appearance or is "
                "provided on the agency's own site (see its manual).",
                code="not_filed_online",
            )
        spec = forms.effective_form(service.form)
        _raise_field_errors(forms.check_draft(spec, entered))
        agency = service.agency
        await self._check_unit(agency, unit_code)
        application = Application(
            id=str(uuid.uuid4()),
            citizen_id=citizen.id,
            service_id=service.id,
            agency_code=agency.code,
            unit_code=unit_code,
            status=Status.DRAFT.value,
            turn=Turn.CITIZEN.value,
            delivery="electronic",
            info_requests=0,
            receipt_anchor=agency.receipt_anchor,
            overdue_notices=0,
            created_at=self.now,
            updated_at=self.now,
        )
        application.form_enc = self._seal_form(
            application.id,
            {
                "prefilled": forms.prefill_values(spec, facts),
                "entered": dict(entered),
                # documents the portal fetched from their issuing agency.
                "fetched": dict(fetched or {}),
            },
        )
        self.repository.add(application)
        self._event(
            application,
            "created",
            None,
            Status.DRAFT,
            actor or Actor(ActorKind.CITIZEN, citizen.subject),
            dict(origin or {}),
        )
        return application

    async def update_draft(
        self,
        citizen: Citizen,
        application_id: str,
        *,
        entered: Mapping[str, Any] | None,
        unit_code: str | None,
        unit_given: bool,
    ) -> Application:
        application = await self.owned(citizen, application_id)
        self._require_draft(application)
        service = await self._service(application.service_id)
        if entered is not None:
            spec = forms.effective_form(service.form)
            # A field sent as null is taken out of the draft; the rest is checked.
            _raise_field_errors(
                forms.check_draft(spec, {k: v for k, v in entered.items() if v is not None})
            )
            stored = self._open_form(application)
            stored["entered"] = {**stored["entered"], **entered}
            # A field set to null is taken back out of the draft.
            stored["entered"] = {k: v for k, v in stored["entered"].items() if v is not None}
            application.form_enc = self._seal_form(application.id, stored)
        if unit_given:
            await self._check_unit(service.agency, unit_code)
            application.unit_code = unit_code
        application.updated_at = self.now
        return application

    async def _check_unit(self, agency: Agency, unit_code: str | None) -> None:
        if unit_code is None:
            return
        if unit_code not in await self.repository.unit_codes(agency.code):
            raise ValidationFailed(
                f"{agency.code} has no office {unit_code}.",
                errors=[
                    FieldError(
                        "/body/unit_code", "unknown_unit", f"Not an office of {agency.code}."
                    )
                ],
            )

    # --- attachments ------------------------------------------------------------------

    async def upload_allowance(self, citizen: Citizen, application_id: str) -> tuple[int, int]:
        """(bytes, files) this application may still take, or a refusal when it takes none."""
        application = await self.owned(citizen, application_id)
        self._upload_stage(application)
        existing = await self.repository.attachments(application.id)
        limits = self.runtime.limits
        used = sum(a.size for a in existing if a.storage_key is not None)
        files = limits.max_attachments - len(existing)
        room = limits.max_application_bytes - used
        if files <= 0:
            raise PayloadTooLarge(
                f"An application holds at most {limits.max_attachments} attachments.",
                code="too_many_attachments",
            )
        if room <= 0:
            raise PayloadTooLarge(
                "The application's attachments already use the whole allowance.",
                code="application_too_large",
            )
        return room, files

    async def add_uploads(
        self,
        citizen: Citizen,
        application_id: str,
        document_key: str,
        blobs: Sequence[tuple[str, StoredBlob]],
    ) -> list[Attachment]:
        """Record stored uploads (filename, blob) as attachments for `document_key`."""
        application = await self.owned(citizen, application_id)
        stage = self._upload_stage(application)
        service = await self._service(application.service_id)
        self._check_document_key(
            service, document_key, upload=True, requested=await self._requested_keys(application)
        )
        # Re-check the allowance inside the transaction: two uploads may have raced.
        existing = await self.repository.attachments(application.id)
        limits = self.runtime.limits
        used = sum(a.size for a in existing if a.storage_key is not None)
        if len(existing) + len(blobs) > limits.max_attachments:
            raise PayloadTooLarge("Too many attachments.", code="too_many_attachments")
        if used + sum(b.size for _, b in blobs) > limits.max_application_bytes:
            raise PayloadTooLarge(
                "The application's attachments would exceed the allowance.",
                code="application_too_large",
            )
        rows = []
        for filename, blob in blobs:
            row = Attachment(
                id=str(uuid.uuid4()),
                application_id=application.id,
                document_key=document_key,
                filename=filename,
                media_type=blob.media_type,
                size=blob.size,
                sha256=blob.sha256,
                storage_key=blob.key,
                wallet_document_id=None,
                stage=stage,
                created_at=self.now,
            )
            self.repository.add(row)
            rows.append(row)
        application.updated_at = self.now
        return rows

    async def attach_from_wallet(
        self, citizen: Citizen, application_id: str, document_key: str, wallet_document_id: str
    ) -> Attachment:
        """Attach a document the state already issued to this citizen, by reference (R-12.1)."""
        application = await self.owned(citizen, application_id)
        stage = self._upload_stage(application)
        service = await self._service(application.service_id)
        self._check_document_key(service, document_key, upload=False)
        document = await self.repository.wallet_document(wallet_document_id)
        if document is None or document.citizen_id != citizen.id:
            raise NotFound("No such document in your wallet.", code="wallet_document_not_found")
        existing = await self.repository.attachments(application.id)
        if len(existing) >= self.runtime.limits.max_attachments:
            raise PayloadTooLarge("Too many attachments.", code="too_many_attachments")
        row = Attachment(
            id=str(uuid.uuid4()),
            application_id=application.id,
            document_key=document_key,
            filename=document.title_en or document.kind,
            media_type=document.media_type,
            size=document.size,
            sha256=document.sha256,
            storage_key=None,
            wallet_document_id=document.id,
            stage=stage,
            created_at=self.now,
        )
        self.repository.add(row)
        application.updated_at = self.now
        return row

    async def remove_attachment(
        self, citizen: Citizen, application_id: str, attachment_id: str
    ) -> str | None:
        """Take an attachment off a draft; the storage key to delete once committed."""
        application = await self.owned(citizen, application_id)
        self._require_draft(application)
        row = await self.repository.attachment(application.id, attachment_id)
        if row is None:
            raise NotFound("No such attachment.", code="attachment_not_found")
        await self.repository.delete(row)
        application.updated_at = self.now
        return row.storage_key

    async def attachment_of(self, application: Application, attachment_id: str) -> Attachment:
        row = await self.repository.attachment(application.id, attachment_id)
        if row is None:
            raise NotFound("No such attachment.", code="attachment_not_found")
        return row

    async def wallet_blob_key(self, attachment: Attachment) -> str:
        if attachment.storage_key is not None:
            return attachment.storage_key
        assert attachment.wallet_document_id is not None
        document = await self.repository.wallet_document(attachment.wallet_document_id)
        if document is None:  # pragma: no cover - foreign key keeps it
            raise NotFound("The wallet document is gone.", code="attachment_not_found")
        return document.storage_key

    async def _requested_keys(self, application: Application) -> set[str]:
        """Document keys the agency asked for that the manual may not list (R-LFA.2)."""
        if application.status != Status.NEEDS_INFO:
            return set()
        keys: set[str] = set()
        for event in await self.repository.events(application.id):
            if event.kind == Action.REQUEST_INFO.value:
                keys |= {i["document"] for i in event.data.get("items", []) if i.get("document")}
        return keys

    def _check_document_key(
        self,
        service: EService,
        key: str,
        *,
        upload: bool,
        requested: AbstractSet[str] = frozenset(),
    ) -> None:
        documents = {d.key: d for d in requirements(service)}
        pointer = "/body/document"
        if key in requested and key not in documents:
            return  # asked for by the agency in writing: an upload answers it
        if key not in documents:
            known = ", ".join(sorted(documents)) or "none"
            raise ValidationFailed(
                f"This service takes no document '{key}' (its documents: {known}).",
                errors=[FieldError(pointer, "unknown_document", "Not a document of this service.")],
            )
        document = documents[key]
        if document.source == "portal_fetch":
            # the portal fetches it from the issuing agency; never asked as an upload.
            raise ValidationFailed(
                "The portal fetches this document from the agency that issued it.",
                errors=[FieldError(pointer, "fetched_by_portal", "Not to be uploaded.")],
            )
        if upload and document.source == "wallet":
            raise ValidationFailed(
                "A document the state issued is picked from your wallet, not uploaded again.",
                errors=[FieldError(pointer, "pick_from_wallet", "Attach it from the wallet.")],
            )

    def _upload_stage(self, application: Application) -> str:
        stage = UPLOAD_STAGES.get(Status(application.status))
        if stage is None:
            raise Conflict(
                f"Attachments cannot be added while the application is {application.status}.",
                code="invalid_transition",
            )
        return stage

    # --- submission -------------------------------------------------------------------

    async def submit(
        self,
        citizen: Citizen,
        application_id: str,
        *,
        delivery: str,
        actor: Actor | None = None,
        number_apart: bool = True,
    ) -> tuple[Application, Receipt]:
        """File the application: the receipt (R-10.4) is signed, timestamped and stored in
        the same transaction as the application, its first event and its outbox message.
        `actor`: the citizen, or the portal forwarding it to the responsible agency (R-10.6);
        `number_apart=False` when this transaction has written already (see `_file`)."""
        application = await self.owned(citizen, application_id)
        actor = actor or Actor(ActorKind.CITIZEN, citizen.subject)
        decision = self._decide(application, Action.SUBMIT, actor)
        view = await self.view(application)
        if view.service.integration_mode == "web":
            raise Conflict(
                "This service is filed on the agency's own web page: open it with "
                "POST /v1/applications/{id}/launch.",
                code="file_on_agency_site",
            )
        if view.missing:
            # R-LFA.2: told at once, in writing, what is missing.
            raise ValidationFailed(
                "The application is incomplete: " + "; ".join(m.name_en for m in view.missing),
                code="application_incomplete",
                errors=[
                    FieldError(m.pointer, m.code, m.name_en or m.name_th) for m in view.missing
                ],
                extra={
                    "missing": [
                        {
                            "kind": m.kind,
                            "pointer": m.pointer,
                            "code": m.code,
                            "name_th": m.name_th,
                            "name_en": m.name_en,
                        }
                        for m in view.missing
                    ]
                },
            )
        receipt = await self._file(
            application, view, decision, actor, delivery, arrived_at=self.now, apart=number_apart
        )
        return application, receipt

    async def file_from_agency(
        self, application: Application, agency_code: str, *, at: dt.datetime, agency_ref: str
    ) -> Receipt:
        """Web Integration: the citizen filed on the agency's own site and the agency reports
        it. That site is the channel, so its entry time `at` is the arrival (R-10.1, R-10.3);
        the gateway still gives its own signed receipt and passes nothing on (the application
        is already with the agency)."""
        actor = Actor(ActorKind.AGENCY, f"{agency_code}:web")
        decision = self._decide(application, Action.SUBMIT, actor)
        view = await self.view(application)
        application.agency_ref = agency_ref
        receipt = await self._file(
            application, view, decision, actor, "electronic", arrived_at=at, forward=False
        )
        forward = self._decide(application, Action.FORWARD, SYSTEM)
        application.delivered_at = at
        await self._transition(
            application, forward, Action.FORWARD, SYSTEM, {"delivered_at": _iso(at)}
        )
        return receipt

    async def _file(
        self,
        application: Application,
        view: ApplicationView,
        decision: Decision,
        actor: Actor,
        delivery: str,
        *,
        arrived_at: dt.datetime,
        forward: bool = True,
        apart: bool = True,
    ) -> Receipt:
        service, agency = view.service, view.service.agency
        calendar, _ = await self.catalog.working_calendar(agency)
        # The number is taken before anything of this submission is written, in its own short
        # transaction when the runtime gives one: the per-agency counter is not held locked
        # while the submission's transaction runs. A submission that then fails leaves a gap in
        # the numbers, never a number on two applications.
        # (Not when this transaction has written already, as when an agency reports a filing:
        # a second writer would wait on it.)
        number = await self._take_number(
            f"{agency.code}:{be_year(arrived_at)}", separately=forward and apart
        )
        application.delivery = delivery
        application.receipt_anchor = receipt_anchor(agency)  # the agency's rule when filed
        application.arrived_at = arrived_at
        if application.receipt_anchor == "portal" or not forward:
            # default: the portal is an announced channel, so entry here counts (and an
            # agency's own site is its own system).
            self._set_receipt_time(application, service, calendar, arrived_at)
        application.number = f"{agency.code}-{be_year(arrived_at)}-{number:06d}"
        digests = [AttachmentDigest(a.document_key, a.sha256) for a in view.attachments]
        application.content_digest = submission_digest(
            service_id=service.id, form=view.form, attachments=digests
        )
        receipt = self._receipt(application, service, agency, view.attachments)
        self.repository.add(receipt)
        self._apply(application, decision, Action.SUBMIT, actor, {"number": application.number})
        if forward:
            self.repository.add(
                OutboxMessage(
                    key=f"{application.id}:submit",
                    topic=TOPIC_SUBMITTED,
                    agency_code=agency.code,
                    application_id=application.id,
                    payload={
                        "application_id": application.id,
                        "number": application.number,
                        "service_id": service.id,
                        "unit_code": application.unit_code,
                    },
                    status="pending",
                    attempts=0,
                    available_at=self.now,
                    created_at=self.now,
                )
            )
        submitted = "submitted" if application.deemed_received_at else "submitted_to_agency_system"
        await self._notify(application, service, submitted, {})
        await audit.append(
            self.repository.session,
            at=self.now,
            actor=actor.label,
            action="application.submitted",
            subject=f"application:{application.id}",
            data={
                "number": application.number,
                "content_digest": application.content_digest,
                "arrived_at": _iso(application.arrived_at),
                "deemed_received_at": _iso(application.deemed_received_at),
            },
        )
        return receipt

    async def _take_number(self, scope: str, *, separately: bool) -> int:
        sessions = self.runtime.number_sessions
        if sessions is None or not separately:
            return await self.repository.next_number(scope)
        async with sessions() as session:
            number = await ApplicationRepository(session).next_number(scope)
            await session.commit()
        return number

    def _set_receipt_time(
        self, application: Application, service: EService, calendar: Any, entered_at: dt.datetime
    ) -> None:
        application.deemed_received_at = deemed_receipt_time(entered_at, calendar)
        application.due_working_days = service.total_working_days
        if service.total_working_days is not None:
            application.due_at = due_at(
                application.deemed_received_at, service.total_working_days, calendar
            )

    def _receipt(
        self,
        application: Application,
        service: EService,
        agency: Agency,
        attachments: Sequence[Attachment],
    ) -> Receipt:
        assert application.number is not None
        assert application.arrived_at is not None
        payload: dict[str, Any] = {
            "iss": self.runtime.issuer,
            "type": "application-receipt",
            "number": application.number,
            "application_id": application.id,
            "service": {"id": service.id, "name_th": service.name_th, "name_en": service.name_en},
            "agency": {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en},
            "unit_code": application.unit_code,
            "arrived_at": _iso(application.arrived_at),
            "deemed_received_at": _iso(application.deemed_received_at),
            "receipt_anchor": application.receipt_anchor,
            "due_at": _iso(application.due_at),
            "delivery": application.delivery,
            "content_digest": {"alg": "sha-256", "value": application.content_digest},
            "attachments": [
                {
                    "document": a.document_key,
                    "sha256": a.sha256,
                    "size": a.size,
                    "media_type": a.media_type,
                }
                for a in attachments
            ],
            "issued_at": _iso(self.now),
        }
        jws = self.runtime.signer.sign(payload)
        # The trusted timestamp covers the signed receipt itself (RFC 3161 message imprint).
        token = self.runtime.tsa.timestamp(hashlib.sha256(jws.encode("ascii")).digest())
        return Receipt(
            application_id=application.id,
            number=application.number,
            payload=payload,
            jws=jws,
            timestamp_token=token,
            created_at=self.now,
        )

    # --- the citizen's other actions ----------------------------------------------------

    async def withdraw(
        self, citizen: Citizen, application_id: str, reason: str | None
    ) -> Application:
        application = await self.owned(citizen, application_id)
        actor = Actor(ActorKind.CITIZEN, citizen.subject)
        if application.status == Status.DRAFT:
            raise Conflict(
                "A draft is not filed; delete it instead of withdrawing.", code="invalid_transition"
            )
        decision = self._decide(application, Action.WITHDRAW, actor)
        await self._transition(application, decision, Action.WITHDRAW, actor, {"reason": reason})
        service = await self._service(application.service_id)
        if service.integration_mode == "api":
            # The agency's back end is told too (it cancels the case there).
            self._follow_up(application, TOPIC_WITHDRAWN, "withdraw", {"reason": reason})
        return application

    async def provide_info(
        self, citizen: Citizen, application_id: str, note: str | None
    ) -> Application:
        """Answer the agency's request for information (the documents are uploaded first)."""
        application = await self.owned(citizen, application_id)
        actor = Actor(ActorKind.CITIZEN, citizen.subject)
        decision = self._decide(application, Action.PROVIDE_INFO, actor)
        answered = [
            a.document_key
            for a in await self.repository.attachments(application.id)
            if a.stage == "info_response"
        ]
        data: dict[str, Any] = {"note": note, "documents": answered}
        waited = await self._extend_due_date(application)
        if waited:
            data["due_extended_working_days"] = waited
        await self._transition(application, decision, Action.PROVIDE_INFO, actor, data)
        service = await self._service(application.service_id)
        if service.integration_mode == "api":
            # The answer goes to the agency's back end (the worker passes it on).
            self._follow_up(
                application,
                TOPIC_INFO_PROVIDED,
                f"info:{application.info_requests}",
                {"note": note, "documents": answered},
            )
        return application

    def _follow_up(
        self, application: Application, topic: str, what: str, payload: dict[str, Any]
    ) -> None:
        """An outbox message telling the agency's back end of a change made on the portal,
        in the same transaction as the change (at least once; the key makes it once there)."""
        self.repository.add(
            OutboxMessage(
                key=f"{application.id}:{what}",
                topic=topic,
                agency_code=application.agency_code,
                application_id=application.id,
                payload=payload,
                status="pending",
                attempts=0,
                available_at=self.now,
                created_at=self.now,
            )
        )

    async def _extend_due_date(self, application: Application) -> int:
        """The manual's time does not run while the agency waits for the citizen's documents
        (an interpretation of LFA s.8): the due date moves by the working days waited."""
        if application.due_at is None:
            return 0
        asked = [
            e.at
            for e in await self.repository.events(application.id)
            if e.kind == Action.REQUEST_INFO.value
        ]
        if not asked:
            return 0
        service = await self._service(application.service_id)
        calendar, _ = await self.catalog.working_calendar(service.agency)
        waited = working_days_between(
            asked[-1].astimezone(BANGKOK).date(), self.now.astimezone(BANGKOK).date(), calendar
        )
        if waited:
            due_day = application.due_at.astimezone(BANGKOK).date()
            application.due_at = calendar.close_of(
                add_working_days(due_day, waited, calendar)
            ).astimezone(dt.UTC)
        return waited

    async def delete_draft(self, citizen: Citizen, application_id: str) -> list[str]:
        application = await self.owned(citizen, application_id)
        self._require_draft(application)
        keys = [
            a.storage_key
            for a in await self.repository.attachments(application.id)
            if a.storage_key is not None
        ]
        for event in await self.repository.events(application.id):
            await self.repository.delete(event)
        for row in await self.repository.attachments(application.id):
            await self.repository.delete(row)
        await self.repository.delete(application)
        return keys

    # --- the agency's actions -----------------------------------------------------------

    async def agency_action(
        self,
        agency_code: str,
        staff: str,
        application_id: str,
        action: Action,
        *,
        reason: str | None,
        items: Sequence[Mapping[str, str]],
    ) -> Application:
        application = await self.of_agency(agency_code, application_id)
        actor = Actor(ActorKind.AGENCY, f"{agency_code}:{staff}")
        decision = self._decide(application, action, actor)
        data: dict[str, Any] = {}
        if action is Action.REQUEST_INFO:
            if not items:
                raise ValidationFailed(
                    "Say which documents or information are needed.",
                    errors=[FieldError("/body/items", "required", "At least one item.")],
                )
            application.info_requests += 1
            data["items"] = [dict(i) for i in items]
        if action is Action.REJECT and not reason:
            raise ValidationFailed(
                "A rejection states its reason.",
                errors=[FieldError("/body/reason", "required", "Give the reason.")],
            )
        if reason:
            data["reason"] = reason
        await self._transition(application, decision, action, actor, data)
        return application

    async def refer_to_office(
        self,
        agency_code: str,
        staff: str,
        application_id: str,
        unit_code: str,
        *,
        reason: str | None,
    ) -> Application:
        """R-10.5 on the back office: an officer passes a case on to the office of the same
        agency that is responsible. The deemed receipt time is kept; the new office has it
        from now."""
        application = await self.of_agency(agency_code, application_id)
        service = await self._service(application.service_id)
        await self._check_unit(service.agency, unit_code)
        if unit_code == application.unit_code:
            raise ValidationFailed(
                f"The case is already with {unit_code}.",
                errors=[FieldError("/body/unit_code", "same_unit", "Another office.")],
            )
        actor = Actor(ActorKind.AGENCY, f"{agency_code}:{staff}")
        await self.misroute(
            application.id, reason="wrong_office", to_unit=unit_code, actor=actor, note=reason
        )
        return await self.record_delivery(application.id, self.now, unit_code=unit_code)

    async def record_delivery(
        self,
        application_id: str,
        delivered_at: dt.datetime,
        *,
        agency_ref: str | None = None,
        unit_code: str | None = None,
    ) -> Application:
        """The application reached the agency (submitted, or misrouted, -> forwarded). For an
        agency whose own system's entry counts (R-10.3 `agency_backend`), this is the moment the
        deemed receipt time and the due date are computed from; otherwise they are kept (also
        when it was passed on to another office of the agency, R-10.5)."""
        application = await self.repository.get(application_id)
        if application is None:
            raise NotFound("No such application.", code="application_not_found")
        decision = self._decide(application, Action.FORWARD, SYSTEM)
        application.delivered_at = delivered_at
        if agency_ref is not None:
            application.agency_ref = agency_ref
        if unit_code is not None:
            application.unit_code = unit_code
        if application.deemed_received_at is None:
            service = await self._service(application.service_id)
            calendar, _ = await self.catalog.working_calendar(service.agency)
            self._set_receipt_time(application, service, calendar, delivered_at)
        await self._transition(
            application,
            decision,
            Action.FORWARD,
            SYSTEM,
            {
                "delivered_at": _iso(delivered_at),
                "deemed_received_at": _iso(application.deemed_received_at),
                "unit_code": application.unit_code,
            },
        )
        return application

    async def misroute(
        self,
        application_id: str,
        *,
        reason: str,
        to_unit: str | None = None,
        actor: Actor = SYSTEM,
        note: str | None = None,
    ) -> Application:
        """The receiving office lacks authority (R-10.5/10.6): recorded before the application
        is passed on."""
        application = await self.repository.get(application_id)
        if application is None:
            raise NotFound("No such application.", code="application_not_found")
        decision = self._decide(application, Action.MISROUTE, actor)
        data = {"why": reason, "from_unit": application.unit_code, "to_unit": to_unit}
        if note:
            data["reason"] = note
        await self._transition(application, decision, Action.MISROUTE, actor, data)
        return application

    async def redirect(
        self,
        application_id: str,
        responsible_agency: str,
        *,
        actor: Actor = SYSTEM,
        counterpart: EService | None = None,
        forwarded: Application | None = None,
    ) -> Application:
        """R-10.6: the application leaves this agency. Either the portal `forwarded` it to the
        responsible agency's `counterpart` service (a new application with its own receipt
        time), or the citizen is told, electronically, which agency is responsible and can
        resubmit there in one step (`POST /v1/applications/{id}/resubmit`, to `counterpart`
        when the catalog maps one)."""
        application = await self.repository.get(application_id)
        if application is None:
            raise NotFound("No such application.", code="application_not_found")
        decision = self._decide(application, Action.REDIRECT, actor)
        agency = await self.catalog_rows.get_agency(responsible_agency)
        data: dict[str, Any] = {
            "responsible_agency": responsible_agency,
            "agency_th": agency.name_th if agency else responsible_agency,
            "agency_en": agency.name_en if agency else responsible_agency,
            "on_portal": agency is not None,
            "service_id": counterpart.id if counterpart else None,
        }
        if forwarded is not None and counterpart is not None:
            data.update(
                forwarded_as=forwarded.id,
                new_number=forwarded.number,
                new_service_th=counterpart.name_th,
                new_service_en=counterpart.name_en,
            )
        await self._transition(
            application,
            decision,
            Action.REDIRECT,
            actor,
            data,
            notify_as="transferred" if forwarded is not None else None,
        )
        return application

    async def counterpart(self, service_id: str, agency_code: str) -> EService | None:
        """R-10.6: `agency_code`'s service that takes the same request as `service_id` (the
        catalog's counterparts), when the portal can file it there."""
        service = await self._service(service_id)
        for other_id in service.counterparts or []:
            other = await self.catalog_rows.get_service(other_id)
            if (
                other is not None
                and other.agency_code == agency_code
                and can_be_filed(other)
                and other.integration_mode != "web"
            ):
                return other
        return None

    def carried_over(self, original: Application, target: EService) -> dict[str, Any]:
        """What the citizen entered on `original` that `target`'s form takes (field by field;
        the rest is left out, never guessed)."""
        spec = forms.effective_form(target.form)
        entered: dict[str, Any] = self._open_form(original)["entered"]
        refused = set()
        for error in forms.check_draft(spec, entered):
            path = forms.pointer_path(error.pointer)
            if path:
                refused.add(path[0])
        return {k: v for k, v in entered.items() if k not in refused}

    async def complete_at(
        self, original: Application, target: EService, facts: Mapping[str, Any]
    ) -> bool:
        """Whether `original`, carried over to `target` with the state's data (`facts`) and the
        attachments that service takes, could be filed there as it is."""
        spec = forms.effective_form(target.form)
        data = forms.merge(
            spec, forms.prefill_values(spec, facts), self.carried_over(original, target)
        )
        documents = requirements(target)
        takes = {d.key for d in documents if d.source == "upload"}
        attachments = [  # what `transfer.copy_attachments` carries over: the uploads
            a
            for a in await self.repository.attachments(original.id)
            if a.document_key in takes and a.storage_key is not None
        ]
        return not self.missing_items(spec, data, documents, attachments)

    async def _redirected(
        self, citizen: Citizen, application_id: str
    ) -> tuple[Application, Mapping[str, Any]]:
        """The citizen's redirected application and its redirect's data (409 otherwise)."""
        original = await self.owned(citizen, application_id)
        if original.status != Status.REDIRECTED:
            raise Conflict(
                "Only an application redirected to another agency is resubmitted.",
                code="not_redirected",
            )
        events = await self.repository.events(original.id)
        redirect = next(e for e in reversed(events) if e.kind == Action.REDIRECT.value)
        return original, redirect.data

    async def resubmission_target(
        self, citizen: Citizen, application_id: str, service_id: str | None
    ) -> tuple[Application, EService]:
        """R-10.6, one step: the citizen's redirected application and the service it is filed
        again at: `service_id`, which must be the responsible agency's, or by default the
        service the catalog maps it to. Once, while the application made from it stands (a
        deleted draft does not count). Checked before anything is fetched or written."""
        original, redirect = await self._redirected(citizen, application_id)
        responsible = redirect.get("responsible_agency")
        service_id = service_id or redirect.get("service_id")
        if not service_id:
            raise ValidationFailed(
                "Say which service of the responsible agency to file at.",
                errors=[
                    FieldError(
                        "/body/service_id", "required", "A service of the responsible agency."
                    )
                ],
            )
        target = await self.catalog_rows.get_service(str(service_id))
        if target is None or target.agency_code != responsible:
            raise ValidationFailed(
                f"Resubmit to a service of {responsible}, the agency responsible.",
                errors=[
                    FieldError(
                        "/body/service_id", "not_responsible_agency", f"A {responsible} service."
                    )
                ],
            )
        for event in await self.repository.events(original.id):
            if event.kind == "resubmitted" and await self.repository.get(
                str(event.data.get("new_application_id"))
            ):
                raise Conflict(
                    "This application was already filed again at the responsible agency.",
                    code="already_resubmitted",
                )
        return original, target

    async def carry_over(
        self,
        citizen: Citizen,
        original: Application,
        target: EService,
        *,
        facts: Mapping[str, Any],
        actor: Actor,
        fetched: Mapping[str, Any] | None = None,
    ) -> Application:
        """R-10.6: a new draft at `target` from `original` (what its form takes of the
        citizen's entries, prefilled from the state again, with the documents the state issued
        `fetched` for it), recorded on both."""
        draft = await self.create_draft(
            citizen,
            target.id,
            entered=self.carried_over(original, target),
            facts=facts,
            fetched=fetched,
            unit_code=None,
            actor=actor,
            origin={"resubmission_of": original.id, "number": original.number},
        )
        # A change to the original too: two carry-overs at once collide on its version.
        original.updated_at = self.now
        self._event(
            original,
            "resubmitted",
            Status(original.status),
            Status(original.status),
            actor,
            {"new_application_id": draft.id, "service_id": target.id},
        )
        return draft

    async def read_by_staff(
        self, application: Application, agency_code: str, staff: str, what: str
    ) -> None:
        """R-15.1: every read of a citizen's data by agency staff is an audit line."""
        await audit.append(
            self.repository.session,
            at=self.now,
            actor=f"agency:{agency_code}:{staff}",
            action="application.read_by_staff",
            subject=f"application:{application.id}",
            data={"what": what},
        )

    # --- scheduled: overdue notices (R-LFA.4) -------------------------------------------

    async def overdue_applications(self) -> Sequence[str]:
        """Open applications whose overdue notice is due now (R-LFA.4), oldest due first."""
        return await self.repository.overdue(self.now, self.now - OVERDUE_NOTICE_EVERY)

    async def send_overdue_notice(self, application_id: str) -> bool:
        """Notify the citizen (copy to OPDC) that the application is past its due date, unless
        another process just did or it is no longer overdue. The caller commits: one
        application per transaction, so the job never holds locks across many."""
        notice_before = self.now - OVERDUE_NOTICE_EVERY
        notice = await self.repository.claim_overdue_notice(application_id, self.now, notice_before)
        if notice is None:
            return False
        application = await self.repository.get(application_id)
        assert application is not None
        await self.repository.session.refresh(application)
        assert application.due_at is not None
        service = await self._service(application.service_id)
        calendar, _ = await self.catalog.working_calendar(service.agency)
        late = working_days_between(
            application.due_at.astimezone(BANGKOK).date(),
            self.now.astimezone(BANGKOK).date(),
            calendar,
        )
        data = {"notice": notice, "working_days_overdue": late, "copied_to": "OPDC"}
        status = Status(application.status)
        self._event(application, "overdue_notice", status, status, SYSTEM, data)
        self.repository.add(
            OversightCopy(
                application_id=application.id,
                body="OPDC",
                notice_number=notice,
                working_days_overdue=late,
                created_at=self.now,
            )
        )
        await self._notify(application, service, "overdue", {"days": str(late)})
        await audit.append(
            self.repository.session,
            at=self.now,
            actor=SYSTEM.label,
            action="application.overdue_notice",
            subject=f"application:{application.id}",
            data=data,
        )
        return True

    # --- helpers ----------------------------------------------------------------------

    def _decide(self, application: Application, action: Action, actor: Actor) -> Decision:
        try:
            return decide(
                Snapshot(Status(application.status), application.info_requests), action, actor.kind
            )
        except TransitionRefused as refusal:
            raise Conflict(refusal.message, code=refusal.code) from refusal

    def _require_draft(self, application: Application) -> None:
        if application.status != Status.DRAFT:
            raise Conflict(
                f"Only a draft can be changed; this application is {application.status}.",
                code="not_a_draft",
            )

    def _apply(
        self,
        application: Application,
        decision: Decision,
        action: Action,
        actor: Actor,
        data: Mapping[str, Any],
    ) -> None:
        application.status = decision.target.value
        application.turn = decision.turn.value
        application.updated_at = self.now
        if decision.target in {Status.ISSUED, Status.WITHDRAWN, Status.REJECTED, Status.REDIRECTED}:
            application.closed_at = self.now
        self._event(application, action.value, decision.source, decision.target, actor, data)

    async def _transition(
        self,
        application: Application,
        decision: Decision,
        action: Action,
        actor: Actor,
        data: Mapping[str, Any],
        *,
        notify_as: str | None = None,
    ) -> None:
        self._apply(application, decision, action, actor, data)
        service = await self._service(application.service_id)
        await self._notify(application, service, notify_as or decision.target.value, data)
        await audit.append(
            self.repository.session,
            at=self.now,
            actor=actor.label,
            action=f"application.{action.value}",
            subject=f"application:{application.id}",
            data={"from": decision.source.value, "to": decision.target.value, **_auditable(data)},
        )

    def _event(
        self,
        application: Application,
        kind: str,
        source: Status | None,
        target: Status,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self.repository.add(
            ApplicationEvent(
                application_id=application.id,
                kind=kind,
                from_status=source.value if source else None,
                to_status=target.value,
                actor_kind=actor.kind.value,
                actor_id=actor.id,
                at=self.now,
                data=dict(data or {}),
            )
        )

    async def _notify(
        self, application: Application, service: EService, kind: str, data: Mapping[str, Any]
    ) -> None:
        """R-11.1: the citizen hears of it electronically; paper too when chosen."""
        values = {
            "number": application.number or "",
            "service_th": service.name_th,
            "service_en": service.name_en,
            "reason": str(data.get("reason") or "-"),
            "deemed_th": _bangkok(application.deemed_received_at),
            "deemed_en": _bangkok(application.deemed_received_at),
            "days": str(data.get("days", "")),
            "agency_th": str(data.get("agency_th", "-")),
            "agency_en": str(data.get("agency_en", "-")),
            "new_number": str(data.get("new_number", "-")),
            "new_service_th": str(data.get("new_service_th", "-")),
            "new_service_en": str(data.get("new_service_en", "-")),
        }
        items = data.get("items") or []
        values["items_th"] = ", ".join(i.get("name_th") or i.get("name_en", "") for i in items)
        values["items_en"] = ", ".join(i.get("name_en") or i.get("name_th", "") for i in items)
        message = render(kind, values)
        self.repository.add(
            Notification(
                citizen_id=application.citizen_id,
                application_id=application.id,
                kind=kind,
                title_th=message.title_th,
                title_en=message.title_en,
                body_th=message.body_th,
                body_en=message.body_en,
                data={"status": application.status, "number": application.number, **_small(data)},
                paper=application.delivery == "paper",
                created_at=self.now,
                read_at=None,
            )
        )

    async def _service(self, service_id: str) -> EService:
        service = await self.catalog_rows.get_service(service_id)
        if service is None:  # pragma: no cover - foreign key keeps it
            raise NotFound("The service is gone.", code="service_not_found")
        return service

    def _seal_form(self, application_id: str, value: dict[str, Any]) -> str:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return self.runtime.vault.encrypt(text, context=f"application:{application_id}:form")

    def _open_form(self, application: Application) -> dict[str, Any]:
        text = self.runtime.vault.decrypt(
            application.form_enc, context=f"application:{application.id}:form"
        )
        value: dict[str, Any] = json.loads(text)
        return value


def identity_facts(citizen: Citizen, vault: PIIVault) -> dict[str, Any]:
    """What the verified identity says, keyed by the form prefill vocabulary (R-12.1)."""
    profile = CitizenProfile.of(citizen, vault)
    return forms.identity_facts(
        first_name_th=profile.first_name_th,
        last_name_th=profile.last_name_th,
        first_name_en=profile.first_name_en,
        last_name_en=profile.last_name_en,
        birth_date_be=profile.birth_date_be,
    )


def _raise_field_errors(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed("Some form fields are invalid.", errors=errors)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def _bangkok(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M")


def _auditable(data: Mapping[str, Any]) -> dict[str, Any]:
    """What of an event goes into the audit chain, which can never be edited or erased: facts
    and identifiers, never free text someone typed (it may hold personal data)."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key in {"reason", "note"}:
            result[f"{key}_given"] = True
        elif key == "items":
            result["items"] = len(value)
            result["documents"] = sorted({i["document"] for i in value if i.get("document")})
        else:
            result[key] = value
    return result


def _small(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def receipt_document(receipt: Receipt) -> dict[str, Any]:
    """The receipt as clients get it: the signed JWS, its timestamp token (base64 DER) and
    the payload in the clear for display."""
    token = receipt.timestamp_token
    return {
        "number": receipt.number,
        "payload": receipt.payload,
        "jws": receipt.jws,
        "timestamp_token": base64.b64encode(token).decode("ascii") if token else None,
    }


async def add_wallet_document(
    repository: ApplicationRepository,
    citizen_id: str,
    *,
    kind: str,
    title_th: str,
    title_en: str,
    issuer_agency: str,
    blob: StoredBlob,
    issued_at: dt.datetime,
) -> WalletDocument:
    """Put a state-issued document into a citizen's wallet (used by the "receive" step)."""
    document = WalletDocument(
        id=str(uuid.uuid4()),
        citizen_id=citizen_id,
        kind=kind,
        title_th=title_th,
        title_en=title_en,
        issuer_agency=issuer_agency,
        media_type=blob.media_type,
        size=blob.size,
        sha256=blob.sha256,
        storage_key=blob.key,
        issued_at=issued_at,
    )
    repository.add(document)
    return document


__all__ = [
    "SYSTEM",
    "Actor",
    "ApplicationService",
    "ApplicationView",
    "ApplicationsRuntime",
    "Limits",
    "add_wallet_document",
    "identity_facts",
    "receipt_document",
    "requirements",
]
