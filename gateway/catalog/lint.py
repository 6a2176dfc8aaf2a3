"""The service lint: which e-service definitions break the rules a published service must keep.

- R-LFA.1: the citizen manual is complete (conditions, ordered steps with duration and
  responsible unit, total time, documents, fees or an explicit "no fee", channels, places with
  opening hours, complaint channels including the 1111 hotline, legal basis, publication date),
  in Thai and in English.
- R-7.2: no copy needs a signature or certification.
- R-7.3: one electronic set is enough (no document asked for in several copies).
- R-12.1: a document a state agency issues is never demanded as an upload (nor one whose
  name says it is such a document, whatever issuer it is given); the application form never
  asks for what the state holds (names, birth date, national ID, registered address, sex)
  unless the field is prefilled.
- R-7.5: a service the portal does not file (personal appearance, link only) has no form.
- R-LFA.1 also for forms: every field is titled in Thai (`title`) and English (`x-title-en`).

Pure: it reads definitions and returns findings; loading files is the caller's business.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.catalog.definitions import (
    AgencyDefinition,
    Document,
    EServiceDefinition,
    FormSpec,
    IntegrationMode,
    Location,
    Text,
    can_file,
    walk_schema,
)

MINUTES_PER_WORKING_DAY = 8 * 60  # 08:30-16:30, continuous (R-10.2 default)
GOVERNMENT_HOTLINE = "1111"

# Phrases that demand a certified or signed copy, in Thai and English.
_CERTIFICATION = re.compile(
    # Thai: "รับรองสำเนา(ถูกต้อง)", "สำเนา(ที่ได้/ผ่านการ)รับรอง", "ลงนาม/ลงลายมือชื่อรับรอง".
    # Not "สำเนาหนังสือรับรอง…" or "สำเนาใบรับรองแพทย์": a copy OF a certificate is allowed.
    r"รับรองสำเนา|สำเนา(?:ที่(?:ได้)?(?:ผ่านการ)?)?รับรอง|ลงลายมือชื่อรับรอง|ลงนามรับรอง"
    r"|certified\s+(?:true\s+)?cop|attested\s+cop|notari[sz]ed|signed\s+cop|copy\s+certified",
    re.IGNORECASE,
)

# Documents only a state agency issues, named at the start of a document's name, in Thai
# ("(สำเนา)บัตรประจำตัวประชาชน", "ทะเบียนบ้าน", ...) or English ("Copy of the ID card"). Only the
# start: "a landlord's letter (if you do not live at your registered address)" is not one.
_STATE_DOCUMENT = re.compile(
    r"^(?:สำเนา|ข้อมูล|ภาพถ่าย|รูปถ่าย)?\s*(?:บัตรประจำตัวประชาชน|บัตรประชาชน|ทะเบียนบ้าน|สูติบัตร"
    r"|ทะเบียนสมรส|ทะเบียนหย่า|มรณบัตร|ใบอนุญาตขับรถ|ใบขับขี่|หนังสือเดินทาง|โฉนด)"
    r"|^(?:an?\s+|the\s+)?(?:(?:copy|photo|scan)\s+of\s+(?:an?\s+|the\s+|your\s+)?)?"
    r"(?:national\s+id\s+card|id\s+card|house\s+registration|birth\s+certificate"
    r"|marriage\s+certificate|divorce\s+certificate|death\s+certificate|driving\s+licen[cs]e"
    r"|passport|title\s+deed)",
    re.IGNORECASE,
)

# Form fields that ask for what the state holds about the applicant, by name ...
_STATE_HELD_NAME = re.compile(
    r"(?:(?:first|last|given|family|middle|full|sur)_?name|name|fname|lname"
    r"|birth_?date|date_of_birth|dob|born_on"
    r"|national_id|citizen_id|id_card(?:_number|_no)?|id_number|pid|personal_id"
    r"|address|home_address|registered_address|house_registration_address"
    r"|sex|gender)(?:_(?:th|en))?"
)
# ... or by title. Data about someone else belongs in a nested object (a representative, a
# child), which this check does not read.
_STATE_HELD_TITLE = re.compile(
    r"^(?:ชื่อ(?:ตัว|จริง)?(?:\s*[-–]?\s*(?:และ)?\s*(?:นามสกุล|สกุล))?|นามสกุล|ชื่อสกุล|เพศ)"
    r"\s*(?:\(|$)"
    r"|วัน(?:เดือนปี)?เกิด|เลข(?:ประจำตัวประชาชน|บัตรประชาชน|บัตรประจำตัวประชาชน)"
    r"|ที่อยู่ตาม(?:ทะเบียนบ้าน|บัตร)"
    r"|\b(?:first|given|last|family|full|middle)\s+name\b|\bsurname\b|\bdate\s+of\s+birth\b"
    r"|\bbirth\s*date\b|\bnational\s+id\b|\bcitizen\s+id\b|\bid\s+card\s+number\b"
    r"|\bregistered\s+address\b|\bhome\s+address\b|^(?:sex|gender)$",
    re.IGNORECASE,
)
_FORM_TEXTS = ("title", "description", "x-title-en", "x-description-en")


@dataclass(frozen=True, order=True)
class Finding:
    service_id: str
    rule: str  # a RULES.md id
    check: str  # a stable code for the check that failed
    where: str  # dotted path inside the definition
    message: str


def lint(
    services: Iterable[EServiceDefinition],
    agencies: Iterable[AgencyDefinition],
    today: dt.date,
) -> list[Finding]:
    """Every finding for every service, sorted by service id."""
    return lint_services(services, {a.code: a.integration_mode for a in agencies}, today)


@dataclass(frozen=True)
class Listed:
    """What the counterparts rule reads of a service already in the catalog (not linted)."""

    agency: str
    status: str
    integration_mode: IntegrationMode | None
    in_person_required: bool


def lint_services(
    services: Iterable[EServiceDefinition],
    modes: Mapping[str, IntegrationMode],
    today: dt.date,
    catalog: Mapping[str, Listed] | None = None,
) -> list[Finding]:
    """`lint` with the agencies given as their codes and integration modes (what the
    database holds of them, e.g. when a service is published from an onboarding case), and
    `catalog`: the services already listed that a linted one may name as a counterpart."""
    listed, known = list(services), dict(modes)
    by_id: dict[str, EServiceDefinition | Listed] = {**(catalog or {}), **{s.id: s for s in listed}}
    findings: list[Finding] = []
    for service in listed:
        findings.extend(_lint_one(service, set(known), today))
        findings.extend(_lint_form(service, known.get(service.agency)))
        findings.extend(_lint_counterparts(service, by_id, known))
    return sorted(findings)


def _lint_counterparts(
    s: EServiceDefinition,
    services: Mapping[str, EServiceDefinition | Listed],
    modes: dict[str, IntegrationMode],
) -> Iterator[Finding]:
    """R-10.6: a counterpart is another agency's service that the portal itself can file, at
    most one per agency (the forward must know where to go)."""
    seen: set[str] = set()
    for i, other_id in enumerate(s.counterparts):
        where = f"counterparts[{i}]"
        other = services.get(other_id)
        if other is None:
            yield Finding(
                s.id, "R-10.6", "unknown_counterpart", where, f"{other_id} is not defined"
            )
            continue
        if other.status != "live":
            yield Finding(
                s.id,
                "R-10.6",
                "counterpart_not_live",
                where,
                f"{other_id} is not live, so nothing can be forwarded to it",
            )
        if other.agency == s.agency:
            yield Finding(
                s.id,
                "R-10.6",
                "same_agency_counterpart",
                where,
                f"{other_id} is a service of {s.agency} itself; offices are routed, not mapped",
            )
        mode = other.integration_mode or modes.get(other.agency)
        if mode not in (IntegrationMode.API, IntegrationMode.PLATFORM) or other.in_person_required:
            yield Finding(
                s.id,
                "R-10.6",
                "counterpart_not_filed_on_portal",
                where,
                f"{other_id} is not filed through the portal, so nothing can be forwarded to it",
            )
        if other.agency in seen:
            yield Finding(
                s.id,
                "R-10.6",
                "duplicate_counterpart_agency",
                where,
                f"more than one counterpart at {other.agency}",
            )
        seen.add(other.agency)


def _lint_one(  # noqa: PLR0912, PLR0915 - one check per manual field, read top to bottom
    s: EServiceDefinition, agencies: set[str], today: dt.date
) -> Iterator[Finding]:
    def found(rule: str, check: str, where: str, message: str) -> Finding:
        return Finding(s.id, rule, check, where, message)

    def bilingual(text: Text | None, where: str, what: str) -> Iterator[Finding]:
        if text is None or not text.complete:
            yield found(
                "R-LFA.1", "missing_text", where, f"{what} must be given in Thai and English"
            )

    manual = s.manual
    yield from bilingual(s.name, "name", "the service name")
    yield from bilingual(s.summary, "summary", "the summary")
    if s.agency not in agencies:
        yield found("R-LFA.1", "unknown_agency", "agency", f"agency {s.agency} is not defined")
    if s.integration_mode is IntegrationMode.LINK and not s.link_url:
        yield found("R-LFA.1", "missing_link", "link_url", "a link service needs its link_url")

    # R-LFA.1: conditions and eligibility.
    if not manual.conditions:
        yield found("R-LFA.1", "missing_conditions", "manual.conditions", "no conditions stated")
    for i, condition in enumerate(manual.conditions):
        yield from bilingual(condition, f"manual.conditions[{i}]", "a condition")

    # R-LFA.1: ordered steps, each with duration and responsible unit; total time.
    if not manual.steps:
        yield found("R-LFA.1", "missing_steps", "manual.steps", "no steps stated")
    for i, step in enumerate(manual.steps):
        where = f"manual.steps[{i}]"
        yield from bilingual(step.title, f"{where}.title", "a step title")
        if step.duration_minutes is None:
            yield found("R-LFA.1", "missing_step_duration", where, "step has no duration")
        if step.responsible_unit is None or not step.responsible_unit.complete:
            yield found(
                "R-LFA.1", "missing_responsible_unit", where, "step has no responsible unit"
            )
    total = manual.total_working_days
    if total is None:
        yield found("R-LFA.1", "missing_total_time", "manual.total_working_days", "no total time")
    else:
        minutes = sum(step.duration_minutes or 0 for step in manual.steps)
        needed_days = math.ceil(minutes / MINUTES_PER_WORKING_DAY)
        if needed_days > max(total, 1):
            yield found(
                "R-LFA.1",
                "steps_exceed_total_time",
                "manual.total_working_days",
                f"the steps take {minutes} minutes (~{needed_days} working days), "
                f"more than the stated total of {total}",
            )

    # R-LFA.1 documents; certification; one set; once-only.
    for i, doc in enumerate(manual.documents):
        where = f"manual.documents[{i}]"
        yield from bilingual(doc.name, f"{where}.name", "a document name")
        if doc.issuer.agency_code and doc.issuer.agency_code not in agencies:
            yield found(
                "R-LFA.1",
                "unknown_issuer",
                f"{where}.issuer",
                f"issuing agency {doc.issuer.agency_code} is not defined",
            )
        if doc.issuer.kind == "state" and not (doc.issuer.agency_code or doc.issuer.name):
            yield found("R-LFA.1", "missing_issuer", f"{where}.issuer", "name the issuing agency")
        texts = [doc.name.th, doc.name.en] + ([doc.note.th, doc.note.en] if doc.note else [])
        if doc.certified_copy or any(_CERTIFICATION.search(t) for t in texts):
            yield found(
                "R-7.2",
                "certified_copy_demanded",
                where,
                "copies need no signature or certification (EGA s.7 para 2)",
            )
        if doc.copies > 1:
            yield found(
                "R-7.3",
                "several_copies_demanded",
                f"{where}.copies",
                f"{doc.copies} copies asked; one electronic set counts as all (EGA s.7)",
            )
        if doc.issuer.kind == "state" and doc.source == "upload":
            yield found(
                "R-12.1",
                "state_document_upload",
                f"{where}.source",
                "a document a state agency issues must be fetched by the portal or picked from "
                "the wallet, never uploaded (EGA s.12)",
            )
        elif doc.source == "upload" and _names_a_state_document(doc):
            yield found(
                "R-12.1",
                "state_document_misattributed",
                f"{where}.issuer",
                "the name says a state agency issues this document (ID card, house "
                "registration, birth certificate, ...): mark its issuer as the state and let "
                "the portal fetch it (EGA s.12)",
            )
    for i, condition in enumerate(manual.conditions):
        if _CERTIFICATION.search(condition.th) or _CERTIFICATION.search(condition.en):
            yield found(
                "R-7.2",
                "certified_copy_demanded",
                f"manual.conditions[{i}]",
                "a condition demands a certified or signed copy",
            )

    # R-LFA.1 fees: an amount, or "no fee" said explicitly.
    if manual.fees is None:
        yield found("R-LFA.1", "missing_fees", "manual.fees", "state the fees, or no_fee: true")
    elif not manual.fees.no_fee and not manual.fees.items:
        yield found("R-LFA.1", "missing_fees", "manual.fees", "no fee items and no_fee not set")
    elif manual.fees is not None:
        for i, item in enumerate(manual.fees.items):
            if item.purpose == "state_document_copy":
                yield found(
                    "R-12.1",
                    "fee_for_state_document",
                    f"manual.fees.items[{i}]",
                    "no fee is charged for a copy of a document the state issued",
                )

    # R-LFA.1 channels, places with opening hours, complaint channels.
    if not manual.channels:
        yield found("R-LFA.1", "missing_channels", "manual.channels", "no service channel")
    if not manual.places:
        yield found("R-LFA.1", "missing_places", "manual.places", "no service place")
    for i, place in enumerate(manual.places):
        if place.hours is None:
            yield found("R-LFA.1", "missing_opening_hours", f"manual.places[{i}]", "no hours")
    phones = [c.phone for c in manual.complaint_channels]
    if GOVERNMENT_HOTLINE not in phones:
        yield found(
            "R-LFA.1",
            "missing_hotline",
            "manual.complaint_channels",
            "the 1111 government hotline must be listed",
        )
    if not any(p != GOVERNMENT_HOTLINE for p in phones):
        yield found(
            "R-LFA.1",
            "missing_agency_complaint_channel",
            "manual.complaint_channels",
            "the agency's own complaint unit must be listed",
        )

    # R-LFA.1 legal basis and publication.
    if not manual.legal_basis:
        yield found("R-LFA.1", "missing_legal_basis", "manual.legal_basis", "no legal basis")
    if manual.published_on is None:
        yield found("R-LFA.1", "missing_publication_date", "manual.published_on", "not dated")
    elif manual.published_on > today:
        yield found(
            "R-LFA.1",
            "publication_in_future",
            "manual.published_on",
            f"published_on {manual.published_on} is after {today}",
        )


def _names_a_state_document(doc: Document) -> bool:
    return any(_STATE_DOCUMENT.search(name.strip()) for name in (doc.name.th, doc.name.en))


def _schema_where(at: Location) -> str:
    where = "form.schema"
    for part in at:
        where += f"[{part}]" if isinstance(part, int) else f".{part}"
    return where


def _lint_form(s: EServiceDefinition, agency_mode: IntegrationMode | None) -> Iterator[Finding]:
    """The application form: filed at all (R-7.5), never asking what the state holds
    (R-12.1) or for a certified copy (R-7.2), titled in both languages (R-LFA.1)."""
    form = s.form
    if form is None:
        return
    mode = s.integration_mode or agency_mode
    if not can_file(in_person_required=s.in_person_required, integration_mode=mode):
        yield Finding(
            s.id,
            "R-7.5",
            "form_on_unfileable_service",
            "form",
            "the portal does not file this service (personal appearance or link only), so it "
            "has no application form",
        )
    yield from _state_data_asked(s.id, form)
    for at, sub in walk_schema(form.schema_):
        texts = [sub.get(k) for k in _FORM_TEXTS]
        if any(isinstance(t, str) and _CERTIFICATION.search(t) for t in texts):
            yield Finding(
                s.id,
                "R-7.2",
                "certified_copy_demanded",
                _schema_where(at),
                "the form demands a certified or signed copy (EGA s.7 para 2)",
            )
        titled = _text(sub, "title") and _text(sub, "x-title-en")
        if (_is_field(at) or _is_choice(at, sub)) and not titled:
            yield Finding(
                s.id,
                "R-LFA.1",
                "missing_form_text",
                _schema_where(at),
                "a form field or choice needs a Thai title and an English x-title-en",
            )


def _state_data_asked(service_id: str, form: FormSpec) -> Iterator[Finding]:
    for name, prop in form.properties.items():
        if name in form.prefill or not isinstance(prop, Mapping):
            continue
        if prop.get("type") in ("boolean", "integer", "number"):
            continue  # a yes/no or a count ("I live at my registered address") asks no record
        titles = [t for t in (prop.get("title"), prop.get("x-title-en")) if isinstance(t, str)]
        if _STATE_HELD_NAME.fullmatch(name.lower()) or any(
            _STATE_HELD_TITLE.search(t.strip()) for t in titles
        ):
            yield Finding(
                service_id,
                "R-12.1",
                "state_data_asked",
                f"form.schema.properties.{name}",
                "the form asks for data the state already holds (name, birth date, national "
                "ID, registered address, sex): prefill it from the identity or the registry",
            )


def _is_data_path(at: Location) -> bool:
    """Whether `at` reaches a place in the form data through properties and items only (not
    through a condition such as `if` or `not`, whose properties are no fields to fill)."""
    i = 0
    while i < len(at):
        if at[i] == "properties" and i + 1 < len(at):
            i += 2
        elif at[i] == "items":
            i += 1
        else:
            return False
    return True


def _is_field(at: Location) -> bool:
    return len(at) >= 2 and at[-2] == "properties" and _is_data_path(at)


def _is_choice(at: Location, sub: Mapping[str, Any]) -> bool:
    return (
        len(at) >= 2 and at[-2] in ("oneOf", "anyOf") and "const" in sub and _is_data_path(at[:-2])
    )


def _text(sub: Mapping[str, Any], keyword: str) -> bool:
    value = sub.get(keyword)
    return isinstance(value, str) and bool(value.strip())
