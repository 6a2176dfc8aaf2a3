"""Showing a document to someone by a link (R-14.1): time-limited, revocable by the holder.
The link's token is shown once; only its SHA-256 is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from documents.codes import new_share_token
from gateway.documents.models import DocumentShare, WalletDocument

MAX_SHARE = dt.timedelta(days=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Shares:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def create(
        self, document: WalletDocument, expires_at: dt.datetime, now: dt.datetime
    ) -> tuple[DocumentShare, str]:
        token = new_share_token()
        share = DocumentShare(
            id=str(uuid.uuid4()),
            document_id=document.id,
            citizen_id=document.citizen_id,
            token_sha256=token_hash(token),
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
            views=0,
        )
        self.session.add(share)
        return share, token

    async def of_document(self, document_id: str) -> Sequence[DocumentShare]:
        statement = (
            select(DocumentShare)
            .where(DocumentShare.document_id == document_id)
            .order_by(DocumentShare.created_at.desc(), DocumentShare.id)
        )
        return (await self.session.scalars(statement)).all()

    async def owned(self, citizen_id: str, document_id: str, share_id: str) -> DocumentShare | None:
        share = await self.session.get(DocumentShare, share_id)
        if share is None or share.citizen_id != citizen_id or share.document_id != document_id:
            return None
        return share

    async def open(
        self, token: str, now: dt.datetime
    ) -> tuple[DocumentShare, WalletDocument] | None:
        """The share and its document while the link works (not expired, not revoked)."""
        if not 20 <= len(token) <= 100:
            return None
        statement = (
            select(DocumentShare, WalletDocument)
            .join(WalletDocument, WalletDocument.id == DocumentShare.document_id)
            .where(DocumentShare.token_sha256 == token_hash(token))
        )
        row = (await self.session.execute(statement)).one_or_none()
        if row is None:
            return None
        share, document = row
        if share.revoked_at is not None or share.expires_at <= now:
            return None
        return share, document


def share_state(share: DocumentShare, now: dt.datetime) -> str:
    if share.revoked_at is not None:
        return "revoked"
    return "expired" if share.expires_at <= now else "active"
