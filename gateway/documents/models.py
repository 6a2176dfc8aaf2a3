"""Tables of documents: what the state issued to a citizen through the portal (the wallet),
the links a holder shares them by, and citizens' requests for permit information (R-21.1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, UTCDateTime

#: A document's standing, as the verification page and the register show it.
VALID, SUSPENDED, REVOKED = "valid", "suspended", "revoked"


class WalletDocument(Base):
    """A document the state issued to the citizen through the portal (their wallet). It can be
    attached to an application by reference instead of being uploaded again (R-12.1).

    An e-document the gateway issued (receive) also has its number, its verification code, its
    standing and the facts it prints (`facts_enc`, encrypted: they name the holder); the signed
    PDF is the blob at `storage_key` and the credential its JWS."""

    __tablename__ = "wallet_documents"
    __table_args__ = (
        Index("ix_wallet_documents_citizen", "citizen_id", "issued_at"),
        UniqueConstraint("issuer_agency", "number", name="uq_wallet_documents_number"),
        Index("ix_wallet_documents_register", "issuer_agency", "registered", "issued_at"),
        Index("ix_wallet_documents_expiry", "valid_until", "expiry_notified_at"),
    )

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
    # --- an e-document the portal issued and signed --------------------------------------------
    number: Mapped[str | None] = mapped_column(String(60), default=None)
    application_id: Mapped[str | None] = mapped_column(String(36), unique=True, default=None)
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    verification_code: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(16), default=VALID)
    status_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    valid_from: Mapped[dt.date | None] = mapped_column(Date(), default=None)
    valid_until: Mapped[dt.date | None] = mapped_column(Date(), default=None)
    facts_enc: Mapped[str | None] = mapped_column(Text(), default=None)
    credential: Mapped[str | None] = mapped_column(Text(), default=None)
    signer_serial: Mapped[str | None] = mapped_column(String(64), default=None)
    # The public register: listed, under the holder's masked name; found by the
    # keyed index of the holder's full name (never stored in clear).
    registered: Mapped[bool] = mapped_column(default=False)
    holder_masked: Mapped[str | None] = mapped_column(String(200), default=None)
    holder_index: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    # When the holder was told it expires soon (once).
    expiry_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class DocumentShare(Base):
    """A link by which the holder shows one document to whoever holds it, until it expires or
    the holder revokes it (R-14.1). Only the token's SHA-256 is kept."""

    __tablename__ = "document_shares"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("wallet_documents.id"), index=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    views: Mapped[int] = mapped_column(Integer, default=0)


class PermitInformationRequest(Base):
    """A citizen's request for information about permits not yet public, answered by the
    agency within 3 working days, free (R-21.1)."""

    __tablename__ = "permit_information_requests"
    __table_args__ = (Index("ix_permit_information_requests_agency", "agency_code", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    permit_number: Mapped[str | None] = mapped_column(String(60), default=None)
    question_enc: Mapped[str] = mapped_column(Text())
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    answer_enc: Mapped[str | None] = mapped_column(Text(), default=None)
    answered_by: Mapped[str | None] = mapped_column(String(80), default=None)
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


TABLES = (WalletDocument, DocumentShare, PermitInformationRequest)
