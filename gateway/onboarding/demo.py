"""The demo's onboarding cases (`citizen-gateway onboarding seed`, run by `make run`): one at
each kind of place an operator finds a case. Idempotent: a service that has a case already is
left as it is.

- DOPA's house-registration extract, being studied (step 5);
- SSO's maternity benefit, the agency adapting its system (step 9) for longer than 30 working
  days: overdue;
- DCA's permit renewal, which the agency declined at step 4, and the DSLF service selected
  instead (a new case at step 1);
- SSO's section 40 enrolment, already live: its case done, its definition the catalog's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.catalog.loader import load_catalog
from gateway.onboarding.models import OnboardingCase, OnboardingEvent
from gateway.onboarding.pipeline import STEPS, Action, Status, Step
from gateway.onboarding.repository import OnboardingRepository

#: The action that finishes each step on the way to go-live, and who takes it.
_FORWARD: dict[Step, Action] = {
    Step.MANAGEMENT_APPROVAL: Action.APPROVE,
    Step.AGENCY_CONFIRMS: Action.ACCEPT,
    Step.PORTAL_TEST: Action.PASS,
}


@dataclass(frozen=True)
class DemoCase:
    agency: str
    service_id: str
    category: str
    step: Step
    status: Status
    days_in_step: int  # calendar days since the current step began
    coordinator: str | None = None
    closed_reason: str | None = None
    note: str | None = None


DEMO_CASES = (
    DemoCase("DOPA", "dopa-house-registration-extract", "citizen-data", Step.STUDY, Status.OPEN, 3,
             coordinator="นางสาวทะเบียน ราษฎร์ดี"),
    DemoCase("SSO", "sso-maternity-benefit", "welfare", Step.AGENCY_ADAPTS, Status.OPEN, 60,
             coordinator="นายประกัน สังคมสุข", note="รอการปรับระบบเชื่อมต่อ API ของ สปส."),
    DemoCase("DCA", "dca-permit-renewal", "government-data", Step.AGENCY_CONFIRMS, Status.CLOSED,
             20, closed_reason="declined", note="หน่วยงานแจ้งไม่เข้าร่วมโครงการในปีนี้"),
    DemoCase("DSLF", "dslf-loan-status-check", "education", Step.SELECT, Status.OPEN, 5),
    DemoCase("SSO", "sso-section-40-enrolment", "welfare", Step.GO_LIVE, Status.LIVE, 90,
             coordinator="นายประกัน สังคมสุข"),
)  # fmt: skip


async def seed_demo_cases(session: AsyncSession, now: dt.datetime) -> int:
    """Add the demo cases that are missing; how many were added. The caller commits."""
    repository = OnboardingRepository(session)
    definitions = {s.id: s for s in load_catalog().services}
    added: dict[str, OnboardingCase] = {}
    for demo in DEMO_CASES:
        if await repository.cases_of_service(demo.service_id):
            continue
        case = _case(demo, now)
        if demo.status is Status.LIVE and demo.service_id in definitions:
            case.definition = definitions[demo.service_id].model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
        if demo.service_id == "dslf-loan-status-check" and "dca-permit-renewal" in added:
            case.replaces_id = added["dca-permit-renewal"].id
        repository.add(case)
        await session.flush()
        for event in _history(case, demo):
            repository.add(event)
        added[demo.service_id] = case
    return len(added)


def _case(demo: DemoCase, now: dt.datetime) -> OnboardingCase:
    entered = now - dt.timedelta(days=demo.days_in_step)
    started = entered - dt.timedelta(days=14 * (demo.step - 1))
    return OnboardingCase(
        agency_code=demo.agency,
        service_id=demo.service_id,
        category=demo.category,
        step=demo.step.value,
        status=demo.status.value,
        closed_reason=demo.closed_reason,
        coordinator=demo.coordinator,
        step_entered_at=entered,
        adapts_since=(
            entered - dt.timedelta(days=14 * (demo.step - Step.AGENCY_ADAPTS))
            if demo.step >= Step.AGENCY_ADAPTS
            else None
        ),
        created_at=started,
        # A declined case was answered some days into step 4; the others changed when their
        # step began.
        updated_at=entered + dt.timedelta(days=5) if demo.status is Status.CLOSED else entered,
    )


def _history(case: OnboardingCase, demo: DemoCase) -> list[OnboardingEvent]:
    """Opened, then each step passed two weeks apart, then how it ended if it did."""

    def event(
        step: Step, action: str, at: dt.datetime, to: Step, status: Status
    ) -> OnboardingEvent:
        return OnboardingEvent(
            case_id=case.id,
            at=at,
            step=step.value,
            action=action,
            actor="demo",
            actor_role=(STEPS[step].roles[0].value if action != "open" else "opdc_officer"),
            note=None,
            documents=[],
            to_step=to.value,
            to_status=status.value,
        )

    at = case.created_at
    events = [event(Step.SELECT, "open", at, Step.SELECT, Status.OPEN)]
    for passed in range(Step.SELECT, demo.step):
        at += dt.timedelta(days=14)
        step = Step(passed)
        action = _FORWARD.get(step, Action.COMPLETE).value
        events.append(
            event(step, action, min(at, case.step_entered_at), Step(passed + 1), Status.OPEN)
        )
    if demo.status is Status.CLOSED:
        closing = event(demo.step, Action.DECLINE.value, case.updated_at, demo.step, Status.CLOSED)
        closing.note = demo.note
        events.append(closing)
    elif demo.status is Status.LIVE:
        events.append(
            event(demo.step, Action.COMPLETE.value, case.updated_at, demo.step, Status.LIVE)
        )
    elif demo.note:
        events[-1].note = demo.note
    return events
