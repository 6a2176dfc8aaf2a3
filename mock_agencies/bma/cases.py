"""The BMA's own case book for building permits: numbers, statuses, the form's rules. Pure.

Statuses (the agency's, as in docs/agency-integration.md) and who moves them:

    received --accept--> in_review --request-info--> needs_info --accept--> in_review
    in_review --approve--> approved
    received | in_review | needs_info --reject--> rejected

Every change gets the next `seq` of its case (1 is the filing itself) and the agency's time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from mock_agencies import grants

BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")  # Asia/Bangkok: UTC+7, no DST
SERVICE_ID = "bma-building-permit"
REF_PREFIX = "BMA-BP-"


class CaseStatus(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"


class StaffAction(StrEnum):
    ACCEPT = "accept"
    REQUEST_INFO = "request-info"
    APPROVE = "approve"
    REJECT = "reject"


_MOVES: dict[StaffAction, tuple[frozenset[CaseStatus], CaseStatus]] = {
    StaffAction.ACCEPT: (
        frozenset({CaseStatus.RECEIVED, CaseStatus.NEEDS_INFO}),
        CaseStatus.IN_REVIEW,
    ),
    StaffAction.REQUEST_INFO: (frozenset({CaseStatus.IN_REVIEW}), CaseStatus.NEEDS_INFO),
    StaffAction.APPROVE: (frozenset({CaseStatus.IN_REVIEW}), CaseStatus.APPROVED),
    StaffAction.REJECT: (
        frozenset({CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.NEEDS_INFO}),
        CaseStatus.REJECTED,
    ),
}


class CaseError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CaseNotFound(CaseError):
    status, code = 404, "not_found"


class InvalidTransition(CaseError):
    status, code = 409, "invalid_transition"


class ReasonRequired(CaseError):
    status, code = 422, "reason_required"


def allowed_actions(status: CaseStatus) -> list[StaffAction]:
    return [action for action, (sources, _) in _MOVES.items() if status in sources]


def utc_iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat().replace("+00:00", "Z")


def bangkok_text(at: float) -> str:
    """The agency's time as people in Bangkok read it, e.g. '16/04/2026 08:30:05 (UTC+07:00)'."""
    return dt.datetime.fromtimestamp(at, BANGKOK).strftime("%d/%m/%Y %H:%M:%S (UTC+07:00)")


@dataclass
class CaseEvent:
    seq: int
    at: float
    status: CaseStatus
    data: dict[str, Any]
    actor: str

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": utc_iso(self.at),
            "status": self.status.value,
            "data": self.data,
            "actor": self.actor,
        }


@dataclass
class Case:
    agency_ref: str
    application_id: str
    subject: str
    applicant: dict[str, Any]
    form: dict[str, Any]
    received_at: float
    events: list[CaseEvent] = field(default_factory=list)

    @property
    def status(self) -> CaseStatus:
        return self.events[-1].status

    @property
    def seq(self) -> int:
        return self.events[-1].seq

    @property
    def updated_at(self) -> float:
        return self.events[-1].at

    def as_json(self) -> dict[str, Any]:
        return {
            "agency_ref": self.agency_ref,
            "application_id": self.application_id,
            "service_id": SERVICE_ID,
            "status": self.status.value,
            "seq": self.seq,
            "received_at": utc_iso(self.received_at),
            "updated_at": utc_iso(self.updated_at),
            "applicant": self.applicant,
            "form": self.form,
            "allowed_actions": [action.value for action in allowed_actions(self.status)],
            "events": [event.as_json() for event in self.events],
        }


class CaseBook:
    """Every case, by agency ref and by the portal's application id (one case per id)."""

    def __init__(self, first_number: int = 1) -> None:
        self._next = first_number
        self._cases: dict[str, Case] = {}
        self._by_application: dict[str, str] = {}

    def cases(self) -> list[Case]:
        return list(self._cases.values())

    def get(self, agency_ref: str) -> Case:
        found = self._cases.get(agency_ref)
        if found is None:
            raise CaseNotFound(f"no case {agency_ref!r}")
        return found

    def of_application(self, application_id: str) -> Case | None:
        ref = self._by_application.get(application_id)
        return self._cases[ref] if ref else None

    def file(
        self,
        application_id: str,
        subject: str,
        applicant: Mapping[str, Any],
        form: Mapping[str, Any],
        at: float,
    ) -> Case:
        """A new case, status received (seq 1); the entry time is the agency's receipt time."""
        ref = f"{REF_PREFIX}{self._next:06d}"
        self._next += 1
        case = Case(ref, application_id, subject, dict(applicant), dict(form), at)
        case.events.append(CaseEvent(1, at, CaseStatus.RECEIVED, {"form": dict(form)}, "citizen"))
        self._cases[ref] = case
        self._by_application[application_id] = ref
        return case

    def act(
        self,
        agency_ref: str,
        action: StaffAction,
        at: float,
        actor: str,
        reason: str | None = None,
        items: list[dict[str, str]] | None = None,
        granted: Callable[[Case], dict[str, Any]] | None = None,
    ) -> CaseEvent:
        """Move case `agency_ref` by `action`; an approval carries the document `granted`
        makes of the case (`data.document`)."""
        case = self.get(agency_ref)
        sources, target = _MOVES[action]
        if case.status not in sources:
            raise InvalidTransition(f"cannot {action.value} a case that is {case.status.value}")
        if action is StaffAction.REJECT and not reason:
            raise ReasonRequired("a rejection states its reason")
        if action is StaffAction.REQUEST_INFO and not items:
            raise ReasonRequired("a request for information lists the items needed")
        data: dict[str, Any] = {}
        if reason:
            data["reason"] = reason
        if items:
            data["items"] = items
        if action is StaffAction.APPROVE and granted is not None:
            data["document"] = granted(case)
        event = CaseEvent(case.seq + 1, at, target, data, actor)
        case.events.append(event)
        return event


# -- the permit ----------------------------------------------------------------------------------

#: How long a permit lets building start (simplified: one year from the day it is granted).
PERMIT_YEARS = 1


def permit_document(case: Case, number: str, on: dt.date) -> dict[str, Any]:
    """The building permit approval grants (a DocumentSpec as JSON: mock_agencies/grants.py),
    numbered `number`, granted on `on`."""
    form = case.form
    site = form.get("site") or {}
    deed, district = site.get("title_deed_number", "-"), site.get("district", "-")
    use_th, use_en = BUILDING_USES.get(form.get("building_use") or "", ("-", "-"))
    area = f"{float(form.get('floor_area_sqm') or 0):,.2f}"
    storeys = form.get("storeys")
    try:
        until = on.replace(year=on.year + PERMIT_YEARS) - dt.timedelta(days=1)
    except ValueError:  # granted on 29 February: valid to 28 February
        until = dt.date(on.year + PERMIT_YEARS, 2, 28)
    items = [
        grants.item(
            "site",
            "ที่ตั้งอาคาร",
            "Building site",
            f"โฉนดที่ดินเลขที่ {deed} เขต{district} กรุงเทพมหานคร",
            f"Title deed no. {deed}, {district} district, Bangkok",
        ),
        grants.item("building_use", "ประเภทอาคาร", "Building use", use_th, use_en),
        grants.item("storeys", "จำนวนชั้น", "Storeys", f"{storeys} ชั้น", f"{storeys} storeys"),
        grants.item("floor_area", "พื้นที่อาคาร", "Floor area", f"{area} ตารางเมตร", f"{area} m²"),
        grants.item(
            "engineer_licence",
            "เลขที่ใบอนุญาตวิศวกรผู้ออกแบบ",
            "Design engineer's licence",
            str(form.get("engineer_licence_number") or "-"),
        ),
        grants.item("agency_ref", "เลขที่รับเรื่อง", "Agency reference", case.agency_ref),
    ]
    return grants.document(
        "permit",
        number,
        "ใบอนุญาตก่อสร้างอาคาร (แบบ อ.1)",
        "Building construction permit (Form Or.1)",
        items,
        on,
        until,
    )


# -- the permit form ----------------------------------------------------------------------------

BUILDING_USES = {
    "detached_house": ("บ้านเดี่ยว", "Detached house"),
    "townhouse": ("ทาวน์เฮาส์หรือห้องแถว", "Townhouse or row house"),
    "commercial": ("อาคารพาณิชย์", "Commercial building"),
    "warehouse": ("โกดังหรือโรงงาน", "Warehouse or factory"),
    "other": ("อื่น ๆ", "Other"),
}
APPLICANT_ROLES = {
    "owner": ("เจ้าของอาคาร", "The building's owner"),
    "representative": ("ผู้ได้รับมอบอำนาจจากเจ้าของอาคาร", "The owner's authorised representative"),
}
_DEED = re.compile(r"[0-9]{1,7}")
_PHONE = re.compile(r"0[689][0-9]{8}|0[2-7][0-9]{7}")
_ENGINEER = re.compile(r"[ก-ฮA-Z.]{1,6} ?[0-9]{1,6}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")
MAX_TEXT = 200


@dataclass(frozen=True)
class FormProblem:
    field: str
    message_th: str
    message_en: str


def _text(raw: Mapping[str, str], name: str, limit: int = MAX_TEXT) -> str:
    return (raw.get(name) or "").strip()[:limit]


N = TypeVar("N", int, float)


def _number(
    raw: Mapping[str, str], name: str, kind: type[N], fits: Callable[[N], bool]
) -> N | None:
    try:
        value = kind(_text(raw, name))
    except ValueError:
        return None
    return value if fits(value) else None  # NaN fits no range


def read_permit_form(
    raw: Mapping[str, str], applicant: Mapping[str, Any]
) -> tuple[dict[str, Any], list[FormProblem]]:
    """The permit form from the posted fields, shaped like the portal's form for this service.
    The applicant's names and address come from `applicant` (the portal's verified data), never
    from the post: the citizen is not asked for them again (R-12.1)."""
    problems: list[FormProblem] = []

    def problem(name: str, th: str, en: str) -> None:
        problems.append(FormProblem(name, th, en))

    role = _text(raw, "applicant_role")
    if role not in APPLICANT_ROLES:
        problem("applicant_role", "เลือกฐานะผู้ขออนุญาต", "Choose how you apply")
    deed = _text(raw, "site_title_deed_number")
    if not _DEED.fullmatch(deed):
        problem("site_title_deed_number", "เลขที่โฉนดเป็นตัวเลข 1–7 หลัก", "Deed number: 1-7 digits")
    district = _text(raw, "site_district", 60)
    if not district:
        problem("site_district", "ระบุเขตที่ตั้งอาคาร", "Give the district (khet)")
    use = _text(raw, "building_use")
    if use not in BUILDING_USES:
        problem("building_use", "เลือกประเภทการใช้อาคาร", "Choose the building's use")
    storeys = _number(raw, "storeys", int, lambda n: 1 <= n <= 200)
    if storeys is None:
        problem("storeys", "จำนวนชั้น 1–200", "Storeys: a whole number from 1 to 200")
    area = _number(raw, "floor_area_sqm", float, lambda n: 0 < n <= 1_000_000)
    if area is None:
        problem("floor_area_sqm", "พื้นที่ต้องมากกว่า 0 ตารางเมตร", "Floor area: more than 0 m²")
    engineer = _text(raw, "engineer_licence_number", 20)
    if not _ENGINEER.fullmatch(engineer):
        problem("engineer_licence_number", "เลขใบอนุญาตวิศวกร เช่น สย.12345", "e.g. สย.12345")
    phone = _text(raw, "contact_phone", 10)
    if not _PHONE.fullmatch(phone):
        problem("contact_phone", "หมายเลขโทรศัพท์ 9–10 หลัก", "Phone: 9 or 10 digits from 0")
    email = _text(raw, "email", 254)
    if email and not _EMAIL.fullmatch(email):
        problem("email", "อีเมลไม่ถูกต้อง", "Not an email address")

    site = {
        "title_deed_number": deed,
        "house_number": _text(raw, "site_house_number", 20),
        "road": _text(raw, "site_road", 100),
        "subdistrict": _text(raw, "site_subdistrict", 60),
        "district": district,
    }
    form: dict[str, Any] = {
        "first_name_th": applicant.get("first_name_th"),
        "last_name_th": applicant.get("last_name_th"),
        "registered_address": applicant.get("address_th"),
        "applicant_role": role,
        "site": {k: v for k, v in site.items() if v},
        "building_use": use,
        "storeys": storeys,
        "floor_area_sqm": area,
        "engineer_licence_number": engineer,
        "contact_phone": phone,
    }
    if architect := _text(raw, "architect_licence_number", 20):
        form["architect_licence_number"] = architect
    if email:
        form["email"] = email
    return form, problems
