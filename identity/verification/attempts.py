"""Brute-force protection: attempts are counted per national ID and per client; past the limit
within the window, the key is locked for a while and every attempt is refused with
`Retry-After`, before the registry is asked anything.

An attempt is *charged before* the registry or the face is checked, and refunded when it
succeeds (or when the registry could not answer). Charging first is what makes the limit hold
under concurrency: fifteen simultaneous guesses are fifteen charges, and only the first five
get through, instead of fifteen checks that all see a clean slate.
"""

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
        """Refuse at once when any key is locked (nothing is charged)."""
        waits = []
        for kind, value in keys.items():
            row = await self._row(f"{kind}:{value}")
            if row is not None and row.locked_until is not None and row.locked_until > now:
                waits.append(row.locked_until - now)
        if waits:
            _refuse(max(waits))

    async def charge(self, keys: dict[str, str], now: dt.datetime) -> None:
        """Count this attempt as failed until it succeeds; refuse it when over the limit.
        The caller commits at once, so that concurrent attempts see the charge."""
        await self.check(keys, now)
        for kind, value in keys.items():
            policy = self.policies[kind]
            row = await self._increment(f"{kind}:{value}", policy, now)
            if row.failures >= policy.max_failures and row.locked_until is None:
                row.locked_until = now + policy.lockout
            if row.failures > policy.max_failures:
                assert row.locked_until is not None
                _refuse(row.locked_until - now)

    async def refund(self, keys: dict[str, str]) -> None:
        """Take back a charge: the attempt succeeded, or the registry could not answer."""
        for kind, value in keys.items():
            key = f"{kind}:{value}"
            await self.session.execute(
                update(AttemptCounter)
                .where(AttemptCounter.key == key, AttemptCounter.failures > 0)
                .values(failures=AttemptCounter.failures - 1)
            )
            row = await self._row(key)
            if row is not None and row.failures < self.policies[kind].max_failures:
                row.locked_until = None

    async def clear(self, keys: dict[str, str]) -> None:
        """Forget every failure of these keys (a citizen proved who they are)."""
        await self.session.execute(
            delete(AttemptCounter).where(
                AttemptCounter.key.in_([f"{kind}:{value}" for kind, value in keys.items()])
            )
        )

    async def _row(self, key: str) -> AttemptCounter | None:
        return await self.session.get(AttemptCounter, key, populate_existing=True)

    async def _increment(self, key: str, policy: AttemptPolicy, now: dt.datetime) -> AttemptCounter:
        # The row may be created or cleared by a concurrent attempt at any point: retry.
        for _ in range(5):
            row = await self._row(key)
            if row is None:
                try:
                    async with self.session.begin_nested():
                        row = AttemptCounter(
                            key=key, failures=1, window_started_at=now, locked_until=None
                        )
                        self.session.add(row)
                    return row
                except IntegrityError:  # created at the same moment elsewhere
                    continue
            if now - row.window_started_at > policy.window and (
                row.locked_until is None or row.locked_until <= now
            ):
                # A new window. Only one of several concurrent attempts may start it (each
                # setting the count to 1 would let them all through); the others are counted
                # on the window it started.
                started = await self.session.execute(
                    update(AttemptCounter)
                    .where(
                        AttemptCounter.key == key,
                        AttemptCounter.window_started_at == row.window_started_at,
                    )
                    .values(failures=1, window_started_at=now, locked_until=None)
                )
                if getattr(started, "rowcount", 0) == 1:
                    restarted = await self._row(key)
                    if restarted is not None:
                        return restarted
                continue
            # Increment in SQL so that concurrent attempts all count.
            await self.session.execute(
                update(AttemptCounter)
                .where(AttemptCounter.key == key)
                .values(failures=AttemptCounter.failures + 1)
            )
            counted = await self._row(key)
            if counted is not None:
                return counted
        raise RuntimeError(f"attempt counter {key} kept changing under concurrent updates")


def _refuse(wait: dt.timedelta) -> None:
    seconds = max(1, math.ceil(wait.total_seconds()))
    raise TooManyRequests(
        f"Too many failed attempts. Try again in {seconds} seconds.",
        code="too_many_attempts",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after": seconds},
    )
