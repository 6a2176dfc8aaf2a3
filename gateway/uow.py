"""The unit of work: the one owner of a transaction.

Every write of the gateway (a request, a worker's delivery, a scheduled job) runs in one
`UnitOfWork`: one session, the one moment it happens at (`now`, from the gateway's clock), and
the stored blobs it wrote. Services never commit; the caller that opened the unit of work does,
once, with `commit()`:

- a conflict with another writer (a unique key taken, an application changed since it was read)
  rolls the attempt back; `run` decides the change again on what is there now, so the worker
  recording an agency's answer never makes a person's action fail, and only when the conflict
  persists does `ConcurrentChange` (409 `concurrent_change`) reach the caller;
- a unit of work left without a commit rolls back, and the blobs it wrote (`wrote(key)`) are
  deleted, so a failed upload or transfer leaves nothing behind;
- blobs that a change makes obsolete (`obsolete(key)`) are deleted only once it committed;
- `once(...)` runs a creating write under an `Idempotency-Key` and commits its record with it.

    async with runtime.unit_of_work() as uow:
        result = await uow.run(lambda: service.change(...))   # decided again on a conflict
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from gateway.idempotency import Idempotency, fingerprint
from kernel.clock import Clock
from kernel.crypto import PIIVault
from kernel.errors import Conflict

log = logging.getLogger("gateway.uow")

T = TypeVar("T")
#: How many times a change is decided again after a concurrent writer got there first.
REDO = 3

#: What a concurrent writer looks like to the database: a unique key taken first, or a row
#: whose version moved on since it was read.
CONFLICTS = (IntegrityError, StaleDataError)


class ConcurrentChange(Conflict):
    status, code = 409, "concurrent_change"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail
            or "The application was changed by another request at the same moment; "
            "read it again and retry."
        )


class Blobs(Protocol):
    async def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What a write under an Idempotency-Key answered: its own answer, or the first one."""

    status_code: int
    body: dict[str, Any]
    replayed: bool = False


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        blobs: Blobs | None = None,
        vault: PIIVault | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._blobs = blobs
        self._vault = vault
        self._session: AsyncSession | None = None
        self._written: list[str] = []
        self._obsolete: list[str] = []
        self.now = clock.now()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self.now = self._clock.now()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.rollback()
        finally:
            await self.session.close()
            self._session = None

    # --- blobs --------------------------------------------------------------------------

    def wrote(self, key: str) -> None:
        """A blob written for this transaction: deleted unless the transaction commits."""
        self._written.append(key)

    def obsolete(self, key: str) -> None:
        """A blob this transaction makes unreferenced: deleted once it commits."""
        self._obsolete.append(key)

    # --- the end of the transaction -------------------------------------------------------

    async def commit(self) -> None:
        """Commit, or raise `ConcurrentChange` with nothing applied when another writer got
        there first (the blobs written stay listed: `run` and `once` decide whether the work
        is redone or given up)."""
        try:
            await self.session.commit()
        except CONFLICTS as exc:
            await self.session.rollback()
            raise ConcurrentChange() from exc
        except BaseException:
            await self.rollback()
            raise
        self._written.clear()
        obsolete, self._obsolete = self._obsolete, []
        await self._delete(obsolete)

    async def rollback(self) -> None:
        """Undo what was not committed, the blobs written for it too."""
        if self._session is not None:
            await self._session.rollback()
        written, self._written = self._written, []
        self._obsolete.clear()
        await self._delete(written)

    async def flush(self) -> None:
        """Send the pending writes (ids, constraints) without ending the transaction."""
        await self.session.flush()

    async def run(self, change: Callable[[], Awaitable[T]], *, attempts: int = REDO) -> T:
        """Make one change and commit it. When another writer changed the same thing at the
        same moment (often the worker recording an agency's answer), the change is read and
        decided again on what is there now, up to `attempts` times: a person then gets the
        answer the current state gives (done, or a clear refusal), not a spurious conflict."""
        for attempt in range(1, attempts + 1):
            mark = len(self._written)
            try:
                result = await change()
                await self.commit()
                return result
            except (ConcurrentChange, *CONFLICTS):
                await self._undo_attempt(mark)
                if attempt == attempts:
                    await self.rollback()
                    raise ConcurrentChange() from None
                log.info("concurrent change; deciding again", extra={"attempt": attempt})
            except BaseException:
                await self.rollback()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def once(
        self,
        owner: str,
        key: str | None,
        scope: str,
        request_body: Any,
        write: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
    ) -> Outcome:
        """Run a creating write under its Idempotency-Key (API.md) and commit its record with
        it. The same key and body replay the first answer; a race on one key ends with one
        write committed and the other request replaying it."""
        if key is None:
            status_code, body = await self.run(write)
            return Outcome(status_code, body)
        assert self._vault is not None, "idempotent writes seal their answers"
        records = Idempotency(self.session, owner, self.now, self._vault)
        request_hash = fingerprint(scope, request_body)

        async def first_or_replay() -> Outcome:
            replay = await records.replay(key, scope, request_hash)
            if replay is not None:
                return Outcome(replay.status_code, replay.body, replayed=True)
            status_code, body = await write()
            records.remember(key, scope, request_hash, status_code, body)
            return Outcome(status_code, body)

        brought = list(self._written)  # blobs this request stored before (an upload)
        outcome = await self.run(first_or_replay)
        if outcome.replayed:
            # What this request stored is not the answer: it goes (the commit of the replay,
            # which wrote nothing, no longer lists it).
            await self._delete(brought)
        return outcome

    async def _undo_attempt(self, mark: int) -> None:
        """A conflicting attempt: its transaction and the blobs it wrote (those written before
        it, like an upload streamed in first, stay for the next attempt)."""
        await self.session.rollback()
        written, self._written = self._written[mark:], self._written[:mark]
        self._obsolete.clear()
        await self._delete(written)

    async def _delete(self, keys: list[str]) -> None:
        if not keys or self._blobs is None:
            return
        for key in keys:
            with contextlib.suppress(Exception):  # a failed delete leaves an orphan, not an error
                await self._blobs.delete(key)
