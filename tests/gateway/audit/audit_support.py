"""Helpers of the audit log tests (importable as `audit_support`): a way round the append-only
triggers, as a tamperer would take, and small reads of the stored chain."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from support import triggers_bypassed

from gateway.audit import GENESIS_HASH, AuditChainHead, AuditEntry

__all__ = [
    "count_entries",
    "empty_chain",
    "head",
    "live_triggers",
    "stored_seqs",
    "triggers_bypassed",
]

# Migration 0005 makes four on each database: row and TRUNCATE triggers on each table on
# PostgreSQL; UPDATE and DELETE triggers on each table on SQLite.
TRIGGER_COUNT = 4


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
