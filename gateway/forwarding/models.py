"""Tables of forwarding: agencies' status events (kept in their order), callback nonces (replay
protection) and Web Integration launch tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.applications.models import BigId
from kernel.persistence import Base, UTCDateTime


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


TABLES = (AgencyEvent, CallbackNonce, LaunchToken)
