"""From an agency's status to the application's: every step in between is taken, none twice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import AgencyStatus
from gateway.applications.lifecycle import ActorKind, Snapshot, Status, TransitionRefused, decide
from gateway.forwarding.progress import steps

ACTOR = {"forward": ActorKind.SYSTEM, "misroute": ActorKind.SYSTEM}
TARGET = {
    AgencyStatus.RECEIVED: Status.FORWARDED,
    AgencyStatus.IN_REVIEW: Status.IN_REVIEW,
    AgencyStatus.NEEDS_INFO: Status.NEEDS_INFO,
    AgencyStatus.AWAITING_PAYMENT: Status.AWAITING_PAYMENT,
    AgencyStatus.APPROVED: Status.APPROVED,
    AgencyStatus.REJECTED: Status.REJECTED,
    AgencyStatus.FORWARDED_WITHIN_AGENCY: Status.FORWARDED,
}


def walk(now: Status, reported: AgencyStatus) -> Status:
    """Apply the steps with the state machine; every step must be allowed."""
    snapshot = Snapshot(now)
    for action in steps(now, reported):
        decision = decide(snapshot, action, ACTOR.get(action.value, ActorKind.AGENCY))
        snapshot = Snapshot(decision.target, snapshot.info_requests)
    return snapshot.status


@pytest.mark.parametrize("reported", [s for s in AgencyStatus if s in TARGET])
def test_from_a_fresh_submission_the_agency_status_is_reached(reported: AgencyStatus) -> None:
    assert walk(Status.SUBMITTED, reported) is TARGET[reported]


@given(st.sampled_from(sorted(Status)), st.sampled_from(sorted(AgencyStatus)))
def test_every_step_is_one_the_state_machine_allows(now: Status, reported: AgencyStatus) -> None:
    try:
        walk(now, reported)
    except TransitionRefused as refused:  # pragma: no cover - the assertion below explains
        pytest.fail(f"{now} -> {reported}: {refused.code}")


@given(st.sampled_from(sorted(Status)), st.sampled_from(sorted(AgencyStatus)))
def test_the_same_status_twice_changes_nothing_the_second_time(
    now: Status, reported: AgencyStatus
) -> None:
    once = walk(now, reported)
    assert walk(once, reported) is once


def test_an_answer_on_the_agencys_site_brings_it_back_into_review() -> None:
    assert walk(Status.NEEDS_INFO, AgencyStatus.IN_REVIEW) is Status.IN_REVIEW
    assert steps(Status.NEEDS_INFO, AgencyStatus.NEEDS_INFO) == []


def test_nothing_moves_a_closed_application() -> None:
    for closed in (Status.WITHDRAWN, Status.REJECTED, Status.ISSUED, Status.REDIRECTED):
        for reported in AgencyStatus:
            assert steps(closed, reported) == []
