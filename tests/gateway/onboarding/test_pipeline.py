"""The 13-step procedure as a pure state machine: every transition decided in one place, the
manual's loops, and the step-10 gate on a connector's certification."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.onboarding.pipeline import (
    ACTIONS,
    STEPS,
    Action,
    ActionNotAllowed,
    CaseClosed,
    CertificationFacts,
    CertificationMismatch,
    CertificationNotCertified,
    CertificationRequired,
    CertificationStale,
    Role,
    RoleNotAllowed,
    Status,
    Step,
    check_certification,
    decide,
    is_overdue,
)
from kernel.errors import DomainError
from kernel.working_time import ThaiGovernmentHolidays, WorkingCalendar

UTC = dt.UTC
tries = st.lists(st.tuples(st.sampled_from(Action), st.sampled_from(Role)), max_size=400)


def test_the_manual_s_steps_durations_and_roles() -> None:
    assert [(s.value, STEPS[s].standard_days) for s in Step] == [
        (1, 15), (2, 7), (3, 30), (4, 15), (5, 7), (6, 15), (7, 7),
        (8, 7), (9, 30), (10, 15), (11, 7), (12, 22), (13, 7),
    ]  # fmt: skip
    assert STEPS[Step.MANAGEMENT_APPROVAL].roles == (Role.OPDC_MANAGEMENT,)
    assert STEPS[Step.AGENCY_CONFIRMS].roles == (Role.AGENCY_EXECUTIVE,)
    assert STEPS[Step.PORTAL_TEST].roles == (Role.DGA_OFFICER,)
    assert STEPS[Step.SELECT].name_th == "คัดเลือกงานบริการ"


def valid_moves(step: Step) -> list[tuple[Action, Role]]:
    return [(a, r) for a in sorted(ACTIONS[step]) for r in STEPS[step].roles]


@given(st.data())
def test_no_sequence_of_actions_goes_live_without_passing_every_step(data: st.DataObject) -> None:
    step, status = Step.SELECT, Status.OPEN
    passed: set[Step] = set()
    went_live = False
    for _ in range(data.draw(st.integers(0, 300))):
        if status is not Status.OPEN:
            break
        # Mostly what the step takes (so that many runs do reach the end), sometimes anything.
        action, role = data.draw(
            st.sampled_from(valid_moves(step))
            | st.tuples(st.sampled_from(Action), st.sampled_from(Role))
        )
        try:
            move = decide(step, status, action, role)
        except DomainError:
            continue
        # A move is one step on, a loop the manual draws, or the end of the case.
        assert (
            move.step == step + 1
            or (step, move.step) in {(Step.MANAGEMENT_APPROVAL, Step.SELECT),
                                     (Step.PORTAL_TEST, Step.AGENCY_ADAPTS)}
            or move.status is not Status.OPEN
        )  # fmt: skip
        if move.step == step + 1 or move.status is Status.LIVE:
            passed.add(step)
        elif move.loop:  # sent back: the steps from where it lands are to be passed again
            passed = {s for s in passed if s < move.step}
        step, status = move.step, move.status
        went_live = status is Status.LIVE
    if went_live:
        assert passed == set(Step)
        assert step is Step.GO_LIVE


@given(tries, st.sampled_from(Step), st.sampled_from([Status.CLOSED, Status.LIVE]))
def test_a_closed_or_live_case_is_final(
    sequence: list[tuple[Action, Role]], step: Step, status: Status
) -> None:
    for action, role in sequence:
        with pytest.raises(CaseClosed):
            decide(step, status, action, role)


@pytest.mark.parametrize(
    ("step", "action", "role", "lands", "status"),
    [
        (Step.MANAGEMENT_APPROVAL, Action.REJECT, Role.OPDC_MANAGEMENT, Step.SELECT, Status.OPEN),
        (Step.AGENCY_CONFIRMS, Action.DECLINE, Role.AGENCY_EXECUTIVE, Step.AGENCY_CONFIRMS,
         Status.CLOSED),
        (Step.PORTAL_TEST, Action.FAIL, Role.DGA_OFFICER, Step.AGENCY_ADAPTS, Status.OPEN),
        (Step.GO_LIVE, Action.COMPLETE, Role.DGA_OFFICER, Step.GO_LIVE, Status.LIVE),
    ],
)  # fmt: skip
def test_the_loops_land_where_the_manual_says(
    step: Step, action: Action, role: Role, lands: Step, status: Status
) -> None:
    move = decide(step, Status.OPEN, action, role)
    assert (move.step, move.status) == (lands, status)


@given(st.sampled_from(Step), st.sampled_from(Action), st.sampled_from(Role))
def test_every_refusal_is_a_domain_error_naming_why(step: Step, action: Action, role: Role) -> None:
    if action not in ACTIONS[step]:
        with pytest.raises(ActionNotAllowed) as refused:
            decide(step, Status.OPEN, action, role)
        assert refused.value.extra["allowed"] == sorted(ACTIONS[step])
    elif role not in STEPS[step].roles:
        with pytest.raises(RoleNotAllowed) as forbidden:
            decide(step, Status.OPEN, action, role)
        assert forbidden.value.status == 403
        assert forbidden.value.extra["roles"] == [r.value for r in STEPS[step].roles]
    else:  # an accepted action always moves the case on (or back, or closes it)
        move = decide(step, Status.OPEN, action, role)
        assert (move.step, move.status) != (step, Status.OPEN)


def test_overdue_counts_working_days_and_skips_holidays() -> None:
    # Entered Monday 17 August 2026 (Bangkok); step 2 takes 7 working days, counted from the
    # next day: due at the close of Wednesday 26 August. A declared day off in between (20
    # August) moves it to Thursday 27 August.
    entered = dt.datetime(2026, 8, 17, 3, 0, tzinfo=UTC)
    plain = WorkingCalendar()
    holiday = WorkingCalendar(holidays=ThaiGovernmentHolidays(frozenset({dt.date(2026, 8, 20)})))
    thursday_morning = dt.datetime(2026, 8, 27, 3, 0, tzinfo=UTC)
    assert is_overdue(entered, Step.MANAGEMENT_APPROVAL, thursday_morning, plain)
    assert not is_overdue(entered, Step.MANAGEMENT_APPROVAL, thursday_morning, holiday)
    assert is_overdue(
        entered, Step.MANAGEMENT_APPROVAL, thursday_morning + dt.timedelta(days=1), holiday
    )


NOW = dt.datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
ADAPTED = NOW - dt.timedelta(days=10)


def facts(**changes: object) -> CertificationFacts:
    base: dict[str, object] = {
        "agency": "SSO",
        "connector_version": "1.2.0",
        "certified": True,
        "issued_at": NOW - dt.timedelta(days=1),
    }
    return CertificationFacts(**{**base, **changes})  # type: ignore[arg-type]


def gate(f: CertificationFacts | None, version: str | None = "1.2.0") -> None:
    check_certification(
        f,
        agency="SSO",
        connector_version=version,
        adapts_since=ADAPTED,
        now=NOW,
        max_age=dt.timedelta(days=30),
    )


def test_the_gate_opens_on_a_fresh_certified_summary_of_this_connector() -> None:
    gate(facts())
    gate(facts(connector_version="9"), version=None)  # no version known: not compared


@pytest.mark.parametrize(
    ("given_facts", "error"),
    [
        (None, CertificationRequired),
        (facts(certified=False, blocking=("F-1",)), CertificationNotCertified),
        (facts(agency="RD"), CertificationMismatch),
        (facts(connector_version="1.1.0"), CertificationMismatch),
        (facts(issued_at=ADAPTED - dt.timedelta(seconds=1)), CertificationStale),
    ],
)
def test_the_gate_stays_shut(
    given_facts: CertificationFacts | None, error: type[DomainError]
) -> None:
    with pytest.raises(error):
        gate(given_facts)


def test_a_certification_older_than_the_allowed_age_is_stale() -> None:
    with pytest.raises(CertificationStale):
        check_certification(
            facts(issued_at=NOW - dt.timedelta(days=31)),
            agency="SSO",
            connector_version="1.2.0",
            adapts_since=NOW - dt.timedelta(days=60),
            now=NOW,
            max_age=dt.timedelta(days=30),
        )
