"""Brute-force protection: failed attempts are counted per national ID and per client; past the
limit within the window, the key is locked for a while and every attempt is refused with
`Retry-After`, before the registry is asked anything."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity.verification.models import AttemptCounter
from kernel.errors import TooManyRequests


@dataclass(frozen=True)
class AttemptPolicy:
    max_failures: int
    window: dt.timedelta
    lockout: dt.timedelta


class AttemptLimiter:
    def __init__(self, session: AsyncSession, policies: dict[str, AttemptPolicy]) -> None:
        self.session = session
        self.policies = policies  # by key kind: "pid", "client"

    async def check(self, keys: dict[str, str], now: dt.datetime) -> None:
        """Refuse at once when any key is locked."""
        waits = []
        for kind, value in keys.items():
            row = await self.session.get(AttemptCounter, f"{kind}:{value}", populate_existing=True)
            if row is not None and row.locked_until is not None and row.locked_until > now:
                waits.append(row.locked_until - now)
        if waits:
            seconds = math.ceil(max(waits).total_seconds())
            raise TooManyRequests(
                f"Too many failed attempts. Try again in {seconds} seconds.",
                code="too_many_attempts",
                headers={"Retry-After": str(seconds)},
                extra={"retry_after": seconds},
            )

    async def failed(self, keys: dict[str, str], now: dt.datetime) -> None:
        for kind, value in keys.items():
            await self._count(kind, f"{kind}:{value}", now)

    async def succeeded(self, keys: dict[str, str]) -> None:
        await self.session.execute(
            delete(AttemptCounter).where(
                AttemptCounter.key.in_([f"{kind}:{value}" for kind, value in keys.items()])
            )
        )

    async def _count(self, kind: str, key: str, now: dt.datetime) -> None:
        policy = self.policies[kind]
        row = await self.session.get(AttemptCounter, key, populate_existing=True)
        if row is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        AttemptCounter(
                            key=key, failures=1, window_started_at=now, locked_until=None
                        )
                    )
                return
            except IntegrityError:  # counted at the same moment elsewhere
                row = await self.session.get(AttemptCounter, key, populate_existing=True)
                assert row is not None
        if now - row.window_started_at > policy.window:
            row.failures, row.window_started_at, row.locked_until = 1, now, None
            return
        # Increment in SQL so that concurrent failures all count.
        await self.session.execute(
            update(AttemptCounter)
            .where(AttemptCounter.key == key)
            .values(failures=AttemptCounter.failures + 1)
        )
        await self.session.refresh(row)
        if row.failures >= policy.max_failures:
            row.locked_until = now + policy.lockout
