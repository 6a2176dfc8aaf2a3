"""Onboarding cases: opening one, acting on its steps, its flow model, its e-service definition,
its connector's certifications, go-live, and the operators' summary.

Services never commit (CONTRIBUTING: one UnitOfWork per request): the endpoint runs each
change in `uow.run`. A case row carries a version (SQLAlchemy's version counter), and an
action names the version its operator read: of two operators acting on the same step at once,
one wins and the other gets 409 `onboarding_case_changed`, decided again on what is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway.catalog.definitions import EServiceDefinition
from gateway.catalog.lint import lint_services
from gateway.catalog.service import CatalogService, service_of_another_agency
from gateway.onboarding import schemas
from gateway.onboarding.models import (
    ConnectorCertification,
    OnboardingCase,
    OnboardingEvent,
    ServiceFlowModel,
)
from gateway.onboarding.pipeline import (
    STEPS,
    Action,
    CertificationFacts,
    Move,
    Status,
    Step,
    check_certification,
    decide,
    is_overdue,
    step_due_at,
)
from gateway.onboarding.repository import OnboardingRepository
from gateway.pagination import CursorCodec, query_fingerprint
from kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from kernel.working_time import BANGKOK, ThaiGovernmentHolidays, WorkingCalendar

OPENED = "open"  # the event that opens a case


@dataclass(frozen=True)
class VerifiedSummary:
    """A signed certification summary whose signature verified against the gateway's JWKS."""

    facts: CertificationFacts
    connector: str
    report_sha256: str
    claims: Mapping[str, Any]


class SummaryVerifier(Protocol):
    """Verifies a compact JWS summary; raises ValidationFailed (`certification_invalid`)."""

    def __call__(self, jws: str) -> VerifiedSummary: ...


@dataclass(frozen=True)
class Connectors:
    """Which agencies join through a connector (their step 10 needs a certification), and the
    connector version installed for each."""

    codes: frozenset[str]
    installed_version: Callable[[str], str | None] = field(default=lambda _code: None)


@dataclass(frozen=True)
class CaseView:
    case: OnboardingCase
    due_at: dt.datetime | None
    overdue: bool
    flow_model_version: int | None


@dataclass(frozen=True)
class CasePage:
    items: list[CaseView]
    next_cursor: str | None


@dataclass(frozen=True)
class Published:
    """A case that went live: the service to show at once (the catalog's cached reads)."""

    service_id: str


def case_not_found(case_id: int) -> NotFound:
    return NotFound(
        f"No onboarding case {case_id}.",
        code="onboarding_case_not_found",
        detail_th=f"ไม่พบเรื่องการนำบริการขึ้นระบบรหัส {case_id}",
    )


class OnboardingService:
    def __init__(
        self,
        repository: OnboardingRepository,
        catalog: CatalogService,
        cursors: CursorCodec,
        now: dt.datetime,
        *,
        verify: SummaryVerifier,
        connectors: Connectors,
        certification_max_age: dt.timedelta,
    ) -> None:
        self.repository = repository
        self.catalog = catalog
        self.cursors = cursors
        self.now = now
        self.verify = verify
        self.connectors = connectors
        self.certification_max_age = certification_max_age

    # -- reading -------------------------------------------------------------------------

    async def calendar(self) -> WorkingCalendar:
        """The government's working calendar (OPDC and DGA): Monday to Friday, less Thai
        government holidays and the cabinet's declared days off."""
        cabinet = await self.catalog.repository.extra_holidays(None)
        return WorkingCalendar(holidays=ThaiGovernmentHolidays(frozenset(h.day for h in cabinet)))

    async def case(self, case_id: int) -> OnboardingCase:
        case = await self.repository.get(case_id)
        if case is None:
            raise case_not_found(case_id)
        return case

    async def view(self, case: OnboardingCase, calendar: WorkingCalendar | None = None) -> CaseView:
        return (await self._views([case], calendar))[0]

    async def _views(
        self, cases: Sequence[OnboardingCase], calendar: WorkingCalendar | None = None
    ) -> list[CaseView]:
        calendar = calendar or await self.calendar()
        versions = await self.repository.flow_model_versions([c.id for c in cases])
        views = []
        for case in cases:
            due = (
                step_due_at(case.step_entered_at, Step(case.step), calendar)
                if case.status == Status.OPEN
                else None
            )
            views.append(
                CaseView(case, due, due is not None and self.now > due, versions.get(case.id))
            )
        return views

    async def find(
        self,
        *,
        step: Step | None,
        agency: str | None,
        status: Status | None,
        limit: int,
        cursor: str | None,
    ) -> CasePage:
        fingerprint = query_fingerprint(
            "onboarding_cases", {"step": step, "agency": agency, "status": status}
        )
        after = int(self.cursors.decode(cursor, fingerprint)) if cursor else None
        rows = await self.repository.page(
            step=step, agency=agency, status=status, after=after, limit=limit + 1
        )
        items = list(rows[:limit])
        more = len(rows) > limit
        next_cursor = self.cursors.encode(fingerprint, str(items[-1].id)) if more else None
        return CasePage(await self._views(items), next_cursor)

    async def history(self, case_id: int) -> Sequence[OnboardingEvent]:
        return await self.repository.events(case_id)

    async def latest_certification(self, case_id: int) -> ConnectorCertification | None:
        return await self.repository.latest_certification(case_id)

    async def flow_models(self, case_id: int) -> Sequence[ServiceFlowModel]:
        await self.case(case_id)
        return await self.repository.flow_models(case_id)

    def connector_required(self, case: OnboardingCase) -> bool:
        return case.agency_code in self.connectors.codes

    # -- opening a case ------------------------------------------------------------------

    async def open_case(self, body: schemas.CaseIn, replaces: int | None = None) -> OnboardingCase:
        await self.catalog.agency_only(body.agency)
        owner = await self.catalog.owner_of(body.service_id)
        if owner is not None and owner != body.agency:
            raise service_of_another_agency(body.service_id, owner)
        existing = await self.repository.open_case_of(body.service_id)
        if existing is not None:
            raise Conflict(
                f"Service {body.service_id} is already being onboarded (case {existing.id}).",
                code="onboarding_case_exists",
                detail_th=f"บริการ {body.service_id} อยู่ระหว่างดำเนินการในเรื่อง {existing.id}",
                extra={"case_id": existing.id},
            )
        case = OnboardingCase(
            agency_code=body.agency,
            service_id=body.service_id,
            category=body.category.value,
            step=Step.SELECT.value,
            status=Status.OPEN.value,
            connector_version=body.connector_version,
            replaces_id=replaces,
            step_entered_at=self.now,
            created_at=self.now,
            updated_at=self.now,
        )
        self.repository.add(case)
        await self.repository.session.flush()
        self.repository.add(
            OnboardingEvent(
                case_id=case.id,
                at=self.now,
                step=Step.SELECT.value,
                action=OPENED,
                actor=body.actor,
                actor_role="opdc_officer",
                note=body.note,
                documents=[],
                to_step=Step.SELECT.value,
                to_status=Status.OPEN.value,
            )
        )
        return case

    # -- acting on a step ----------------------------------------------------------------

    async def act(
        self, case_id: int, body: schemas.ActionIn
    ) -> tuple[OnboardingCase, Published | None]:
        case = await self.case(case_id)
        if case.version != body.version:
            raise Conflict(
                f"The case is at version {case.version}, not {body.version}: someone acted on "
                "it first. Read it again.",
                code="onboarding_case_changed",
                detail_th="มีผู้ดำเนินการกับเรื่องนี้ก่อน ให้อ่านเรื่องใหม่",
                extra={"version": case.version, "step": case.step, "status": case.status},
            )
        step = Step(case.step)
        move = decide(step, Status(case.status), body.action, body.actor_role)
        published = await self._requirements(case, step, body)
        if body.action is Action.ACCEPT:
            case.coordinator = body.coordinator
        self._record(case, step, body, move)
        if body.action is Action.DECLINE:
            case.closed_reason = "declined"
            if body.next_case is not None:
                await self.repository.session.flush()
                await self.open_case(body.next_case, replaces=case.id)
        return case, published

    async def _requirements(
        self, case: OnboardingCase, step: Step, body: schemas.ActionIn
    ) -> Published | None:
        """What a step must have produced before it is done; go-live's publication."""
        if body.action is Action.ACCEPT and not body.coordinator:
            raise ValidationFailed(
                "Accepting names the agency's coordinator.",
                detail_th="การตอบรับต้องระบุผู้ประสานงานของหน่วยงาน",
                errors=[FieldError("/body/coordinator", "required", "name the coordinator")],
            )
        if body.next_case is not None and body.action is not Action.DECLINE:
            raise ValidationFailed(
                "next_case goes with decline only.",
                errors=[FieldError("/body/next_case", "not_allowed", "only with decline")],
            )
        if (
            step is Step.FLOW_MODEL
            and body.action is Action.COMPLETE
            and not await self.repository.flow_models(case.id)
        ):
            raise _incomplete(step, "flow_model", "PUT the service flow model first")
        if step is Step.PORTAL_TEST and body.action is Action.PASS:
            await self._portal_test_passes(case, body)
        if step is Step.GO_LIVE and body.action is Action.COMPLETE:
            return await self._go_live(case)
        return None

    async def _portal_test_passes(self, case: OnboardingCase, body: schemas.ActionIn) -> None:
        """Step 10's gate. An agency with a connector: its latest signed certification must
        verify and be for this agency, this connector version (the case's, else the installed
        one), certified, and fresh. An agency without one (web, platform, link services): the
        DGA officer's attestation, with the test report named among the documents."""
        if not self.connector_required(case):
            if not body.documents:
                raise _incomplete(
                    Step.PORTAL_TEST,
                    "documents",
                    "attach the portal test report (รายงานการทดสอบ) to the pass",
                )
            return
        latest = await self.repository.latest_certification(case.id)
        facts = self.verify(latest.jws).facts if latest is not None else None
        check_certification(
            facts,
            agency=case.agency_code,
            connector_version=case.connector_version
            or self.connectors.installed_version(case.agency_code),
            adapts_since=case.adapts_since or case.created_at,
            now=self.now,
            max_age=self.certification_max_age,
        )

    async def _go_live(self, case: OnboardingCase) -> Published:
        """Publish the case's definition in the catalog (status live, published today by the
        gateway's clock), in this transaction; refused with the lint's findings (R-LFA.1)."""
        if case.definition is None:
            raise _incomplete(Step.GO_LIVE, "definition", "PUT the e-service definition first")
        today = self.now.astimezone(BANGKOK).date()
        draft = EServiceDefinition.model_validate(case.definition)
        live = draft.model_copy(
            update={
                "status": "live",
                "manual": draft.manual.model_copy(update={"published_on": today}),
            }
        )
        # Linted with the catalog's services it names as counterparts, as the
        # catalog file's lint sees them beside it.
        findings = lint_services(
            [live],
            await self.catalog.integration_modes(),
            today,
            await self.catalog.listed(live.counterparts),
        )
        if findings:
            raise ValidationFailed(
                f"{case.service_id} fails the catalog lint: {len(findings)} findings.",
                code="onboarding_lint_failed",
                detail_th=f"บริการ {case.service_id} ยังไม่ผ่านการตรวจคู่มือประชาชน",
                extra={
                    "findings": [
                        {"rule": f.rule, "check": f.check, "where": f.where, "message": f.message}
                        for f in findings
                    ]
                },
            )
        await self.catalog.publish(live, self.now)
        case.definition = live.model_dump(mode="json", by_alias=True, exclude_none=True)
        return Published(case.service_id)

    def _record(self, case: OnboardingCase, step: Step, body: schemas.ActionIn, move: Move) -> None:
        self.repository.add(
            OnboardingEvent(
                case_id=case.id,
                at=self.now,
                step=step.value,
                action=body.action.value,
                actor=body.actor,
                actor_role=body.actor_role.value,
                note=body.note,
                documents=[d.model_dump(exclude_none=True) for d in body.documents],
                to_step=move.step.value,
                to_status=move.status.value,
            )
        )
        if move.step is not step or move.loop:
            case.step_entered_at = self.now
        if move.step is Step.AGENCY_ADAPTS and move.step is not step:
            case.adapts_since = self.now
        case.step = move.step.value
        case.status = move.status.value
        case.updated_at = self.now

    # -- what the case produces ----------------------------------------------------------

    async def put_flow_model(self, case_id: int, body: schemas.FlowModelIn) -> ServiceFlowModel:
        case = await self._open(case_id)
        versions = await self.repository.flow_model_versions([case.id])
        row = ServiceFlowModel(
            case_id=case.id,
            version=versions.get(case.id, 0) + 1,
            model=body.model_dump(mode="json"),
            created_at=self.now,
        )
        self.repository.add(row)
        case.updated_at = self.now
        return row

    async def put_definition(self, case_id: int, definition: EServiceDefinition) -> OnboardingCase:
        case = await self._open(case_id)
        mismatched = [
            FieldError(f"/body/{name}", "mismatch", f"must be {expected!r}")
            for name, given, expected in (
                ("id", definition.id, case.service_id),
                ("agency", definition.agency, case.agency_code),
            )
            if given != expected
        ]
        if mismatched:
            raise ValidationFailed(
                "The definition must be the case's service at the case's agency.",
                code="onboarding_definition_mismatch",
                detail_th="รหัสบริการและหน่วยงานต้องตรงกับเรื่อง",
                errors=mismatched,
            )
        draft = definition.model_copy(update={"status": "draft"})
        case.definition = draft.model_dump(mode="json", by_alias=True, exclude_none=True)
        case.category = definition.category.value
        case.updated_at = self.now
        return case

    async def add_certification(
        self, case_id: int, body: schemas.CertificationIn
    ) -> ConnectorCertification:
        case = await self._open(case_id)
        if not self.connector_required(case):
            raise Conflict(
                f"{case.agency_code} joins the portal without a connector: the portal test is "
                "the DGA officer's attestation.",
                code="certification_not_applicable",
                detail_th="หน่วยงานนี้ไม่มีตัวเชื่อมต่อ การทดสอบใช้การรับรองของเจ้าหน้าที่ สพร.",
            )
        verified = self.verify(body.jws)
        if verified.facts.agency != case.agency_code:  # it could never open this case's step 10
            raise Conflict(
                f"The certification is of {verified.facts.agency}'s connector, not "
                f"{case.agency_code}'s.",
                code="certification_mismatch",
                detail_th="ผลการรับรองเป็นของตัวเชื่อมต่อของหน่วยงานอื่น",
                extra={"agency": verified.facts.agency},
            )
        report = _signed_report(body.report, verified.report_sha256)
        row = ConnectorCertification(
            case_id=case.id,
            jws=body.jws,
            claims=dict(verified.claims),
            agency_code=verified.facts.agency,
            connector=verified.connector,
            connector_version=verified.facts.connector_version,
            certified=verified.facts.certified,
            issued_at=verified.facts.issued_at,
            report_sha256=verified.report_sha256,
            report=report,
            submitted_at=self.now,
        )
        self.repository.add(row)
        await self.repository.session.flush()
        return row

    async def _open(self, case_id: int) -> OnboardingCase:
        case = await self.case(case_id)
        decide_open = Status(case.status)
        if decide_open is not Status.OPEN:
            raise Conflict(
                f"The case is {case.status}; nothing more happens to it.",
                code="onboarding_case_closed",
                detail_th="กระบวนการนี้สิ้นสุดแล้ว",
            )
        return case

    # -- the summary ---------------------------------------------------------------------

    async def summary(self) -> schemas.Summary:
        cases = await self.repository.all_cases()
        calendar = await self.calendar()
        open_cases = [c for c in cases if c.status == Status.OPEN]
        late = {
            c.id
            for c in open_cases
            if is_overdue(c.step_entered_at, Step(c.step), self.now, calendar)
        }
        stages = Counter(c.step for c in open_cases)
        late_stages = Counter(c.step for c in open_cases if c.id in late)
        by_category = await self.catalog.categories()
        live_services = sum(n for _, n in by_category)
        live_categories = sum(1 for _, n in by_category if n)
        return schemas.Summary(
            by_stage=[
                schemas.StageCount(
                    step=step.value,
                    key=step.key,
                    name_th=STEPS[step].name_th,
                    name_en=STEPS[step].name_en,
                    open=stages.get(step.value, 0),
                    overdue=late_stages.get(step.value, 0),
                )
                for step in Step
            ],
            by_status={s.value: sum(1 for c in cases if c.status == s) for s in Status},
            by_category=dict(sorted(Counter(c.category for c in open_cases).items())),
            by_agency=dict(sorted(Counter(c.agency_code for c in open_cases).items())),
            overdue=len(late),
            portal=schemas.PortalFigures(
                live_services=live_services,
                live_categories=live_categories,
                text_th=f"เปิดให้บริการ {live_services} บริการ ใน {live_categories} หมวดหมู่",
                text_en=f"{live_services} services live in {live_categories} categories",
            ),
        )


def _incomplete(step: Step, missing: str, what: str) -> Conflict:
    return Conflict(
        f"Step {step.value} ({STEPS[step].name_en}) is not done: {what}.",
        code="onboarding_step_incomplete",
        detail_th=f"ขั้นตอนที่ {step.value} ({STEPS[step].name_th}) ยังไม่ครบ",
        extra={"step": step.value, "missing": [missing]},
    )


def _signed_report(text: str | None, signed_sha256: str) -> dict[str, Any] | None:
    """The report sent with a summary, kept only when it is the one the summary was signed
    over (the SHA-256 of its UTF-8 bytes) and a JSON object; 422 `certification_invalid`
    otherwise."""
    if text is None:
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != signed_sha256:
        raise ValidationFailed(
            f"The report is not the one the summary was signed over: its SHA-256 is {digest}, "
            f"the summary names {signed_sha256}. Send report.json's text as certify wrote it.",
            code="certification_invalid",
            detail_th="รายงานไม่ตรงกับผลการรับรองที่ลงลายมือชื่อ",
            errors=[FieldError("/body/report", "report_digest_mismatch", "the signed report")],
            extra={"report_sha256": digest, "signed_report_sha256": signed_sha256},
        )
    try:
        report = json.loads(text)
    except ValueError:
        report = None
    if not isinstance(report, dict):
        raise ValidationFailed(
            "The report is not a JSON object.",
            code="certification_invalid",
            detail_th="รายงานไม่ใช่ออบเจ็กต์ JSON",
            errors=[FieldError("/body/report", "invalid_json", "a JSON object")],
        )
    return report
