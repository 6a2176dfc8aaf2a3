"""The 13-step procedure that takes an e-service onto the portal (the OPDC/DGA work manual,
"คู่มือการปฏิบัติงาน ด้านการนำบริการขึ้นให้บริการผ่านระบบ Citizen Portal", section 4).

Pure: the steps with their standard durations and responsible roles, the one function that
decides every transition (`decide`), when a step is overdue in working days, and the step-10
gate on a connector's signed certification (`check_certification`). No I/O.

Loops the manual draws:
- step 2, management does not approve (ไม่เห็นชอบ) → back to step 1 (select again);
- step 4, the agency declines (ไม่เข้าร่วม) → the case closes ("declined"); another service is
  selected as a new case;
- step 10, the portal test fails (ไม่ผ่าน) → back to step 9 (the agency adapts again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from kernel.errors import Conflict, Forbidden
from kernel.working_time import WorkingCalendar, due_at


class Role(StrEnum):
    """Who acts on a step, as the manual names them."""

    OPDC_OFFICER = "opdc_officer"  # เจ้าหน้าที่สำนักงาน ก.พ.ร. ที่ได้รับมอบหมาย (and its consultants)
    OPDC_MANAGEMENT = "opdc_management"  # ฝ่ายบริหารสำนักงาน ก.พ.ร.
    DGA_OFFICER = "dga_officer"  # เจ้าหน้าที่ สพร. ที่ได้รับมอบหมาย
    AGENCY_EXECUTIVE = "agency_executive"  # ผู้บริหารของหน่วยงานที่ได้รับเชิญ
    AGENCY_COORDINATOR = "agency_coordinator"  # เจ้าหน้าที่ผู้ประสานงานของหน่วยงาน
    AGENCY_IT = "agency_it"  # เจ้าหน้าที่ของหน่วยงานผู้ให้บริการที่ปรับระบบ


ROLE_NAMES: Mapping[Role, tuple[str, str]] = {
    Role.OPDC_OFFICER: ("เจ้าหน้าที่สำนักงาน ก.พ.ร. ที่ได้รับมอบหมาย", "OPDC project officer"),
    Role.OPDC_MANAGEMENT: ("ฝ่ายบริหารสำนักงาน ก.พ.ร.", "OPDC management"),
    Role.DGA_OFFICER: ("เจ้าหน้าที่ สพร. ที่ได้รับมอบหมาย", "DGA project officer"),
    Role.AGENCY_EXECUTIVE: ("ผู้บริหารของหน่วยงาน", "Agency executive"),
    Role.AGENCY_COORDINATOR: ("ผู้ประสานงานของหน่วยงาน", "Agency coordinator"),
    Role.AGENCY_IT: ("เจ้าหน้าที่ของหน่วยงานผู้ให้บริการ (ระบบ)", "Agency IT officer"),
}


class Step(IntEnum):
    SELECT = 1
    MANAGEMENT_APPROVAL = 2
    INVITE_AGENCY = 3
    AGENCY_CONFIRMS = 4
    STUDY = 5
    FLOW_MODEL = 6
    REVIEW_WITH_AGENCY = 7
    TECHNICAL_PROPOSAL = 8
    AGENCY_ADAPTS = 9
    PORTAL_TEST = 10
    ASSIGN_ADMINISTRATORS = 11
    ADMIN_TRAINING = 12
    GO_LIVE = 13

    @property
    def key(self) -> str:
        return self.name.lower()


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # the agency declined (step 4): final
    LIVE = "live"  # step 13 done: the service is published; final


class Action(StrEnum):
    COMPLETE = "complete"  # the step's work is done: on to the next step
    APPROVE = "approve"  # step 2: เห็นชอบ
    REJECT = "reject"  # step 2: ไม่เห็นชอบ → step 1
    ACCEPT = "accept"  # step 4: เข้าร่วม, a coordinator named
    DECLINE = "decline"  # step 4: ไม่เข้าร่วม → closed
    PASS = "pass"  # noqa: S105 - step 10: ผ่าน (gated by the certification)
    FAIL = "fail"  # step 10: ไม่ผ่าน → step 9


@dataclass(frozen=True)
class StepInfo:
    step: Step
    name_th: str
    name_en: str
    standard_days: int
    roles: tuple[Role, ...]  # who may act on it
    documents_th: str  # what the manual says the step produces or refers to


_O, _M, _D = Role.OPDC_OFFICER, Role.OPDC_MANAGEMENT, Role.DGA_OFFICER
_X, _C, _I = Role.AGENCY_EXECUTIVE, Role.AGENCY_COORDINATOR, Role.AGENCY_IT

STEPS: Mapping[Step, StepInfo] = {
    info.step: info
    for info in (
        StepInfo(Step.SELECT, "คัดเลือกงานบริการ", "Select the service", 15, (_O,),
                 "เอกสารหลักเกณฑ์การคัดเลือกงานบริการเพื่อเข้าสู่ระบบ Citizen Portal"),
        StepInfo(Step.MANAGEMENT_APPROVAL, "นำเสนอฝ่ายบริหารสำนักงาน ก.พ.ร. เพื่อพิจารณา",
                 "Management approval (OPDC)", 7, (_M,),
                 "บันทึกข้อความเสนองานบริการต่อฝ่ายบริหารสำนักงาน ก.พ.ร."),
        StepInfo(Step.INVITE_AGENCY, "เชิญหน่วยงานผู้ให้บริการเข้าร่วมโครงการ",
                 "Invite the agency", 30, (_O,), "หนังสือเชิญหน่วยงานเจ้าของงานบริการ"),
        StepInfo(Step.AGENCY_CONFIRMS, "หน่วยงานยืนยันเข้าร่วม และมอบหมายเจ้าหน้าที่เป็นผู้ประสานงาน",
                 "The agency confirms and names a coordinator", 15, (_X,),
                 "หนังสือตอบรับการเข้าร่วมโครงการ; สรุปรายชื่อผู้ประสานงาน"),
        StepInfo(Step.STUDY, "ศึกษาและรวบรวมข้อมูลของงานบริการ", "Study the service", 7, (_O,),
                 "คู่มือประชาชนของงานบริการ; กฎหมายและระเบียบที่เกี่ยวข้อง"),
        StepInfo(Step.FLOW_MODEL, "จัดทำโมเดลการไหลของงานบริการ (Service Flow Model)",
                 "Service flow model", 15, (_O,), "โมเดลการไหลของงานบริการ (Service Flow Model)"),
        StepInfo(Step.REVIEW_WITH_AGENCY, "เสนอโมเดลการไหลของงานบริการต่อหน่วยงาน",
                 "Review the model with the agency", 7, (_O, _D, _C),
                 "หนังสือเชิญประชุม; รายงานการประชุม; สรุปข้อเสนอแนะของหน่วยงาน"),
        StepInfo(Step.TECHNICAL_PROPOSAL, "จัดทำข้อเสนอทางเทคนิค เพื่อนำบริการเข้าสู่ระบบ Citizen Portal",
                 "Technical proposal", 7, (_O, _D), "ข้อเสนอทางเทคนิคของงานบริการ"),
        StepInfo(Step.AGENCY_ADAPTS, "หน่วยงานปรับระบบทางเทคนิค เพื่อนำบริการเข้าสู่ระบบ Citizen Portal",
                 "The agency adapts its system", 30, (_I, _C), ""),
        StepInfo(Step.PORTAL_TEST, "ทดสอบการให้บริการบนระบบ Citizen Portal", "Test on the portal",
                 15, (_D,), "รายงานการทดสอบการให้บริการบนระบบ Citizen Portal"),
        StepInfo(Step.ASSIGN_ADMINISTRATORS, "หน่วยงานมอบหมายเจ้าหน้าที่ดูแลระบบของงานบริการ",
                 "The agency assigns administrators", 7, (_C, _X),
                 "คำสั่งแต่งตั้ง / เอกสารการมอบหมายงานของหน่วยงาน"),
        StepInfo(Step.ADMIN_TRAINING, "จัดอบรมการดูแลระบบและการแก้ไขปัญหาเบื้องต้นแก่ผู้ดูแลระบบของหน่วยงาน",
                 "Administrator training", 22, (_O, _D),
                 "หนังสือเชิญให้ส่งเจ้าหน้าที่เข้าอบรม; รายงานการจัดอบรม"),
        StepInfo(Step.GO_LIVE, "นำงานบริการขึ้นให้บริการบนระบบ Citizen Portal", "Go live", 7, (_D,),
                 ""),
    )
}  # fmt: skip

#: What each step accepts; every other action there is refused.
ACTIONS: Mapping[Step, frozenset[Action]] = {
    step: (
        frozenset({Action.APPROVE, Action.REJECT})
        if step is Step.MANAGEMENT_APPROVAL
        else frozenset({Action.ACCEPT, Action.DECLINE})
        if step is Step.AGENCY_CONFIRMS
        else frozenset({Action.PASS, Action.FAIL})
        if step is Step.PORTAL_TEST
        else frozenset({Action.COMPLETE})
    )
    for step in Step
}


@dataclass(frozen=True)
class Move:
    """Where an action takes the case."""

    step: Step
    status: Status
    loop: bool = False  # a step the manual sends back (2 → 1, 10 → 9)


class CaseClosed(Conflict):
    status, code = 409, "onboarding_case_closed"


class ActionNotAllowed(Conflict):
    status, code = 409, "onboarding_action_not_allowed"


class RoleNotAllowed(Forbidden):
    status, code = 403, "onboarding_role_not_allowed"


def decide(step: Step, status: Status, action: Action, role: Role) -> Move:
    """The one place every transition is decided: the case at `step` in `status`, `action`
    taken by someone acting as `role` → where the case goes, or a domain error."""
    if status is not Status.OPEN:
        raise CaseClosed(
            f"The case is {status.value}; nothing more happens to it.",
            detail_th="กระบวนการนี้สิ้นสุดแล้ว",
        )
    info = STEPS[step]
    if action not in ACTIONS[step]:
        allowed = ", ".join(sorted(ACTIONS[step]))
        raise ActionNotAllowed(
            f"Step {step.value} ({info.name_en}) takes {allowed}, not {action.value}.",
            detail_th=f"ขั้นตอนที่ {step.value} ({info.name_th}) ทำรายการ {action.value} ไม่ได้",
            extra={"step": step.value, "allowed": sorted(ACTIONS[step])},
        )
    if role not in info.roles:
        raise RoleNotAllowed(
            f"Step {step.value} ({info.name_en}) is acted on by "
            f"{', '.join(r.value for r in info.roles)}, not {role.value}.",
            detail_th=f"ขั้นตอนที่ {step.value} ไม่ใช่หน้าที่ของ {ROLE_NAMES[role][0]}",
            extra={"step": step.value, "roles": [r.value for r in info.roles]},
        )
    if action is Action.REJECT:
        return Move(Step.SELECT, Status.OPEN, loop=True)
    if action is Action.DECLINE:
        return Move(step, Status.CLOSED)
    if action is Action.FAIL:
        return Move(Step.AGENCY_ADAPTS, Status.OPEN, loop=True)
    if step is Step.GO_LIVE:
        return Move(step, Status.LIVE)
    return Move(Step(step + 1), Status.OPEN)


def step_due_at(entered_at: dt.datetime, step: Step, calendar: WorkingCalendar) -> dt.datetime:
    """When a step entered at `entered_at` is due: the close of its standard duration's last
    working day, counted from the day after it was entered (Thai administrative practice)."""
    return due_at(entered_at, STEPS[step].standard_days, calendar)


def is_overdue(
    entered_at: dt.datetime, step: Step, now: dt.datetime, calendar: WorkingCalendar
) -> bool:
    """Open longer than the step's standard duration in working days."""
    return now > step_due_at(entered_at, step, calendar)


# -- the step-10 gate ------------------------------------------------------------------------


class CertificationRequired(Conflict):
    status, code = 409, "certification_required"


class CertificationNotCertified(Conflict):
    status, code = 409, "certification_not_certified"


class CertificationMismatch(Conflict):
    status, code = 409, "certification_mismatch"


class CertificationStale(Conflict):
    status, code = 409, "certification_stale"


@dataclass(frozen=True)
class CertificationFacts:
    """What a verified signed certification summary says (its signature already checked)."""

    agency: str
    connector_version: str
    certified: bool
    issued_at: dt.datetime
    blocking: tuple[str, ...] = ()


def check_certification(
    facts: CertificationFacts | None,
    *,
    agency: str,
    connector_version: str | None,
    adapts_since: dt.datetime,
    now: dt.datetime,
    max_age: dt.timedelta,
) -> None:
    """Whether a connector's latest certification lets the case pass step 10: it exists, is
    for this agency and this connector version, says certified, was issued after the case last
    entered step 9 (the agency's adapted system, not an older one) and is at most `max_age`
    old. Raises the first reason it does not; returns None when it does."""
    if facts is None:
        raise CertificationRequired(
            f"Submit {agency}'s signed certification before the portal test can pass.",
            detail_th="ต้องส่งผลการรับรองตัวเชื่อมต่อ (ลงนามแล้ว) ก่อนผ่านการทดสอบบนระบบ",
        )
    if facts.agency != agency:
        raise CertificationMismatch(
            f"The certification is for {facts.agency}, not {agency}.",
            detail_th=f"ผลการรับรองเป็นของหน่วยงาน {facts.agency} ไม่ใช่ {agency}",
            extra={"certified_agency": facts.agency},
        )
    if connector_version is not None and facts.connector_version != connector_version:
        raise CertificationMismatch(
            f"The certification is for connector version {facts.connector_version!r}; "
            f"the case goes live with {connector_version!r}.",
            detail_th="ผลการรับรองเป็นของตัวเชื่อมต่อรุ่นอื่น",
            extra={
                "certified_version": facts.connector_version,
                "expected_version": connector_version,
            },
        )
    if not facts.certified:
        raise CertificationNotCertified(
            "The latest certification says not certified.",
            detail_th="ผลการรับรองล่าสุดไม่ผ่าน",
            extra={"blocking": list(facts.blocking)},
        )
    # `iat` is whole seconds: a summary signed in the second step 9 began counts as after it.
    if facts.issued_at < adapts_since.replace(microsecond=0) or now - facts.issued_at > max_age:
        raise CertificationStale(
            f"The certification was issued {facts.issued_at.isoformat()}: it must be issued "
            f"after the agency adapted its system ({adapts_since.isoformat()}) and within "
            f"{max_age.days} days.",
            detail_th="ผลการรับรองเก่าเกินไป ต้องรับรองใหม่หลังหน่วยงานปรับระบบ",
            extra={
                "issued_at": facts.issued_at.isoformat(),
                "adapts_since": adapts_since.isoformat(),
                "max_age_days": max_age.days,
            },
        )
