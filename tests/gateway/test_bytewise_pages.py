"""Keyset pages walk string ids in byte order, whatever the database's collation.

On PostgreSQL the walk runs in a database of its own whose default collation is ICU en-US (a
linguistic order: '-' and '_' weigh less than letters, case is a late tie-break), the way an
`en_US` cluster sorts; on SQLite in a file of its own. Every row must come back exactly once,
in the order of its bytes, one small page at a time."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.applications.models import Application
from gateway.applications.repository import ApplicationRepository
from gateway.catalog.models import Agency, EService, EServiceLifeStage
from gateway.catalog.repository import CatalogRepository
from gateway.config import Settings
from gateway.db import create_engine, session_factory
from identity.verification.models import Citizen
from persistence import Base

TEST_DATABASE_ENV = "CITIZEN_GATEWAY_TEST_DATABASE_URL"
# Ids whose byte order differs from a linguistic one in case, punctuation and '-' vs '_'.
IDS = ["a-1", "A-1", "a_1", "a1", "a", "aB", "Ab", "a.b", "B", "b", "_x", "-y", "Z", "z-z", "z_z"]
EARLY = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 1, 6, 3, 0, tzinfo=dt.UTC)
PAGE = 2


def _admin_dsn(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database="postgres")
        .render_as_string(hide_password=False)
    )


@pytest.fixture
async def session(settings: Settings, tmp_path: Path) -> AsyncIterator[AsyncSession]:
    """A session on an empty database of its own: ICU en-US on PostgreSQL, a file on SQLite."""
    base_url = os.environ.get(TEST_DATABASE_ENV)
    admin: asyncpg.Connection | None = None
    if base_url:
        name = f"{make_url(base_url).database}_icu_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(_admin_dsn(base_url))
        await admin.execute(
            f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
            "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        )
        url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    else:
        name = ""
        url = f"sqlite+aiosqlite:///{tmp_path}/bytewise.db"
    engine = create_engine(settings.model_copy(update={"database_url": url}))
    try:
        models = (Agency, EService, EServiceLifeStage, Citizen, Application)
        tables = [Base.metadata.tables[m.__tablename__] for m in models]
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=tables))
        async with session_factory(engine)() as s:
            await _rows(s)
            yield s
    finally:
        await engine.dispose()
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.close()


async def _rows(session: AsyncSession) -> None:
    await session.execute(
        insert(Agency).values(
            code="AGY",
            name_th="หน่วยงาน",
            name_en="Agency",
            ministry_th="กระทรวง",
            ministry_en="Ministry",
            integration_mode="api",
            receipt_anchor="arrival",
            calendar={},
            announced_channels=[],
            updated_at=EARLY,
        )
    )
    service = {
        "agency_code": "AGY",
        "category": "welfare",
        "status": "live",
        "integration_mode": "api",
        "min_assurance": "IAL1.1",
        "in_person_required": False,
        "name_th": "บริการ",
        "name_en": "Service",
        "summary_th": "",
        "summary_en": "",
        "search_text": "",
        "manual": {},
        "updated_at": EARLY,
    }
    await session.execute(insert(EService), [{**service, "id": i} for i in IDS])
    await session.execute(
        insert(Citizen).values(
            id="citizen-1",
            subject="subject-1",
            national_id_index="index-1",
            national_id_enc="",
            first_name_th_enc="",
            last_name_th_enc="",
            birth_date_be_enc="",
            assurance="IAL2.3",
            created_at=EARLY,
            verified_at=EARLY,
        )
    )
    application = {
        "citizen_id": "citizen-1",
        "service_id": IDS[0],
        "agency_code": "AGY",
        "status": "submitted",
        "turn": "agency",
        "form_enc": "",
        "delivery": "electronic",
        "receipt_anchor": "arrival",
        "updated_at": EARLY,
    }
    # Two instants, so a page boundary falls both within a tie and across it.
    await session.execute(
        insert(Application),
        [
            {**application, "id": i, "created_at": EARLY if n % 3 else LATE}
            for n, i in enumerate(IDS)
        ],
    )
    await session.commit()


async def test_the_catalog_walks_service_ids_in_byte_order(session: AsyncSession) -> None:
    repository = CatalogRepository(session)
    seen: list[str] = []
    after: str | None = None
    while True:
        rows = await repository.search(
            terms=[], category=None, life_stage=None, agency=None, after=after, limit=PAGE + 1
        )
        page = [r.id for r in rows[:PAGE]]
        seen += page
        if len(rows) <= PAGE:
            break
        after = page[-1]
    assert seen == sorted(IDS)  # Python compares code points: the UTF-8 byte order


def _expected(newest_first: bool) -> list[str]:
    created = {i: (EARLY if n % 3 else LATE) for n, i in enumerate(IDS)}
    return sorted(IDS, key=lambda i: (created[i], i), reverse=newest_first)


Position = tuple[dt.datetime, str]


async def _walk_applications(
    fetch: Callable[[Position | None], Awaitable[Sequence[Application]]],
) -> list[str]:
    seen: list[str] = []
    after: Position | None = None
    while True:
        rows = await fetch(after)
        page = list(rows[:PAGE])
        seen += [a.id for a in page]
        if len(rows) <= PAGE:
            return seen
        after = (page[-1].created_at, page[-1].id)


async def test_a_citizens_applications_walk_newest_first_then_by_id_bytes(
    session: AsyncSession,
) -> None:
    repository = ApplicationRepository(session)
    seen = await _walk_applications(
        lambda after: repository.of_citizen("citizen-1", limit=PAGE + 1, after=after)
    )
    assert seen == _expected(newest_first=True)


async def test_an_agencys_applications_walk_oldest_first_then_by_id_bytes(
    session: AsyncSession,
) -> None:
    repository = ApplicationRepository(session)
    seen = await _walk_applications(
        lambda after: repository.of_agency("AGY", status=None, limit=PAGE + 1, after=after)
    )
    assert seen == _expected(newest_first=False)
