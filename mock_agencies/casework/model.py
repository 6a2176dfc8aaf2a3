"""An agency's cases: statuses, staff actions, payments, the events of a case. Pure: no I/O.

    received | forwarded_within_agency ──accept──> in_review <──accept── needs_info
        │                                           │  │   └──request-info──> needs_info
        │                                           │  └──request-payment──> awaiting_payment
        └──────────────── approve / reject <────────┴──────────────────────────┘
    any open status ──cancel (the gateway)──> cancelled;  ──reject (staff)──> rejected

Fees (docs/agency-integration.md, "Fees and payments"): approving a case of a service whose
fees are paid after approval (`Agency.fees_after_approval`), while they are unpaid, records
`awaiting_payment` with `"approved": true` instead of `approved`; the gateway's payment then
issues (`approved`, the next seq). A case the staff asked to pay (`request-payment`,
`"approved": false`) goes back `in_review` once paid.

Every change appends an event `{seq, at, status, data}`; `seq` counts 1, 2, … per case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mock_agencies.casework.schemas import Submission


class Status(StrEnum):
    RECEIVED = "received"
    FORWARDED_WITHIN_AGENCY = "forwarded_within_agency"  # filed at the wrong office
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    AWAITING_PAYMENT = "awaiting_payment"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


CLOSED = frozenset({Status.APPROVED, Status.REJECTED, Status.CANCELLED})
OPEN = frozenset(Status) - CLOSED
NEW = frozenset({Status.RECEIVED, Status.FORWARDED_WITHIN_AGENCY})


class StaffAction(StrEnum):
    ACCEPT = "accept"
    REQUEST_INFO = "request-info"
    REQUEST_PAYMENT = "request-payment"
    APPROVE = "approve"
    REJECT = "reject"


#: The status each staff action leads to, and the statuses it may be taken from.
RESULT = {
    StaffAction.ACCEPT: Status.IN_REVIEW,
    StaffAction.REQUEST_INFO: Status.NEEDS_INFO,
    StaffAction.REQUEST_PAYMENT: Status.AWAITING_PAYMENT,
    StaffAction.APPROVE: Status.APPROVED,
    StaffAction.REJECT: Status.REJECTED,
}
ALLOWED_FROM: dict[StaffAction, frozenset[Status]] = {
    StaffAction.ACCEPT: NEW | {Status.NEEDS_INFO},
    StaffAction.REQUEST_INFO: NEW | {Status.IN_REVIEW},
    StaffAction.REQUEST_PAYMENT: frozenset({Status.IN_REVIEW}),
    # An officer (or a rule) may decide without marking the case "in review" first; a case
    # waiting for the citizen's information is not decided until it comes back.
    StaffAction.APPROVE: NEW | {Status.IN_REVIEW, Status.AWAITING_PAYMENT},
    StaffAction.REJECT: OPEN,
}


@dataclass(frozen=True)
class Fee:
    label: str  # Thai, as the agency prints it
    label_en: str
    amount_satang: int

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "label_en": self.label_en, "amount_satang": self.amount_satang}


@dataclass(frozen=True)
class Payment:
    """The citizen's payment of a case's fees, as the gateway reported it."""

    idempotency_key: str
    reference: str  # the application number
    payment_id: str  # the portal's payment id
    receipt_number: str  # the portal's e-receipt
    amount_satang: int
    fees: list[dict[str, Any]]  # [{"label", "amount_satang"}] as paid
    paid_at: dt.datetime
    channel: str
    recorded_at: dt.datetime  # when the agency recorded it

    def receipt(self) -> dict[str, Any]:
        """What an event says about the payment."""
        return {
            "payment_id": self.payment_id,
            "receipt_number": self.receipt_number,
            "amount_satang": self.amount_satang,
            "paid_at": iso(self.paid_at),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            **self.receipt(),
            "idempotency_key": self.idempotency_key,
            "reference": self.reference,
            "fees": self.fees,
            "channel": self.channel,
            "recorded_at": iso(self.recorded_at),
        }


@dataclass(frozen=True)
class Event:
    seq: int
    at: dt.datetime
    status: Status
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": iso(self.at), "status": self.status.value, "data": self.data}


@dataclass
class Case:
    ref: str  # the agency's reference, e.g. "DLT-R-000123"
    consumer_key: str  # who filed it: only they read it back
    submission: Submission
    unit_code: str  # the office handling it now
    province_code: str | None
    fees: list[Fee]
    received_at: dt.datetime
    events: list[Event] = field(default_factory=list)
    document_id: str | None = None
    document_number: str | None = None  # the e-document approval granted, if any
    payments: list[Payment] = field(default_factory=list)  # at most one: fees are paid whole

    @property
    def status(self) -> Status:
        return self.events[-1].status

    @property
    def seq(self) -> int:
        return self.events[-1].seq

    @property
    def updated_at(self) -> dt.datetime:
        return self.events[-1].at

    @property
    def fees_satang(self) -> int:
        return sum(fee.amount_satang for fee in self.fees)

    @property
    def paid(self) -> bool:
        return bool(self.payments)

    @property
    def approved_awaiting_fee(self) -> bool:
        """Approved, and waiting for its fee before the agency issues."""
        return (
            self.status is Status.AWAITING_PAYMENT and self.events[-1].data.get("approved") is True
        )

    def allows(self, action: StaffAction) -> bool:
        """Whether staff may take `action` now. A case approved and waiting for its fee is
        decided: only rejecting it (or the citizen's payment, or withdrawal) moves it. Fees
        are paid once: a paid case is not asked to pay again."""
        if action is StaffAction.APPROVE and self.approved_awaiting_fee:
            return False
        if action is StaffAction.REQUEST_PAYMENT and self.paid:
            return False
        return self.status in ALLOWED_FROM[action]

    def record(self, status: Status, at: dt.datetime, data: dict[str, Any]) -> Event:
        event = Event(len(self.events) + 1, at, status, data)
        self.events.append(event)
        return event

    def summary(self) -> dict[str, Any]:
        submission = self.submission
        return {
            "agency_ref": self.ref,
            "application_number": submission.application_number,
            "application_id": submission.application_id,
            "service_id": submission.service_id,
            "unit_code": self.unit_code,
            "status": self.status.value,
            "seq": self.seq,
            "received_at": iso(self.received_at),
            "updated_at": iso(self.updated_at),
            "fees": [fee.as_json() for fee in self.fees],
            "fees_paid": self.paid,
            "document_id": self.document_id,
            "document_number": self.document_number,
        }

    def view(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "payments": [payment.as_json() for payment in self.payments],
            "events": [event.as_json() for event in self.events],
        }


def iso(moment: dt.datetime) -> str:
    """ISO 8601 in UTC, to the millisecond."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")
