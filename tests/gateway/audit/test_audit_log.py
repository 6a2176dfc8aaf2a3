"""The audit log in the database (R-15.1): appends join the caller's transaction, the database
refuses to rewrite entries, and verify names the first broken link after tampering that went
round the database's refusal."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from audit_support import count_entries, head, stored_seqs, triggers_bypassed
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.audit import GENESIS_HASH, AuditChainHead, AuditEntry, append, entries_about, verify
from gateway.audit.chain import entry_hash

BANGKOK = ZoneInfo("Asia/Bangkok")
T0 = dt.datetime(2026, 4, 10, 9, 0, 0, 250000, tzinfo=BANGKOK)

Sessions = async_sessionmaker[AsyncSession]


async def fill(sessions: Sessions, n: int, *, per_transaction: int = 50) -> None:
    """`n` entries, as a few services would write them, committed `per_transaction` at a time."""
    done = 0
    while done < n:
        async with sessions() as session, session.begin():
            for _ in range(min(per_transaction, n - done)):
                done += 1
                await append(
                    session,
                    at=T0 + dt.timedelta(minutes=done, microseconds=done),
                    actor=("citizen:sub-7", "agency:DLT", "staff:DLT:somchai", "system")[done % 4],
                    action=("application.submitted", "application.read_by_staff")[done % 2],
                    subject=f"application:{done % 9:04d}",
                    data={"n": done, "note": "ยื่นคำขอ", "fees": [0, 1.5]},
                )


async def report_of(sessions: Sessions, *, batch: int = 1000) -> tuple[bool, int, int | None, str]:
    async with sessions() as session:
        report = await verify(session, batch=batch)
    return report.ok, report.entries_checked, report.first_broken_seq, report.reason or ""


@pytest.mark.rule("R-15.1")
async def test_a_chain_of_a_few_hundred_entries_verifies(sessions: Sessions) -> None:
    await fill(sessions, 300)
    for batch in (1000, 64, 1):  # batch edges fall inside the chain and on its end
        assert await report_of(sessions, batch=batch) == (True, 300, None, "")
    async with sessions() as session:
        report = await verify(session)
        assert await stored_seqs(session) == list(range(1, 301))
        assert await head(session) == (300, report.head_hash)
    assert report.head_seq == 300


async def test_an_empty_log_verifies(sessions: Sessions) -> None:
    async with sessions() as session:
        report = await verify(session)
    assert (report.ok, report.entries_checked, report.head_hash) == (True, 0, GENESIS_HASH)


async def test_append_links_each_entry_to_the_one_before(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        first = await append(
            session, at=T0, actor="citizen:sub-1", action="application.submitted", subject="a:1"
        )
        second = await append(
            session,
            at=T0,
            actor="staff:DLT:somchai",
            action="application.read_by_staff",
            subject="a:1",
            data={"fields": ("name", "address")},
        )
    assert (first.seq, first.prev_hash, first.data) == (1, GENESIS_HASH, {})
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert second.data == {"fields": ["name", "address"]}  # as the JSON column gives it back
    assert second.at == T0
    assert second.at.tzinfo == dt.UTC
    async with sessions() as session:
        assert await head(session) == (2, second.hash)
        assert [e.actor for e in await entries_about(session, "a:1")] == [
            "citizen:sub-1",
            "staff:DLT:somchai",
        ]
        assert await entries_about(session, "a:2") == []


@pytest.mark.rule("R-15.1")
async def test_append_commits_or_rolls_back_with_the_callers_transaction(
    sessions: Sessions,
) -> None:
    async with sessions() as session:
        async with session.begin():
            await append(session, at=T0, actor="system", action="probe.kept", subject="p:1")
        await session.begin()
        await append(session, at=T0, actor="system", action="probe.undone", subject="p:2")
        await session.rollback()  # the state change failed: its audit line goes with it

    async with sessions() as session, session.begin():
        third = await append(session, at=T0, actor="system", action="probe.kept", subject="p:3")
    assert third.seq == 2  # no gap where the rolled-back entry was
    async with sessions() as session:
        assert await stored_seqs(session) == [1, 2]
    assert await report_of(sessions) == (True, 2, None, "")


async def test_append_refuses_what_it_could_not_hash_faithfully(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match="timezone-aware"):
            await append(
                session, at=dt.datetime(2026, 1, 1), actor="system", action="x", subject="y"
            )
        with pytest.raises(ValueError, match="actor"):
            await append(session, at=T0, actor="", action="x", subject="y")
        with pytest.raises(ValueError, match="bytes"):
            await append(
                session, at=T0, actor="system", action="x", subject="y", data={"b": "x" * 5000}
            )
    async with sessions() as session:
        assert await head(session) == (0, GENESIS_HASH)


@pytest.mark.rule("R-15.1")
async def test_concurrent_appends_queue_into_one_unbroken_chain(sessions: Sessions) -> None:
    async def writer(name: str) -> None:
        for i in range(50):
            async with sessions() as session, session.begin():
                await append(session, at=T0, actor=name, action="probe", subject=f"p:{i}")
                await asyncio.sleep(0)  # let the other writer reach the head while we hold it

    await asyncio.gather(writer("agency:DLT"), writer("agency:DOPA"))

    assert await report_of(sessions) == (True, 100, None, "")
    async with sessions() as session:
        assert await stored_seqs(session) == list(range(1, 101))
        by_actor = await session.execute(
            select(AuditEntry.actor, func.count()).group_by(AuditEntry.actor)
        )
        assert dict(by_actor.all()) == {"agency:DLT": 50, "agency:DOPA": 50}


@pytest.mark.rule("R-15.1")
async def test_the_database_refuses_to_change_or_remove_entries(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    await fill(sessions, 3)
    refusals = [
        update(AuditEntry).where(AuditEntry.seq == 2).values(data={"n": 99}),
        delete(AuditEntry).where(AuditEntry.seq == 3),
        update(AuditChainHead).values(seq=1),  # winding the head back over a cut
        delete(AuditChainHead),
    ]
    for statement in refusals:
        async with sessions() as session:
            with pytest.raises(DBAPIError, match=r"R-15\.1"):
                await session.execute(statement)
    if engine.dialect.name == "postgresql":  # SQLite has no TRUNCATE
        async with sessions() as session:
            with pytest.raises(DBAPIError, match=r"R-15\.1"):
                await session.execute(text("TRUNCATE audit_log"))
    async with sessions() as session:
        assert await count_entries(session) == 3
    assert await report_of(sessions) == (True, 3, None, "")


@pytest.mark.rule("R-15.1")
async def test_verify_names_an_entry_whose_data_was_edited(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    await fill(sessions, 40)
    async with triggers_bypassed(engine) as conn:
        await conn.execute(update(AuditEntry).where(AuditEntry.seq == 17).values(data={"n": 0}))
    assert await report_of(sessions, batch=10) == (
        False,
        16,
        17,
        "hash does not match the entry's contents",
    )


@pytest.mark.rule("R-15.1")
async def test_verify_names_the_link_after_an_entry_forged_with_a_fresh_hash(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    await fill(sessions, 10)
    async with triggers_bypassed(engine) as conn:
        # The forger knows the scheme and recomputes the edited entry's own hash.
        await conn.execute(
            update(AuditEntry).where(AuditEntry.seq == 5).values(actor="staff:DLT:mallory")
        )
    async with sessions() as session:
        forged = (await entries_about(session, "application:0005"))[0]
    rehashed = entry_hash(
        forged.prev_hash,
        seq=forged.seq,
        at=forged.at,
        actor=forged.actor,
        action=forged.action,
        subject=forged.subject,
        data=forged.data,
    )
    async with triggers_bypassed(engine) as conn:
        await conn.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(hash=rehashed))
    assert await report_of(sessions) == (
        False,
        5,
        6,
        "prev_hash does not match the hash of seq 5",
    )


@pytest.mark.rule("R-15.1")
async def test_verify_names_an_entry_removed_from_the_middle(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    await fill(sessions, 30)
    async with triggers_bypassed(engine) as conn:
        await conn.execute(delete(AuditEntry).where(AuditEntry.seq == 12))
    assert await report_of(sessions, batch=7) == (
        False,
        11,
        12,
        "seq 12 is missing (next entry is 13)",
    )


@pytest.mark.rule("R-15.1")
async def test_verify_names_the_last_entry_when_it_was_removed(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    await fill(sessions, 20)
    async with triggers_bypassed(engine) as conn:
        await conn.execute(delete(AuditEntry).where(AuditEntry.seq == 20))
    ok, checked, seq, reason = await report_of(sessions)
    assert (ok, checked, seq) == (False, 19, 20)
    assert reason == "the head records seq 20 but the log ends at seq 19: seq 20 missing"
