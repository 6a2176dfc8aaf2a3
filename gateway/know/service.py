"""Know for the signed-in citizen, put together: which agencies the portal asks (`KnowRuntime`,
built once), and the two answers, my entitlements and my government data (`Know`, per request).

A warm answer costs two statements (the verified profile, the consents) and no agency call; the
catalog's rules and agencies' names are kept for `CATALOG_CACHE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import HoldsCitizenData
from connectors.errors import ConnectorNotAvailable
from connectors.registry import ConnectorRegistry
from gateway.audit.access import Access, DataAccessLog, Purpose
from gateway.catalog.definitions import can_file
from gateway.catalog.models import Agency, EService
from gateway.deps import Runtime
from gateway.know import entitlements as rules
from gateway.know.consents import CONSENT_SOURCES, Consents
from gateway.know.gathering import (
    Answer,
    Basis,
    CitizenDataCache,
    Fetch,
    Gatherer,
    Outcome,
    Source,
)
from gateway.know.schemas import (
    AgencyRef,
    BenefitOut,
    ConditionOut,
    ConsentNeededOut,
    EntitlementOut,
    EntitlementsOut,
    RecordOut,
    RecordSourceOut,
    RecordsOut,
    SourceOut,
    StartOut,
    UpcomingOut,
)
from identity import CitizenDirectory, VerifiedCitizen
from kernel.eligibility import Rule, evaluate
from kernel.working_time import BANGKOK

log = logging.getLogger("gateway.know")

#: The civil registry's code: the verified birth date (from the sign-in card check) is its.
REGISTRY = "DOPA"

#: Writes completed fetches to the data-access log, in one transaction per batch.
FetchWriter = Callable[[Sequence[Fetch]], Awaitable[None]]

#: When each agency's cases of a citizen last changed (a port: the applications domain above
#: implements it). An agency's answer from before is not reused: its decision may change what
#: it holds (an allowance granted).
CaseChanges = Callable[[AsyncSession, str], Awaitable[Mapping[str, dt.datetime]]]


async def log_fetches(runtime: Runtime, fetches: Sequence[Fetch]) -> None:
    """Write completed fetches to the data-access log (and so the audit chain), in one
    transaction: who looked at my data lists each (`GET /v1/me/data-access`)."""
    async with runtime.unit_of_work() as uow:
        log_ = DataAccessLog(uow.session, uow.now)
        await uow.run(
            lambda: log_.record_all(
                [
                    Access(
                        fetch.citizen_id,
                        data=f"{fetch.source}.citizen_data",
                        source=fetch.source,
                        purpose=Purpose(fetch.purpose),
                        at=fetch.at,
                    )
                    for fetch in fetches
                ]
            )
        )


class _Catalog:
    def __init__(self, rules_: list[rules.ServiceRule], names: dict[str, rules.Named]) -> None:
        self.rules = rules_
        self.names = names


class KnowRuntime:
    """What this process keeps for know: the sources, their answers' short cache, the catalog's
    rules. `sources_of()` is read once, after the connectors are loaded."""

    def __init__(
        self,
        *,
        registry: object,
        connectors: ConnectorRegistry | None,
        directory: CitizenDirectory,
        now: Callable[[], dt.datetime],
        write_fetches: FetchWriter,
        case_changes: CaseChanges,
        timeout: float,
        max_age: dt.timedelta,
        catalog_seconds: float,
        timeouts: Mapping[str, float] | None = None,
    ) -> None:
        self.registry = registry
        self.connectors = connectors
        self.directory = directory
        self.now = now
        self.catalog_seconds = catalog_seconds
        self._catalog: tuple[float, _Catalog] | None = None
        self._write_fetches = write_fetches
        self.case_changes = case_changes
        self.timeouts = dict(timeouts or {})
        self._pending: list[Fetch] = []
        self._flush: asyncio.Task[None] | None = None
        self.cache = CitizenDataCache()
        self.gatherer = Gatherer(
            self._sources(),
            now=now,
            timeout=timeout,
            max_age=max_age,
            recorder=self._record,
            cache=self.cache,
        )

    def _sources(self) -> list[Source]:
        found: list[Source] = []
        if isinstance(self.registry, HoldsCitizenData):
            found.append(Source(REGISTRY, self.registry, Basis.LAW, self.timeouts.get(REGISTRY)))
        if self.connectors is not None:
            for code in self.connectors.available():
                try:
                    connector = self.connectors.get(code)
                except ConnectorNotAvailable:
                    continue
                if isinstance(connector, HoldsCitizenData) and code != REGISTRY:
                    basis = Basis.CONSENT if code in CONSENT_SOURCES else Basis.LAW
                    found.append(Source(code, connector, basis, self.timeouts.get(code)))
        return found

    @property
    def sources(self) -> list[Source]:
        return self.gatherer.sources

    async def _record(self, fetch: Fetch) -> None:
        """Queue a completed fetch; fetches that complete together are written together."""
        self._pending.append(fetch)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._write())

    async def _write(self) -> None:
        await asyncio.sleep(0)  # let the other fetches of the same answer join this batch
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._write_fetches(batch)
            except Exception:
                log.exception("could not write %d fetches to the data-access log", len(batch))

    async def settle(self) -> None:
        """Wait for fetches still under way and their log entries (tests, shutdown)."""
        await self.gatherer.settle()
        while self._flush is not None and not self._flush.done():
            await self._flush

    async def catalog(self, session: AsyncSession) -> _Catalog:
        cached = self._catalog
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        agencies = {
            row.code: rules.Named(row.code, row.name_th, row.name_en)
            for row in await session.scalars(select(Agency))
        }
        services = await session.scalars(
            select(EService).where(EService.status == "live").order_by(EService.id)
        )
        found = []
        for service in services:
            if not service.eligibility:  # JSON null: a service open to everyone
                continue
            rule = _rule(service.eligibility)
            if rule is None:
                continue
            found.append(
                rules.ServiceRule(
                    id=service.id,
                    name_th=service.name_th,
                    name_en=service.name_en,
                    agency=agencies.get(
                        service.agency_code,
                        rules.Named(service.agency_code, service.agency_code, service.agency_code),
                    ),
                    rule=rule,
                    filed_online=can_file(
                        in_person_required=service.in_person_required,
                        integration_mode=service.integration_mode,
                    ),
                )
            )
        catalog = _Catalog(found, agencies)
        self._catalog = (time.monotonic() + self.catalog_seconds, catalog)
        return catalog


_RULE: TypeAdapter[Rule] = TypeAdapter(Rule)


def _rule(data: Any) -> Rule | None:
    try:
        return _RULE.validate_python(data)
    except ValidationError:
        log.warning("an eligibility rule in the catalog does not parse: %r", data)
        return None


class Know:
    """One citizen's answers."""

    def __init__(self, runtime: KnowRuntime, session: AsyncSession, lang: str) -> None:
        self.runtime = runtime
        self.session = session
        self.en = lang == "en"

    def _pick(self, th: str, en: str) -> str:
        return en if self.en else th

    def _agency(self, named: rules.Named) -> AgencyRef:
        return AgencyRef(code=named.code, name=self._pick(named.name_th, named.name_en))

    async def _gather(
        self, citizen_id: str, purpose: str
    ) -> tuple[VerifiedCitizen, list[Answer], _Catalog]:
        citizen = await self.runtime.directory.require(self.session, citizen_id)
        now = self.runtime.now()
        granted = await Consents(self.session, now).granted(citizen_id)
        catalog = await self.runtime.catalog(self.session)
        changed = await self.runtime.case_changes(self.session, citizen_id)
        answers = await self.runtime.gatherer.gather(
            citizen_id,
            citizen.national_id,
            purpose,
            lambda source: source.basis is Basis.LAW or purpose in granted,
            changed,
        )
        return citizen, answers, catalog

    def _sources_out(
        self, answers: Sequence[Answer], catalog: _Catalog, purpose: str
    ) -> list[SourceOut]:
        return [
            SourceOut(
                agency=self._agency(_named(catalog, answer.code)),
                outcome=answer.outcome.value,
                fetched_at=answer.fetched_at,
                consent_purpose=purpose if answer.code in CONSENT_SOURCES else None,
            )
            for answer in answers
        ]

    def _consents_needed(self, answers: Sequence[Answer], purpose: str) -> list[ConsentNeededOut]:
        waiting = [a.code for a in answers if a.outcome is Outcome.CONSENT_REQUIRED]
        if not waiting:
            return []
        return [
            ConsentNeededOut(purpose=purpose, agencies=waiting, href=f"/v1/me/consents/{purpose}")
        ]

    async def entitlements(self, citizen_id: str) -> EntitlementsOut:
        citizen, answers, catalog = await self._gather(citizen_id, "entitlements")
        now = self.runtime.now()
        today = now.astimezone(BANGKOK).date()
        by_code = {answer.code: answer for answer in answers}
        facts = rules.collect_facts(
            answers,
            {source.code: source.holder.citizen_facts for source in self.runtime.sources},
            citizen.birth_date_be or None,
            REGISTRY,
            today,
        )
        values = facts.values()
        received = {
            benefit.service_id
            for answer in answers
            if answer.data is not None
            for benefit in answer.data.benefits
            if benefit.service_id
        }
        decided: list[EntitlementOut] = []
        upcoming: list[UpcomingOut] = []
        for service in catalog.rules:
            outcome = evaluate(service.rule, values)
            lines = rules.explain(service.rule, facts, by_code, catalog.names)
            decided.append(
                EntitlementOut(
                    service_id=service.id,
                    name=self._pick(service.name_th, service.name_en),
                    agency=self._agency(service.agency),
                    status=rules.status_of(outcome),
                    receiving=service.id in received,
                    conditions=[
                        ConditionOut(
                            fact=line["fact"],
                            met=line["met"],
                            text=line["text_en"] if self.en else line["text_th"],
                            source=line["source"],
                            unknown_because=line["unknown_because"],
                        )
                        for line in lines
                    ],
                    manual_href=f"/v1/services/{service.id}",
                    start=StartOut(href="/v1/applications", body={"service_id": service.id})
                    if service.filed_online
                    else None,
                )
            )
            begins = rules.starts_on(service.rule, facts, today)
            if begins is not None:
                upcoming.append(
                    UpcomingOut(
                        service_id=service.id,
                        name=self._pick(service.name_th, service.name_en),
                        agency=self._agency(service.agency),
                        starts_on=begins,
                        manual_href=f"/v1/services/{service.id}",
                    )
                )
        receiving = [
            BenefitOut(
                kind=benefit.kind,
                title=self._pick(benefit.title_th, benefit.title_en),
                agency=self._agency(_named(catalog, answer.code)),
                service_id=benefit.service_id,
                amount_satang=benefit.amount_satang,
                period=benefit.period,
                since=benefit.since,
            )
            for answer in answers
            if answer.data is not None
            for benefit in answer.data.benefits
        ]
        return EntitlementsOut(
            as_of=now,
            entitlements=decided,
            upcoming=sorted(upcoming, key=lambda u: (u.starts_on, u.service_id)),
            receiving=receiving,
            sources=self._sources_out(answers, catalog, "entitlements"),
            consents_needed=self._consents_needed(answers, "entitlements"),
        )

    async def records(self, citizen_id: str) -> RecordsOut:
        _, answers, catalog = await self._gather(citizen_id, "records")
        sources = []
        for answer, out in zip(
            answers, self._sources_out(answers, catalog, "records"), strict=True
        ):
            records = [
                RecordOut(
                    kind=record.kind,
                    title=self._pick(record.title_th, record.title_en),
                    data=dict(record.data),
                    as_of=record.as_of,
                )
                for record in (answer.data.records if answer.data is not None else ())
            ]
            sources.append(RecordSourceOut(**out.model_dump(), records=records))
        return RecordsOut(
            as_of=self.runtime.now(),
            sources=sources,
            consents_needed=self._consents_needed(answers, "records"),
        )


def _named(catalog: _Catalog, code: str) -> rules.Named:
    return catalog.names.get(code, rules.Named(code, code, code))
