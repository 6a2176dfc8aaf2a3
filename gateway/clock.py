"""The simulated clock, shared by every gateway process through one database row.

Each process keeps a `SimulatedClock` (real time + offset) and follows the stored offset,
re-reading it every second. Changes go through the database: `set` writes an absolute offset,
`advance` adds to the stored one in SQL, so two processes advancing at once both count. One
lock per process orders the follow loop and changes, so a stale read never undoes a change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import BigInteger, Integer, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from kernel.clock import SimulatedClock, advance_step, check_simulated_time
from kernel.errors import ValidationFailed
from persistence import Base, UTCDateTime

log = logging.getLogger("gateway.clock")
_ROW = 1


class SimulationClock(Base):
    """The simulated clock's offset from real time, so every process shows the same time."""

    __tablename__ = "simulation_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    offset_microseconds: Mapped[int] = mapped_column(BigInteger)
    # The CLOCK_START value last applied, so restarts with the same setting do not reset time.
    applied_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class SharedClock:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: SimulatedClock) -> None:
        self.sessions = sessions
        self.clock = clock
        self._lock = asyncio.Lock()

    async def start(self, clock_start: dt.datetime | None) -> None:
        """Join the shared time. CLOCK_START applies once per configured value: a restarted
        or added worker with the same setting joins the running time instead of resetting it."""
        try:
            async with self._lock, self.sessions() as session, session.begin():
                row = await session.get(SimulationClock, _ROW)
                if row is None:
                    row = SimulationClock(id=_ROW, offset_microseconds=0, applied_start=None)
                    session.add(row)
                if clock_start is not None and row.applied_start != clock_start:
                    row.offset_microseconds = _micros(self.clock.offset_to(clock_start))
                    row.applied_start = clock_start
                row.updated_at = dt.datetime.now(dt.UTC)
                self.clock.adopt(dt.timedelta(microseconds=row.offset_microseconds))
        except IntegrityError:  # another worker created the row first: follow it
            await self.refresh()
        except (SQLAlchemyError, OSError) as exc:
            # Unmigrated or unreachable: keep local time; /readyz reports the database.
            if clock_start is not None:
                self.clock.set(clock_start)
            log.warning("simulated clock not shared: %s", type(exc).__name__)

    async def refresh(self) -> None:
        try:
            async with self._lock, self.sessions() as session:
                row = await session.get(SimulationClock, _ROW)
                if row is not None:
                    self.clock.adopt(dt.timedelta(microseconds=row.offset_microseconds))
        except (SQLAlchemyError, OSError) as exc:
            log.warning("simulated clock not refreshed: %s", type(exc).__name__)

    async def set(self, instant: dt.datetime) -> None:
        try:
            offset = self.clock.offset_to(instant)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from exc
        async with self._lock, self.sessions() as session, session.begin():
            await session.merge(
                SimulationClock(
                    id=_ROW,
                    offset_microseconds=_micros(offset),
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
            self.clock.adopt(offset)

    async def advance(self, seconds: float) -> None:
        try:
            step = advance_step(seconds)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from exc
        async with self._lock, self.sessions() as session, session.begin():
            await session.execute(
                update(SimulationClock)
                .where(SimulationClock.id == _ROW)
                .values(
                    offset_microseconds=SimulationClock.offset_microseconds + _micros(step),
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
            row = await session.get(SimulationClock, _ROW, populate_existing=True)
            stored = dt.timedelta(microseconds=row.offset_microseconds if row else _micros(step))
            try:
                check_simulated_time(self.clock.now() - self.clock.offset + stored)
            except ValueError as exc:
                await session.rollback()
                raise ValidationFailed(str(exc)) from exc
            self.clock.adopt(stored)
