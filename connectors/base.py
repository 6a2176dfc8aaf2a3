"""The Connector interface: what the gateway hands an agency, and what it gets back.

Each capability is its own small protocol, so an agency implements only what it offers and the
gateway asks with `isinstance` (the protocols are runtime-checkable)::

    connector = registry.get("DLT")              # a Connector: submit, status, health, aclose
    if isinstance(connector, Cancels): ...       # the agency can withdraw a case
    if isinstance(connector, ReceivesInformation): ...   # answers to its requests (R-LFA.2)
    if isinstance(connector, IssuesDocuments): ...
    if isinstance(connector, ProvidesOnceOnlyData): ...   # R-12.1
    if isinstance(connector, ReceivesPayments): ...      # told when the citizen paid its fee
    if isinstance(connector, Bills): ...                 # bills it sends citizens (จ่ายบิล)
    if isinstance(connector, HoldsCitizenData): ...      # what it holds about a citizen (know)

Every method raises only the errors of `connectors.errors` (AgencyUnavailable, AgencyRejected,
NotOurCase, AgencyMisconfigured) — except `health()`, which never raises. All times are
timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class AgencyStatus(StrEnum):
    """A case's status at the agency (docs/agency-integration.md, "Agency statuses")."""

    RECEIVED = "received"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    AWAITING_PAYMENT = "awaiting_payment"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    # Filed at the wrong office of this agency and moved to `unit_code`: the receipt
    # time stays the original one.
    FORWARDED_WITHIN_AGENCY = "forwarded_within_agency"


@dataclass(frozen=True)
class Applicant:
    pid: str  # 13-digit national ID
    first_name_th: str
    last_name_th: str
    birth_date: str | None  # ISO date (Gregorian), as verified
    address_th: str | None


@dataclass(frozen=True)
class AttachmentRef:
    """An attachment the agency fetches from the gateway at `url` and checks against `sha256`."""

    document: str  # the e-service's document key, e.g. "medical-certificate"
    filename: str
    media_type: str
    size: int
    sha256: str  # hex
    url: str
    # A document from the citizen's wallet (issued through the portal): whether it is good at
    # the time of sending, as the public verification page says: {"result": "valid" |
    # "expired" | "suspended" | "revoked" | ..., "issuer_agency", "number", "kind",
    # "verify_url", "checked_at"}. None for an upload.
    verification: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Submission:
    """One application, as forwarded to the agency (exactly once per `idempotency_key`)."""

    idempotency_key: str  # the outbox message key: the same application always sends the same
    application_id: str
    application_number: str
    service_id: str
    unit_code: str | None  # the office the citizen chose, when the service has offices
    applicant: Applicant
    form: Mapping[str, Any]
    attachments: Sequence[AttachmentRef]
    arrived_at: dt.datetime  # when the filing reached the gateway
    deemed_received_at: dt.datetime | None  # the legal receipt time (s.10), when computed
    callback_url: str  # where the agency posts signed status callbacks

    def __post_init__(self) -> None:
        for name in ("arrived_at", "deemed_received_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True)
class InformationAnswer:
    """The citizen's answer, given on the portal, to the agency's request for information."""

    idempotency_key: str  # one per answer: sending it again must not record a second answer
    note: str | None  # what the citizen wrote, if anything
    attachments: Sequence[AttachmentRef]  # the documents asked for, to fetch from the gateway
    answered_at: dt.datetime

    def __post_init__(self) -> None:
        if self.answered_at.utcoffset() is None:
            raise ValueError("answered_at must be timezone-aware")


@dataclass(frozen=True)
class Fee:
    label: str
    amount_satang: int


@dataclass(frozen=True)
class PaymentNotice:
    """Money the citizen paid on the portal, confirmed with the bank: for a case's fee (the
    `reference` is the application number) or for a bill (the bill's own number)."""

    idempotency_key: str  # one per payment: sending it again must record nothing new
    reference: str  # the application number, or the bill's number at the biller
    payment_id: str  # the portal's payment id (Ref2 of the Thai QR)
    receipt_number: str  # the portal's e-receipt, issued in the agency's series
    amount_satang: int
    fees: tuple[Fee, ...]  # what was paid for, summing to amount_satang
    paid_at: dt.datetime
    channel: str  # "mobile", "branch", "post_office", "7-eleven"

    def __post_init__(self) -> None:
        if self.paid_at.utcoffset() is None:
            raise ValueError("paid_at must be timezone-aware")
        if self.amount_satang != sum(fee.amount_satang for fee in self.fees):
            raise ValueError("amount_satang must be the sum of the fees")


@dataclass(frozen=True)
class Bill:
    """Something a citizen owes an agency that bills them (electricity, water, tax due)."""

    bill_id: str  # the biller's own number, unique at that biller (Ref1 on the QR)
    kind: str  # "electricity", "water", "tax", ...
    title_th: str
    title_en: str
    account_ref: str  # what the citizen knows it by: a customer number, a meter, a tax year
    period: str | None  # e.g. "2026-11" for a monthly bill
    amount_satang: int
    due_on: dt.date


@dataclass(frozen=True)
class SubmitResult:
    agency_ref: str
    status: AgencyStatus  # RECEIVED, FORWARDED_WITHIN_AGENCY, or already further on
    received_at: dt.datetime  # the agency's entry time
    seq: int
    unit_code: str | None  # the office now handling the case (set when forwarded within agency)
    fees: tuple[Fee, ...] = ()


@dataclass(frozen=True)
class AgencyEvent:
    seq: int  # 1, 2, … per case
    at: dt.datetime  # the agency's time of the change
    status: AgencyStatus
    data: Mapping[str, Any]  # e.g. {"reason": …} or {"items": […]} for needs_info


@dataclass(frozen=True)
class StatusReport:
    agency_ref: str
    status: AgencyStatus
    seq: int  # the latest event's seq
    events: tuple[AgencyEvent, ...]  # in seq order
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


@runtime_checkable
class Connector(Protocol):
    """What every agency connector does. The gateway's worker is its only caller."""

    agency_code: str  # upper case, e.g. "DLT"

    async def submit(self, submission: Submission) -> SubmitResult:
        """File the application. Sending the same `idempotency_key` again must return the
        first answer without a second effect at the agency."""
        ...

    async def status(self, agency_ref: str) -> StatusReport:
        """The case's current status and its events so far (fills gaps in callbacks)."""
        ...

    async def health(self) -> Health:
        """Whether the agency answers with our credentials now. Never raises."""
        ...

    async def aclose(self) -> None:
        """Release connections (called once, at shutdown)."""
        ...


@runtime_checkable
class Cancels(Protocol):
    async def cancel(self, agency_ref: str) -> AgencyEvent:
        """Withdraw the case (the citizen withdrew it); the event the agency recorded."""
        ...


@runtime_checkable
class ReceivesInformation(Protocol):
    async def provide_info(self, agency_ref: str, answer: InformationAnswer) -> AgencyEvent:
        """Hand the agency the citizen's answer to its request for information (R-LFA.2);
        the event the agency recorded (normally back to `in_review`). The same
        `idempotency_key` again must return that event without a second answer."""
        ...


@runtime_checkable
class ReceivesPayments(Protocol):
    async def payment_received(self, agency_ref: str, notice: PaymentNotice) -> None:
        """Tell the agency the fee for case `agency_ref` was paid. What it does next (issue
        the licence, go on reviewing) reaches the gateway as the case's next status event.
        The same `idempotency_key` again must record nothing new."""
        ...


@runtime_checkable
class Bills(Protocol):
    async def bills(self, pid: str) -> Sequence[Bill]:
        """The bills the citizen `pid` has still to pay (none: empty)."""
        ...

    async def bill_paid(self, bill_id: str, notice: PaymentNotice) -> None:
        """Tell the biller its bill was paid; the same `idempotency_key` again records
        nothing new. An unknown or already settled bill raises AgencyRejected."""
        ...


@runtime_checkable
class IssuesDocuments(Protocol):
    async def document(self, document_id: str) -> bytes:
        """The issued document (a PDF), once the case is approved."""
        ...


@runtime_checkable
class ProvidesOnceOnlyData(Protocol):
    """Data the agency already holds about a citizen, fetched instead of asked for (R-12.1)."""

    once_only_kinds: frozenset[str]  # the `kind` values `once_only` accepts

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        """The record of `kind` about the citizen `pid`. An unknown `kind` raises
        AgencyMisconfigured; no such record at the agency raises AgencyRejected."""
        ...


#: A fact's value, as `kernel.eligibility` compares it.
FactValue = int | str | bool


@dataclass(frozen=True)
class CitizenRecord:
    """One record an agency holds about a citizen, shown to that citizen as the agency keeps
    it (ข้อมูลของฉัน): a house registration, a driving licence, a contribution history."""

    kind: str  # stable, snake_case: "house_registration", "driving_licence", "health_coverage"
    title_th: str
    title_en: str
    # The record's content, JSON-able (str, int, bool, None, lists and objects of them), keys
    # in snake_case. Personal data of the citizen only, or of their household as the
    # registry lists it; never another person's ID number in full.
    data: Mapping[str, Any]
    as_of: dt.datetime  # when the agency's record was last true (its own time stamp)


@dataclass(frozen=True)
class Benefit:
    """Something the state pays or gives the citizen now (the services they already
    receive): an allowance, a pension, a benefit, a health-coverage scheme."""

    kind: str  # stable, snake_case: "older_persons_allowance", "state_pension", ...
    title_th: str
    title_en: str
    service_id: str | None  # the catalog service it comes from, when there is one
    amount_satang: int | None  # per `period`; None when not money (coverage)
    period: str | None  # "month", "year" or None
    since: dt.date | None


@dataclass(frozen=True)
class CitizenData:
    """What one agency holds about one citizen, in the portal's vocabulary."""

    # Eligibility facts its records decide (names from `kernel.eligibility.FACTS`, plus
    # "birth_date_be": the registry's YYYYMMDD Buddhist-Era birth date, from which the portal
    # works out ages). A fact the agency can decide is always present: not being insured at
    # SSO is `sso_insured: False`, not a missing key.
    facts: Mapping[str, FactValue]
    records: Sequence[CitizenRecord]
    benefits: Sequence[Benefit]


@runtime_checkable
class HoldsCitizenData(Protocol):
    """The agency's records about a citizen, for the citizen's own view (know, R-12.1): the
    portal links the data, fetched live and kept no longer than `citizen_data_fresh_for`."""

    # The facts its answers decide (one that does not apply to a citizen, such as the
    # insurance section of someone not insured, may be left out of that citizen's answer).
    citizen_facts: frozenset[str]
    citizen_data_fresh_for: dt.timedelta  # how long the portal may reuse one answer

    async def citizen_data(self, pid: str) -> CitizenData:
        """Everything the agency holds about the citizen `pid` (nothing held: empty records
        and benefits, and the facts that follow from holding nothing). Raises
        AgencyUnavailable when it cannot answer now."""
        ...
