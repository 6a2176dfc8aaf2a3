"""Attachments: scans and photos uploaded for a document the manual asks for, or a document
the state issued, attached from the wallet by reference (R-12.1). Copies need no signature or
certification (R-7.2), and one set is enough (R-7.3)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from gateway.applications.context import Context
from gateway.applications.lifecycle import Action, Status
from gateway.applications.models import Application, Attachment
from gateway.applications.reading import Reader
from gateway.applications.shown import requirements
from gateway.applications.transitions import Transitions
from gateway.catalog.models import EService
from gateway.idempotency import Idempotency
from gateway.storage import StoredBlob
from identity import CitizenRef
from kernel.errors import Conflict, FieldError, NotFound, PayloadTooLarge, ValidationFailed

UPLOAD_STAGES = {Status.DRAFT: "submission", Status.NEEDS_INFO: "info_response"}


class Attachments:
    def __init__(self, ctx: Context, reader: Reader, transitions: Transitions) -> None:
        self.ctx = ctx
        self.reader = reader
        self.transitions = transitions

    async def allowance(
        self, citizen: CitizenRef, application_id: str, *, key: str | None, scope: str
    ) -> tuple[int, int]:
        """(bytes, files) an upload to this application may still bring, or a refusal when it
        takes none. A retry of an upload that was stored (its Idempotency-Key answered) gets
        the whole allowance: its answer is replayed, whatever the application holds now."""
        limits = self.ctx.runtime.limits
        if key is not None:
            records = Idempotency(
                self.ctx.session, citizen.id, self.ctx.now, self.ctx.runtime.vault
            )
            if await records.exists(key, scope):
                return limits.max_application_bytes, limits.max_attachments
        application = await self.reader.owned(citizen, application_id)
        upload_stage(application)
        existing = await self.ctx.repository.attachments(application.id)
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
        citizen: CitizenRef,
        application_id: str,
        document_key: str,
        blobs: Sequence[tuple[str, StoredBlob]],
    ) -> list[Attachment]:
        """Record stored uploads (filename, blob) as attachments for `document_key`."""
        ctx = self.ctx
        application = await self.reader.owned(citizen, application_id)
        stage = upload_stage(application)
        service = await self.reader.service(application.service_id)
        check_document_key(
            service, document_key, upload=True, requested=await self._requested_keys(application)
        )
        # Re-check the allowance inside the transaction: two uploads may have raced.
        existing = await ctx.repository.attachments(application.id)
        limits = ctx.runtime.limits
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
                created_at=ctx.now,
            )
            ctx.repository.add(row)
            rows.append(row)
        application.updated_at = ctx.now
        await ctx.uow.flush()
        return rows

    async def attach_from_wallet(
        self, citizen: CitizenRef, application_id: str, document_key: str, wallet_document_id: str
    ) -> Attachment:
        """Attach a document the state already issued to this citizen, by reference (R-12.1)."""
        ctx = self.ctx
        application = await self.reader.owned(citizen, application_id)
        stage = upload_stage(application)
        service = await self.reader.service(application.service_id)
        check_document_key(service, document_key, upload=False)
        document = await ctx.wallet.owned(citizen.id, wallet_document_id)
        if document is None:
            raise NotFound("No such document in your wallet.", code="wallet_document_not_found")
        existing = await ctx.repository.attachments(application.id)
        if len(existing) >= ctx.runtime.limits.max_attachments:
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
            created_at=ctx.now,
        )
        ctx.repository.add(row)
        application.updated_at = ctx.now
        await ctx.uow.flush()
        return row

    async def remove(self, citizen: CitizenRef, application_id: str, attachment_id: str) -> None:
        """Take an attachment off a draft; its upload is deleted once that commits."""
        ctx = self.ctx
        application = await self.reader.owned(citizen, application_id)
        self.transitions.require_draft(application)
        row = await self.reader.attachment_of(application, attachment_id)
        await ctx.repository.delete(row)
        application.updated_at = ctx.now
        if row.storage_key is not None:
            ctx.uow.obsolete(row.storage_key)

    async def copy(
        self, citizen: CitizenRef, original: Application, draft: Application, target: EService
    ) -> None:
        """Copy the original's attachments that `target` asks for onto `draft` (R-10.6; new
        blobs: the two applications' files never share storage). The new blobs are deleted
        again if the unit of work does not commit."""
        ctx = self.ctx
        store, limits = ctx.runtime.store, ctx.runtime.limits
        takes = {d.key for d in requirements(target) if d.source == "upload"}
        for attachment in await ctx.repository.attachments(original.id):
            if attachment.document_key not in takes or attachment.storage_key is None:
                continue
            blob = await store.put(
                f"attachments/{uuid.uuid4()}",
                store.open(attachment.storage_key),
                max_bytes=limits.max_attachment_bytes,
            )
            ctx.uow.wrote(blob.key)
            await self.add_uploads(
                citizen, draft.id, attachment.document_key, [(attachment.filename, blob)]
            )

    async def _requested_keys(self, application: Application) -> set[str]:
        """Document keys the agency asked for that the manual may not list (R-LFA.2)."""
        if application.status != Status.NEEDS_INFO:
            return set()
        keys: set[str] = set()
        for event in await self.ctx.tracker.events(application.id):
            if event.kind == Action.REQUEST_INFO.value:
                keys |= {i["document"] for i in event.data.get("items", []) if i.get("document")}
        return keys


def upload_stage(application: Application) -> str:
    stage = UPLOAD_STAGES.get(Status(application.status))
    if stage is None:
        raise Conflict(
            f"Attachments cannot be added while the application is {application.status}.",
            code="invalid_transition",
        )
    return stage


def check_document_key(
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
