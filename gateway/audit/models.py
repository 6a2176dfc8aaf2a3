"""Audit tables (R-15.1): the append-only, hash-chained log and its one-row head.

Migration 0005 adds what the models cannot say: triggers refusing UPDATE and DELETE on
`audit_log` (and TRUNCATE on PostgreSQL), and refusing to move the head backwards or delete it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


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
