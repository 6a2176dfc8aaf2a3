"""`Idempotency-Key` for writes that create things (API.md).

Same key + same body → the original response, replayed; same key + a different body (or another
endpoint) → 409; a malformed key → 422. Records are kept 24 hours.

The stored response is encrypted like all personal data (it holds the application's form:
names, address), and records are deleted once expired (`purge_expired`, a scheduled job).

The record is written in the same transaction as the effect, so an effect without its record
(or the reverse) can never be committed. Two requests racing with one key both run, but only one
commits: the other hits the unique (owner, key) constraint, rolls back, and replays the winner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel.crypto import PIIVault
from kernel.errors import Conflict, FieldError, ValidationFailed
from persistence import Base, BigId, UTCDateTime

RETENTION = dt.timedelta(hours=24)
HEADER = "Idempotency-Key"
# 1-255 visible ASCII characters (no spaces or controls): a UUID, a ULID, any client token.
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotencyRecord(Base):
    """The first response to a create request with an `Idempotency-Key` (kept 24 h)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("owner", "key", name="uq_idempotency_records_owner_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(80))  # who sent it: citizen id
    key: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(200))  # method and route, e.g. POST /v1/applications
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


#: The problems a write under an Idempotency-Key can answer besides its own.
IDEMPOTENCY = ("invalid_idempotency_key", "idempotency_key_reused", "concurrent_change")


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not _KEY.match(key):
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            code="invalid_idempotency_key",
            errors=[
                FieldError(
                    "/header/Idempotency-Key", "invalid_idempotency_key", "1-255 visible ASCII"
                )
            ],
        )
    return key


def fingerprint(scope: str, body: Any) -> str:
    canonical = json.dumps(
        [scope, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


class Idempotency:
    """The idempotency records of one owner (a citizen) in one session."""

    def __init__(
        self, session: AsyncSession, owner: str, now: dt.datetime, vault: PIIVault
    ) -> None:
        self.session = session
        self.owner = owner
        self.now = now
        self.vault = vault

    def _context(self, key: str) -> str:
        return f"idempotency:{self.owner}:{hashlib.sha256(key.encode()).hexdigest()}"

    async def exists(self, key: str, scope: str) -> bool:
        """Whether a live record holds this key for this endpoint."""
        record = await self._find(key)
        return record is not None and record.scope == scope and record.expires_at > self.now

    async def replay(self, key: str, scope: str, request_hash: str) -> Replay | None:
        record = await self._find(key)
        if record is None:
            return None
        if record.expires_at <= self.now:
            await self.session.delete(record)
            await self.session.flush()
            return None
        if record.scope != scope or record.request_hash != request_hash:
            raise Conflict(
                "This Idempotency-Key was already used with a different request.",
                code="idempotency_key_reused",
            )
        body = json.loads(self.vault.decrypt(record.response["sealed"], context=self._context(key)))
        return Replay(record.status_code, body)

    def remember(
        self, key: str, scope: str, request_hash: str, status_code: int, body: dict[str, Any]
    ) -> None:
        self.session.add(
            IdempotencyRecord(
                owner=self.owner,
                key=key,
                scope=scope,
                request_hash=request_hash,
                status_code=status_code,
                response={
                    "sealed": self.vault.encrypt(
                        json.dumps(body, ensure_ascii=False), context=self._context(key)
                    )
                },
                created_at=self.now,
                expires_at=self.now + RETENTION,
            )
        )

    async def _find(self, key: str) -> IdempotencyRecord | None:
        statement = select(IdempotencyRecord).where(
            IdempotencyRecord.owner == self.owner, IdempotencyRecord.key == key
        )
        return (await self.session.scalars(statement)).one_or_none()


async def purge_expired(session: AsyncSession, now: dt.datetime) -> int:
    """Delete the records past their 24 hours; how many went."""
    result = await session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
