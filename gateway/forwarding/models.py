"""Tables of forwarding: the outbox to agencies, agencies' status events (kept in their order),
callback nonces (replay protection) and Web Integration launch tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, BigId, UTCDateTime


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


class AgencyEvent(Base):
    """A status event an agency reported (callback or poll), applied in the agency's `seq`
    order: a duplicate is kept once, one that arrives early waits for the missing ones."""

    __tablename__ = "agency_events"
    __table_args__ = (
        UniqueConstraint("application_id", "seq", name="uq_agency_events_application_seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # the agency's time of the change
    status: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CallbackNonce(Base):
    """A nonce an agency's signed call used; seen again within the window, it is a replay."""

    __tablename__ = "callback_nonces"
    __table_args__ = (
        UniqueConstraint("agency_code", "nonce", name="uq_callback_nonces_agency_nonce"),
        Index("ix_callback_nonces_seen", "seen_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(128))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LaunchToken(Base):
    """A one-time `mToken` opening an agency's own web e-service for one citizen and one
    application (Web Integration). Only its SHA-256 is kept."""

    __tablename__ = "launch_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    agency_code: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


TABLES = (OutboxMessage, AgencyEvent, CallbackNonce, LaunchToken)
