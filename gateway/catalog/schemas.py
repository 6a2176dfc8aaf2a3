"""What the catalog endpoints return, in the language the client asked for."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.catalog.definitions import (
    Category,
    LifeStage,
    Manual,
    OpeningHours,
    Text,
    can_file,
    walk_schema,
)
from gateway.catalog.forms import effective_form
from gateway.catalog.models import Agency, AgencyUnit, EService

CATEGORY_NAMES: dict[Category, Text] = {
    Category.CITIZEN_DATA: Text(th="ข้อมูลประชาชน", en="Citizen data"),
    Category.GOVERNMENT_DATA: Text(th="ข้อมูลภาครัฐ", en="Government data"),
    Category.UTILITIES: Text(th="สาธารณูปโภค", en="Utilities"),
    Category.WELFARE: Text(th="สวัสดิการ", en="Welfare"),
    Category.HEALTH: Text(th="สุขภาพ", en="Health"),
    Category.HOUSING: Text(th="ที่อยู่อาศัย", en="Housing"),
    Category.WORK: Text(th="การงานและอาชีพ", en="Work and career"),
    Category.JUSTICE: Text(th="การยุติธรรม (คดีความ)", en="Justice (cases)"),
    Category.EDUCATION: Text(th="การศึกษา", en="Education"),
    Category.VEHICLES: Text(th="ยานพาหนะ", en="Vehicles"),
    Category.TAX: Text(th="ภาษี", en="Tax"),
    Category.OTHER: Text(th="ด้านอื่น ๆ", en="Other"),
}

LIFE_STAGE_NAMES: dict[LifeStage, Text] = {
    LifeStage.NEWBORN: Text(th="เด็กแรกเกิด", en="Newborn"),
    LifeStage.STUDENT: Text(th="นักเรียน", en="Student"),
    LifeStage.WORKING_AGE: Text(th="วัยทำงาน", en="Working age"),
    LifeStage.GENERAL_PUBLIC: Text(th="ประชาชนทั่วไป", en="General public"),
    LifeStage.ELDERLY: Text(th="ผู้สูงอายุ", en="Elderly"),
}


class Named(BaseModel):
    code: str
    name: str


class CategoryOut(Named):
    live_services: int


class CategoryList(BaseModel):
    items: list[CategoryOut]


class LifeStageList(BaseModel):
    items: list[Named]


class AgencyRef(Named):
    pass


class ServiceSummary(BaseModel):
    id: str
    name: str
    summary: str
    category: Named
    life_stages: list[Named]
    agency: AgencyRef
    integration_mode: str
    in_person_required: bool
    min_assurance: str
    total_working_days: int | None
    href: str


class ServicePage(BaseModel):
    items: list[ServiceSummary]
    next_cursor: str | None


class HoursOut(BaseModel):
    days: list[int]
    opens: str
    closes: str
    note: str | None = None


class StepOut(BaseModel):
    order: int
    title: str
    duration_minutes: int | None
    responsible_unit: str | None


class IssuerOut(BaseModel):
    kind: str
    agency_code: str | None
    name: str | None


class DocumentOut(BaseModel):
    key: str
    name: str
    issuer: IssuerOut
    source: str
    portal_fetches: bool
    copies: int
    required: bool
    note: str | None


class FeeItemOut(BaseModel):
    label: str
    amount_satang: int


class FeesOut(BaseModel):
    no_fee: bool
    items: list[FeeItemOut]
    total_satang: int
    note: str | None
    collected: Literal["at_filing", "after_approval"] = Field(
        description="When the fee is paid on the portal: at filing (before the agency "
        "starts) or after approval (the agency approves, then issues once paid)."
    )


class ChannelOut(BaseModel):
    kind: str
    name: str
    url: str | None


class PlaceOut(BaseModel):
    name: str
    address: str | None
    hours: HoursOut | None


class ComplaintChannelOut(BaseModel):
    name: str
    phone: str | None
    url: str | None
    address: str | None


class LegalBasisOut(BaseModel):
    title: str
    section: str | None


class ManualOut(BaseModel):
    conditions: list[str]
    steps: list[StepOut]
    total_working_days: int | None
    documents: list[DocumentOut]
    fees: FeesOut | None
    channels: list[ChannelOut]
    places: list[PlaceOut]
    complaint_channels: list[ComplaintChannelOut]
    legal_basis: list[LegalBasisOut]
    published_on: dt.date | None


class PrefilledFieldOut(BaseModel):
    field: str
    title: str | None
    source: str


class FormDocumentOut(BaseModel):
    key: str
    name: str
    source: str
    required: bool


class FormOut(BaseModel):
    """The application form: the JSON Schema (2020-12) of `form` in an application's body,
    which of its fields the gateway fills in from state data (never to be sent, R-12.1),
    and the documents by the keys attachments use."""

    model_config = ConfigDict(serialize_by_alias=True)

    schema_: dict[str, Any] = Field(alias="schema")
    prefilled: list[PrefilledFieldOut]
    documents: list[FormDocumentOut]
    default: bool = Field(description="true: the service defines no form of its own")


class ServiceDetail(ServiceSummary):
    link_url: str | None
    eligibility: dict[str, Any] | None
    manual: ManualOut
    form: FormOut | None = Field(
        description="null when the portal does not file this service (R-7.5, link-only)"
    )


class UnitOut(BaseModel):
    code: str
    name: str
    provinces: list[str]
    districts: list[str]
    address: str | None
    phone: str | None


class WorkingTimeOut(BaseModel):
    days: list[int]
    opens: str
    closes: str
    lunch_closed: bool
    timezone: str


class AgencyOut(BaseModel):
    code: str
    name: str
    short_name: str | None
    ministry: str
    integration_mode: str
    receipt_anchor: str
    website: str | None
    phone: str | None
    working_time: WorkingTimeOut
    announced_channels: list[str]
    live_services: int
    href: str


class AgencyDetail(AgencyOut):
    units: list[UnitOut]


class AgencyList(BaseModel):
    items: list[AgencyOut]


# -- presenters ---------------------------------------------------------------------------------


def _pick(text: Text | None, lang: str) -> str | None:
    return text.pick(lang) if text else None


def _pair(th: str | None, en: str | None, lang: str) -> str | None:
    if th is None:
        return None
    return en if lang == "en" and en else th


def _named_category(code: str, lang: str) -> Named:
    return Named(code=code, name=CATEGORY_NAMES[Category(code)].pick(lang))


def service_summary(service: EService, lang: str) -> ServiceSummary:
    agency = service.agency
    return ServiceSummary(
        id=service.id,
        name=_pair(service.name_th, service.name_en, lang) or service.name_th,
        summary=_pair(service.summary_th, service.summary_en, lang) or service.summary_th,
        category=_named_category(service.category, lang),
        life_stages=[
            Named(code=s.life_stage, name=LIFE_STAGE_NAMES[LifeStage(s.life_stage)].pick(lang))
            for s in service.life_stages
        ],
        agency=AgencyRef(code=agency.code, name=_pair(agency.name_th, agency.name_en, lang) or ""),
        integration_mode=service.integration_mode,
        in_person_required=service.in_person_required,
        min_assurance=service.min_assurance,
        total_working_days=service.total_working_days,
        href=f"/v1/services/{service.id}",
    )


def _hours(hours: OpeningHours | None, lang: str) -> HoursOut | None:
    if hours is None:
        return None
    return HoursOut(
        days=hours.days, opens=hours.opens, closes=hours.closes, note=_pick(hours.note, lang)
    )


def manual_out(manual: Manual, lang: str) -> ManualOut:
    fees = manual.fees
    return ManualOut(
        conditions=[c.pick(lang) for c in manual.conditions],
        steps=[
            StepOut(
                order=i,
                title=step.title.pick(lang),
                duration_minutes=step.duration_minutes,
                responsible_unit=_pick(step.responsible_unit, lang),
            )
            for i, step in enumerate(manual.steps, start=1)
        ],
        total_working_days=manual.total_working_days,
        documents=[
            DocumentOut(
                key=key,
                name=d.name.pick(lang),
                issuer=IssuerOut(
                    kind=d.issuer.kind,
                    agency_code=d.issuer.agency_code,
                    name=_pick(d.issuer.name, lang),
                ),
                source=d.source,
                portal_fetches=d.source == "portal_fetch",
                copies=d.copies,
                required=d.required,
                note=_pick(d.note, lang),
            )
            for key, d in manual.keyed_documents()
        ],
        fees=None
        if fees is None
        else FeesOut(
            no_fee=fees.no_fee,
            items=[
                FeeItemOut(label=i.label.pick(lang), amount_satang=i.amount_satang)
                for i in fees.items
            ],
            total_satang=sum(i.amount_satang for i in fees.items),
            note=_pick(fees.note, lang),
            collected=fees.collected,
        ),
        channels=[
            ChannelOut(kind=c.kind, name=c.name.pick(lang), url=c.url) for c in manual.channels
        ],
        places=[
            PlaceOut(
                name=p.name.pick(lang), address=_pick(p.address, lang), hours=_hours(p.hours, lang)
            )
            for p in manual.places
        ],
        complaint_channels=[
            ComplaintChannelOut(
                name=c.name.pick(lang), phone=c.phone, url=c.url, address=_pick(c.address, lang)
            )
            for c in manual.complaint_channels
        ],
        legal_basis=[
            LegalBasisOut(title=b.title.pick(lang), section=b.section) for b in manual.legal_basis
        ],
        published_on=manual.published_on,
    )


def localized_schema(schema: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The form schema with its titles and descriptions in `lang`: Thai is written in
    `title`/`description`, English beside it in `x-title-en`/`x-description-en`."""
    out: dict[str, Any] = copy.deepcopy(dict(schema))
    for _, sub in walk_schema(out):
        assert isinstance(sub, dict)
        for keyword in ("title", "description"):
            english = sub.pop(f"x-{keyword}-en", None)
            if lang == "en" and isinstance(english, str) and english.strip():
                sub[keyword] = english
    return out


def _title(prop: Any) -> str | None:
    title = prop.get("title") if isinstance(prop, dict) else None
    return title if isinstance(title, str) else None


def form_out(service: EService, manual: Manual, lang: str) -> FormOut | None:
    if not can_file(
        in_person_required=service.in_person_required, integration_mode=service.integration_mode
    ):
        return None
    spec = effective_form(service.form)
    schema = localized_schema(spec.schema_, lang)
    properties = schema["properties"]
    return FormOut(
        schema=schema,
        prefilled=[
            PrefilledFieldOut(field=name, title=_title(prop), source=spec.prefill[name].value)
            for name, prop in properties.items()
            if name in spec.prefill
        ],
        documents=[
            FormDocumentOut(key=key, name=d.name.pick(lang), source=d.source, required=d.required)
            for key, d in manual.keyed_documents()
        ],
        default=service.form is None,
    )


def service_detail(service: EService, lang: str) -> ServiceDetail:
    manual = Manual.model_validate(service.manual)
    return ServiceDetail(
        **service_summary(service, lang).model_dump(),
        link_url=service.link_url,
        eligibility=service.eligibility,
        manual=manual_out(manual, lang),
        form=form_out(service, manual, lang),
    )


def _working_time(agency: Agency) -> WorkingTimeOut:
    hours = agency.calendar.get("hours", {})
    default = OpeningHours()
    return WorkingTimeOut(
        days=hours.get("days", default.days),
        opens=hours.get("opens", default.opens),
        closes=hours.get("closes", default.closes),
        lunch_closed=bool(agency.calendar.get("lunch_closed", False)),
        timezone="Asia/Bangkok",
    )


def agency_out(agency: Agency, live_services: int, lang: str) -> AgencyOut:
    return AgencyOut(
        code=agency.code,
        name=_pair(agency.name_th, agency.name_en, lang) or agency.name_th,
        short_name=_pair(agency.short_name_th, agency.short_name_en, lang),
        ministry=_pair(agency.ministry_th, agency.ministry_en, lang) or agency.ministry_th,
        integration_mode=agency.integration_mode,
        receipt_anchor=agency.receipt_anchor,
        website=agency.website,
        phone=agency.phone,
        working_time=_working_time(agency),
        announced_channels=agency.announced_channels,
        live_services=live_services,
        href=f"/v1/agencies/{agency.code}",
    )


def _unit_out(unit: AgencyUnit, lang: str) -> UnitOut:
    address = Text.model_validate(unit.address) if unit.address else None
    return UnitOut(
        code=unit.code,
        name=_pair(unit.name_th, unit.name_en, lang) or unit.name_th,
        provinces=unit.provinces,
        districts=unit.districts,
        address=_pick(address, lang),
        phone=unit.phone,
    )


def agency_detail(agency: Agency, live_services: int, lang: str) -> AgencyDetail:
    return AgencyDetail(
        **agency_out(agency, live_services, lang).model_dump(),
        units=[_unit_out(u, lang) for u in agency.units],
    )


class PeriodOut(BaseModel):
    opens: dt.datetime
    closes: dt.datetime


class CalendarDayOut(BaseModel):
    date: dt.date
    working: bool
    holiday: str | None
    periods: list[PeriodOut]


class AgencyCalendar(BaseModel):
    agency: str
    timezone: str
    receipt_anchor: str
    now: dt.datetime
    receipt_if_sent_now: dt.datetime
    days: list[CalendarDayOut]
