"""SQL for the catalog. Nothing outside this module writes catalog queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from gateway.catalog.models import Agency, AgencyUnit, EService, EServiceLifeStage, ExtraHoliday
from gateway.catalog.search import like_pattern
from gateway.pagination import bytewise

LIVE = "live"


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def live_counts_by_category(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(EService.category, func.count())
            .where(EService.status == LIVE)
            .group_by(EService.category)
        )
        return dict(rows.all())

    async def search(
        self,
        *,
        terms: Sequence[str],
        category: str | None,
        life_stage: str | None,
        agency: str | None,
        after: str | None,
        limit: int,
    ) -> Sequence[EService]:
        stmt = select(EService).where(EService.status == LIVE)
        for term in terms:
            stmt = stmt.where(EService.search_text.like(like_pattern(term), escape="\\"))
        if category:
            stmt = stmt.where(EService.category == category)
        if agency:
            stmt = stmt.where(EService.agency_code == agency)
        if life_stage:
            stmt = stmt.where(
                EService.id.in_(
                    select(EServiceLifeStage.service_id).where(
                        EServiceLifeStage.life_stage == life_stage
                    )
                )
            )
        if after is not None:
            stmt = stmt.where(bytewise(EService.id) > after)
        result = await self.session.scalars(stmt.order_by(bytewise(EService.id)).limit(limit))
        return result.unique().all()

    async def get_service(self, service_id: str) -> EService | None:
        result = await self.session.scalars(
            select(EService).where(EService.id == service_id, EService.status == LIVE)
        )
        return result.unique().one_or_none()

    async def agencies(self) -> Sequence[Agency]:
        """Every agency, without its units."""
        return (await self.session.scalars(select(Agency).order_by(Agency.code))).all()

    async def agency_codes(self) -> list[str]:
        return list((await self.session.scalars(select(Agency.code).order_by(Agency.code))).all())

    async def get_agency(self, code: str) -> Agency | None:
        """One agency with its units."""
        return await self.session.get(Agency, code, options=[selectinload(Agency.units)])

    async def live_counts_by_agency(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(EService.agency_code, func.count())
            .where(EService.status == LIVE)
            .group_by(EService.agency_code)
        )
        return dict(rows.all())

    async def live_count_of_agency(self, code: str) -> int:
        count = await self.session.scalar(
            select(func.count()).where(EService.status == LIVE, EService.agency_code == code)
        )
        return int(count or 0)

    async def extra_holidays(self, agency_code: str | None = None) -> Sequence[ExtraHoliday]:
        """Cabinet days (for everyone), plus one agency's own days when it is named."""
        stmt = select(ExtraHoliday).order_by(ExtraHoliday.day)
        if agency_code is None:
            stmt = stmt.where(ExtraHoliday.agency_code.is_(None))
        else:
            stmt = stmt.where(
                or_(ExtraHoliday.agency_code.is_(None), ExtraHoliday.agency_code == agency_code)
            )
        return (await self.session.scalars(stmt)).all()

    async def all_extra_holidays(self) -> Sequence[ExtraHoliday]:
        stmt = select(ExtraHoliday).order_by(ExtraHoliday.day, ExtraHoliday.agency_code)
        return (await self.session.scalars(stmt)).all()

    async def find_extra_holiday(
        self, day: dt.date, agency_code: str | None
    ) -> ExtraHoliday | None:
        stmt = select(ExtraHoliday).where(ExtraHoliday.day == day)
        stmt = stmt.where(
            ExtraHoliday.agency_code.is_(None)
            if agency_code is None
            else ExtraHoliday.agency_code == agency_code
        )
        return (await self.session.scalars(stmt)).one_or_none()

    def add(self, row: Agency | AgencyUnit | EService | ExtraHoliday) -> None:
        self.session.add(row)

    async def delete_extra_holiday(self, holiday_id: int) -> bool:
        result = await self.session.execute(
            delete(ExtraHoliday).where(ExtraHoliday.id == holiday_id)
        )
        return bool(getattr(result, "rowcount", 0))
