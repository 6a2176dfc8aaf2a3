"""Tables of filing: applications, their attachments, receipts and number counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, UTCDateTime


class Application(Base):
    """One citizen's application for one e-service, from draft to its final state."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_citizen_created", "citizen_id", "created_at", "id"),
        Index("ix_applications_agency_status", "agency_code", "status"),
        Index("ix_applications_open_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Human-readable, given at submission: <AGENCY>-<BE year>-<sequence>, e.g. DLT-2569-000042.
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    service_id: Mapped[str] = mapped_column(ForeignKey("e_services.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    unit_code: Mapped[str | None] = mapped_column(String(32))  # the office it is addressed to
    status: Mapped[str] = mapped_column(String(24))
    turn: Mapped[str] = mapped_column(String(16))
    # Form data holds personal data (names, address): encrypted at rest like all PII.
    form_enc: Mapped[str] = mapped_column(Text)
    delivery: Mapped[str] = mapped_column(String(16))  # electronic | paper
    info_requests: Mapped[int] = mapped_column(Integer, default=0)  # R-LFA.2: at most one
    receipt_anchor: Mapped[str] = mapped_column(String(16))
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deemed_received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    due_working_days: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    content_digest: Mapped[str | None] = mapped_column(String(64))
    overdue_notices: Mapped[int] = mapped_column(Integer, default=0)
    last_overdue_notice_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The agency's own reference and the last of its status events applied (by its `seq`).
    agency_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    agency_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on every change; a concurrent change to the same application loses and retries.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Attachment(Base):
    """A document attached to an application: an upload (stored blob) or a wallet reference."""

    __tablename__ = "application_attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    document_key: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    wallet_document_id: Mapped[str | None] = mapped_column(ForeignKey("wallet_documents.id"))
    # submission: part of the filed set; info_response: sent after a request for information.
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Receipt(Base):
    """The acknowledgement given at submission (R-10.4): signed at once; its RFC 3161 token
    is kept with it."""

    __tablename__ = "receipts"

    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[str] = mapped_column(String(40), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    jws: Mapped[str] = mapped_column(Text)
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class NumberCounter(Base):
    """The last application number given per agency and Buddhist-Era year."""

    __tablename__ = "application_number_counters"

    scope: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# Parents before children (delete in reverse).
TABLES = (Application, Attachment, Receipt, NumberCounter)
