"""The application state machine: the pure rules, checked over arbitrary action sequences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.applications.lifecycle import (
    FINAL,
    OPEN,
    WITHDRAWABLE,
    Action,
    ActorKind,
    Snapshot,
    Status,
    TransitionRefused,
    Turn,
    allowed_actions,
    decide,
    whose_turn,
)

steps = st.lists(st.tuples(st.sampled_from(Action), st.sampled_from(ActorKind)), max_size=40)


def run(sequence: list[tuple[Action, ActorKind]]) -> list[tuple[Snapshot, Action, Status]]:
    """Apply every accepted step from a draft; the accepted (before, action, after) triples."""
    snapshot = Snapshot(Status.DRAFT)
    accepted = []
    for action, actor in sequence:
        try:
            decision = decide(snapshot, action, actor)
        except TransitionRefused:
            continue
        requests = snapshot.info_requests + (action is Action.REQUEST_INFO)
        after = Snapshot(decision.target, requests)
        accepted.append((snapshot, action, decision.target))
        snapshot = after
    return accepted


@given(steps)
def test_a_final_state_never_changes(sequence: list[tuple[Action, ActorKind]]) -> None:
    for before, _, _ in run(sequence):
        assert before.status not in FINAL


@given(steps)
def test_information_is_requested_at_most_once(sequence: list[tuple[Action, ActorKind]]) -> None:
    """R-LFA.2: whatever happens, an agency asks for more documents once per application."""
    requests = [a for _, a, _ in run(sequence) if a is Action.REQUEST_INFO]
    assert len(requests) <= 1


@given(steps)
def test_nothing_leaves_draft_but_the_citizens_submission(
    sequence: list[tuple[Action, ActorKind]],
) -> None:
    for before, action, _ in run(sequence):
        if before.status is Status.DRAFT:
            assert action is Action.SUBMIT


@given(steps)
def test_turn_follows_status(sequence: list[tuple[Action, ActorKind]]) -> None:
    for _, _, after in run(sequence):
        turn = whose_turn(after)
        assert (turn is Turn.NONE) == (after in FINAL)


@pytest.mark.parametrize("status", sorted(Status))
def test_only_the_citizen_withdraws_and_only_while_open(status: Status) -> None:
    snapshot = Snapshot(status)
    for actor in ActorKind:
        ok = status in WITHDRAWABLE and actor is ActorKind.CITIZEN
        if ok:
            assert decide(snapshot, Action.WITHDRAW, actor).target is Status.WITHDRAWN
        else:
            with pytest.raises(TransitionRefused):
                decide(snapshot, Action.WITHDRAW, actor)
    assert WITHDRAWABLE <= OPEN


def test_a_second_request_for_information_is_refused_with_its_own_code() -> None:
    with pytest.raises(TransitionRefused) as refused:
        decide(Snapshot(Status.IN_REVIEW, info_requests=1), Action.REQUEST_INFO, ActorKind.AGENCY)
    assert refused.value.code == "info_already_requested"


def test_the_happy_path_and_whose_turn_it_is() -> None:
    path = [
        (Action.SUBMIT, ActorKind.CITIZEN, Status.SUBMITTED, Turn.AGENCY),
        (Action.FORWARD, ActorKind.SYSTEM, Status.FORWARDED, Turn.AGENCY),
        (Action.ACCEPT, ActorKind.AGENCY, Status.IN_REVIEW, Turn.AGENCY),
        (Action.REQUEST_INFO, ActorKind.AGENCY, Status.NEEDS_INFO, Turn.CITIZEN),
        (Action.PROVIDE_INFO, ActorKind.CITIZEN, Status.IN_REVIEW, Turn.AGENCY),
        (Action.REQUEST_PAYMENT, ActorKind.AGENCY, Status.AWAITING_PAYMENT, Turn.CITIZEN),
        (Action.PAY, ActorKind.SYSTEM, Status.PAID, Turn.AGENCY),
        (Action.APPROVE, ActorKind.AGENCY, Status.APPROVED, Turn.AGENCY),
        (Action.ISSUE, ActorKind.SYSTEM, Status.ISSUED, Turn.NONE),
    ]
    snapshot = Snapshot(Status.DRAFT)
    for action, actor, status, turn in path:
        decision = decide(snapshot, action, actor)
        assert (decision.target, decision.turn) == (status, turn)
        snapshot = Snapshot(
            decision.target, snapshot.info_requests + (action is Action.REQUEST_INFO)
        )


def test_refusals_say_why() -> None:
    with pytest.raises(TransitionRefused) as closed:
        decide(Snapshot(Status.REJECTED), Action.ACCEPT, ActorKind.AGENCY)
    assert closed.value.code == "application_closed"
    with pytest.raises(TransitionRefused) as not_yours:
        decide(Snapshot(Status.IN_REVIEW), Action.APPROVE, ActorKind.CITIZEN)
    assert not_yours.value.code == "not_your_action"
    with pytest.raises(TransitionRefused) as wrong_time:
        decide(Snapshot(Status.DRAFT), Action.APPROVE, ActorKind.AGENCY)
    assert wrong_time.value.code == "invalid_transition"


def test_allowed_actions_are_the_ones_decide_accepts() -> None:
    snapshot = Snapshot(Status.IN_REVIEW)
    assert set(allowed_actions(snapshot, ActorKind.AGENCY)) == {
        Action.REQUEST_INFO,
        Action.REQUEST_PAYMENT,
        Action.APPROVE,
        Action.REJECT,
        Action.MISROUTE,
    }
    assert allowed_actions(snapshot, ActorKind.CITIZEN) == [Action.WITHDRAW]
