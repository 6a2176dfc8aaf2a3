"""The citizen's wallet: documents the state issued through the portal. Any of them can be
attached to an application by reference instead of being uploaded again (R-12.1).

An e-document the portal issued keeps the facts it prints encrypted (`facts_enc`: they name
the holder), bound to the document's id; `seal_facts` and `open_facts` are the only way in and
out."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from documents.facts import DocumentFacts
from gateway.documents.models import WalletDocument
from gateway.storage import StoredBlob
from kernel.crypto import PIIVault
from payments.models import PaymentReceipt


def seal_facts(vault: PIIVault, document_id: str, facts: DocumentFacts) -> str:
    text = json.dumps(facts.as_json(), ensure_ascii=False, separators=(",", ":"))
    return vault.encrypt(text, context=f"document:{document_id}:facts")


def open_facts(vault: PIIVault, document: WalletDocument) -> DocumentFacts | None:
    """What the document prints; None for a wallet entry the portal did not issue itself."""
    if document.facts_enc is None:
        return None
    text = vault.decrypt(document.facts_enc, context=f"document:{document.id}:facts")
    return DocumentFacts.from_json(json.loads(text))


class Wallet:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_citizen(self, citizen_id: str) -> Sequence[WalletDocument]:
        statement = (
            select(WalletDocument)
            .where(WalletDocument.citizen_id == citizen_id)
            .order_by(WalletDocument.issued_at.desc(), WalletDocument.id)
        )
        return (await self.session.scalars(statement)).all()

    async def receipts_of(self, citizen_id: str) -> Sequence[PaymentReceipt]:
        """The citizen's e-receipts (payments) that have no PDF in the wallet yet, newest
        first (once rendered, the receipt is a wallet document of its own)."""
        rendered = select(WalletDocument.receipt_number).where(
            WalletDocument.citizen_id == citizen_id, WalletDocument.receipt_number.is_not(None)
        )
        statement = (
            select(PaymentReceipt)
            .where(PaymentReceipt.citizen_id == citizen_id)
            .where(PaymentReceipt.number.not_in(rendered))
            .order_by(PaymentReceipt.issued_at.desc(), PaymentReceipt.number.desc())
        )
        return (await self.session.scalars(statement)).all()

    async def get(self, document_id: str) -> WalletDocument | None:
        return await self.session.get(WalletDocument, document_id)

    async def owned(self, citizen_id: str, document_id: str) -> WalletDocument | None:
        """The citizen's own document (someone else's is missing, like a wrong id)."""
        document = await self.get(document_id)
        return document if document is not None and document.citizen_id == citizen_id else None

    async def by_code(self, code: str) -> WalletDocument | None:
        statement = select(WalletDocument).where(WalletDocument.verification_code == code)
        return (await self.session.scalars(statement)).one_or_none()

    async def by_number(self, agency_code: str, number: str) -> WalletDocument | None:
        statement = select(WalletDocument).where(
            WalletDocument.issuer_agency == agency_code, WalletDocument.number == number
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def of_application(self, application_id: str) -> WalletDocument | None:
        statement = select(WalletDocument).where(WalletDocument.application_id == application_id)
        return (await self.session.scalars(statement)).one_or_none()

    async def of_receipt(self, receipt_number: str) -> WalletDocument | None:
        statement = select(WalletDocument).where(WalletDocument.receipt_number == receipt_number)
        return (await self.session.scalars(statement)).one_or_none()

    def add(
        self,
        citizen_id: str,
        *,
        kind: str,
        title_th: str,
        title_en: str,
        issuer_agency: str,
        blob: StoredBlob,
        issued_at: dt.datetime,
        document_id: str | None = None,
    ) -> WalletDocument:
        """Put a state-issued document into a citizen's wallet (the "receive" step)."""
        document = WalletDocument(
            id=document_id or str(uuid.uuid4()),
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
            status="valid",
            registered=False,
        )
        self.session.add(document)
        return document
