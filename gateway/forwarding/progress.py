"""How an agency's status moves the application: the transitions that lead from where the
application is to where the agency says it is. Pure: no I/O.

Agencies report their own statuses (docs/agency-integration.md) and may skip steps the portal
shows (an automatic rule approves a case it never marked "in review"); the steps in between are
taken too, each with its own timeline event, so the citizen's history stays whole.
"""

from __future__ import annotations

from connectors.base import AgencyStatus
from gateway.applications.lifecycle import REJECTABLE, Action, Status

_BEFORE_REVIEW = {
    Status.SUBMITTED: [Action.FORWARD, Action.ACCEPT],
    Status.FORWARDED: [Action.ACCEPT],
    Status.IN_REVIEW: [],
}


def steps(now: Status, reported: AgencyStatus) -> list[Action]:  # noqa: PLR0911 - one case a line
    """The actions that bring an application in status `now` to what the agency reported;
    empty when there is nothing to do (already there, or no longer possible)."""
    if reported is AgencyStatus.RECEIVED:
        # From paid: the fee was collected at filing, before the agency had the case.
        return [Action.FORWARD] if now in (Status.SUBMITTED, Status.PAID) else []
    if reported is AgencyStatus.FORWARDED_WITHIN_AGENCY:
        return [Action.MISROUTE, Action.FORWARD] if now is Status.SUBMITTED else []
    if reported is AgencyStatus.REJECTED:
        return [Action.REJECT] if now in REJECTABLE else []
    if reported is AgencyStatus.CANCELLED:
        return []
    if reported is AgencyStatus.APPROVED and now is Status.PAID:
        return [Action.APPROVE]
    if now is Status.NEEDS_INFO and reported is AgencyStatus.NEEDS_INFO:
        return []
    if now is Status.NEEDS_INFO:
        # The citizen answered on the agency's side (Web Integration): back in review first.
        lead = [Action.PROVIDE_INFO]
    else:
        found = _BEFORE_REVIEW.get(now)
        if found is None:
            return []
        lead = found
    last = {
        AgencyStatus.IN_REVIEW: [],
        AgencyStatus.NEEDS_INFO: [Action.REQUEST_INFO],
        AgencyStatus.AWAITING_PAYMENT: [Action.REQUEST_PAYMENT],
        AgencyStatus.APPROVED: [Action.APPROVE],
    }[reported]
    return [*lead, *last]
