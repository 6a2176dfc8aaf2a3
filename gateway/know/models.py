"""The citizen's consents: data a service's law does not already let the portal fetch is
fetched only while the citizen agrees, per purpose (one row per citizen and purpose; its
history is in the audit log)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, UTCDateTime


class Consent(Base):
    __tablename__ = "consents"

    citizen_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40), primary_key=True)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own attribute
