"""The application state machine (ARCHITECTURE.md), in one pure module.

    draft -> submitted -> forwarded -> in_review -> (needs_info <-> in_review)
          -> awaiting_payment -> paid -> approved -> issued
    submitted -> awaiting_payment -> paid -> forwarded   (a fee collected at filing, R-7.4)
    awaiting_payment -> lapsed   (the fee was not paid by its due date)
    any open state -> withdrawn | rejected
    submitted | forwarded | in_review -> misrouted -> forwarded (same agency, R-10.5)
                                                   -> redirected (other agency, R-10.6)

Every change is an `Action` taken by an actor of a given kind; `decide()` says whether that actor
may take that action now, and returns the new status and whose turn it then is, or raises
`TransitionRefused`. Nothing here does I/O: the service layer records the event and the audit
line that each accepted transition produces.

Two rules live here because they are about the history, not just the status:
- R-LFA.2: an agency may ask for more documents only once per application.
- Withdrawal is the citizen's, and only while the application is open (a decision made, or
  money taken, is no longer the citizen's to undo on the portal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    FORWARDED = "forwarded"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    APPROVED = "approved"
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    MISROUTED = "misrouted"
    REDIRECTED = "redirected"
    LAPSED = "lapsed"  # closed: the fee was not paid by its due date


class Turn(StrEnum):
    """Who has to act next: shown to the citizen as "waiting for you" or "with the agency"."""

    CITIZEN = "citizen"
    AGENCY = "agency"
    NONE = "none"


class ActorKind(StrEnum):
    CITIZEN = "citizen"
    AGENCY = "agency"  # an agency's back end or its staff
    SYSTEM = "system"  # the gateway itself: the worker, the payment matcher, scheduled jobs


class Action(StrEnum):
    SUBMIT = "submit"
    FORWARD = "forward"  # the worker delivered it to the agency
    ACCEPT = "accept"  # the agency takes it up for review
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    REQUEST_PAYMENT = "request_payment"
    PAY = "pay"
    APPROVE = "approve"
    ISSUE = "issue"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    MISROUTE = "misroute"  # the receiving unit lacks authority
    REDIRECT = "redirect"  # the responsible unit is in another agency
    LAPSE = "lapse"  # the fee's due date passed unpaid


#: States in which the application is still being handled.
OPEN: frozenset[Status] = frozenset(
    {
        Status.SUBMITTED,
        Status.FORWARDED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.AWAITING_PAYMENT,
        Status.PAID,
        Status.APPROVED,
        Status.MISROUTED,
    }
)
#: States in which the agency is working on it: the manual's time runs, and an overrun is
#: notified every 7 days (R-LFA.4). Not while the agency waits for the citizen (documents,
#: payment), nor once it has decided (approved: issuing follows).
PROCESSING: frozenset[Status] = OPEN - {
    Status.APPROVED,
    Status.NEEDS_INFO,
    Status.AWAITING_PAYMENT,
}
FINAL: frozenset[Status] = frozenset(
    {Status.ISSUED, Status.WITHDRAWN, Status.REJECTED, Status.REDIRECTED, Status.LAPSED}
)
#: Open states the citizen may still withdraw from.
WITHDRAWABLE: frozenset[Status] = frozenset(
    {
        Status.SUBMITTED,
        Status.FORWARDED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.AWAITING_PAYMENT,
        Status.MISROUTED,
    }
)
#: Open states an agency may still reject from.
REJECTABLE: frozenset[Status] = frozenset(
    {
        Status.SUBMITTED,
        Status.FORWARDED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.AWAITING_PAYMENT,
        Status.PAID,
        Status.MISROUTED,
    }
)


def is_overdue(status: Status, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Past its due date while the agency is the one working on it (R-LFA.4)."""
    return due_at is not None and status in PROCESSING and due_at < now


# (action, from) -> (to, who may do it)
_TABLE: dict[tuple[Action, Status], tuple[Status, frozenset[ActorKind]]] = {}


def _allow(action: Action, sources: set[Status], target: Status, *actors: ActorKind) -> None:
    for source in sources:
        _TABLE[(action, source)] = (target, frozenset(actors))


_CITIZEN, _AGENCY, _SYSTEM = ActorKind.CITIZEN, ActorKind.AGENCY, ActorKind.SYSTEM
# The agency files for the citizen only in Web Integration: the citizen filed on its own site.
# The portal files for the citizen only when it forwards a request to the agency that is
# responsible for it.
_allow(Action.SUBMIT, {Status.DRAFT}, Status.SUBMITTED, _CITIZEN, _AGENCY, _SYSTEM)
# From paid: the fee was collected at filing, so the application goes to the agency now.
_allow(Action.FORWARD, {Status.SUBMITTED, Status.MISROUTED, Status.PAID}, Status.FORWARDED, _SYSTEM)
# Platform-kind services are worked on the portal itself: officers take them up directly.
_allow(Action.ACCEPT, {Status.SUBMITTED, Status.FORWARDED}, Status.IN_REVIEW, _AGENCY)
_allow(Action.REQUEST_INFO, {Status.IN_REVIEW}, Status.NEEDS_INFO, _AGENCY)
# The agency reports it when the citizen answered on the agency's own site (Web Integration).
_allow(Action.PROVIDE_INFO, {Status.NEEDS_INFO}, Status.IN_REVIEW, _CITIZEN, _AGENCY)
_allow(Action.REQUEST_PAYMENT, {Status.IN_REVIEW}, Status.AWAITING_PAYMENT, _AGENCY)
# A fee collected at filing is asked for by the portal, before the agency has the application.
_allow(Action.REQUEST_PAYMENT, {Status.SUBMITTED}, Status.AWAITING_PAYMENT, _SYSTEM)
_allow(Action.PAY, {Status.AWAITING_PAYMENT}, Status.PAID, _SYSTEM)
_allow(Action.LAPSE, {Status.AWAITING_PAYMENT}, Status.LAPSED, _SYSTEM)
_allow(Action.APPROVE, {Status.IN_REVIEW, Status.PAID}, Status.APPROVED, _AGENCY)
_allow(Action.ISSUE, {Status.APPROVED}, Status.ISSUED, _SYSTEM)
_allow(Action.REJECT, set(REJECTABLE), Status.REJECTED, _AGENCY)
_allow(Action.WITHDRAW, set(WITHDRAWABLE), Status.WITHDRAWN, _CITIZEN)
_allow(
    Action.MISROUTE,
    {Status.SUBMITTED, Status.FORWARDED, Status.IN_REVIEW},
    Status.MISROUTED,
    _AGENCY,
    _SYSTEM,
)
_allow(Action.REDIRECT, {Status.MISROUTED}, Status.REDIRECTED, _AGENCY, _SYSTEM)

_TURN: dict[Status, Turn] = {
    Status.DRAFT: Turn.CITIZEN,
    Status.SUBMITTED: Turn.AGENCY,
    Status.FORWARDED: Turn.AGENCY,
    Status.IN_REVIEW: Turn.AGENCY,
    Status.NEEDS_INFO: Turn.CITIZEN,
    Status.AWAITING_PAYMENT: Turn.CITIZEN,
    Status.PAID: Turn.AGENCY,
    Status.APPROVED: Turn.AGENCY,
    Status.ISSUED: Turn.NONE,
    Status.WITHDRAWN: Turn.NONE,
    Status.REJECTED: Turn.NONE,
    Status.MISROUTED: Turn.AGENCY,
    Status.REDIRECTED: Turn.NONE,
    Status.LAPSED: Turn.NONE,
}


class TransitionRefused(Exception):
    """The action is not possible now. `code` is stable, for clients to switch on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Snapshot:
    """What the rules need to know about an application."""

    status: Status
    info_requests: int = 0  # how many times the agency has asked for more documents


@dataclass(frozen=True)
class Decision:
    source: Status
    target: Status
    turn: Turn


def whose_turn(status: Status) -> Turn:
    return _TURN[status]


def decide(snapshot: Snapshot, action: Action, actor: ActorKind) -> Decision:
    """The outcome of `actor` taking `action` now, or `TransitionRefused`."""
    status = snapshot.status
    entry = _TABLE.get((action, status))
    if entry is None:
        if status in FINAL:
            raise TransitionRefused(
                "application_closed", f"The application is {status.value}; it cannot change."
            )
        raise TransitionRefused(
            "invalid_transition", f"'{action.value}' is not possible while {status.value}."
        )
    target, actors = entry
    if actor not in actors:
        raise TransitionRefused(
            "not_your_action", f"'{action.value}' is not the {actor.value}'s to take."
        )
    if action is Action.REQUEST_INFO and snapshot.info_requests >= 1:
        # R-LFA.2: extra documents may be requested once per application.
        raise TransitionRefused(
            "info_already_requested",
            "More documents were already requested once for this application; "
            "the Licensing Facilitation Act allows one request.",
        )
    return Decision(status, target, whose_turn(target))


def allowed_actions(snapshot: Snapshot, actor: ActorKind) -> list[Action]:
    """The actions `actor` could take now (for clients to show the right buttons)."""
    result = []
    for action in Action:
        try:
            decide(snapshot, action, actor)
        except TransitionRefused:
            continue
        result.append(action)
    return result
