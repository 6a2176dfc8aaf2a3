"""Catalog tables: agencies, their units, e-services and the life stages each serves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, UTCDateTime


class Agency(Base):
    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    short_name_th: Mapped[str | None] = mapped_column(String(100))
    short_name_en: Mapped[str | None] = mapped_column(String(100))
    ministry_th: Mapped[str] = mapped_column(String(300))
    ministry_en: Mapped[str] = mapped_column(String(300))
    integration_mode: Mapped[str] = mapped_column(String(16))
    receipt_anchor: Mapped[str] = mapped_column(String(16))
    website: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    calendar: Mapped[dict[str, Any]] = mapped_column(JSON)
    announced_channels: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    units: Mapped[list[AgencyUnit]] = relationship(
        back_populates="agency",
        order_by="AgencyUnit.code",
        cascade="all, delete-orphan",
        lazy="raise",  # loaded on purpose where shown (CatalogRepository.get_agency)
    )


class AgencyUnit(Base):
    """An office of an agency and the area it serves (provinces, districts)."""

    __tablename__ = "agency_units"

    agency_code: Mapped[str] = mapped_column(
        ForeignKey("agencies.code", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    provinces: Mapped[list[str]] = mapped_column(JSON)
    districts: Mapped[list[str]] = mapped_column(JSON)
    address: Mapped[dict[str, str] | None] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(50))

    agency: Mapped[Agency] = relationship(back_populates="units")


class EService(Base):
    """An e-service and its citizen manual (R-LFA.1), as the catalog publishes it."""

    __tablename__ = "e_services"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    integration_mode: Mapped[str] = mapped_column(String(16))
    min_assurance: Mapped[str] = mapped_column(String(16))
    in_person_required: Mapped[bool] = mapped_column(Boolean)
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    summary_th: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(String(500))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    total_working_days: Mapped[int | None] = mapped_column(Integer)
    # Normalised Thai + English names, summary, keywords and agency names, for substring
    # search: Thai is written without spaces between words, so word indexes do not apply.
    search_text: Mapped[str] = mapped_column(Text)
    eligibility: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    manual: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The application form (JSON Schema + prefill map); None: the service files no form.
    form: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # R-10.6: ids of other agencies' services that take the same request.
    counterparts: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    life_stages: Mapped[list[EServiceLifeStage]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EServiceLifeStage.life_stage"
    )


class EServiceLifeStage(Base):
    __tablename__ = "e_service_life_stages"
    __table_args__ = (Index("ix_e_service_life_stages_stage", "life_stage", "service_id"),)

    service_id: Mapped[str] = mapped_column(
        ForeignKey("e_services.id", ondelete="CASCADE"), primary_key=True
    )
    life_stage: Mapped[str] = mapped_column(String(32), primary_key=True)


class ExtraHoliday(Base):
    """A day off an operator declares (cabinet bridge days, or one agency's own closure)."""

    __tablename__ = "calendar_extra_holidays"
    __table_args__ = (
        Index("ix_calendar_extra_holidays_day", "day", "agency_code", unique=True),
        # NULLs never collide in a unique index, so cabinet days (no agency) need their own.
        Index(
            "uq_calendar_extra_holidays_cabinet_day",
            "day",
            unique=True,
            sqlite_where=text("agency_code IS NULL"),
            postgresql_where=text("agency_code IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    # None: every agency (a cabinet resolution); otherwise that agency only.
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
