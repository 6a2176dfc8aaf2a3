"""The shape of an agency and an e-service definition, as an operator or seed file writes it.

These models accept a definition that is *incomplete* on purpose (every manual field may be
empty), so that `citizen-gateway catalog lint` can report what a draft still lacks (R-LFA.1)
instead of failing on the first missing key. Types and closed vocabularies are still strict:
an unknown category, a negative fee or a malformed time is refused outright.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kernel.assurance import AssuranceLevel
from kernel.eligibility import Rule

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Category(StrEnum):
    """The 12 categories of the national portal, in the portal's order."""

    CITIZEN_DATA = "citizen-data"  # ข้อมูลประชาชน
    GOVERNMENT_DATA = "government-data"  # ข้อมูลภาครัฐ
    UTILITIES = "utilities"  # สาธารณูปโภค
    WELFARE = "welfare"  # สวัสดิการ
    HEALTH = "health"  # สุขภาพ
    HOUSING = "housing"  # ที่อยู่อาศัย
    WORK = "work"  # การงานและอาชีพ
    JUSTICE = "justice"  # การยุติธรรม (คดีความ)
    EDUCATION = "education"  # การศึกษา
    VEHICLES = "vehicles"  # ยานพาหนะ
    TAX = "tax"  # ภาษี
    OTHER = "other"  # ด้านอื่น ๆ


class LifeStage(StrEnum):
    """The 5 life stages the portal groups services by."""

    NEWBORN = "newborn"  # เด็กแรกเกิด
    STUDENT = "student"  # นักเรียน
    WORKING_AGE = "working-age"  # วัยทำงาน
    GENERAL_PUBLIC = "general-public"  # ประชาชนทั่วไป
    ELDERLY = "elderly"  # ผู้สูงอายุ


class IntegrationMode(StrEnum):
    """How an agency's service is joined to the portal (RULES.md, agency integration facts)."""

    API = "api"  # the portal renders the form and calls the agency's back end
    WEB = "web"  # the agency keeps its own web e-service, opened with appId + mToken
    PLATFORM = "platform"  # form and workflow on the portal; officers use a back office
    LINK = "link"  # the portal lists the service and links out


class ReceiptAnchor(StrEnum):
    """Which entry counts as the agency receiving a request (R-10.3)."""

    PORTAL = "portal"
    AGENCY_BACKEND = "agency_backend"


class Text(BaseModel):
    """A text given in Thai and English. Thai is the language of record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    th: str = ""
    en: str = ""

    def pick(self, lang: str) -> str:
        """The text in `lang`, falling back to Thai when the English is missing."""
        if lang == "en" and self.en:
            return self.en
        return self.th

    @property
    def complete(self) -> bool:
        return bool(self.th.strip()) and bool(self.en.strip())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpeningHours(_Strict):
    """Days (0 = Monday) and hours, Asia/Bangkok."""

    days: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    opens: HourMinute = "08:30"
    closes: HourMinute = "16:30"
    note: Text | None = None

    @model_validator(mode="after")
    def _opens_before_closes(self) -> OpeningHours:
        if self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self


class WorkingCalendarSpec(_Strict):
    """An agency's working time (R-10.2); the defaults are the Thai civil-service norm."""

    hours: OpeningHours = Field(default_factory=OpeningHours)
    lunch_closed: bool = False  # when true, 12:00-13:00 is outside working time
    extra_holidays: list[dt.date] = Field(default_factory=list)


class Unit(_Strict):
    """An office or unit of an agency and the provinces it serves (R-10.5 routing)."""

    code: Code
    name: Text
    provinces: list[str] = Field(default_factory=list)  # ISO 3166-2:TH codes, e.g. "TH-10"
    districts: list[str] = Field(default_factory=list)
    address: Text | None = None
    phone: str | None = None


ChannelKind = Literal[
    "portal", "agency_web", "mobile_app", "counter", "call_center", "post", "email"
]


class Channel(_Strict):
    kind: ChannelKind
    name: Text
    url: str | None = None


class Place(_Strict):
    name: Text
    address: Text | None = None
    hours: OpeningHours | None = None


class ComplaintChannel(_Strict):
    name: Text
    phone: str | None = None
    url: str | None = None
    address: Text | None = None


class Step(_Strict):
    """One step of the service flow, in order, with who does it and how long it takes."""

    title: Text
    duration_minutes: Annotated[int, Field(ge=0)] | None = None
    responsible_unit: Text | None = None


class Issuer(_Strict):
    """Who issues a document. `state` documents may never be demanded as uploads (R-12.1)."""

    kind: Literal["state", "private", "citizen"]
    agency_code: Code | None = None  # when the issuer is an agency in the catalog
    name: Text | None = None


class Document(_Strict):
    """A document the service needs, and how it reaches the agency."""

    name: Text
    issuer: Issuer
    # portal_fetch: fetched from the issuing agency (once-only); wallet: picked from the
    # citizen's wallet of documents issued through the portal; upload: scan or photo.
    source: Literal["portal_fetch", "wallet", "upload"]
    copies: Annotated[int, Field(ge=1)] = 1
    certified_copy: bool = False  # a demand to sign or certify a copy (forbidden, R-7.2)
    required: bool = True
    note: Text | None = None


class FeeItem(_Strict):
    label: Text
    amount_satang: Annotated[int, Field(ge=1)]


class Fees(_Strict):
    """Fees in satang. "No fee" must be said explicitly (R-LFA.1)."""

    no_fee: bool = False
    items: list[FeeItem] = Field(default_factory=list)
    note: Text | None = None

    @model_validator(mode="after")
    def _no_fee_means_no_items(self) -> Fees:
        if self.no_fee and self.items:
            raise ValueError("a service with no_fee cannot list fee items")
        return self


class LegalBasis(_Strict):
    title: Text
    section: str | None = None


class Manual(_Strict):
    """The citizen manual every live service publishes (R-LFA.1, Licensing Facilitation Act s.7)."""

    conditions: list[Text] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    total_working_days: Annotated[int, Field(ge=0)] | None = None
    documents: list[Document] = Field(default_factory=list)
    fees: Fees | None = None
    channels: list[Channel] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    complaint_channels: list[ComplaintChannel] = Field(default_factory=list)
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    published_on: dt.date | None = None


class EServiceDefinition(_Strict):
    id: Slug
    agency: Code
    name: Text
    summary: Text
    category: Category
    life_stages: list[LifeStage] = Field(min_length=1)
    integration_mode: IntegrationMode | None = None  # None: the agency's default
    min_assurance: AssuranceLevel = AssuranceLevel.IAL2_3
    in_person_required: bool = False  # the portal informs and books, it does not file
    eligibility: Rule | None = None
    keywords: list[str] = Field(default_factory=list)  # extra search terms, any language
    link_url: str | None = None  # where a `link` service sends the citizen
    status: Literal["live", "draft"] = "live"
    manual: Manual = Field(default_factory=Manual)


class AgencyDefinition(_Strict):
    code: Code
    name: Text
    short_name: Text | None = None
    ministry: Text
    integration_mode: IntegrationMode
    receipt_anchor: ReceiptAnchor = ReceiptAnchor.PORTAL
    website: str | None = None
    phone: str | None = None
    calendar: WorkingCalendarSpec = Field(default_factory=WorkingCalendarSpec)
    # until an agency announces channels, every channel in use counts.
    announced_channels: list[ChannelKind] = Field(default_factory=list)
    units: list[Unit] = Field(min_length=1)


class CatalogFile(_Strict):
    """One seed or import file: agencies and/or services."""

    agencies: list[AgencyDefinition] = Field(default_factory=list)
    services: list[EServiceDefinition] = Field(default_factory=list)
