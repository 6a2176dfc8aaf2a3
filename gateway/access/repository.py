"""SQL of the citizen's data-access view: names of the agencies and e-services on a page."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.catalog.models import Agency, EService

#: Thai and English names, by agency code or service id.
Names = dict[str, tuple[str, str]]


async def agency_names(session: AsyncSession, codes: Collection[str]) -> Names:
    """The agencies of `codes` the catalog knows (others are left out)."""
    rows = await session.execute(
        select(Agency.code, Agency.name_th, Agency.name_en).where(Agency.code.in_(codes))
    )
    return {code: (th, en) for code, th, en in rows}


async def service_names(session: AsyncSession, ids: Collection[str]) -> Names:
    """The e-services of `ids` the catalog knows (others are left out)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(EService.id, EService.name_th, EService.name_en).where(EService.id.in_(ids))
    )
    return {service_id: (th, en) for service_id, th, en in rows}
