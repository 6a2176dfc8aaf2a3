"""The citizen's wallet: documents the state issued through the portal. Any of them can be
attached to an application by reference instead of being uploaded again (R-12.1)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.documents.models import WalletDocument
from gateway.storage import StoredBlob
from payments.models import PaymentReceipt


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
        """The citizen's e-receipts (payments), newest first."""
        statement = (
            select(PaymentReceipt)
            .where(PaymentReceipt.citizen_id == citizen_id)
            .order_by(PaymentReceipt.issued_at.desc(), PaymentReceipt.number.desc())
        )
        return (await self.session.scalars(statement)).all()

    async def get(self, document_id: str) -> WalletDocument | None:
        return await self.session.get(WalletDocument, document_id)

    async def owned(self, citizen_id: str, document_id: str) -> WalletDocument | None:
        """The citizen's own document (someone else's is missing, like a wrong id)."""
        document = await self.get(document_id)
        return document if document is not None and document.citizen_id == citizen_id else None

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
    ) -> WalletDocument:
        """Put a state-issued document into a citizen's wallet (the "receive" step)."""
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
        self.session.add(document)
        return document
