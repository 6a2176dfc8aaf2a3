"""What the agencies hold about one citizen, gathered for one answer: every source asked at once,
each given `timeout` seconds, so one slow agency leaves its facts unknown instead of making the
page slow (the portal links data; it does not keep it).

An answer is kept in this process for as long as its source says it stays true
(`citizen_data_fresh_for`, capped by `max_age`), and no longer: a short cache, never stored.
Callers asking for the same citizen and source at once share one fetch. A fetch that outlives
the caller's wait goes on, so its answer is there for the next request; once it completes, the
fetch is recorded for the citizen to see (who looked at my data), whoever waited for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from connectors.base import CitizenData, HoldsCitizenData
from connectors.errors import AgencyMisconfigured, AgencyRejected, AgencyUnavailable

log = logging.getLogger("gateway.know")


class Basis(StrEnum):
    """Why the portal may ask a source: a law lets it, or the citizen agreed (consent)."""

    LAW = "law"
    CONSENT = "consent"


@dataclass(frozen=True)
class Source:
    """An agency the portal asks about citizens, and on what basis."""

    code: str
    holder: HoldsCitizenData
    basis: Basis
    timeout: float | None = None  # seconds one answer waits for it (None: the gatherer's)


class Outcome(StrEnum):
    """How asking one source went, for one answer."""

    ANSWERED = "answered"
    TIMED_OUT = "timed_out"  # no answer within the source's time: its facts are unknown
    UNAVAILABLE = "unavailable"  # the agency is down or refused the portal
    CONSENT_REQUIRED = "consent_required"  # the citizen has not agreed (or withdrew)


@dataclass(frozen=True)
class Answer:
    code: str
    outcome: Outcome
    data: CitizenData | None = None
    fetched_at: dt.datetime | None = None  # when the portal got it (cached answers: then)


@dataclass(frozen=True)
class Fetch:
    """One completed fetch of a citizen's data from a source, for the data-access log."""

    citizen_id: str
    source: str
    purpose: str
    at: dt.datetime


#: Records completed fetches; the composition root writes them to the data-access log.
Recorder = Callable[[Fetch], Awaitable[None]]


@dataclass
class _Entry:
    data: CitizenData
    fetched_at: dt.datetime
    expires_at: dt.datetime


class CitizenDataCache:
    """Answers by (citizen, source), each until its source's freshness bound; at most
    `max_entries` (least recently used go first)."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()

    def get(self, citizen_id: str, code: str, now: dt.datetime) -> _Entry | None:
        key = (citizen_id, code)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= now or entry.fetched_at > now:  # lapsed, or the clock went back
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, citizen_id: str, code: str, entry: _Entry) -> None:
        key = (citizen_id, code)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, citizen_id: str, codes: Iterable[str] | None = None) -> None:
        """Drop what this process keeps about a citizen (all sources, or those named)."""
        if codes is None:
            for key in [k for k in self._entries if k[0] == citizen_id]:
                del self._entries[key]
            return
        for code in codes:
            self._entries.pop((citizen_id, code), None)

    def clear(self) -> None:
        self._entries.clear()


class Gatherer:
    """Asks every allowed source at once for what it holds about one citizen."""

    def __init__(
        self,
        sources: Sequence[Source],
        *,
        now: Callable[[], dt.datetime],
        timeout: float,
        max_age: dt.timedelta,
        recorder: Recorder,
        cache: CitizenDataCache | None = None,
    ) -> None:
        self.sources = list(sources)
        self.now = now
        self.timeout = timeout
        self.max_age = max_age
        self.recorder = recorder
        self.cache = cache or CitizenDataCache()
        self._flights: dict[tuple[str, str], asyncio.Future[_Entry]] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def gather(
        self,
        citizen_id: str,
        pid: str,
        purpose: str,
        allowed: Callable[[Source], bool],
        changed: Mapping[str, dt.datetime] | None = None,
    ) -> list[Answer]:
        """One answer per source, in source order. `allowed(source)` says whether the citizen
        lets the portal ask it for `purpose` (consent); a source not allowed is neither asked
        nor read from the cache. `changed[code]`: when that agency last decided something of
        the citizen's; a kept answer from before then is asked again."""
        now = self.now()
        answers: dict[str, Answer] = {}
        waits: dict[str, asyncio.Future[_Entry]] = {}
        for source in self.sources:
            if not allowed(source):
                answers[source.code] = Answer(source.code, Outcome.CONSENT_REQUIRED)
                continue
            entry = self.cache.get(citizen_id, source.code, now)
            since = (changed or {}).get(source.code)
            if entry is not None and since is not None and entry.fetched_at < since:
                entry = None
            if entry is not None:
                answers[source.code] = Answer(
                    source.code, Outcome.ANSWERED, entry.data, entry.fetched_at
                )
                continue
            waits[source.code] = self._flight(citizen_id, pid, purpose, source)
        if waits:
            # Each source within its own time, all at once. Waiting never cancels a fetch:
            # one still running at its timeout goes on for the next request (and other
            # callers may share it).
            limits = {s.code: s.timeout or self.timeout for s in self.sources}
            await asyncio.gather(*(_within(wait, limits[code]) for code, wait in waits.items()))
            for code, wait in waits.items():
                answers[code] = self._settled(code, wait)
        return [answers[source.code] for source in self.sources]

    def _settled(self, code: str, wait: asyncio.Future[_Entry]) -> Answer:
        if not wait.done():
            return Answer(code, Outcome.TIMED_OUT)
        if wait.cancelled() or wait.exception() is not None:
            return Answer(code, Outcome.UNAVAILABLE)
        entry = wait.result()
        return Answer(code, Outcome.ANSWERED, entry.data, entry.fetched_at)

    def _flight(
        self, citizen_id: str, pid: str, purpose: str, source: Source
    ) -> asyncio.Future[_Entry]:
        """The one fetch under way for this citizen and source (started if there is none)."""
        key = (citizen_id, source.code)
        running = self._flights.get(key)
        if running is not None:
            return running
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        self._flights[key] = future
        task = asyncio.create_task(self._fetch(key, pid, purpose, source, future))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return future

    async def _fetch(
        self,
        key: tuple[str, str],
        pid: str,
        purpose: str,
        source: Source,
        future: asyncio.Future[_Entry],
    ) -> None:
        citizen_id = key[0]
        try:
            data = await source.holder.citizen_data(pid)
        except (AgencyUnavailable, AgencyRejected, AgencyMisconfigured) as exc:
            self._flights.pop(key, None)
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting any more
            return
        except Exception as exc:  # a connector's bug must not leave waiters hanging
            log.exception("citizen data from %s failed", source.code)
            self._flights.pop(key, None)
            future.set_exception(exc)
            future.exception()
            return
        fetched_at = self.now()
        fresh_for = min(source.holder.citizen_data_fresh_for, self.max_age)
        entry = _Entry(data, fetched_at, fetched_at + fresh_for)
        self.cache.put(citizen_id, source.code, entry)
        self._flights.pop(key, None)
        future.set_result(entry)
        try:
            await self.recorder(Fetch(citizen_id, source.code, purpose, fetched_at))
        except Exception:  # the answer stands; the log's failure is loud in the logs
            log.exception("could not record the fetch from %s", source.code)

    async def settle(self) -> None:
        """Wait for fetches still under way (tests and shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


async def _within(wait: asyncio.Future[_Entry], seconds: float) -> None:
    """Wait up to `seconds` for a fetch, never cancelling it; how it went is read after."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.shield(wait), seconds)
