"""Onboarding tables: a case per service taken through the 13 steps, what happened at each
step, the service flow model's versions, and the connector certifications submitted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class OnboardingCase(Base):
    __tablename__ = "onboarding_cases"
    __table_args__ = (
        Index("ix_onboarding_cases_status_step", "status", "step"),
        Index("ix_onboarding_cases_service", "service_id"),
        # One open case per service: two operators selecting it at once open one case (the
        # other's insert collides, and its request is decided again: 409 onboarding_case_exists).
        Index(
            "uq_onboarding_cases_open_service",
            "service_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    service_id: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(32))
    step: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # open | closed | live
    closed_reason: Mapped[str | None] = mapped_column(String(32))  # "declined"
    # The connector version the case goes live with; None: the one installed now.
    connector_version: Mapped[str | None] = mapped_column(String(64))
    coordinator: Mapped[str | None] = mapped_column(String(300))  # named at step 4
    # The e-service definition go-live publishes (EServiceDefinition, kept as a draft).
    definition: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The case this one was opened in place of (the agency of that one declined).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding_cases.id"))
    step_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # When the case last entered step 9: a certification must be newer (the adapted system).
    adapts_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    # Two operators acting on one step at once: the second UPDATE finds the version moved on.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own attribute


class OnboardingEvent(Base):
    """One thing done on a case: who (and as which role), what, when, what it produced."""

    __tablename__ = "onboarding_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    step: Mapped[int] = mapped_column(Integer)  # the step acted on
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    # [{"name": ..., "sha256": ...?, "content": {...}?}]
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    to_step: Mapped[int] = mapped_column(Integer)
    to_status: Mapped[str] = mapped_column(String(16))


class ServiceFlowModel(Base):
    """The to-be journey of a case's service; every PUT a new version, the older ones kept."""

    __tablename__ = "onboarding_flow_models"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_cases.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ConnectorCertification(Base):
    """A connector's signed certification summary submitted to a case, and what it says."""

    __tablename__ = "onboarding_certifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_cases.id", ondelete="CASCADE"), index=True
    )
    jws: Mapped[str] = mapped_column(Text)
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    agency_code: Mapped[str] = mapped_column(String(32))
    connector: Mapped[str] = mapped_column(String(100))
    connector_version: Mapped[str] = mapped_column(String(64))
    certified: Mapped[bool] = mapped_column(Boolean)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    report_sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


TABLES = (OnboardingCase, OnboardingEvent, ServiceFlowModel, ConnectorCertification)
