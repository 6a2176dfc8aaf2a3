"""Audit log fixtures: an empty chain per test, with the append-only triggers in place.

The database is shared by the whole test session, so each test starts by emptying the audit
tables and resetting the head. That needs the triggers out of the way, exactly as a tamperer
would need them out of the way (`triggers_bypassed`); they are back in place afterwards, and
the `engine` fixture checks so at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from audit_support import TRIGGER_COUNT, empty_chain, live_triggers
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.config import Settings
from gateway.db import create_engine, session_factory


@pytest.fixture
async def engine(migrated: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated)
    try:
        await empty_chain(engine)
        yield engine
        assert await live_triggers(engine) == TRIGGER_COUNT, "a test left the audit triggers off"
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)
