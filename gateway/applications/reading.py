"""Reading applications: whose they are, and an application as its owner (or its agency)
sees it: the form, the documents the manual asks for, what is still missing, the timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.applications.context import Context
from gateway.applications.lifecycle import Status
from gateway.applications.models import Application, Attachment, Receipt
from gateway.applications.repository import Stamp
from gateway.applications.shown import DocumentRequirement, ShownService, requirements
from gateway.catalog import forms
from gateway.catalog.definitions import Manual, can_file
from gateway.catalog.models import EService
from gateway.tracking.models import ApplicationEvent
from identity import CitizenRef
from kernel.errors import NotFound


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


@dataclass(frozen=True)
class Download:
    """An attachment's bytes, as stored, and what a client needs to check them."""

    blob_key: str
    filename: str
    media_type: str
    size: int
    sha256: str


def fetch_plan(service: EService) -> list[FetchPlan]:
    manual = Manual.model_validate(service.manual)
    return [
        FetchPlan(key, document.issuer.agency_code, document.fetch_kind)
        for key, document in manual.keyed_documents()
        if document.source == "portal_fetch" and document.fetch_kind and document.issuer.agency_code
    ]


def can_be_filed(service: EService) -> bool:
    """R-7.1 with R-7.5: every live service that is filed at all can be filed electronically;
    personal-appearance services and link-outs are informed, not filed, on the portal."""
    return service.status == "live" and can_file(
        in_person_required=service.in_person_required,
        integration_mode=service.integration_mode,
    )


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


def position_of(row: Application) -> str:
    """Where a page of applications ended (created_at, id), as a cursor's payload."""
    return f"{row.created_at.isoformat()}|{row.id}"


def after_position(payload: str) -> tuple[dt.datetime, str]:
    at, _, last_id = payload.partition("|")
    return dt.datetime.fromisoformat(at), last_id


class Reader:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def owned_stamp(self, citizen: CitizenRef, application_id: str) -> Stamp:
        """What the citizen's own application shows depends on, in one statement (404 for
        someone else's, like a missing one)."""
        stamp = await self.ctx.repository.stamp(application_id)
        if stamp is None or stamp.citizen_id != citizen.id:
            raise NotFound("No such application.", code="application_not_found")
        return stamp

    async def owned_view(self, citizen: CitizenRef, application_id: str) -> ApplicationView:
        """The citizen's own application as they see it: three statements however long its
        timeline (the application with its receipt, its attachments, its timeline; its
        e-service comes from the process's cache while it is unchanged). Someone else's
        application answers 404 like a missing one."""
        found = await self.ctx.repository.shown(application_id)
        if found is None or found[0].citizen_id != citizen.id:
            raise NotFound("No such application.", code="application_not_found")
        application, receipt, version = found
        services = self.ctx.runtime.services
        shown = services.get(version)
        if shown is None:
            service = await self.ctx.repository.detached_service(application.service_id)
            if service is None:  # pragma: no cover - foreign key keeps it
                raise NotFound("The service is gone.", code="service_not_found")
            shown = ShownService(service, requirements(service))
            services.put(version, shown)
        return await self._view(application, shown.service, receipt, shown.documents)

    async def owned(self, citizen: CitizenRef, application_id: str) -> Application:
        """The citizen's own application; someone else's is reported exactly like a missing
        one (404), so ids cannot be probed."""
        application = await self.ctx.repository.get(application_id)
        if application is None or application.citizen_id != citizen.id:
            raise NotFound("No such application.", code="application_not_found")
        return application

    async def of_agency(self, agency_code: str, application_id: str) -> Application:
        application = await self.ctx.repository.get(application_id)
        if (
            application is None
            or application.agency_code != agency_code
            or application.status == Status.DRAFT
        ):
            raise NotFound("No such application.", code="application_not_found")
        return application

    async def citizen_page(
        self, citizen: CitizenRef, *, limit: int, cursor: str | None
    ) -> tuple[Sequence[Application], str | None]:
        """A page of the citizen's own applications, newest first, and the next cursor."""
        repository = self.ctx.repository

        async def rows(after: tuple[dt.datetime, str] | None) -> Sequence[Application]:
            return await repository.of_citizen(citizen.id, limit=limit + 1, after=after)

        return await self._page(f"applications:{citizen.id}", limit, cursor, rows)

    async def agency_page(
        self, agency_code: str, *, status: Status | None, limit: int, cursor: str | None
    ) -> tuple[Sequence[Application], str | None]:
        """A page of the applications filed with an agency, oldest first (a work queue)."""
        repository, wanted = self.ctx.repository, status.value if status else None

        async def rows(after: tuple[dt.datetime, str] | None) -> Sequence[Application]:
            return await repository.of_agency(
                agency_code, status=wanted, limit=limit + 1, after=after
            )

        return await self._page(f"agency:{agency_code}:{status}", limit, cursor, rows)

    async def _page(
        self,
        fingerprint: str,
        limit: int,
        cursor: str | None,
        rows: Callable[[tuple[dt.datetime, str] | None], Awaitable[Sequence[Application]]],
    ) -> tuple[Sequence[Application], str | None]:
        """One keyset page (`rows` asks for one more than `limit`, to know if more follow)."""
        codec = self.ctx.cursors
        found = await rows(after_position(codec.decode(cursor, fingerprint)) if cursor else None)
        page = found[:limit]
        more = len(found) > limit
        return page, codec.encode(fingerprint, position_of(page[-1])) if more else None

    async def get(self, application_id: str) -> Application:
        """Any application, for the system's own work (the worker, the agency's answers)."""
        application = await self.ctx.repository.get(application_id)
        if application is None:
            raise NotFound("No such application.", code="application_not_found")
        return application

    async def service(self, service_id: str) -> EService:
        service = await self.ctx.catalog_rows.get_service(service_id)
        if service is None:  # pragma: no cover - foreign key keeps it
            raise NotFound("The service is gone.", code="service_not_found")
        return service

    async def view(self, application: Application) -> ApplicationView:
        service = await self.service(application.service_id)
        receipt = await self.ctx.repository.receipt(application.id)
        return await self._view(application, service, receipt, requirements(service))

    async def _view(
        self,
        application: Application,
        service: EService,
        receipt: Receipt | None,
        documents: list[DocumentRequirement],
    ) -> ApplicationView:
        ctx = self.ctx
        stored = ctx.open_form(application)
        spec = forms.effective_form(service.form)
        data = forms.merge(spec, stored["prefilled"], stored["entered"])
        attachments = await ctx.repository.attachments(application.id)
        missing = []
        if application.status == Status.DRAFT:
            missing = missing_items(spec, data, documents, attachments)
        return ApplicationView(
            application=application,
            service=service,
            form=data,
            prefilled=sorted(stored["prefilled"]),
            attachments=attachments,
            events=await ctx.tracker.events(application.id),
            missing=missing,
            documents=documents,
            receipt=receipt,
            fetched=stored.get("fetched", {}),
        )

    async def receipt(self, citizen: CitizenRef, application_id: str) -> Receipt:
        application = await self.owned(citizen, application_id)
        receipt = await self.ctx.repository.receipt(application.id)
        if receipt is None:
            raise NotFound("The application has not been submitted.", code="receipt_not_found")
        return receipt

    async def attachment_of(self, application: Application, attachment_id: str) -> Attachment:
        row = await self.ctx.repository.attachment(application.id, attachment_id)
        if row is None:
            raise NotFound("No such attachment.", code="attachment_not_found")
        return row

    async def download(self, application: Application, attachment_id: str) -> Download:
        """An attachment's stored bytes: its upload, or the wallet document it refers to."""
        row = await self.attachment_of(application, attachment_id)
        blob_key = row.storage_key
        if blob_key is None:
            assert row.wallet_document_id is not None
            document = await self.ctx.wallet.get(row.wallet_document_id)
            if document is None:  # pragma: no cover - foreign key keeps it
                raise NotFound("The wallet document is gone.", code="attachment_not_found")
            blob_key = document.storage_key
        return Download(blob_key, row.filename, row.media_type, row.size, row.sha256)
