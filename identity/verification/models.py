"""Tables of identity verification. PII is stored only encrypted (kernel.crypto)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, UTCDateTime


class Citizen(Base):
    """A person who has proven their identity through the portal."""

    __tablename__ = "citizens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The OIDC subject: random, stable, never the national ID.
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    national_id_index: Mapped[str] = mapped_column(String(64), unique=True)  # keyed blind index
    national_id_enc: Mapped[str] = mapped_column(Text)
    first_name_th_enc: Mapped[str] = mapped_column(Text)
    last_name_th_enc: Mapped[str] = mapped_column(Text)
    first_name_en_enc: Mapped[str | None] = mapped_column(Text)
    last_name_en_enc: Mapped[str | None] = mapped_column(Text)
    birth_date_be_enc: Mapped[str] = mapped_column(Text)
    assurance: Mapped[str] = mapped_column(String(16))  # the level last proven
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class IdentityVerification(Base):
    """One attempt to prove an identity: the card step, then a one-time face challenge."""

    __tablename__ = "identity_verifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    national_id_index: Mapped[str] = mapped_column(String(64), index=True)
    # The checked card data, encrypted; cleared as soon as the verification is decided.
    card_enc: Mapped[str | None] = mapped_column(Text)
    challenge_nonce: Mapped[str] = mapped_column(String(64), unique=True)
    challenge_action: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    client_key: Mapped[str] = mapped_column(String(128))
    # The OpenID Connect authorization request this verification completes, if any.
    authorization_request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(32))  # why it was decided so
    assurance: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AttemptCounter(Base):
    """Failed attempts per national ID (blind index) and per client, for lockout."""

    __tablename__ = "identity_attempt_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
