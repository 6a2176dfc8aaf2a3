"""Brute-force protection: attempts are counted per national ID and per client; past the limit
within the window, the key is locked for a while and every attempt is refused with
`Retry-After`, before the registry is asked anything.

An attempt is *charged before* the registry or the face is checked, and refunded when it
succeeds (or when the registry could not answer). Charging first is what makes the limit hold
under concurrency: fifteen simultaneous guesses are fifteen charges, and only the first five
get through, instead of fifteen checks that all see a clean slate.

A charge is one statement per key: an INSERT … ON CONFLICT DO UPDATE … RETURNING that creates
the counter, starts a new window, counts the attempt and sets the lock in one atomic step
(PostgreSQL applies it to the latest version of the row under the row's lock, SQLite under its
single writer), so concurrent attempts never see a half-counted row and nothing is read first
or retried. Every transaction writes the counters in one order, a person's before a client's
(and after the verification rows it touches), so two of them never wait on each other in a
cycle on PostgreSQL; and a client's counter, which every login from one address shares (one
busy row under a carrier's NAT, or in the benchmark), is written last, right before the commit,
so that its row lock is held as briefly as possible.

The statements are built once, with bound parameters: building this CASE tree anew for every
attempt cost more CPU than running it.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from identity.verification.models import AttemptCounter
from kernel.errors import TooManyRequests
from persistence import UTCDateTime

# Core statements on the table: no counter is ever loaded as an object, and an ORM-enabled
# statement costs noticeably more CPU.
counters = cast(Table, AttemptCounter.__table__)


@dataclass(frozen=True)
class AttemptPolicy:
    max_failures: int
    window: dt.timedelta
    lockout: dt.timedelta


class AttemptLimiter:
    def __init__(self, session: AsyncSession, policies: dict[str, AttemptPolicy]) -> None:
        self.session = session
        self.policies = policies  # by key kind: "pid", "client"

    def _counted(self, keys: Mapping[str, str]) -> list[tuple[str, AttemptPolicy]]:
        """(counter key, its policy), in the order every transaction writes them: the kinds
        as `policies` lists them (the person's, then the client's)."""
        order = list(self.policies)
        return [
            (f"{kind}:{keys[kind]}", self.policies[kind]) for kind in sorted(keys, key=order.index)
        ]

    async def check(self, keys: dict[str, str], now: dt.datetime) -> None:
        """Refuse at once when any key is locked (nothing is charged)."""
        rows = await self.session.execute(
            select(counters.c.locked_until).where(
                counters.c.key.in_([key for key, _ in self._counted(keys)]),
                counters.c.locked_until > now,
            )
        )
        waits = [locked_until - now for (locked_until,) in rows]
        if waits:
            _refuse(max(waits))

    async def charge(self, keys: dict[str, str], now: dt.datetime) -> None:
        """Count this attempt as failed until it succeeds; refuse it when any key is locked or
        over its limit. A refused charge rolls the session's transaction back (so it never
        counts, nor does what the attempt wrote before it); an accepted one is for the caller
        to commit at once, so that concurrent attempts see it."""
        statement = _charge(self.session.get_bind().dialect.name)
        over: list[dt.timedelta] = []
        for key, policy in self._counted(keys):
            first_lock = now + policy.lockout if policy.max_failures <= 1 else None
            failures, locked_until = (
                await self.session.execute(
                    statement,
                    {
                        "counter_key": key,
                        "now": now,
                        "window_start": now - policy.window,
                        "max_failures": policy.max_failures,
                        "lock": now + policy.lockout,
                        "first_lock": first_lock,
                    },
                )
            ).one()
            if failures > policy.max_failures:  # locked already, or past the limit
                over.append((locked_until or now) - now)
        if over:
            await self.session.rollback()
            _refuse(max(over))

    async def refund(self, keys: dict[str, str]) -> None:
        """Take back a charge: the attempt succeeded, or the registry could not answer. A key
        back under its limit is unlocked."""
        for key, policy in self._counted(keys):
            await self.session.execute(
                _REFUND, {"counter_key": key, "max_failures": policy.max_failures}
            )

    async def clear(self, keys: dict[str, str]) -> None:
        """Forget every failure of these keys (a citizen proved who they are)."""
        await self.session.execute(
            delete(counters).where(counters.c.key.in_([key for key, _ in self._counted(keys)]))
        )


_REFUND = (
    update(counters)
    .where(counters.c.key == bindparam("counter_key"), counters.c.failures > 0)
    .values(
        failures=counters.c.failures - 1,
        locked_until=case(
            (counters.c.failures - 1 < bindparam("max_failures"), None),
            else_=counters.c.locked_until,
        ),
    )
)


@functools.cache
def _charge(dialect: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE … RETURNING failures, locked_until.

    On an existing row (every expression reads the row as it was):
    - locked now: counted again, so it comes back over the limit and is refused (the caller
      rolls the charge back);
    - its window over and not locked: a new window, this attempt its first failure;
    - otherwise: one more failure, and the lock set when this one reaches the limit.
    """
    c = counters.c
    now = bindparam("now", type_=UTCDateTime())
    first_lock = bindparam("first_lock", type_=UTCDateTime())  # a limit of 1 locks at once
    locked = and_(c.locked_until.is_not(None), c.locked_until > now)
    window_over = and_(
        ~locked, c.window_started_at < bindparam("window_start", type_=UTCDateTime())
    )
    reaches_limit = and_(
        c.locked_until.is_(None), c.failures + 1 >= bindparam("max_failures", type_=Integer)
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(counters)
        .values(
            key=bindparam("counter_key"), failures=1, window_started_at=now, locked_until=first_lock
        )
        .on_conflict_do_update(
            index_elements=[c.key],
            set_={
                "failures": case((window_over, 1), else_=c.failures + 1),
                "window_started_at": case((window_over, now), else_=c.window_started_at),
                "locked_until": case(
                    (window_over, first_lock),
                    (reaches_limit, bindparam("lock", type_=UTCDateTime())),
                    else_=c.locked_until,
                ),
            },
        )
        .returning(c.failures, c.locked_until)
    )


def _refuse(wait: dt.timedelta) -> None:
    seconds = max(1, math.ceil(wait.total_seconds()))
    raise TooManyRequests(
        f"Too many failed attempts. Try again in {seconds} seconds.",
        code="too_many_attempts",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after": seconds},
    )
