"""SQL of the audit log (R-15.1): append inside the caller's transaction, verify the chain.

`append` never commits: the audit line commits or rolls back with the state change it records,
so the log holds exactly the events that happened. Appends queue on the head row's lock, so
seqs are gap-free and every entry links to the one committed before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.chain import Break, ChainWalker, entry_hash, normalise_data, utc_instant
from gateway.audit.models import AuditChainHead, AuditEntry

HEAD_ID = 1
_LIMITS = {"actor": 255, "action": 100, "subject": 255}


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found. `first_broken_seq` and `reason` name the first broken link; when
    the chain is intact, `head_hash` is the hash that vouches for every entry up to `head_seq`
    (worth recording outside the database: a log cut back together with its head can only be
    caught against such a copy)."""

    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    head_seq: int | None = None
    head_hash: str | None = None


@dataclass(frozen=True)
class _Stored:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    data: Mapping[str, Any]
    prev_hash: str
    hash: str


async def append(
    session: AsyncSession,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry at the end of the chain, in the session's current transaction.

    Takes the head row's lock (PostgreSQL) or the database write lock (SQLite) until the
    caller commits or rolls back. Under PostgreSQL REPEATABLE READ or SERIALIZABLE a
    concurrent append makes this fail with a serialization error, to be retried as a whole.
    """
    for field, value in (("actor", actor), ("action", action), ("subject", subject)):
        if not value or len(value) > _LIMITS[field]:
            raise ValueError(f"audit {field} must be 1 to {_LIMITS[field]} characters")
    utc_instant(at)  # a naive time is refused before the lock is taken
    payload = normalise_data(data)

    # Claiming the next seq is the first write, so the lock comes before the previous hash
    # is read: two transactions can never both extend the same entry.
    head = (
        await session.execute(
            update(AuditChainHead)
            .where(AuditChainHead.id == HEAD_ID)
            .values(seq=AuditChainHead.seq + 1)
            .returning(AuditChainHead.seq, AuditChainHead.hash)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if head is None:
        raise RuntimeError("the audit chain head is missing: run the migrations (0005)")
    seq, prev_hash = head

    at = at.astimezone(dt.UTC)
    digest = entry_hash(
        prev_hash, seq=seq, at=at, actor=actor, action=action, subject=subject, data=payload
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=payload,
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(entry)
    await session.flush()
    await session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(hash=digest)
        .execution_options(synchronize_session=False)
    )
    return entry


@dataclass(frozen=True)
class Entry:
    """An audit entry to append (`append_many`)."""

    at: dt.datetime
    actor: str
    action: str
    subject: str
    data: Mapping[str, Any] | None = None


async def append_many(session: AsyncSession, entries: Sequence[Entry]) -> list[int]:
    """Add several entries at the end of the chain, in order, taking the head once (a job that
    records many changes in one transaction: one claim, one flush, one head update); their
    seqs, in order."""
    if not entries:
        return []
    payloads = []
    for entry in entries:
        for field, value in (
            ("actor", entry.actor),
            ("action", entry.action),
            ("subject", entry.subject),
        ):
            if not value or len(value) > _LIMITS[field]:
                raise ValueError(f"audit {field} must be 1 to {_LIMITS[field]} characters")
        utc_instant(entry.at)
        payloads.append(normalise_data(entry.data))
    step = (
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(seq=AuditChainHead.seq + 1)
        .execution_options(synchronize_session=False)
    )
    head = (
        await session.execute(step.returning(AuditChainHead.seq, AuditChainHead.hash))
    ).one_or_none()
    if head is None:
        raise RuntimeError("the audit chain head is missing: run the migrations (0005)")
    first_seq, prev_hash = head
    # The head moves one entry at a time (the database refuses a jump: migration 0005), so
    # each further entry is claimed by a statement of its own; the hashes are chained here and
    # the head takes the last one at the end.
    for _ in range(len(entries) - 1):
        await session.execute(step)
    seq = first_seq - 1
    seqs = []
    for entry, payload in zip(entries, payloads, strict=True):
        seq += 1
        seqs.append(seq)
        at = entry.at.astimezone(dt.UTC)
        digest = entry_hash(
            prev_hash,
            seq=seq,
            at=at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            data=payload,
        )
        session.add(
            AuditEntry(
                seq=seq,
                at=at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                data=payload,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    await session.flush()
    await session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(hash=prev_hash)
        .execution_options(synchronize_session=False)
    )
    return seqs


async def verify(session: AsyncSession, *, batch: int = 1000) -> ChainReport:
    """Recompute every hash and link from seq 1 to the head, `batch` entries per query.

    The head is read first: entries committed after it (by concurrent appends) are left for
    the next check, and every entry up to it is already visible, since an entry and the head
    that counts it commit together.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    head = (
        await session.execute(
            select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == HEAD_ID)
        )
    ).one_or_none()
    if head is None:
        return ChainReport(ok=False, entries_checked=0, reason="the chain head is missing")
    head_seq, head_hash = head

    walker = ChainWalker()
    broken = await _walk(session, walker, head_seq, batch) or walker.finish(head_seq, head_hash)
    if broken is not None:
        return ChainReport(
            ok=False,
            entries_checked=walker.checked,
            first_broken_seq=broken.seq,
            reason=broken.reason,
            head_seq=head_seq,
        )
    return ChainReport(
        ok=True, entries_checked=walker.checked, head_seq=head_seq, head_hash=head_hash
    )


async def _walk(
    session: AsyncSession, walker: ChainWalker, head_seq: int, batch: int
) -> Break | None:
    while walker.last_seq < head_seq:
        rows = (
            await session.execute(
                select(
                    AuditEntry.seq,
                    AuditEntry.at,
                    AuditEntry.actor,
                    AuditEntry.action,
                    AuditEntry.subject,
                    AuditEntry.data,
                    AuditEntry.prev_hash,
                    AuditEntry.hash,
                )
                .where(AuditEntry.seq > walker.last_seq, AuditEntry.seq <= head_seq)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return None  # the rest is missing: `finish` names it against the head
        broken = walker.feed(_Stored(*row) for row in rows)
        if broken is not None:
            return broken
    return None


async def entries_about(
    session: AsyncSession, subject: str, *, after_seq: int = 0, limit: int = 100
) -> Sequence[AuditEntry]:
    """The entries about one record (e.g. who read an application), oldest first."""
    result = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject == subject, AuditEntry.seq > after_seq)
        .order_by(AuditEntry.seq)
        .limit(limit)
    )
    return result.all()
