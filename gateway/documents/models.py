"""Tables of documents: what the state issued to a citizen through the portal (the wallet)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, UTCDateTime


class WalletDocument(Base):
    """A document the state issued to the citizen through the portal (their wallet). It can be
    attached to an application by reference instead of being uploaded again (R-12.1)."""

    __tablename__ = "wallet_documents"
    __table_args__ = (Index("ix_wallet_documents_citizen", "citizen_id", "issued_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    kind: Mapped[str] = mapped_column(String(60))
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    issuer_agency: Mapped[str] = mapped_column(String(32))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


TABLES = (WalletDocument,)
