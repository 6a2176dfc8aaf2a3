"""The service lint: which e-service definitions break the rules a published service must keep.

- R-LFA.1: the citizen manual is complete (conditions, ordered steps with duration and
  responsible unit, total time, documents, fees or an explicit "no fee", channels, places with
  opening hours, complaint channels including the 1111 hotline, legal basis, publication date),
  in Thai and in English.
- R-7.2: no copy needs a signature or certification.
- R-7.3: one electronic set is enough (no document asked for in several copies).
- R-12.1: a document a state agency issues is never demanded as an upload.

Pure: it reads definitions and returns findings; loading files is the caller's business.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from gateway.catalog.definitions import (
    AgencyDefinition,
    EServiceDefinition,
    IntegrationMode,
    Text,
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
    known = {a.code for a in agencies}
    findings: list[Finding] = []
    for service in services:
        findings.extend(_lint_one(service, known, today))
    return sorted(findings)


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
