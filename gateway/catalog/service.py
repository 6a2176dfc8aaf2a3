"""Catalog rules: reading the catalog (the "know" verb), importing definitions, and each
agency's working calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from gateway.catalog.definitions import (
    AgencyDefinition,
    CatalogFile,
    Category,
    EServiceDefinition,
    IntegrationMode,
    LifeStage,
    Text,
    WorkingCalendarSpec,
)
from gateway.catalog.lint import Listed
from gateway.catalog.models import Agency, AgencyUnit, EService, EServiceLifeStage, ExtraHoliday
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.search import MAX_QUERY_TERMS, query_terms, search_document
from gateway.pagination import CursorCodec, query_fingerprint
from kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from kernel.working_time import (
    ThaiGovernmentHolidays,
    WorkingCalendar,
    deemed_receipt_time,
    holiday_name,
)


@dataclass(frozen=True)
class ServiceQuery:
    q: str | None = None
    category: Category | None = None
    life_stage: LifeStage | None = None
    agency: str | None = None

    def fingerprint(self) -> str:
        return query_fingerprint(
            "services",
            {
                "q": " ".join(sorted(query_terms(self.q or ""))),
                "category": self.category,
                "life_stage": self.life_stage,
                "agency": self.agency,
            },
        )


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    working: bool
    holiday: str | None
    periods: list[tuple[dt.datetime, dt.datetime]]


@dataclass(frozen=True)
class CalendarView:
    now: dt.datetime
    receipt_if_sent_now: dt.datetime
    days: list[CalendarDay]


AGENCY_HOLIDAY = Text(th="วันหยุดของหน่วยงาน", en="Agency holiday")


@dataclass(frozen=True)
class Page:
    items: list[EService]
    next_cursor: str | None


class CatalogService:
    def __init__(self, repository: CatalogRepository, cursors: CursorCodec) -> None:
        self.repository = repository
        self.cursors = cursors

    async def categories(self) -> list[tuple[Category, int]]:
        counts = await self.repository.live_counts_by_category()
        return [(c, counts.get(c.value, 0)) for c in Category]

    async def find_services(self, query: ServiceQuery, limit: int, cursor: str | None) -> Page:
        fingerprint = query.fingerprint()
        after = self.cursors.decode(cursor, fingerprint) if cursor else None
        terms = query_terms(query.q or "")
        if len(terms) > MAX_QUERY_TERMS:
            raise ValidationFailed(
                f"Search with at most {MAX_QUERY_TERMS} words.",
                detail_th=f"ค้นหาได้ไม่เกิน {MAX_QUERY_TERMS} คำ",
                errors=[FieldError("/query/q", "too_many_terms", "too many words")],
            )
        if query.agency is not None:
            await self._check_agency_filter(query.agency)
        rows = await self.repository.search(
            terms=terms,
            category=query.category,
            life_stage=query.life_stage,
            agency=query.agency,
            after=after,
            limit=limit + 1,
        )
        items = list(rows[:limit])
        more = len(rows) > limit
        next_cursor = self.cursors.encode(fingerprint, items[-1].id) if more else None
        return Page(items=items, next_cursor=next_cursor)

    async def _check_agency_filter(self, code: str) -> None:
        codes = await self.repository.agency_codes()
        if code not in codes:
            raise ValidationFailed(
                f"Unknown agency {code!r}.",
                detail_th=f"ไม่รู้จักหน่วยงาน {code!r}",
                errors=[
                    FieldError("/query/agency", "enum", "unknown agency code", {"allowed": codes})
                ],
            )

    async def service(self, service_id: str) -> EService:
        service = await self.repository.get_service(service_id)
        if service is None:
            raise NotFound(
                f"No live e-service {service_id!r}.",
                code="service_not_found",
                detail_th=f"ไม่พบบริการ {service_id!r} ที่เปิดให้บริการอยู่",
            )
        return service

    async def agencies(self) -> list[tuple[Agency, int]]:
        counts = await self.repository.live_counts_by_agency()
        return [(a, counts.get(a.code, 0)) for a in await self.repository.agencies()]

    async def agency_only(self, code: str) -> Agency:
        agency = await self.repository.get_agency(code)
        if agency is None:
            raise NotFound(
                f"No agency {code!r}.", code="agency_not_found", detail_th=f"ไม่พบหน่วยงาน {code!r}"
            )
        return agency

    async def agency(self, code: str) -> tuple[Agency, int]:
        """The agency and how many live e-services it has."""
        agency = await self.agency_only(code)
        return agency, await self.repository.live_count_of_agency(code)

    async def working_calendar(self, agency: Agency) -> tuple[WorkingCalendar, dict[dt.date, Text]]:
        """The agency's calendar (R-10.2): its hours, Thai government holidays, and the
        extra days declared for it or for everyone, with their names."""
        agency_code = agency.code
        spec = WorkingCalendarSpec.model_validate(agency.calendar)
        extras = dict.fromkeys(spec.extra_holidays, AGENCY_HOLIDAY)
        for declared in await self.repository.extra_holidays(agency_code):
            extras[declared.day] = Text(th=declared.name_th, en=declared.name_en)
        calendar = WorkingCalendar(
            holidays=ThaiGovernmentHolidays(frozenset(extras)),
            weekdays=frozenset(spec.hours.days),
            opens=dt.time.fromisoformat(spec.hours.opens),
            closes=dt.time.fromisoformat(spec.hours.closes),
            lunch_closed=spec.lunch_closed,
        )
        return calendar, extras

    async def calendar_view(
        self, agency: Agency, start: dt.date, days: int, now: dt.datetime, lang: str
    ) -> CalendarView:
        """Working days and periods from `start`, and when a request sent `now` is received."""
        calendar, extras = await self.working_calendar(agency)
        view_days = []
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            extra = extras.get(day)
            view_days.append(
                CalendarDay(
                    day=day,
                    working=calendar.is_working_day(day),
                    holiday=extra.pick(lang) if extra else holiday_name(day, lang),
                    periods=calendar.periods(day),
                )
            )
        return CalendarView(
            now=now, receipt_if_sent_now=deemed_receipt_time(now, calendar), days=view_days
        )

    async def extra_holidays(self) -> Sequence[ExtraHoliday]:
        return await self.repository.all_extra_holidays()

    async def declare_holiday(
        self, day: dt.date, agency_code: str | None, name_th: str, name_en: str, now: dt.datetime
    ) -> ExtraHoliday:
        """Declare a day off, or rename one already declared for the same day and agency."""
        if agency_code is not None:
            await self.agency_only(agency_code)
        existing = await self.repository.find_extra_holiday(day, agency_code)
        if existing is None:
            holiday = ExtraHoliday(
                day=day, agency_code=agency_code, name_th=name_th, name_en=name_en, created_at=now
            )
            try:
                async with self.repository.session.begin_nested():
                    self.repository.add(holiday)
                return holiday
            except IntegrityError:  # declared at the same moment by another request
                existing = await self.repository.find_extra_holiday(day, agency_code)
                if existing is None:
                    raise
        existing.name_th, existing.name_en = name_th, name_en
        return existing

    async def withdraw_holiday(self, holiday_id: int) -> None:
        if not await self.repository.delete_extra_holiday(holiday_id):
            raise NotFound(
                f"No declared holiday {holiday_id}.",
                code="holiday_not_found",
                detail_th=f"ไม่พบวันหยุดที่ประกาศไว้รหัส {holiday_id}",
            )

    async def integration_modes(self) -> dict[str, IntegrationMode]:
        """Each agency's code and how it is joined to the portal (what the lint needs)."""
        return {
            a.code: IntegrationMode(a.integration_mode) for a in await self.repository.agencies()
        }

    async def listed(self, service_ids: Iterable[str]) -> dict[str, Listed]:
        """What the lint's counterparts rule reads of each of these services in the catalog
        (those not in it are left out)."""
        found: dict[str, Listed] = {}
        for service_id in service_ids:
            service = await self.repository.session.get(EService, service_id)
            if service is not None:
                found[service_id] = Listed(
                    agency=service.agency_code,
                    status=service.status,
                    integration_mode=IntegrationMode(service.integration_mode),
                    in_person_required=service.in_person_required,
                )
        return found

    async def owner_of(self, service_id: str) -> str | None:
        """The agency of the service with this id, live or draft (None: no such service)."""
        service = await self.repository.session.get(EService, service_id)
        return None if service is None else service.agency_code

    async def publish(self, definition: EServiceDefinition, now: dt.datetime) -> EService:
        """Create or replace one service from its definition (an onboarding case going live);
        the caller lints it first and commits. Another agency's service of that id is refused
        (409 `service_of_another_agency`): going live never moves a service between agencies."""
        owner = await self.owner_of(definition.id)
        if owner is not None and owner != definition.agency:
            raise service_of_another_agency(definition.id, owner)
        agency = await self.agency_only(definition.agency)
        await self._upsert_service(definition, agency, now)
        service = await self.repository.session.get(EService, definition.id)
        assert service is not None
        return service

    async def import_catalog(self, catalog: CatalogFile, now: dt.datetime) -> tuple[int, int]:
        """Create or update every agency and service in `catalog`; (agencies, services)."""
        for agency_def in catalog.agencies:
            await self._upsert_agency(agency_def, now)
        await self.repository.session.flush()
        names = {a.code: a for a in await self.repository.agencies()}
        for service_def in catalog.services:
            agency = names.get(service_def.agency)
            if agency is None:
                raise ValidationFailed(
                    f"Service {service_def.id} names unknown agency {service_def.agency}."
                )
            await self._upsert_service(service_def, agency, now)
        return len(catalog.agencies), len(catalog.services)

    async def _upsert_agency(self, d: AgencyDefinition, now: dt.datetime) -> None:
        agency = await self.repository.get_agency(d.code)
        if agency is None:
            agency = Agency(code=d.code)
            self.repository.add(agency)
        agency.name_th, agency.name_en = d.name.th, d.name.en
        agency.short_name_th = d.short_name.th if d.short_name else None
        agency.short_name_en = d.short_name.en if d.short_name else None
        agency.ministry_th, agency.ministry_en = d.ministry.th, d.ministry.en
        agency.integration_mode = d.integration_mode.value
        agency.receipt_anchor = d.receipt_anchor.value
        agency.website, agency.phone = d.website, d.phone
        agency.calendar = d.calendar.model_dump(mode="json")
        agency.announced_channels = list(d.announced_channels)
        agency.updated_at = now
        agency.units = [
            AgencyUnit(
                code=u.code,
                name_th=u.name.th,
                name_en=u.name.en,
                provinces=list(u.provinces),
                districts=list(u.districts),
                address=u.address.model_dump() if u.address else None,
                phone=u.phone,
            )
            for u in d.units
        ]

    async def _upsert_service(
        self, d: EServiceDefinition, agency: Agency, now: dt.datetime
    ) -> None:
        service = await self.repository.session.get(EService, d.id)
        if service is None:
            service = EService(id=d.id)
            self.repository.add(service)
        service.agency_code = agency.code
        service.agency = agency
        service.category = d.category.value
        service.status = d.status
        service.integration_mode = (
            d.integration_mode.value if d.integration_mode else agency.integration_mode
        )
        service.min_assurance = d.min_assurance.value
        service.in_person_required = d.in_person_required
        service.name_th, service.name_en = d.name.th, d.name.en
        service.summary_th, service.summary_en = d.summary.th, d.summary.en
        service.link_url = d.link_url
        service.published_on = d.manual.published_on
        service.total_working_days = d.manual.total_working_days
        service.search_text = search_document(
            d.id,
            d.name.th,
            d.name.en,
            d.summary.th,
            d.summary.en,
            *d.keywords,
            agency.code,
            agency.name_th,
            agency.name_en,
            agency.short_name_th,
            agency.short_name_en,
        )
        service.eligibility = (
            d.eligibility.model_dump(mode="json", by_alias=True) if d.eligibility else None
        )
        service.manual = d.manual.model_dump(mode="json")
        service.form = d.form.model_dump(mode="json", by_alias=True) if d.form else None
        service.counterparts = list(d.counterparts)
        service.updated_at = now
        service.life_stages = [
            EServiceLifeStage(service_id=d.id, life_stage=s.value)
            for s in dict.fromkeys(d.life_stages)
        ]


def service_of_another_agency(service_id: str, owner: str) -> Conflict:
    return Conflict(
        f"The catalog's service {service_id} belongs to {owner}.",
        code="service_of_another_agency",
        detail_th=f"บริการ {service_id} ในแคตตาล็อกเป็นของหน่วยงาน {owner}",
        extra={"agency": owner},
    )
