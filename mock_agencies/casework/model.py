"""An agency's cases: statuses, staff actions, the events of a case. Pure: no I/O.

    received | forwarded_within_agency ──accept──> in_review <──accept── needs_info
        │                                           │  │   └──request-info──> needs_info
        │                                           │  └──request-payment──> awaiting_payment
        └──────────────── approve / reject <────────┴──────────────────────────┘
    any open status ──cancel (the gateway)──> cancelled;  ──reject (staff)──> rejected

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

    @property
    def status(self) -> Status:
        return self.events[-1].status

    @property
    def seq(self) -> int:
        return self.events[-1].seq

    @property
    def updated_at(self) -> dt.datetime:
        return self.events[-1].at

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
            "document_id": self.document_id,
        }

    def view(self) -> dict[str, Any]:
        return {**self.summary(), "events": [event.as_json() for event in self.events]}


def iso(moment: dt.datetime) -> str:
    """ISO 8601 in UTC, to the millisecond."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")
