"""The shape of an agency and an e-service definition, as an operator or seed file writes it.

These models accept a definition that is *incomplete* on purpose (every manual field may be
empty), so that `citizen-gateway catalog lint` can report what a draft still lacks (R-LFA.1)
instead of failing on the first missing key. Types and closed vocabularies are still strict:
an unknown category, a negative fee or a malformed time is refused outright.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from jsonschema import Draft202012Validator, FormatChecker, SchemaError, validators
from jsonschema.exceptions import ValidationError as SchemaValidationError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kernel.assurance import AssuranceLevel
from kernel.eligibility import Rule

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
DocumentKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,39}$")]


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
    # How applications name this document (attachments, missing-item lists). When missing,
    # the key is `doc-<n>` by the document's 1-based position (see Manual.keyed_documents).
    key: DocumentKey | None = None
    # For a portal_fetch document: the once-only data kind the issuing agency's connector
    # gives (e.g. "licences" at DLT), fetched when the draft is made.
    fetch_kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")] | None = None


class FeeItem(_Strict):
    label: Text
    amount_satang: Annotated[int, Field(ge=1)]
    # a copy of a document the state issued is never charged for; an item saying so
    # is refused by the lint and never becomes a payable demand.
    purpose: Literal["fee", "state_document_copy"] = "fee"


class Fees(_Strict):
    """Fees in satang. "No fee" must be said explicitly (R-LFA.1). `collected`: when the
    citizen pays them on the portal (R-7.4): `at_filing` (before the agency starts), or
    `after_approval` (the agency approves "waiting for the fee", then issues once paid)."""

    no_fee: bool = False
    items: list[FeeItem] = Field(default_factory=list)
    note: Text | None = None
    collected: Literal["at_filing", "after_approval"] = "after_approval"

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

    def keyed_documents(self) -> list[tuple[str, Document]]:
        """Each document with its effective key: its own, or `doc-<n>` by position."""
        return [(d.key or f"doc-{n}", d) for n, d in enumerate(self.documents, start=1)]

    @model_validator(mode="after")
    def _document_keys_are_unique(self) -> Manual:
        keys = [key for key, _ in self.keyed_documents()]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(
                "document keys must be unique within a service; used more than once: "
                + ", ".join(duplicates)
            )
        return self


# -- application forms ---------------------------------------------------------------------------


class PrefillSource(StrEnum):
    """Where a prefilled form field's value comes from. R-12.1: what the state already holds
    (the verified identity, the civil registry) is filled in by the gateway, never asked."""

    FIRST_NAME_TH = "identity.first_name_th"
    LAST_NAME_TH = "identity.last_name_th"
    FIRST_NAME_EN = "identity.first_name_en"
    LAST_NAME_EN = "identity.last_name_en"
    BIRTH_DATE = "identity.birth_date"  # ISO 8601 Gregorian date, YYYY-MM-DD
    ADDRESS_TH = "registry.address_th"  # the house-registration address, one line, in Thai
    PROVINCE_CODE = "registry.province_code"  # ISO 3166-2:TH of that address, e.g. TH-10
    SEX = "registry.sex"  # "M" or "F", as the civil registry records it


#: A value of the shape each source gives: a prefilled field must accept it (checked at load).
PREFILL_SAMPLES: dict[PrefillSource, str] = {
    PrefillSource.FIRST_NAME_TH: "สมชาย",
    PrefillSource.LAST_NAME_TH: "ใจดี",
    PrefillSource.FIRST_NAME_EN: "Somchai",
    PrefillSource.LAST_NAME_EN: "Jaidee",
    PrefillSource.BIRTH_DATE: "1987-03-15",
    PrefillSource.ADDRESS_TH: "99/1 หมู่ 2 ตำบลบางเขน อำเภอเมืองนนทบุรี จังหวัดนนทบุรี 11000",
    PrefillSource.PROVINCE_CODE: "TH-12",
    PrefillSource.SEX: "F",
}

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE.fullmatch(value)) and bool(dt.date.fromisoformat(value))


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or (len(value) <= 254 and bool(_EMAIL.fullmatch(value)))


def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(_UUID.fullmatch(value))


#: The formats a form may use; every one of them is checked (an unchecked format would
#: silently accept anything, so the others are refused at load).
FORM_FORMATS: frozenset[str] = frozenset({"date", "email", "uuid"})
FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checks("date", raises=ValueError)(_is_date)
FORMAT_CHECKER.checks("email")(_is_email)
FORMAT_CHECKER.checks("uuid")(_is_uuid)


@functools.lru_cache(maxsize=1024)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """A JSON Schema `pattern` (an ECMA-262 regular expression) compiled for Python with
    ECMA's meaning where the two differ in ways that matter for form data: \\d and \\w are
    ASCII only (Python's \\d also takes Thai digits ๐-๙, which an agency's system would then
    refuse), and `$` is the end of the text (Python's also matches before a final newline)."""
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\Z")
            continue
        out.append(char)
    return re.compile("".join(out), re.ASCII)


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[SchemaValidationError]:
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield SchemaValidationError(f"{instance!r} does not match {pattern!r}")


#: Draft 2020-12 with `pattern` read as ECMA-262 (see ecma_regex).
FormValidator: Any = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@functools.lru_cache(maxsize=512)
def _compiled(schema_json: str) -> Any:
    return FormValidator(json.loads(schema_json), format_checker=FORMAT_CHECKER)


Location = tuple[str | int, ...]

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def walk_schema(
    schema: Mapping[str, Any], at: Location = ()
) -> Iterator[tuple[Location, Mapping[str, Any]]]:
    """Every (sub)schema object in `schema` with its location, the schema itself first.

    Only keyword positions are followed, so a property *named* "format" or "title" is never
    mistaken for the keyword."""
    yield at, schema
    for keyword in _SCHEMA_MAPS:
        children = schema.get(keyword)
        if isinstance(children, Mapping):
            for name, child in children.items():
                if isinstance(child, Mapping):
                    yield from walk_schema(child, (*at, keyword, name))
    for keyword in _SCHEMA_ONE:
        child = schema.get(keyword)
        if isinstance(child, Mapping):
            yield from walk_schema(child, (*at, keyword))
    for keyword in _SCHEMA_LISTS:
        children = schema.get(keyword)
        if isinstance(children, list):
            for i, child in enumerate(children):
                if isinstance(child, Mapping):
                    yield from walk_schema(child, (*at, keyword, i))


def _where(at: Location) -> str:
    return "/" + "/".join(str(p) for p in at) if at else "the root"


def form_schema_problems(
    schema: Mapping[str, Any], prefill: Mapping[str, PrefillSource]
) -> list[str]:
    """What is wrong with a form's schema and prefill map; empty when nothing is."""
    dialect = schema.get("$schema", JSON_SCHEMA_DIALECT)
    if dialect != JSON_SCHEMA_DIALECT:
        return [f"the form schema must be JSON Schema 2020-12 ($schema {JSON_SCHEMA_DIALECT})"]
    try:
        FormValidator.check_schema(schema)
    except SchemaError as exc:
        return [
            "the form schema is not a valid JSON Schema (2020-12): "
            f"{exc.message} (at {_where(tuple(exc.absolute_path))})"
        ]
    problems = [*_shape_problems(schema), *_keyword_problems(schema)]
    return problems or list(_prefill_problems(schema, prefill))


def _shape_problems(schema: Mapping[str, Any]) -> Iterator[str]:
    if schema.get("type") != "object":
        yield 'the form schema must have "type": "object"'
    if not isinstance(schema.get("properties"), Mapping):
        yield 'the form schema must list its fields in "properties"'
    if schema.get("additionalProperties") is not False:
        yield 'the form schema must say "additionalProperties": false'


def _keyword_problems(schema: Mapping[str, Any]) -> Iterator[str]:
    for at, sub in walk_schema(schema):
        for keyword in ("$ref", "$dynamicRef"):
            ref = sub.get(keyword)
            if isinstance(ref, str) and not ref.startswith("#"):
                yield f"{keyword} {ref!r} at {_where(at)}: only references inside the form"
        fmt = sub.get("format")
        if isinstance(fmt, str) and fmt not in FORM_FORMATS:
            yield (
                f"format {fmt!r} at {_where(at)} is not checked by the gateway; "
                f"use one of {', '.join(sorted(FORM_FORMATS))} or a pattern"
            )


def _prefill_problems(
    schema: Mapping[str, Any], prefill: Mapping[str, PrefillSource]
) -> Iterator[str]:
    validator = _compiled(json.dumps(schema, ensure_ascii=False))
    for name, source in prefill.items():
        if name not in schema["properties"]:
            yield f"prefill field {name!r} is not a property of the form schema"
            continue
        sample = PREFILL_SAMPLES[source]
        refused = [
            e
            for e in validator.iter_errors({name: sample})
            if tuple(e.absolute_path)[:1] == (name,)
        ]
        if refused:
            yield (
                f"prefill field {name!r} does not accept what {source.value} gives "
                f"(e.g. {sample!r}): {refused[0].message}"
            )


class FormSpec(_Strict):
    """An e-service's application form: a JSON Schema (2020-12) for the form data, and which
    top-level fields the gateway fills in from data the state already holds (R-12.1).

    Titles and descriptions are Thai; `x-title-en` / `x-description-en` beside them give the
    English (annotations that validation ignores)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: dict[str, Any] = Field(alias="schema")
    prefill: dict[str, PrefillSource] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid_schema_and_prefill(self) -> FormSpec:
        problems = form_schema_problems(self.schema_, self.prefill)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = self.schema_["properties"]
        return properties

    @property
    def required(self) -> list[str]:
        return [r for r in self.schema_.get("required", []) if isinstance(r, str)]

    def validator(self) -> Any:
        """The compiled validator (Draft 2020-12, formats checked), shared across calls."""
        return _compiled(json.dumps(self.schema_, ensure_ascii=False))


def can_file(*, in_person_required: bool, integration_mode: str | None) -> bool:
    """Whether the portal files applications for a service: not when the law needs the person
    in the office (R-7.5: the portal informs and books), nor for link-only services."""
    return not in_person_required and integration_mode != IntegrationMode.LINK


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
    form: FormSpec | None = None  # None: a filed application uses the gateway's default form
    # services of other agencies that take the same request. When this service's
    # agency says a filing is another agency's, the portal forwards it to that agency's
    # counterpart here; with none, the citizen is told which agency is responsible.
    counterparts: list[Slug] = Field(default_factory=list, max_length=10)


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
