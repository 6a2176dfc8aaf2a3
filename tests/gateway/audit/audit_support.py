"""Helpers of the audit log tests (importable as `audit_support`): a way round the append-only
triggers, as a tamperer would take, and small reads of the stored chain."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from gateway.audit import GENESIS_HASH, AuditChainHead, AuditEntry

AUDIT_TABLES = ("audit_log", "audit_chain_head")
# Migration 0005 makes four on each database: row and TRUNCATE triggers on each table on
# PostgreSQL; UPDATE and DELETE triggers on each table on SQLite.
TRIGGER_COUNT = 4


@contextlib.asynccontextmanager
async def triggers_bypassed(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection on which the audit tables accept any change: what a database superuser,
    or someone editing a copy of the SQLite file, can do. Whatever it changes is committed."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # ALTER TABLE is transactional: the triggers are off for this transaction only.
            async with conn.begin():
                for table in AUDIT_TABLES:
                    await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
                yield conn
                for table in AUDIT_TABLES:
                    await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            return
        # SQLite cannot disable a trigger: drop them and put the same SQL back afterwards.
        triggers = (
            await conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('audit_log', 'audit_chain_head')"
                )
            )
        ).all()
        await conn.commit()
        try:
            for name, _ in triggers:
                await conn.execute(text(f'DROP TRIGGER "{name}"'))
            await conn.commit()
            yield conn
            await conn.commit()
        finally:
            await conn.rollback()
            for _, sql in triggers:
                await conn.execute(text(sql))
            await conn.commit()


async def live_triggers(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            query = (
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgrelid IN ('audit_log'::regclass, 'audit_chain_head'::regclass)"
            )
        else:
            query = (
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('audit_log', 'audit_chain_head')"
            )
        return int((await conn.execute(text(query))).scalar_one())


async def empty_chain(engine: AsyncEngine) -> None:
    async with triggers_bypassed(engine) as conn:
        await conn.execute(delete(AuditEntry))
        await conn.execute(delete(AuditChainHead))
        await conn.execute(insert(AuditChainHead).values(id=1, seq=0, hash=GENESIS_HASH))


async def stored_seqs(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))


async def head(session: AsyncSession) -> tuple[int, str]:
    row = (await session.execute(select(AuditChainHead.seq, AuditChainHead.hash))).one()
    return row.seq, row.hash


async def count_entries(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())
