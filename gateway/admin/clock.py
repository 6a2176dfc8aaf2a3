"""The simulated clock, shared by every gateway process through the database."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.admin.models import SimulationClock
from kernel.clock import Clock, SimulatedClock
from kernel.errors import Forbidden, ValidationFailed

log = logging.getLogger("gateway.clock")
_ROW = 1


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


async def store_offset(sessions: async_sessionmaker[AsyncSession], clock: SimulatedClock) -> None:
    async with sessions() as session, session.begin():
        row = await session.get(SimulationClock, _ROW)
        if row is None:
            row = SimulationClock(id=_ROW)
            session.add(row)
        row.offset_microseconds = _micros(clock.offset)
        row.updated_at = dt.datetime.now(dt.UTC)


async def load_offset(sessions: async_sessionmaker[AsyncSession], clock: SimulatedClock) -> None:
    """Adopt the offset another process stored; keep ours when there is none or no table yet."""
    try:
        async with sessions() as session:
            row = await session.get(SimulationClock, _ROW)
    except (SQLAlchemyError, OSError) as exc:
        # Unmigrated or unreachable: keep our own time; /readyz reports the database state.
        log.warning("simulation clock not loaded: %s", type(exc).__name__)
        return
    if row is not None:
        clock.adopt(dt.timedelta(microseconds=row.offset_microseconds))


def simulated(clock: Clock) -> SimulatedClock:
    if not isinstance(clock, SimulatedClock):
        raise Forbidden(
            "This gateway runs on the system clock; simulated time is refused.",
            code="simulation_only",
        )
    return clock


async def move_clock(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    set_to: dt.datetime | None,
    advance_seconds: float | None,
) -> SimulatedClock:
    sim = simulated(clock)
    try:
        if set_to is not None:
            sim.set(set_to)
        elif advance_seconds is not None:
            sim.advance(advance_seconds)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    await store_offset(sessions, sim)
    return sim
