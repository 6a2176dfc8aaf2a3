"""The conformance checks: what the gateway relies on from every connector, each a plain async
function of a `Subject` returning what it saw (a pass) or raising why not.

    id                      the connector must …
    health                  say it is healthy with its own credentials (and never raise)
    idempotent-submit       file once per idempotency key: the same key again gives the first
                            answer (same agency_ref); another key is another case
    status-events           report a case's status with its events in seq order 1..seq (and
                            `in_review` after the agency's staff took it up, given a back office)
    cancel                  withdraw a case (only if it implements Cancels)
    provide-info            pass on the citizen's answer to the agency's request for
                            information (only if it implements ReceivesInformation, and given
                            a back office whose staff ask): the case back `in_review` with a
                            later seq; the same key again gives the same event and no second
                            answer; an answer the case is not waiting for → AgencyRejected
    payment                 tell the agency the citizen paid the fee (only if it implements
                            ReceivesPayments, given a back office whose staff ask for the fee
                            and a sample filing that owes one): a payment of the wrong amount
                            → AgencyRejected, nothing recorded; the fee paid moves the case on
                            from `awaiting_payment` with a later seq; the same notice again
                            raises nothing and records nothing; another payment for the paid
                            case → AgencyRejected
    once-only               give the once-only record the sample names (only if it implements
                            ProvidesOnceOnlyData; R-12.1)
    once-only-unknown-kind  refuse a kind it does not offer with AgencyMisconfigured
    bills                   list the sample citizen's open bills (only if it implements Bills):
                            each a Ref1 number (≤ 20 A-Z, 0-9), a positive amount, a due date;
                            no number twice
    bill-paid               record a bill's payment (only if it implements Bills, and the
                            citizen has a bill): a wrong amount → AgencyRejected; the payment
                            → the bill no longer listed; the same key again → no error; another
                            payment of it, or of a bill never issued → AgencyRejected
    wrong-credentials       turn refused credentials into AgencyMisconfigured; health not ok
    unreachable             turn an agency nobody answers for (a closed loopback port) into
                            AgencyUnavailable; health not ok
    performance             answer a short burst (the subject's `Burst`: filings, each with a
                            new idempotency key, or the read a sample that files nothing
                            names: bills, once-only, citizen data) within its declared
                            limits: p50/p95/max and the error rate reported; too slow or too
                            many errors → the finding slower-than-declared (skipped without
                            a burst)
    outage                  turn an agency outage (503, through the fault knobs) into
                            AgencyUnavailable; health not ok (skipped without fault knobs; an
                            error when the agency was not healthy before the outage)

The checks that file (idempotent-submit, status-events, cancel, provide-info) skip when the
sample files nothing (`"service_id": null`: a biller that takes no applications); then the
failure checks call `bills` instead of `submit`.

`certify(subject)` runs them all (each within a time limit) and gives a `Certification`, with
the findings the checks noted (`note_finding`) judged under a `FindingPolicy`;
`run_check(check, subject)` runs one. Outcomes are explained in `results.py`: an exception
outside `connectors.errors` escaping the connector is a failure; a `ConnectorError` where an
answer was needed means the check could not be carried out (an error).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import hashlib
import importlib.metadata
import json
import re
import secrets
import socket
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from connectors.base import (
    AgencyEvent,
    AgencyStatus,
    AttachmentRef,
    Bill,
    Bills,
    Cancels,
    CitizenData,
    Connector,
    Fee,
    Health,
    HoldsCitizenData,
    InformationAnswer,
    PaymentNotice,
    ProvidesOnceOnlyData,
    ReceivesInformation,
    ReceivesPayments,
    StatusReport,
    Submission,
    SubmitResult,
)
from connectors.certification.analysis import TlsProbe, analyse, is_local_host
from connectors.certification.callbacks import CallbackReceiver, ReceivedCallback
from connectors.certification.findings import finding
from connectors.certification.hooks import BackOffice, HookFailed
from connectors.certification.performance import Burst, BurstInvalid, BurstResult, Limits
from connectors.certification.results import (
    DEFAULT_POLICY,
    Certification,
    CheckResult,
    Evidence,
    Finding,
    FindingPolicy,
    Outcome,
    merge_findings,
)
from connectors.certification.subject import Subject, VariantUnavailable
from connectors.certification.traffic import Exchange, Masker, TrafficRecorder, masker_for
from connectors.errors import (
    AgencyMisconfigured,
    AgencyRejected,
    AgencyUnavailable,
    ConnectorError,
)
from connectors.registry import GROUP

DEFAULT_TIMEOUT_SECONDS = 60.0
#: How long a run waits, after the checks, for the callbacks the cases' moves call for.
CALLBACK_WAIT_SECONDS = 5.0
#: How long it waits for the first, when none came during the checks (an agency that sends
#: none costs a run this much).
FIRST_CALLBACK_SECONDS = 0.5
#: What a fresh filing may answer (SubmitResult: received, forwarded within the agency, or an
#: agency that decides at once already further on); a cancelled case is never a new filing.
FILING_STATUSES = frozenset(AgencyStatus) - {AgencyStatus.CANCELLED}
#: What the `provide-info` check's staff ask for, and the document the citizen answers with
#: (its `url` never resolves, RFC 2606: the agency's test back end need not fetch it).
INFO_REQUEST_REASON = "ขอเอกสารเพิ่มเติม (ทดสอบการรับรอง) / More documents (certification test)"
INFO_ITEM = {"name_th": "เอกสารเพิ่มเติม", "name_en": "An additional document"}
INFO_DOCUMENT = b"%PDF-1.4\n% citizen-gateway certify: the citizen's answer\n%%EOF\n"
INFO_ATTACHMENT_BASE = "https://certification.invalid/v1/agency/attachments"
#: Ref1 of a Thai QR bill payment, which a bill's number is (FACTS.md).
REF1 = re.compile(r"[A-Z0-9]{1,20}")


class CheckFailed(Exception):
    """The connector broke the contract; the message says how."""


class CheckSkipped(Exception):
    """The check does not apply, or cannot be arranged here; the message says why."""


class CheckBlocked(Exception):
    """The check could not be carried out; the message says what was missing."""


CheckFunction = Callable[[Subject], Awaitable[str]]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: CheckFunction


_REGISTERED: list[Check] = []
_F = TypeVar("_F", bound=CheckFunction)
_E = TypeVar("_E", bound=ConnectorError)


def _check(check_id: str, title: str) -> Callable[[_F], _F]:
    def register(function: _F) -> _F:
        _REGISTERED.append(Check(check_id, title, function))
        return function

    return register


#: The findings the checks of the running `certify()` noted (None outside a run).
_NOTED: contextvars.ContextVar[list[Finding] | None] = contextvars.ContextVar(
    "certification_findings", default=None
)


def note_finding(found: Finding) -> None:
    """Add `found` to the findings of the run in progress (outside `certify()`: dropped)."""
    noted = _NOTED.get()
    if noted is not None:
        noted.append(found)


# -- helpers ----------------------------------------------------------------------------------


def _aware(moment: dt.datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


async def _expect_error(error: type[_E], what: str, call: Awaitable[Any]) -> _E:
    """The `error` the call must raise. CheckFailed when it answers or raises another error;
    CheckBlocked when the agency was unavailable (unless that was the expected error)."""
    try:
        answer = await call
    except error as exc:
        return exc
    except AgencyUnavailable as exc:  # not what was expected, but it proves nothing either
        raise CheckBlocked(
            f"{what} could not be judged: the agency was unavailable ({exc.message})"
        ) from exc
    except ConnectorError as exc:
        raise CheckFailed(
            f"{what} raised {type(exc).__name__} ({exc.message}); expected {error.__name__}"
        ) from exc
    raise CheckFailed(f"{what} answered {_short(answer)}; expected {error.__name__}")


async def _health(connector: Connector, when: str) -> Health:
    """health(), which must answer a Health and never raise."""
    try:
        health = await connector.health()
    except Exception as exc:
        raise CheckFailed(
            f"health() {when} raised {type(exc).__name__}: {exc} (it must report, never raise)"
        ) from exc
    if not isinstance(health, Health):
        raise CheckFailed(f"health() {when} answered {_short(health)}, not a Health")
    return health


async def _not_healthy(connector: Connector, when: str) -> str:
    health = await _health(connector, when)
    if health.ok:
        raise CheckFailed(f"health() {when} reported ok ({health.detail}); expected not ok")
    return health.detail


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


@contextlib.contextmanager
def _closed_loopback_port() -> Iterator[int]:
    """A loopback port bound to us but not listening: connecting is refused at once, and no
    other process can start listening there while the check runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def _filing(subject: Subject, **options: str) -> Submission:
    """A fresh filing of the sample; the check is skipped when the sample files nothing."""
    if subject.sample.service_id is None:
        raise CheckSkipped(
            'the sample files no application ("service_id": null): the agency takes none '
            "through the portal"
        )
    return subject.submission(**options)


def _probe(subject: Subject, connector: Connector) -> tuple[str, Callable[[], Awaitable[Any]]]:
    """(what, the call) the failure checks make: a filing, or for a biller that takes no
    applications, a listing of the sample citizen's bills."""
    if subject.sample.service_id is not None:
        filing = subject.submission()
        return "submit", lambda: connector.submit(filing)
    if isinstance(connector, Bills):
        biller, pid = connector, subject.sample.bills_pid
        return "bills", lambda: biller.bills(pid)
    if isinstance(connector, HoldsCitizenData):
        holder, citizen = connector, subject.sample.applicant.pid
        return "citizen_data", lambda: holder.citizen_data(citizen)
    raise CheckBlocked(
        "the sample files nothing, and the connector lists no bills and holds no citizen data: "
        "there is no call to try"
    )


# -- the checks -------------------------------------------------------------------------------


@_check("health", "says it is healthy with its own credentials")
async def check_health(subject: Subject) -> str:
    health = await _health(subject.connector, "with the configured credentials")
    if not health.ok:
        raise CheckFailed(f"health() reported not ok: {health.detail}")
    return "health() ok" if health.detail == "ok" else f"health() ok: {health.detail}"


@_check("idempotent-submit", "files a case once per idempotency key")
async def check_idempotent_submit(subject: Subject) -> str:
    connector = subject.connector
    filing = _filing(subject)
    first = await connector.submit(filing)
    if first.status not in FILING_STATUSES:
        raise CheckFailed(f"a new filing answered status {first.status.value!r}")
    if first.status is AgencyStatus.FORWARDED_WITHIN_AGENCY and not first.unit_code:
        raise CheckFailed("forwarded_within_agency without the office (unit_code)")
    if not _aware(first.received_at):
        raise CheckFailed(f"received_at {first.received_at.isoformat()} has no UTC offset")
    again = await connector.submit(filing)
    if again.agency_ref != first.agency_ref:
        raise CheckFailed(
            f"the same idempotency key {filing.idempotency_key!r} sent twice filed two cases: "
            f"agency_ref {first.agency_ref!r}, then {again.agency_ref!r} (the gateway repeats a "
            "call whose answer it lost: the agency must file it once and give the first answer)"
        )
    if again.received_at != first.received_at:
        raise CheckFailed(
            f"the same key again answered received_at {again.received_at.isoformat()}, "
            f"the first answer said {first.received_at.isoformat()}"
        )
    other = await connector.submit(_filing(subject, idempotency_key=f"{filing.idempotency_key}-2"))
    if other.agency_ref == first.agency_ref:
        raise CheckFailed(
            f"another idempotency key gave the same agency_ref {first.agency_ref!r}: "
            "two applications became one case"
        )
    return (
        f"key sent twice filed one case {first.agency_ref} ({first.status.value}); "
        f"another key filed {other.agency_ref}"
    )


@_check("status-events", "reports a case's status with its events in order")
async def check_status_events(subject: Subject) -> str:
    connector = subject.connector
    filed = await connector.submit(_filing(subject))
    expected: AgencyStatus | None = None
    if subject.back_office is not None:
        await subject.back_office.accept(filed.agency_ref)
        expected = AgencyStatus.IN_REVIEW
    report = await connector.status(filed.agency_ref)
    if report.agency_ref != filed.agency_ref:
        raise CheckFailed(
            f"status({filed.agency_ref!r}) answered for agency_ref {report.agency_ref!r}"
        )
    seqs = [event.seq for event in report.events]
    if seqs != list(range(1, report.seq + 1)):
        raise CheckFailed(
            f"events have seq {seqs}; expected 1..{report.seq} in order (seq is the latest "
            "event's; the gateway applies events in this order)"
        )
    if naive := [event.seq for event in report.events if not _aware(event.at)]:
        raise CheckFailed(f"events {naive} have times without a UTC offset")
    if expected is not None and report.status is not expected:
        raise CheckFailed(
            f"after the agency's staff accepted the case its status is {report.status.value!r}; "
            f"expected {expected.value!r}"
        )
    moved = "accepted by the back office, " if expected else ""
    return (
        f"{filed.agency_ref}: {moved}status {report.status.value}, "
        f"events {' '.join(f'{e.seq}:{e.status.value}' for e in report.events)}"
    )


@_check("cancel", "withdraws a case when it implements Cancels")
async def check_cancel(subject: Subject) -> str:
    connector = subject.connector
    if not isinstance(connector, Cancels):
        raise CheckSkipped("the connector does not implement Cancels (an optional capability)")
    filed = await connector.submit(_filing(subject))
    event = await connector.cancel(filed.agency_ref)
    if event.status is not AgencyStatus.CANCELLED:
        raise CheckFailed(f"cancel() answered an event with status {event.status.value!r}")
    if not _aware(event.at):
        raise CheckFailed(f"the cancel event's time {event.at.isoformat()} has no UTC offset")
    report = await connector.status(filed.agency_ref)
    if report.status is not AgencyStatus.CANCELLED:
        raise CheckFailed(f"after cancel() the case's status is {report.status.value!r}")
    return f"{filed.agency_ref} cancelled (event seq {event.seq})"


def _information_answer(label: str) -> InformationAnswer:
    """A fresh answer (a new idempotency key): a note and one document."""
    token = secrets.token_hex(8)
    return InformationAnswer(
        idempotency_key=f"certify-{label}-{token}:information",
        note="ส่งเอกสารเพิ่มเติมตามที่ขอ / The document asked for (certification test)",
        attachments=[
            AttachmentRef(
                document="certify-additional-document",
                filename="additional-document.pdf",
                media_type="application/pdf",
                size=len(INFO_DOCUMENT),
                sha256=hashlib.sha256(INFO_DOCUMENT).hexdigest(),
                url=f"{INFO_ATTACHMENT_BASE}/{token}",
            )
        ],
        answered_at=dt.datetime.now(dt.UTC),
    )


def _events(report: StatusReport) -> str:
    return " ".join(f"{event.seq}:{event.status.value}" for event in report.events) or "none"


def _an_event(value: object, what: str) -> AgencyEvent:
    if not isinstance(value, AgencyEvent):
        raise CheckFailed(f"{what} answered {_short(value)}, not an AgencyEvent")
    return value


async def _case_needing_info(subject: Subject, back_office: BackOffice) -> StatusReport:
    """A fresh case the agency's staff accepted, then asked for information about."""
    connector = subject.connector
    filed = await connector.submit(_filing(subject, label="certify-info"))
    ref = filed.agency_ref
    await back_office.accept(ref)
    await back_office.request_info(ref, reason=INFO_REQUEST_REASON, items=[INFO_ITEM])
    asked = await connector.status(ref)
    if asked.status is not AgencyStatus.NEEDS_INFO:
        raise CheckFailed(
            f"after the agency's staff asked for information, status({ref!r}) reports "
            f"{asked.status.value!r} (events {_events(asked)}); expected 'needs_info'"
        )
    return asked


async def _answered(
    connector: ReceivesInformation, asked: StatusReport, answer: InformationAnswer
) -> AgencyEvent:
    """The answer's event: the case back in review, after the request."""
    event = _an_event(await connector.provide_info(asked.agency_ref, answer), "provide_info()")
    if event.status is not AgencyStatus.IN_REVIEW:
        raise CheckFailed(
            f"the answer to the request for information gave an event with status "
            f"{event.status.value!r}; expected 'in_review' (the agency reviews the case again)"
        )
    if event.seq <= asked.seq:
        raise CheckFailed(
            f"the answer's event has seq {event.seq}, not after the request for information's "
            f"(seq {asked.seq}): the gateway would take it for an event it already applied"
        )
    if not _aware(event.at):
        raise CheckFailed(f"the answer's event time {event.at.isoformat()} has no UTC offset")
    return event


async def _answered_again(
    connector: ReceivesInformation, ref: str, answer: InformationAnswer, first: AgencyEvent
) -> AgencyEvent:
    """The same answer again (the gateway repeats a call whose answer it lost): the first
    event, not a refusal and not a second answer."""
    key = answer.idempotency_key
    try:
        again = await connector.provide_info(ref, answer)
    except AgencyUnavailable:
        raise  # proves nothing: the check errs
    except ConnectorError as exc:
        raise CheckFailed(
            f"the same idempotency key {key!r} sent again raised {type(exc).__name__} "
            f"({exc.message}); expected the first answer's event (seq {first.seq}): the gateway "
            "repeats a call whose answer it lost, and the agency must record the answer once"
        ) from exc
    again = _an_event(again, "provide_info() with the same key again")
    if again.seq != first.seq or again.status is not first.status:
        raise CheckFailed(
            f"the same idempotency key {key!r} sent twice answered seq {first.seq} "
            f"({first.status.value}), then seq {again.seq} ({again.status.value}): the answer "
            "was recorded twice (the agency must give the first event again)"
        )
    return again


async def _refusal(subject: Subject, call: Awaitable[object], what: str) -> AgencyRejected:
    """The refusal `call` must end in (AgencyRejected, shown to the citizen); AgencyUnavailable
    while the agency is up is a failure: the gateway would retry it forever."""
    try:
        unexpected = await call
    except AgencyRejected as exc:
        return exc
    except AgencyUnavailable as exc:
        if not (await _health(subject.connector, "after the agency was unavailable")).ok:
            raise CheckBlocked(
                f"{what} could not be judged: the agency was unavailable ({exc.message})"
            ) from exc
        raise CheckFailed(
            f"{what} raised AgencyUnavailable ({exc.message}) though the agency is up; "
            "expected AgencyRejected (the gateway would retry a refused answer forever)"
        ) from exc
    except ConnectorError as exc:
        raise CheckFailed(
            f"{what} raised {type(exc).__name__} ({exc.message}); expected AgencyRejected"
        ) from exc
    raise CheckFailed(f"{what} answered {_short(unexpected)}; expected AgencyRejected")


async def _refused_answer(
    subject: Subject, connector: ReceivesInformation, report: StatusReport, what: str
) -> AgencyRejected:
    """The refusal of an answer the case is not waiting for."""
    late = connector.provide_info(report.agency_ref, _information_answer("late"))
    return await _refusal(subject, late, what)


@_check("provide-info", "passes on the answer to a request for information, once per key")
async def check_provide_info(subject: Subject) -> str:
    connector, back_office = subject.connector, subject.back_office
    if not isinstance(connector, ReceivesInformation):
        raise CheckSkipped(
            "the connector does not implement ReceivesInformation (an optional capability)"
        )
    if back_office is None:
        raise CheckSkipped(
            "no back office whose staff can ask for information (give --staff-url, the mock "
            "agency's root, e.g. http://127.0.0.1:8100/dlt): an answer needs a case in needs_info"
        )
    asked = await _case_needing_info(subject, back_office)
    ref = asked.agency_ref
    answer = _information_answer("info")
    first = await _answered(connector, asked, answer)
    answered = await subject.connector.status(ref)
    if not any(event.seq == first.seq for event in answered.events):
        raise CheckFailed(
            f"provide_info() answered event seq {first.seq}, but status({ref!r}) has events "
            f"{_events(answered)}"
        )
    again = await _answered_again(connector, ref, answer, first)
    repeated = await subject.connector.status(ref)
    if repeated.seq != answered.seq or len(repeated.events) != len(answered.events):
        raise CheckFailed(
            f"after the same idempotency key {answer.idempotency_key!r} was sent again, "
            f"status({ref!r}) has events {_events(repeated)} (before: {_events(answered)}): "
            "a second answer was recorded"
        )
    state = repeated.status.value
    what = f"an answer (a new key) to {ref}, which is {state}, not waiting for information,"
    refused = await _refused_answer(subject, connector, repeated, what)
    after = await subject.connector.status(ref)
    if after.seq != repeated.seq:
        raise CheckFailed(
            f"{what} was refused, yet status({ref!r}) has events {_events(after)} "
            f"(before: {_events(repeated)})"
        )
    code = f"{refused.code}: " if refused.code else ""
    return (
        f"{ref}: information asked (seq {asked.seq}); the answer → {first.status.value} "
        f"seq {first.seq}; the same key again → seq {again.seq}, no new event; an answer while "
        f"{state} → AgencyRejected ({code}{refused.message})"
    )


def _payment_notice(
    filed: SubmitResult, reference: str, label: str, *, extra_satang: int = 0
) -> PaymentNotice:
    """A fresh payment (a new idempotency key) of the case's fees, `extra_satang` more on the
    last one; `reference` is the application number."""
    token = secrets.token_hex(8)
    fees = list(filed.fees)
    fees[-1] = replace(fees[-1], amount_satang=fees[-1].amount_satang + extra_satang)
    return PaymentNotice(
        idempotency_key=f"certify-{label}-{token}:payment",
        reference=reference,
        payment_id=f"CERT{token.upper()}",
        receipt_number=f"CERT-{token[:10].upper()}",
        amount_satang=sum(fee.amount_satang for fee in fees),
        fees=tuple(fees),
        paid_at=dt.datetime.now(dt.UTC),
        channel="mobile",
    )


async def _case_awaiting_payment(
    subject: Subject, back_office: BackOffice
) -> tuple[SubmitResult, str, StatusReport]:
    """A fresh case that owes a fee, which the agency's staff accepted and asked to pay: (the
    filing's answer, its application number, its status)."""
    filing = subject.submission(label="certify-pay")
    filed = await subject.connector.submit(filing)
    if sum(fee.amount_satang for fee in filed.fees) <= 0:
        raise CheckSkipped(
            f"the sample's filing ({subject.sample.service_id}) owes no fee, so there is nothing "
            "to pay: certify with a sample of a service that charges one to check payments"
        )
    ref = filed.agency_ref
    await back_office.accept(ref)
    await back_office.request_payment(ref)
    asked = await subject.connector.status(ref)
    if asked.status is not AgencyStatus.AWAITING_PAYMENT:
        raise CheckFailed(
            f"after the agency's staff asked for the fee, status({ref!r}) reports "
            f"{asked.status.value!r} (events {_events(asked)}); expected 'awaiting_payment'"
        )
    return filed, filing.application_number, asked


async def _paid(connector: ReceivesPayments, ref: str, notice: PaymentNotice) -> None:
    """The fee paid in full, which the agency must take."""
    try:
        await connector.payment_received(ref, notice)
    except AgencyRejected as exc:
        code = f"{exc.code}: " if exc.code else ""
        raise CheckFailed(
            f"the fee paid in full ({notice.amount_satang} satang) for {ref}, which awaits "
            f"payment, was refused: AgencyRejected ({code}{exc.message})"
        ) from exc


async def _paid_again(connector: ReceivesPayments, ref: str, notice: PaymentNotice) -> None:
    """The same notice again (the gateway repeats a call whose answer it lost): no error."""
    try:
        await connector.payment_received(ref, notice)
    except AgencyUnavailable:
        raise  # proves nothing: the check errs
    except ConnectorError as exc:
        raise CheckFailed(
            f"the same payment (idempotency key {notice.idempotency_key!r}) sent again raised "
            f"{type(exc).__name__} ({exc.message}); expected no error: the gateway repeats a "
            "call whose answer it lost, and the agency must record the payment once"
        ) from exc


@_check("payment", "hears that the citizen paid the fee, once per key")
async def check_payment(subject: Subject) -> str:
    connector, back_office = subject.connector, subject.back_office
    if not isinstance(connector, ReceivesPayments):
        raise CheckSkipped(
            "the connector does not implement ReceivesPayments (an optional capability)"
        )
    if back_office is None:
        raise CheckSkipped(
            "no back office whose staff can ask for the fee (give --staff-url, the mock "
            "agency's root, e.g. http://127.0.0.1:8100/dlt): a payment needs a case in "
            "awaiting_payment"
        )
    filed, number, asked = await _case_awaiting_payment(subject, back_office)
    ref, due = filed.agency_ref, sum(fee.amount_satang for fee in filed.fees)

    wrong = _payment_notice(filed, number, "pay-wrong", extra_satang=100)
    what = f"a payment of {wrong.amount_satang} satang for {ref}, which owes {due},"
    wrong_refused = await _refusal(subject, connector.payment_received(ref, wrong), what)
    unchanged = await subject.connector.status(ref)
    if unchanged.seq != asked.seq:
        raise CheckFailed(
            f"{what} was refused, yet status({ref!r}) has events {_events(unchanged)} "
            f"(before: {_events(asked)})"
        )

    paid = _payment_notice(filed, number, "pay")
    await _paid(connector, ref, paid)
    moved = await subject.connector.status(ref)
    if moved.seq <= asked.seq or moved.status is AgencyStatus.AWAITING_PAYMENT:
        raise CheckFailed(
            f"after the fee was paid, status({ref!r}) has events {_events(moved)}; expected "
            f"the case to move on from awaiting_payment (seq {asked.seq}) with a later event: "
            "the gateway learns what the agency did with the payment from it"
        )
    await _paid_again(connector, ref, paid)
    repeated = await subject.connector.status(ref)
    if repeated.seq != moved.seq or len(repeated.events) != len(moved.events):
        raise CheckFailed(
            f"after the same payment (idempotency key {paid.idempotency_key!r}) was sent again, "
            f"status({ref!r}) has events {_events(repeated)} (before: {_events(moved)}): "
            "a second payment was recorded"
        )

    other = _payment_notice(filed, number, "pay-twice")
    what = f"another payment (a new key) for {ref}, already paid,"
    twice_refused = await _refusal(subject, connector.payment_received(ref, other), what)
    after = await subject.connector.status(ref)
    if after.seq != repeated.seq:
        raise CheckFailed(
            f"{what} was refused, yet status({ref!r}) has events {_events(after)} "
            f"(before: {_events(repeated)})"
        )

    def refusal(exc: AgencyRejected) -> str:
        return f"AgencyRejected ({exc.code}: {exc.message})" if exc.code else "AgencyRejected"

    return (
        f"{ref}: the fee asked (seq {asked.seq}); {wrong.amount_satang} satang → "
        f"{refusal(wrong_refused)}; {due} satang paid → {moved.status.value} seq {moved.seq}; "
        f"the same payment again → no new event; another payment → {refusal(twice_refused)}"
    )


@_check("once-only", "gives the once-only data it declares (R-12.1)")
async def check_once_only(subject: Subject) -> str:
    connector, sample = subject.connector, subject.sample
    if not isinstance(connector, ProvidesOnceOnlyData):
        raise CheckSkipped("the connector does not implement ProvidesOnceOnlyData (optional)")
    kinds = ", ".join(sorted(connector.once_only_kinds)) or "none"
    if sample.once_only_kind is None:
        raise CheckBlocked(
            f"the connector offers once-only data ({kinds}) but the sample names no kind: "
            'add "once_only": {"kind": …, "params": {…}} to the sample'
        )
    kind = sample.once_only_kind
    if kind not in connector.once_only_kinds:
        raise CheckFailed(f"once_only_kinds is {{{kinds}}}, without the sample's kind {kind!r}")
    data = await connector.once_only(kind, sample.applicant.pid, **sample.once_only_params)
    if not isinstance(data, Mapping) or not data:
        raise CheckFailed(f"once_only({kind!r}) answered {_short(data)}, not a record")
    return f"{kind}: a record with {', '.join(sorted(map(str, data))[:6])}"


@_check("once-only-unknown-kind", "refuses a once-only kind it does not offer")
async def check_once_only_unknown_kind(subject: Subject) -> str:
    connector = subject.connector
    if not isinstance(connector, ProvidesOnceOnlyData):
        raise CheckSkipped("the connector does not implement ProvidesOnceOnlyData (optional)")
    kind = f"certify-no-such-kind-{secrets.token_hex(3)}"
    error = await _expect_error(
        AgencyMisconfigured,
        f"once_only({kind!r})",
        connector.once_only(kind, subject.sample.applicant.pid),
    )
    return f"AgencyMisconfigured: {error.message}"


def _valid_bills(found: object, what: str) -> list[Bill]:
    """The bills of an answer, each within the contract; CheckFailed naming what is not."""
    if isinstance(found, str | bytes) or not isinstance(found, Sequence):
        raise CheckFailed(f"{what} answered {_short(found)}, not a sequence of Bill")
    bills = list(found)
    for bill in bills:
        if not isinstance(bill, Bill):
            raise CheckFailed(f"{what} answered {_short(bill)} among the bills, not a Bill")
        if not isinstance(bill.bill_id, str) or not REF1.fullmatch(bill.bill_id):
            raise CheckFailed(
                f"bill number {bill.bill_id!r} is not a Ref1 (1 to 20 upper-case letters and "
                "digits): the portal puts it on the Thai QR"
            )
        amount = bill.amount_satang
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise CheckFailed(f"bill {bill.bill_id}: amount_satang {amount!r} is not positive")
        if isinstance(bill.due_on, dt.datetime) or not isinstance(bill.due_on, dt.date):
            raise CheckFailed(f"bill {bill.bill_id}: due_on {bill.due_on!r} is not a date")
        if not all(isinstance(v, str) and v for v in (bill.kind, bill.title_th, bill.title_en)):
            raise CheckFailed(f"bill {bill.bill_id}: kind and titles must be non-empty text")
    numbers = [bill.bill_id for bill in bills]
    if len(set(numbers)) != len(numbers):
        raise CheckFailed(f"{what} lists a bill twice: {numbers}")
    return bills


def _bill_notice(bill: Bill, *, amount_satang: int | None = None) -> PaymentNotice:
    """A fresh payment of `bill` (a new idempotency key), of its amount unless told."""
    token = secrets.token_hex(6).upper()
    amount = bill.amount_satang if amount_satang is None else amount_satang
    return PaymentNotice(
        idempotency_key=f"certify-bill-{token}:payment",
        reference=bill.bill_id,
        payment_id=f"CERT{token}",
        receipt_number=f"CERT-{token}",
        amount_satang=amount,
        fees=(Fee(label=bill.title_th, amount_satang=amount),),
        paid_at=dt.datetime.now(dt.UTC),
        channel="mobile",
    )


@_check("bills", "lists a citizen's open bills when it implements Bills")
async def check_bills(subject: Subject) -> str:
    connector = subject.connector
    if not isinstance(connector, Bills):
        raise CheckSkipped("the connector does not implement Bills (an optional capability)")
    pid = subject.sample.bills_pid
    bills = _valid_bills(await connector.bills(pid), f"bills({pid!r})")
    if not bills:
        return f"no open bill for {pid} (a valid answer)"
    listed = "; ".join(
        f"{bill.bill_id} {bill.kind} {bill.amount_satang} satang due {bill.due_on.isoformat()}"
        for bill in bills
    )
    return f"{len(bills)} open for {pid}: {listed}"


@_check("bill-paid", "records a bill's payment once per key and refuses a wrong one")
async def check_bill_paid(subject: Subject) -> str:
    connector = subject.connector
    if not isinstance(connector, Bills):
        raise CheckSkipped("the connector does not implement Bills (an optional capability)")
    pid = subject.sample.bills_pid
    bills = _valid_bills(await connector.bills(pid), f"bills({pid!r})")
    if not bills:
        raise CheckBlocked(
            f"{pid} has no open bill to pay: name a citizen who has one in the sample "
            '("bills": {"pid": …})'
        )
    bill = bills[0]
    wrong = await _expect_error(
        AgencyRejected,
        f"paying bill {bill.bill_id} ({bill.amount_satang} satang) 1 THB more",
        connector.bill_paid(
            bill.bill_id, _bill_notice(bill, amount_satang=bill.amount_satang + 100)
        ),
    )
    notice = _bill_notice(bill)
    try:
        await connector.bill_paid(bill.bill_id, notice)
    except AgencyRejected as exc:
        raise CheckFailed(
            f"paying bill {bill.bill_id} its amount was refused ({exc.code}: {exc.message})"
        ) from exc
    try:
        await connector.bill_paid(bill.bill_id, notice)
    except AgencyRejected as exc:
        raise CheckFailed(
            f"the same idempotency key {notice.idempotency_key!r} sent again was refused "
            f"({exc.code}: {exc.message}): the gateway repeats a call whose answer it lost, and "
            "the biller must take the payment once"
        ) from exc
    after = _valid_bills(await connector.bills(pid), f"bills({pid!r}) after the payment")
    if any(listed.bill_id == bill.bill_id for listed in after):
        raise CheckFailed(f"bill {bill.bill_id} is still listed after it was paid")
    twice = await _expect_error(
        AgencyRejected,
        f"a second payment (another key) of the paid bill {bill.bill_id}",
        connector.bill_paid(bill.bill_id, _bill_notice(bill)),
    )
    made_up = replace(bill, bill_id=f"ZZCERT{secrets.token_hex(5).upper()}")
    unknown = await _expect_error(
        AgencyRejected,
        f"paying bill {made_up.bill_id}, never issued",
        connector.bill_paid(made_up.bill_id, _bill_notice(made_up)),
    )
    return (
        f"{bill.bill_id}: 1 THB more → AgencyRejected ({wrong.code}); paid, the same key again "
        f"→ no error, no longer listed; paid again under another key → AgencyRejected "
        f"({twice.code}); a bill never issued → AgencyRejected ({unknown.code})"
    )


@_check("citizen-data", "answers what it holds about a citizen, deciding every fact it declares")
async def check_citizen_data(subject: Subject) -> str:
    connector = subject.connector
    if not isinstance(connector, HoldsCitizenData):
        raise CheckSkipped("the connector holds no citizen data (HoldsCitizenData)")
    fresh = connector.citizen_data_fresh_for
    if not isinstance(fresh, dt.timedelta) or fresh <= dt.timedelta(0):
        raise CheckFailed(f"citizen_data_fresh_for is {fresh!r}, not a positive timedelta")
    pid = subject.sample.applicant.pid
    data = await connector.citizen_data(pid)
    if not isinstance(data, CitizenData):
        raise CheckFailed(f"citizen_data({pid!r}) answered {_short(data)}, not a CitizenData")
    if missing := sorted(set(connector.citizen_facts) - set(data.facts)):
        raise CheckFailed(
            f"citizen_data({pid!r}) left undecided the facts it declares: {', '.join(missing)} "
            "(a fact the agency decides is always present: not holding a record decides it too)"
        )
    if naive := [record.kind for record in data.records if not _aware(record.as_of)]:
        raise CheckFailed(f"records {naive} have an as_of without a UTC offset")
    records = ", ".join(record.kind for record in data.records) or "none"
    benefits = ", ".join(benefit.kind for benefit in data.benefits) or "none"
    return (
        f"{pid}: facts {', '.join(sorted(data.facts)) or 'none'}; records {records}; "
        f"benefits {benefits}; fresh for {fresh}"
    )


def _burst_call(subject: Subject) -> tuple[str, Callable[[], Awaitable[Any]]]:
    """(what, a call) the burst repeats: a new filing each time (a new idempotency key), or for
    a sample that files nothing, the read it names (the bills of its citizen, else its
    once-only record, else what the agency holds about its applicant)."""
    connector, sample = subject.connector, subject.sample
    if sample.service_id is not None:
        return "submit", lambda: connector.submit(sample.submission(subject.agency_code))
    if isinstance(connector, Bills):
        biller, pid = connector, sample.bills_pid
        return "bills", lambda: biller.bills(pid)
    if isinstance(connector, ProvidesOnceOnlyData) and sample.once_only_kind is not None:
        holder, kind = connector, sample.once_only_kind
        return "once_only", lambda: holder.once_only(
            kind, sample.applicant.pid, **sample.once_only_params
        )
    if isinstance(connector, HoldsCitizenData):
        holder_of, pid = connector, sample.applicant.pid
        return "citizen_data", lambda: holder_of.citizen_data(pid)
    raise CheckSkipped(
        "the sample files nothing and names no read to repeat (bills, once-only data, citizen data)"
    )


async def _burst(
    burst: Burst, what: str, call: Callable[[], Awaitable[Any]], limits: Limits
) -> BurstResult:
    """Each call started on its own schedule (i / rate seconds after the first), answered or
    not; a ConnectorError counts as an error, anything else escapes (a broken contract)."""
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(offset: float) -> tuple[float | None, str | None]:
        await asyncio.sleep(max(0.0, start + offset - loop.time()))
        began = time.perf_counter()
        try:
            await call()
        except ConnectorError as exc:
            return None, f"{type(exc).__name__}: {exc.message}"
        return (time.perf_counter() - began) * 1000, None

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(offset)) for offset in burst.offsets()]
    answers = [task.result() for task in tasks]
    return BurstResult(
        what=what,
        burst=burst,
        limits=limits,
        latencies_ms=tuple(ms for ms, _ in answers if ms is not None),
        errors=tuple(error for _, error in answers if error is not None),
    )


@_check("performance", "answers a short burst within its declared limits")
async def check_performance(subject: Subject) -> str:
    if subject.burst is None:
        raise CheckSkipped("no burst asked for (certify --no-burst)")
    try:
        limits = Limits.of(subject.config)
    except BurstInvalid as exc:
        raise CheckBlocked(f"the declared limits cannot be read: {exc}") from exc
    what, call = _burst_call(subject)
    measured = await _burst(subject.burst, what, call, limits)
    if not measured.latencies_ms:
        raise CheckBlocked(
            f"no call of the burst answered: {measured.numbers()} (first: {measured.errors[0]})"
        )
    if measured.slower_than_declared:
        note_finding(
            finding(
                "slower-than-declared",
                f"{measured.why_slow()}. Measured: {measured.numbers()}. Declare the p95 the "
                f'agency keeps (options["declared_p95_ms"]) and timeouts it meets, or make '
                "it answer faster.",
                [
                    Evidence(
                        request=(
                            f"{measured.calls} × {what} to {subject.config.base_url} at "
                            f"{subject.burst.rate_per_second:g}/s"
                        ),
                        response=measured.numbers(),
                        note=measured.why_slow(),
                    )
                ],
            )
        )
        return f"{measured.numbers()}; slower than declared: {measured.why_slow()}"
    return measured.numbers()


@_check("wrong-credentials", "reports refused credentials as AgencyMisconfigured")
async def check_wrong_credentials(subject: Subject) -> str:
    wrong = subject.config.model_copy(
        update={"consumer_secret": SecretStr(f"certify-wrong-{secrets.token_urlsafe(24)}")}
    )
    async with subject.variant(wrong) as impostor:
        what, call = _probe(subject, impostor)
        error = await _expect_error(
            AgencyMisconfigured, f"{what} with a wrong consumer secret", call()
        )
        health = await _not_healthy(impostor, "with a wrong consumer secret")
    return f"{what}: AgencyMisconfigured ({error.message}); health: {health}"


@_check("unreachable", "reports an agency nobody answers for as AgencyUnavailable")
async def check_unreachable(subject: Subject) -> str:
    with _closed_loopback_port() as port:
        base_url = f"http://127.0.0.1:{port}{urlsplit(subject.config.base_url).path}"
        cut_off = subject.config.model_copy(
            update={"base_url": base_url, "timeout_seconds": min(subject.config.timeout_seconds, 5)}
        )
        async with subject.variant(cut_off, network=True) as connector:
            what, call = _probe(subject, connector)
            error = await _expect_error(
                AgencyUnavailable, f"{what} to {base_url} (a closed port)", call()
            )
            health = await _not_healthy(connector, "at a closed port")
    return f"{what}: AgencyUnavailable ({error.message}); health: {health}"


@_check("outage", "reports an agency outage (503) as AgencyUnavailable")
async def check_outage(subject: Subject) -> str:
    if subject.outages is None:
        raise CheckSkipped(
            "no fault knobs to take the agency down (give --faults-url, e.g. "
            "http://127.0.0.1:8100/faults); the unreachable check covers only a dead address"
        )
    what, call = _probe(subject, subject.connector)
    before = await _health(subject.connector, "before the outage")
    if not before.ok:  # an agency already down proves nothing about how an outage is told
        raise CheckBlocked(
            f"the agency was not reachable before the outage was switched on ({before.detail}): "
            "nothing is proven about how the connector reports an outage"
        )
    async with subject.outages.outage(subject.agency_code):
        error = await _expect_error(AgencyUnavailable, f"{what} during an outage", call())
        health = await _not_healthy(subject.connector, "during an outage")
    return f"{what}: AgencyUnavailable ({error.message}); health: {health}"


#: Every check, in the order a run takes them (the outage last: it takes the agency down).
CHECKS: tuple[Check, ...] = tuple(_REGISTERED)


# -- running ----------------------------------------------------------------------------------


def _where(exc: BaseException) -> str:
    """Where the exception came from, for the team to look: the deepest frame outside the
    standard library, the exception's own package (httpx for an httpx error) and these checks."""
    own = type(exc).__module__.partition(".")[0]
    for frame, line in reversed(list(traceback.walk_tb(exc.__traceback__))):
        module = str(frame.f_globals.get("__name__", ""))
        top = module.partition(".")[0]
        if top in sys.stdlib_module_names or top == own or module.startswith(__package__ or "-"):
            continue
        return f" (from {Path(frame.f_code.co_filename).name}:{line} in {frame.f_code.co_name})"
    return ""


async def run_check(
    check: Check, subject: Subject, *, seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> CheckResult:
    """One check's result, within `seconds`; never raises (but lets cancellation through)."""
    started = time.perf_counter()
    deadline = asyncio.timeout(seconds)
    outcome, detail = Outcome.PASS, ""
    try:
        async with deadline:
            detail = await check.run(subject)
    except CheckFailed as exc:
        outcome, detail = Outcome.FAIL, str(exc)
    except CheckSkipped as exc:
        outcome, detail = Outcome.SKIP, str(exc)
    except (CheckBlocked, HookFailed, VariantUnavailable) as exc:
        outcome, detail = Outcome.ERROR, str(exc)
    except ConnectorError as exc:
        outcome = Outcome.ERROR
        detail = (
            f"the agency could not be asked: {type(exc).__name__}: {exc} (an answer was needed "
            "here: is it up, are the credentials and the sample right?)"
        )
    except TimeoutError as exc:
        if not deadline.expired():
            outcome = Outcome.FAIL
            detail = f"raised TimeoutError{_where(exc)}: a connector raises only connectors.errors"
        else:
            outcome, detail = Outcome.ERROR, f"no result within {seconds:g} s"
    except Exception as exc:
        outcome = Outcome.FAIL
        detail = (
            f"raised {type(exc).__name__}: {exc}{_where(exc)}; a connector raises only the "
            "errors of connectors.errors"
        )
    return CheckResult(
        check_id=check.id,
        title=check.title,
        outcome=outcome,
        detail=detail,
        duration_seconds=time.perf_counter() - started,
    )


def connector_version(connector_type: type, agency_code: str | None = None) -> str:
    """The version of the agency's connector: of the distribution whose entry point registers
    the connector for `agency_code` (an agency's own package, even when its entry point names
    the shared Case API connector: what the onboarding pipeline compares at step 10), else of
    the one that ships `connector_type`'s top-level package, else of the one whose connector
    entry point names a module of that package (an editable install ships none), else
    "unknown"."""
    top = connector_type.__module__.partition(".")[0]
    candidates: list[str] = []
    if agency_code is not None:
        for entry_point in importlib.metadata.entry_points(group=GROUP):
            dist = getattr(entry_point, "dist", None)
            if dist is not None and entry_point.name.upper() == agency_code.upper():
                candidates.append(dist.metadata["Name"])
    candidates += importlib.metadata.packages_distributions().get(top, [])
    for entry_point in importlib.metadata.entry_points(group=GROUP):
        dist = getattr(entry_point, "dist", None)
        if dist is not None and entry_point.value.partition(".")[0].partition(":")[0] == top:
            candidates.append(dist.metadata["Name"])
    for name in candidates:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            return importlib.metadata.version(name)
    return "unknown"


async def certify(
    subject: Subject,
    checks: Sequence[Check] = CHECKS,
    *,
    seconds_per_check: float = DEFAULT_TIMEOUT_SECONDS,
    policy: FindingPolicy = DEFAULT_POLICY,
    findings: bool = True,
    callback_seconds: float = CALLBACK_WAIT_SECONDS,
    receiver: CallbackReceiver | None = None,
) -> Certification:
    """Run `checks` (all by default) one after another against the subject, each within
    `seconds_per_check`, then judge what went over the wire (`findings=False`: the checks
    only). For the findings the subject's connector is built again (`subject.factory`) on a
    `TrafficRecorder`, the filings call back `receiver` (an unopened `CallbackReceiver`; by
    default one on a loopback port), waited for up to
    `callback_seconds` once the agency has sent one, and a copy configured for production
    is given an http:// address (tls-not-required). The burst's check runs that much longer
    than `seconds_per_check` after its last call started. `policy` decides which findings
    (the checks' own and the traffic's) block."""
    started_at = dt.datetime.now(dt.UTC)
    if not findings:
        results, noted = await _run_checks(subject, checks, seconds_per_check)
        return _certification(
            subject, started_at, results, noted, policy=policy, masker=_secrets_of(subject)
        )
    notes: list[str] = []
    recorder = TrafficRecorder(subject.transport)
    wanted = receiver or CallbackReceiver()
    listening: CallbackReceiver | None = None
    try:
        async with contextlib.AsyncExitStack() as stack:
            try:
                listening = await stack.enter_async_context(wanted)
            except (OSError, RuntimeError) as exc:
                listening = None
                notes.append(f"no callback receiver could be started ({exc}): callbacks not judged")
            else:
                _unreachable_receiver(subject, listening, notes)
            observed = await stack.enter_async_context(
                _recorded(subject, recorder, listening, notes)
            )
            results, noted = await _run_checks(observed, checks, seconds_per_check)
            callbacks = await _callbacks(listening, recorder.exchanges, callback_seconds, notes)
        tls = await probe_tls(subject)
    finally:
        await recorder.close()
    if subject.callback_secret is None and callbacks:
        notes.append(
            "no callback secret given: callback signatures were not verified (only their "
            "presence, nonces and timestamps)"
        )
    masker = masker_for(_secrets_of(subject).known, recorder.exchanges)
    found = analyse(
        recorder.exchanges,
        subject.config,
        callbacks=callbacks,
        callback_secret=subject.callback_secret,
        tls=tls,
        masker=masker,
    )
    return _certification(
        subject, started_at, results, [*noted, *found], notes, policy=policy, masker=masker
    )


def _unreachable_receiver(subject: Subject, receiver: CallbackReceiver, notes: list[str]) -> None:
    """Say so when the agency is on another machine and the callbacks go to this one's
    loopback receiver, which it cannot reach (none would arrive, and none be judged)."""
    agency = urlsplit(subject.config.base_url).hostname or ""
    if receiver.public_url is not None or not is_local_host(receiver.host) or is_local_host(agency):
        return
    notes.append(
        f"the agency ({agency}) is not on this machine, and the filings name the loopback "
        f"receiver {receiver.url_for(subject.agency_code)} as their callback_url, which it "
        "cannot reach: for its callbacks to be judged, listen where it can reach and say how "
        "(certify --callback-listen HOST:PORT --callback-url URL)"
    )


def _secrets_of(subject: Subject) -> Masker:
    """A masker that knows the subject's consumer and callback secrets."""
    return Masker(
        [subject.config.consumer_secret.get_secret_value(), subject.callback_secret or ""]
    )


async def _run_checks(
    subject: Subject, checks: Sequence[Check], seconds_per_check: float
) -> tuple[list[CheckResult], list[Finding]]:
    """Each check's result, each within `seconds_per_check` (the burst's check that long
    after its last call started), and the findings the checks noted."""
    noted: list[Finding] = []
    token = _NOTED.set(noted)
    try:
        results = []
        for check in checks:
            seconds = seconds_per_check
            if check.id == "performance" and subject.burst is not None:
                seconds += subject.burst.sending_seconds
            results.append(await run_check(check, subject, seconds=seconds))
    finally:
        _NOTED.reset(token)
    return results, noted


def _certification(
    subject: Subject,
    started_at: dt.datetime,
    results: Sequence[CheckResult],
    found: Sequence[Finding] = (),
    notes: Sequence[str] = (),
    *,
    policy: FindingPolicy,
    masker: Masker,
) -> Certification:
    # What a check saw is printed in every report as it is: a check names the sample's
    # citizen (a national ID) or quotes an agency's answer, so it is masked like evidence.
    return Certification(
        agency_code=subject.agency_code,
        connector=type(subject.connector).__qualname__,
        base_url=subject.config.base_url,
        started_at=started_at,
        results=tuple(replace(r, detail=masker.text(r.detail)) for r in results),
        # A finding's detail quotes what the agency sent (a status, a reason code): masked too.
        findings=merge_findings(replace(f, detail=masker.text(f.detail)) for f in found),
        policy=policy,
        connector_version=connector_version(type(subject.connector), subject.agency_code),
        notes=tuple(masker.text(note) for note in notes),
    )


@contextlib.asynccontextmanager
async def _recorded(
    subject: Subject,
    recorder: TrafficRecorder,
    receiver: CallbackReceiver | None,
    notes: list[str],
) -> AsyncIterator[Subject]:
    """The subject with its connector built again on `recorder` (and its variants too), its
    filings calling back `receiver`; the subject as it is when the connector cannot be built
    again (its traffic then goes unseen, and a note says so)."""
    callback_url = receiver.url_for(subject.agency_code) if receiver else subject.callback_url
    try:
        connector = subject.factory(subject.config, recorder)
    except Exception as exc:
        notes.append(
            f"the connector could not be built again to record its traffic "
            f"({type(exc).__name__}: {exc}): no findings from its exchanges"
        )
        yield replace(subject, callback_url=callback_url)
        return
    try:
        yield replace(subject, connector=connector, transport=recorder, callback_url=callback_url)
    finally:
        await connector.aclose()


def _expected_callbacks(exchanges: Sequence[Exchange]) -> dict[str, int]:
    """agency_ref → the latest seq the agency's answers showed, for each case that moved on
    after its filing (seq 2 or later): the callback the agency owes for it."""
    latest: dict[str, int] = {}
    for exchange in exchanges:
        if exchange.status is None or not 200 <= exchange.status < 300:
            continue
        try:
            body = json.loads(exchange.response_body)
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(body, dict):
            continue
        ref, seq = body.get("agency_ref"), body.get("seq")
        if isinstance(ref, str) and isinstance(seq, int) and not isinstance(seq, bool):
            latest[ref] = max(seq, latest.get(ref, 0))
    return {ref: seq for ref, seq in latest.items() if seq >= 2}


async def _callbacks(
    receiver: CallbackReceiver | None,
    exchanges: Sequence[Exchange],
    seconds: float,
    notes: list[str],
) -> list[ReceivedCallback]:
    """The callbacks received. When the agency sent any during the checks (or within
    FIRST_CALLBACK_SECONDS after), wait (up to `seconds`) for the latest one of each case that
    moved on; when it sent none, it sends none (or not to the callback_url): say so."""
    if receiver is None:
        return []
    expected = _expected_callbacks(exchanges)
    if expected and not receiver.received:  # a moment for one still on its way
        await receiver.wait_for(bool, seconds=FIRST_CALLBACK_SECONDS)
    if not receiver.received:
        if expected:
            notes.append(
                f"no callback arrived while {len(expected)} case(s) moved on: the agency sends "
                "none (or not to the filing's callback_url); callbacks not judged"
            )
        return []

    def arrived(received: list[ReceivedCallback]) -> bool:
        seen = {(c.payload().get("agency_ref"), c.payload().get("seq")) for c in received}
        return all((ref, seq) in seen for ref, seq in expected.items())

    if not await receiver.wait_for(arrived, seconds=seconds):
        notes.append(
            f"not every callback the cases' moves call for arrived within {seconds:g} s "
            f"({len(receiver.received)} received)"
        )
    return list(receiver.received)


class _Refusing(httpx.AsyncBaseTransport):
    """Answers every request 503: the TLS probe needs to know whether one was sent at all."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": "certification_probe"}, request=request)


async def probe_tls(subject: Subject) -> TlsProbe:
    """Build a copy of the connector configured for production (`require_tls`) with an
    http:// agency address and ask it for its health and the failure checks' call: refused
    when it would not build or sent nothing (nothing leaves this process: every request is
    answered 503 here)."""
    parts = urlsplit(subject.config.base_url)
    url = urlunsplit(("http", parts.netloc, parts.path, parts.query, parts.fragment))
    config = subject.config.model_copy(update={"base_url": url, "require_tls": True})
    recorder = TrafficRecorder(_Refusing())
    try:
        connector = subject.factory(config, recorder)  # a refusal is what the probe hopes for
    except Exception as exc:
        return TlsProbe(url, refused=True, how=f"would not be built: {type(exc).__name__}: {exc}")
    try:
        with contextlib.suppress(Exception):
            await connector.health()
        with contextlib.suppress(Exception):
            await _probe(replace(subject, connector=connector), connector)[1]()
    finally:
        with contextlib.suppress(Exception):
            await connector.aclose()
    sent = tuple(recorder.exchanges)
    if not sent:
        return TlsProbe(url, refused=True, how="was built but sent nothing")
    return TlsProbe(
        url,
        refused=False,
        how=f"sent {len(sent)} request(s) over plain HTTP (first: {sent[0].method} …"
        f"{urlsplit(sent[0].url).path})",
        sent=sent,
    )


def check_by_id(check_id: str) -> Check:
    for check in CHECKS:
        if check.id == check_id:
            return check
    raise KeyError(check_id)
