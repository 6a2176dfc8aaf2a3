"""The revocations that can still matter, held in memory, so checking a citizen's access token
reads no database on the way.

An access token lives `access_token_lifetime` (plus the leeway). A revocation older than that
can no longer stop any token: the revoked token has expired, and a revoked login issues no new
ones. So each process keeps the revocations of that recent window (revoked access tokens by
`jti`, revoked logins by family id) and reads them again when its copy is older than
`refresh_seconds`: two small indexed queries a second per process, not any per request.

How fresh a check is:
- a revocation made through this process (the token endpoint refusing a reused refresh token,
  the revocation endpoint) is seen by the very next check here: `expire()` is called once it is
  committed, and the next check reads the window again before it answers;
- a revocation made through another process is seen here within `refresh_seconds`.

`refresh_seconds = 0` reads the window on every check.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.oidc.models import OIDCRevokedAccessToken, OIDCTokenFamily


@dataclass(frozen=True)
class Window:
    tokens: frozenset[str]  # revoked access tokens' jti
    logins: frozenset[str]  # revoked token families

    def stops(self, jti: str, family_id: str | None) -> bool:
        return jti in self.tokens or (family_id is not None and family_id in self.logins)


class RecentRevocations:
    def __init__(
        self,
        span: dt.timedelta,
        refresh_seconds: float,
        now: Callable[[], dt.datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.span = span
        self.refresh_seconds = refresh_seconds
        self._now = now
        self._monotonic = monotonic
        self._window = Window(frozenset(), frozenset())
        self._read_at: float | None = None  # None: never read, or expired
        self._expiries = 0
        self._lock = asyncio.Lock()

    def expire(self) -> None:
        """A revocation was committed here: read the window again before the next check."""
        self._read_at = None
        self._expiries += 1

    def _fresh(self) -> bool:
        read_at = self._read_at
        return read_at is not None and self._monotonic() - read_at < self.refresh_seconds

    async def window(self, sessions: async_sessionmaker[AsyncSession]) -> Window:
        if self._fresh():
            return self._window
        async with self._lock:  # one reader at a time; the others use what it read
            if not self._fresh():
                started, expiries = self._monotonic(), self._expiries
                since = self._now() - self.span
                async with sessions() as session:
                    tokens = await session.scalars(
                        select(OIDCRevokedAccessToken.jti).where(
                            OIDCRevokedAccessToken.revoked_at >= since
                        )
                    )
                    token_set = frozenset(tokens)
                    logins = await session.scalars(
                        select(OIDCTokenFamily.family_id).where(OIDCTokenFamily.revoked_at >= since)
                    )
                    login_set = frozenset(logins)
                self._window = Window(token_set, login_set)
                # An expire() while this read ran leaves the window stale: the revocation it
                # announced may have been committed after the read began.
                self._read_at = started if expiries == self._expiries else None
            return self._window
