"""Tables of the submit-and-track journey: applications, their attachments, timeline, receipts,
the citizen's inbox, the outbox to agencies, idempotency records and number counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.persistence import Base, UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


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


class ApplicationEvent(Base):
    """One line of an application's timeline: every transition, with actor and time."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # created | an Action value
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(200))  # agency:<code>:<client>/<officer>
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


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


class Notification(Base):
    """A message in the citizen's inbox (R-11.1). The id orders the server-sent-event stream."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_citizen_id", "citizen_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    application_id: Mapped[str | None] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    body_th: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Paper is sent too when the citizen chose it at submission.
    paper: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OversightCopy(Base):
    """A copy of an overdue notice for the oversight body (OPDC), R-LFA.4."""

    __tablename__ = "oversight_copies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    body: Mapped[str] = mapped_column(String(16))  # OPDC
    notice_number: Mapped[int] = mapped_column(Integer)
    working_days_overdue: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A message for an agency, written in the same transaction as the state change that
    caused it; the worker delivers it (at least once, with `key` as the idempotency key)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "available_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    topic: Mapped[str] = mapped_column(String(60))
    agency_code: Mapped[str] = mapped_column(String(32))
    application_id: Mapped[str | None] = mapped_column(ForeignKey("applications.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending | in_flight | done | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A worker's claim: while `locked_until` is ahead, no other worker takes the message; a
    # worker that died mid-call lets it go when the lease runs out (at-least-once delivery).
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class IdempotencyRecord(Base):
    """The first response to a create request with an `Idempotency-Key` (kept 24 h)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("owner", "key", name="uq_idempotency_records_owner_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(80))  # who sent it: citizen id
    key: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(200))  # method and route, e.g. POST /v1/applications
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class NumberCounter(Base):
    """The last application number given per agency and Buddhist-Era year."""

    __tablename__ = "application_number_counters"

    scope: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


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


# Parents before children (delete in reverse).
TABLES = (
    WalletDocument,
    Application,
    Attachment,
    ApplicationEvent,
    Receipt,
    Notification,
    OversightCopy,
    OutboxMessage,
    IdempotencyRecord,
    NumberCounter,
)
