"""Audit tables (R-15.1): the append-only, hash-chained log and its one-row head, and the
citizen's data-access log (who fetched which of their data, when and why; each row is also an
entry of the chain).

Migration 0005 adds what the models cannot say: triggers refusing UPDATE and DELETE on
`audit_log` (and TRUNCATE on PostgreSQL), and refusing to move the head backwards or delete it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime
from persistence import BigId


class AuditEntry(Base):
    """One event: who (`actor`) did what (`action`) to which record (`subject`), and when."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq_positive"),
        Index("ix_audit_log_subject_seq", "subject", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(255))  # citizen:<sub>, agency:DLT, system, ...
    action: Mapped[str] = mapped_column(String(100))  # application.submitted, ...
    subject: Mapped[str] = mapped_column(String(255))  # application:<uuid>, ...
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The latest seq and hash. Appends lock this row first, so entries queue one behind
    another and the chain cannot fork; a log shorter than the head has lost entries."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class DataAccess(Base):
    """One fetch of a citizen's personal data (issue 14, after Estonia's Data Tracker): who
    (`accessor_kind`, `accessor`, `officer_id`), when (`at`), which data (`data_key`: a kind of
    data, never the data itself), whose records (`source`) and why (`purpose_kind`,
    `purpose_ref`, `service_id`). Append-only: nothing updates or deletes a row, and the entry
    at `audit_seq` in the hash chain holds the same facts, so a changed row is caught."""

    __tablename__ = "data_access"
    __table_args__ = (Index("ix_data_access_citizen_id", "citizen_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The gateway's citizen id (identity's directory), never the national ID.
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accessor_kind: Mapped[str] = mapped_column(String(16))  # portal | agency | officer
    accessor: Mapped[str] = mapped_column(String(32))  # "portal" or the agency's code
    officer_id: Mapped[str | None] = mapped_column(String(80))  # the agency's staff id
    data_key: Mapped[str] = mapped_column(String(80))  # civil_registry.person, DLT.licences
    source: Mapped[str] = mapped_column(String(32))  # whose records: DOPA, DLT, portal
    purpose_kind: Mapped[str] = mapped_column(String(24))  # identity, once_only, case, ...
    purpose_ref: Mapped[str | None] = mapped_column(String(120))  # application number, service
    service_id: Mapped[str | None] = mapped_column(String(80))
    audit_seq: Mapped[int] = mapped_column(BigInteger)
