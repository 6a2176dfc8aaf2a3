"""Times survive the database as the same instants, on SQLite as on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from gateway.catalog.models import ExtraHoliday
from gateway.config import Settings
from gateway.db import create_engine, session_factory


async def test_an_aware_time_reads_back_as_the_same_instant_in_utc(seeded: Settings) -> None:
    written = dt.datetime(2026, 4, 10, 17, 5, 30, 123456, tzinfo=ZoneInfo("Asia/Bangkok"))
    engine = create_engine(seeded)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            session.add(
                ExtraHoliday(
                    day=dt.date(2030, 1, 2), name_th="ทดสอบ", name_en="Test", created_at=written
                )
            )
        async with sessions() as session:
            row = (
                await session.scalars(select(ExtraHoliday).where(ExtraHoliday.name_en == "Test"))
            ).one()
            assert row.created_at == written
            assert row.created_at.tzinfo == dt.UTC
            assert row.created_at.hour == 10  # 17:05 in Bangkok is 10:05 UTC
    finally:
        async with sessions() as session, session.begin():
            await session.execute(delete(ExtraHoliday).where(ExtraHoliday.name_en == "Test"))
        await engine.dispose()


async def test_a_naive_time_is_refused_rather_than_guessed(seeded: Settings) -> None:
    engine = create_engine(seeded)
    try:
        async with session_factory(engine)() as session:
            session.add(
                ExtraHoliday(
                    day=dt.date(2030, 1, 3),
                    name_th="ทดสอบ",
                    name_en="Naive",
                    created_at=dt.datetime(2026, 4, 10, 17, 5),
                )
            )
            with pytest.raises(Exception, match="naive datetimes"):
                await session.flush()
    finally:
        await engine.dispose()
