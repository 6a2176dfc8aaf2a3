"""The casework engine every API-kind mock agency shares: cases filed once per idempotency key,
routed to the right office, moved by staff or by the automatic rules, and reported to the
gateway by signed callbacks.

The engine is in memory and single-loop: every change happens between two awaits, so no
locking is needed. Its background worker (automatic rules, callback delivery) starts when there
is something to do, on the loop that asked, and ends when there is nothing left; `aclose()`
(and the app's lifespan, when the app runs on its own) stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from mock_agencies import grants
from mock_agencies.casework.agency import Agency
from mock_agencies.casework.callbacks import (
    CallbackOutbox,
    Delivery,
    LateTransport,
    RetryPolicy,
    callback_body,
    signed_headers,
)
from mock_agencies.casework.credentials import Gatekeeper
from mock_agencies.casework.documents import render_pdf
from mock_agencies.casework.errors import (
    AlreadyPaid,
    AmountMismatch,
    GatewayRefused,
    GatewayUnavailable,
    GatewayUnknown,
    IdempotencyConflict,
    IdempotencyKeyRequired,
    InvalidRequest,
    InvalidTransition,
    NotAwaitingPayment,
    NotCancellable,
    NotEligible,
    NotFound,
    ReferenceMismatch,
)
from mock_agencies.casework.model import (
    CLOSED,
    NEW,
    RESULT,
    Case,
    Event,
    Payment,
    StaffAction,
    Status,
    iso,
)
from mock_agencies.casework.provinces import province_code, province_of_address
from mock_agencies.casework.schemas import PaymentReport, Rules, StaffDecision, Submission

log = logging.getLogger("mock_agencies.casework")

MAX_IDEMPOTENCY_KEY = 200
#: Callbacks tried at once (one per case at most).
DELIVERY_CONCURRENCY = 32
AUTO_REJECT_REASON = "ไม่อนุมัติตามเกณฑ์ของหน่วยงาน / Not approved under the agency's criteria"
REFUND_REASON = "ไม่อาจออกเอกสารได้ คืนค่าธรรมเนียม / Cannot be issued; the fee is refunded"
#: Where a payment is taken without a status change, for a service whose fees are paid at
#: filing: any case still open, or decided in the citizen's favour.
PAYABLE_AT_FILING = frozenset(Status) - {Status.REJECTED, Status.CANCELLED}
CANCELLED_REASON = "ยกเลิกตามคำขอ / Cancelled on request"


@dataclass(frozen=True)
class _Replay:
    fingerprint: str
    answer: dict[str, Any]


@dataclass(frozen=True)
class IssuedDocument:
    document_id: str
    agency_ref: str
    title: str
    pdf: bytes


@dataclass
class GrantedDocument:
    """The e-document an approval granted (`data.document`), as this agency keeps it: its
    status is the agency's word on it, told to the gateway by `set_document_status`."""

    number: str
    agency_ref: str
    spec: dict[str, Any]
    status: str = "valid"
    changes: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "agency_ref": self.agency_ref,
            "status": self.status,
            "document": self.spec,
            "changes": self.changes,
        }


def _keyed_body(key: str | None, raw: bytes) -> tuple[str, Any]:
    """(the Idempotency-Key, the parsed JSON) of a request that must carry one."""
    if not key:
        raise IdempotencyKeyRequired("header Idempotency-Key is required")
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(f"Idempotency-Key is at most {MAX_IDEMPOTENCY_KEY} characters")
    try:
        return key, json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidRequest("request body must be a JSON object") from None


def _fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _origin(url: str | None) -> str | None:
    """`scheme://host[:port]` of `url` (the gateway behind a callback URL), or None."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _validation_errors(error: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": "/".join(str(part) for part in item["loc"]), "message": item["msg"]}
        for item in error.errors()
    ]


class Casework:
    def __init__(
        self,
        agency: Agency,
        *,
        consumers: Mapping[str, str],
        callback_secret: str,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        callback_transport: httpx.AsyncBaseTransport | None = None,
        send_callbacks: bool = True,
        retry: RetryPolicy | None = None,
        tick_seconds: float = 0.25,
        rules: Rules | None = None,
    ) -> None:
        self.agency = agency
        self.clock = clock
        self.wall_clock = wall_clock  # X-Timestamp: the gateway checks it against real time
        self.gatekeeper = Gatekeeper(consumers, clock)
        self.rules = rules or Rules()
        self.send_callbacks = send_callbacks
        self.outbox = CallbackOutbox(agency.code, callback_secret, retry or RetryPolicy())
        self.outbox.signed = self.rules.profile != "sloppy"
        # Wrapped: the worker's client closes its transport after each run, the caller's stays.
        self.callback_transport = (
            None if callback_transport is None else LateTransport(callback_transport)
        )
        self.tick_seconds = tick_seconds
        self.cases: dict[str, Case] = {}
        self.documents: dict[str, IssuedDocument] = {}
        self.granted: dict[str, GrantedDocument] = {}  # by document number
        self._open: dict[str, Case] = {}
        self._replays: dict[tuple[str, str], _Replay] = {}
        self._serial = 0
        self._worker: asyncio.Task[None] | None = None
        self._worker_loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC)

    # -- filing --------------------------------------------------------------------------

    def submit(self, consumer: str, key: str | None, raw: bytes) -> tuple[int, dict[str, Any]]:
        """(201, the answer) for a new filing; (200, the first answer) for its key again."""
        key, body = _keyed_body(key, raw)
        fingerprint = _fingerprint(body)
        replay = self._replays.get((consumer, key))
        if self.rules.profile == "sloppy":  # the key is ignored: a repeat files another case
            replay = None
        if replay is not None:
            if replay.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    "this Idempotency-Key was used with a different body",
                    agency_ref=replay.answer["agency_ref"],
                )
            return 200, replay.answer
        if not isinstance(body, dict):
            raise InvalidRequest("request body must be a JSON object")
        try:
            submission = Submission.model_validate(body)
        except ValidationError as error:
            raise InvalidRequest(
                "the filing is incomplete or malformed", errors=_validation_errors(error)
            ) from None
        self.agency.check_filing(submission)
        province = self._province(submission)
        unit, forwarded = self.agency.route(submission.unit_code, province)
        now = self.now()
        fees = self.agency.fees(submission, now)
        self._serial += 1
        case = Case(
            ref=f"{self.agency.code}-R-{self._serial:06d}",
            consumer_key=consumer,
            submission=submission,
            unit_code=unit,
            province_code=province,
            fees=fees,
            received_at=now,
        )
        if forwarded:
            case.record(
                Status.FORWARDED_WITHIN_AGENCY,
                now,
                {"unit_code": unit, "from_unit_code": submission.unit_code, "province": province},
            )
        else:
            case.record(Status.RECEIVED, now, {"unit_code": unit})
        self.cases[case.ref] = self._open[case.ref] = case
        answer = {
            "agency_ref": case.ref,
            "status": case.status.value,
            "received_at": iso(now),
            "seq": case.seq,
            "unit_code": unit,
            "fees": [fee.as_json() for fee in fees],
        }
        self._replays[consumer, key] = _Replay(fingerprint, answer)
        if self._rules_have_work():
            self.kick()
        return 201, answer

    @staticmethod
    def _province(submission: Submission) -> str | None:
        """The applicant's province: an explicit code first, else the registered address."""
        applicant = submission.applicant
        for candidate in (
            submission.province_code,
            applicant.province_code,
            submission.form.get("province_code"),
            submission.form.get("province"),
        ):
            if code := province_code(candidate):
                return code
        address = applicant.address_th or submission.form.get("registered_address")
        return province_of_address(address if isinstance(address, str) else None)

    def case_for(self, ref: str, consumer: str | None = None) -> Case:
        """The case `ref`; for a consumer, only one it filed itself."""
        case = self.cases.get(ref)
        if case is None or (consumer is not None and case.consumer_key != consumer):
            raise NotFound(f"no case {ref}")
        return case

    # -- changes ---------------------------------------------------------------------------

    def _change(self, case: Case, status: Status, data: dict[str, Any]) -> Event:
        event = case.record(status, self.now(), data)
        if status in CLOSED:
            self._open.pop(case.ref, None)
        url = case.submission.callback_url
        if self.send_callbacks and url:
            payload = {
                "agency_ref": case.ref,
                "application_number": case.submission.application_number,
                "application_id": case.submission.application_id,
                **event.as_json(),
            }
            self.outbox.add(
                Delivery(case.ref, event.seq, status.value, url, callback_body(payload))
            )
        if self.outbox.pending or self._rules_have_work():
            self.kick()
        return event

    def provide_info(
        self, ref: str, consumer: str, key: str | None, raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        """The applicant's answer to the case's request for information, passed on by the
        portal: the case goes back in review. (201, the answer); (200, the first answer) for
        the same key again."""
        key, body = _keyed_body(key, raw)
        if not isinstance(body, dict):
            raise InvalidRequest("request body must be a JSON object")
        case = self.case_for(ref, consumer)
        replay = self._replays.get((consumer, f"info:{key}"))
        if replay is not None:
            if replay.fingerprint != _fingerprint(body):
                raise IdempotencyConflict(
                    "this Idempotency-Key was used with a different answer", agency_ref=ref
                )
            return 200, replay.answer
        attachments = body.get("attachments", [])
        note = body.get("note")
        if (
            not isinstance(attachments, list)
            or not all(
                isinstance(a, dict) and isinstance(a.get("document"), str) for a in attachments
            )
            or not (note is None or isinstance(note, str))
        ):
            raise InvalidRequest("the answer is {note?: string, attachments: [{document, …}]}")
        if case.status is not Status.NEEDS_INFO:
            raise InvalidTransition(
                f"case {ref} is {case.status.value}, not waiting for information"
            )
        event = self._change(
            case,
            Status.IN_REVIEW,
            {"documents": [a["document"] for a in attachments], "note_given": bool(note)},
        )
        answer = {
            "agency_ref": case.ref,
            "status": case.status.value,
            "seq": event.seq,
            "at": iso(event.at),
        }
        self._replays[consumer, f"info:{key}"] = _Replay(_fingerprint(body), answer)
        return 201, answer

    def cancel(self, ref: str, consumer: str, reason: str | None = None) -> dict[str, Any]:
        case = self.case_for(ref, consumer)
        if case.status is not Status.CANCELLED:
            if case.status in CLOSED:
                raise NotCancellable(f"case {ref} is already {case.status.value}")
            self._change(case, Status.CANCELLED, {"reason": reason or CANCELLED_REASON})
        return {"agency_ref": case.ref, "status": case.status.value, "seq": case.seq}

    def act(self, ref: str, action: StaffAction, decision: StaffDecision | None = None) -> Case:
        """An officer's action on case `ref`."""
        decision = decision or StaffDecision()
        case = self.case_for(ref)
        if not case.allows(action):
            state = case.status.value
            if case.approved_awaiting_fee:
                state = "approved and waiting for its fee"
            elif case.paid and action is StaffAction.REQUEST_PAYMENT:
                state = "paid already"
            raise InvalidTransition(f"cannot {action.value} a case that is {state}")
        status, data = RESULT[action], {}
        if action is StaffAction.REQUEST_INFO:
            data = {"reason": decision.reason, "items": decision.item_list()}
        elif action is StaffAction.REQUEST_PAYMENT:
            data = self._fees_due(case, approved=False)
        elif action is StaffAction.APPROVE and self._fee_before_issuing(case):
            self.agency.check_approval(case, self.now())  # may raise NotEligible
            status, data = Status.AWAITING_PAYMENT, self._fees_due(case, approved=True)
        elif action is StaffAction.APPROVE:
            data = self._approve(case)
        elif action is StaffAction.REJECT:
            data = {"reason": decision.reason or AUTO_REJECT_REASON}
        elif decision.reason:
            data = {"reason": decision.reason}
        self._change(case, status, data)
        return case

    def _fee_before_issuing(self, case: Case) -> bool:
        """Whether approving `case` must wait for its fee (the portal's
        APPROVED_WAITING_PAY_FEE): a service paid for after approval, fees still unpaid."""
        return (
            self.rules.collect_fees
            and case.submission.service_id in self.agency.fees_after_approval
            and case.fees_satang > 0
            and not case.paid
        )

    @staticmethod
    def _fees_due(case: Case, *, approved: bool) -> dict[str, Any]:
        return {
            "fees": [fee.as_json() for fee in case.fees],
            "amount_satang": case.fees_satang,
            "approved": approved,
        }

    def _approve(self, case: Case) -> dict[str, Any]:
        now = self.now()
        effect = self.agency.approve(case, now)  # may raise NotEligible
        number = grants.document_number(self.agency.code, grants.bangkok_day(now), self.granted)
        spec = self.agency.issued_document(case, effect, now, number)
        if spec is not None:
            self.granted[spec["number"]] = GrantedDocument(spec["number"], case.ref, spec)
            case.document_number = spec["number"]
            effect = {**effect, "document": spec}
        document_id = f"{self.agency.code}-DOC-{len(self.documents) + 1:06d}"
        title = self.agency.document_title(case)
        lines = [
            f"Agency: {self.agency.name_en} ({self.agency.code})",
            f"Agency reference: {case.ref}",
            f"Application number: {case.submission.application_number}",
            f"Service: {case.submission.service_id}",
            f"Office: {case.unit_code}",
            f"Applicant ID: {case.submission.applicant.pid}",
            f"Decision: approved at {iso(now)}",
            f"Document: {document_id}",
            *([f"Document number: {case.document_number}"] if case.document_number else []),
            *(
                f"Fee paid: {payment.amount_satang / 100:,.2f} THB, "
                f"receipt {payment.receipt_number}"
                for payment in case.payments
            ),
            *self.agency.document_lines(case, effect),
        ]
        pdf = render_pdf(title, lines)
        self.documents[document_id] = IssuedDocument(document_id, case.ref, title, pdf)
        case.document_id = document_id
        return {
            **effect,
            "document_id": document_id,
            "document_path": f"/api/v1/documents/{document_id}",
            "document_media_type": "application/pdf",
            "document_sha256": hashlib.sha256(pdf).hexdigest(),
        }

    # -- payments ---------------------------------------------------------------------------

    def pay(
        self, ref: str, consumer: str, key: str | None, raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        """The gateway's word that the citizen paid case `ref`'s fees. (201, the answer);
        (200, the first answer) for the same key again. A case approved and waiting for its
        fee is issued (`approved`, the next seq); one the staff asked to pay goes back
        `in_review`; a case of a service paid at filing keeps its status."""
        key, body = _keyed_body(key, raw)
        if not isinstance(body, dict):
            raise InvalidRequest("request body must be a JSON object")
        case = self.case_for(ref, consumer)
        fingerprint = _fingerprint({"agency_ref": ref, **body})
        replay = self._replays.get((consumer, f"pay:{key}"))
        if replay is not None:
            if replay.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    "this Idempotency-Key was used with a different payment", agency_ref=ref
                )
            return 200, replay.answer
        report = self._payment_report(key, body)
        if report.reference != case.submission.application_number:
            raise ReferenceMismatch(
                f"the payment is for {report.reference}; case {ref} is application "
                f"{case.submission.application_number}"
            )
        if case.payments:
            first = case.payments[0]
            raise AlreadyPaid(
                f"case {ref} is already paid (receipt {first.receipt_number})",
                idempotency_key=first.idempotency_key,
                receipt_number=first.receipt_number,
            )
        self._check_payable(case)
        if report.amount_satang != case.fees_satang:
            raise AmountMismatch(
                f"case {ref} owes {case.fees_satang} satang, not {report.amount_satang}",
                due_satang=case.fees_satang,
            )
        payment = Payment(
            idempotency_key=key,
            reference=report.reference,
            payment_id=report.payment_id,
            receipt_number=report.receipt_number,
            amount_satang=report.amount_satang,
            fees=[fee.model_dump() for fee in report.fees],
            paid_at=report.paid_at,
            channel=report.channel,
            recorded_at=self.now(),
        )
        case.payments.append(payment)
        if case.status is Status.AWAITING_PAYMENT:
            self._after_payment(case, payment)
        answer = {
            "agency_ref": case.ref,
            "status": case.status.value,
            "seq": case.seq,
            "payment": payment.as_json(),
        }
        self._replays[consumer, f"pay:{key}"] = _Replay(fingerprint, answer)
        return 201, answer

    @staticmethod
    def _payment_report(key: str, body: dict[str, Any]) -> PaymentReport:
        try:
            report = PaymentReport.model_validate(body)
        except ValidationError as error:
            raise InvalidRequest(
                "the payment is incomplete or malformed", errors=_validation_errors(error)
            ) from None
        if report.idempotency_key not in (None, key):
            raise InvalidRequest("the body's idempotency_key differs from the Idempotency-Key")
        return report

    def _check_payable(self, case: Case) -> None:
        """Refuse a payment the case is not waiting for. A service paid for after approval
        takes it only in `awaiting_payment`; one paid at filing (RD's tax due) from filing on,
        unless the case was refused or withdrawn."""
        if case.status is Status.AWAITING_PAYMENT:
            return
        at_filing = case.submission.service_id not in self.agency.fees_after_approval
        if at_filing and case.status in PAYABLE_AT_FILING:
            return
        raise NotAwaitingPayment(f"case {case.ref} is {case.status.value}, not awaiting payment")

    def _after_payment(self, case: Case, payment: Payment) -> None:
        """Move a case that was waiting for its fee on: issue an approved one, hand one the
        staff asked to pay back to them (or the rules)."""
        paid = {"payment": payment.receipt()}
        if not case.approved_awaiting_fee:
            self._change(case, Status.IN_REVIEW, paid)
            return
        try:
            effect = self._approve(case)
        except NotEligible as refused:  # the records changed since approval: give it back
            reason = f"{refused.message} ({REFUND_REASON})"
            refund = {"reason": reason, "refund_satang": payment.amount_satang}
            self._change(case, Status.REJECTED, {**refund, **paid})
            return
        self._change(case, Status.APPROVED, {**effect, **paid})

    # -- the documents granted ---------------------------------------------------------------

    async def set_document_status(self, number: str, status: str, reason: str) -> dict[str, Any]:
        """Tell the gateway that granted document `number` is now `status` (revoked,
        suspended, or valid again), and record it here once the gateway has taken it: the
        gateway's answer `{"number", "status", "changed"}`. The gateway is the one the case's
        callbacks go to; the request is signed like a callback. Raises GatewayRefused with
        the gateway's status and problem code (404 document_not_found, 409
        document_status_final...) and GatewayUnavailable when it cannot be asked."""
        granted = self.granted.get(number)
        if granted is None:
            raise NotFound(f"{self.agency.code} granted no document {number}")
        case = self.cases[granted.agency_ref]
        origin = _origin(case.submission.callback_url)
        if origin is None:
            raise GatewayUnknown(
                f"case {case.ref} named no callback_url: the gateway to tell is not known"
            )
        code = self.agency.code
        at = iso(self.now())
        body = callback_body({"number": number, "status": status, "reason": reason, "at": at})
        headers = signed_headers(code, self.outbox.secret, body, int(self.wall_clock()))
        url = f"{origin}/v1/agency/document-status/{code}"
        async with httpx.AsyncClient(
            transport=self.callback_transport, timeout=httpx.Timeout(10.0)
        ) as client:
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as error:
                raise GatewayUnavailable(
                    f"the gateway at {origin} cannot be reached: {type(error).__name__}: {error}"
                ) from None
        answer = _json_or_none(response)
        if response.is_success and isinstance(answer, dict):
            granted.status = status
            granted.changes.append({"status": status, "reason": reason, "at": at})
            return answer
        problem = answer if isinstance(answer, dict) else {}
        detail = problem.get("detail") or problem.get("message") or response.text[:300]
        if response.status_code >= 500 or response.is_success:
            raise GatewayUnavailable(
                f"the gateway answered {response.status_code}: {detail}",
                gateway_status=response.status_code,
            )
        gateway_code = problem.get("code") or problem.get("error")
        raise GatewayRefused(
            f"the gateway refused: {detail}",
            status=response.status_code,
            gateway_status=response.status_code,
            gateway_code=gateway_code if isinstance(gateway_code, str) else None,
        )

    def document_for(self, document_id: str, consumer: str) -> IssuedDocument:
        document = self.documents.get(document_id)
        if document is None or self.cases[document.agency_ref].consumer_key != consumer:
            raise NotFound(f"no document {document_id}")
        return document

    # -- the automatic officer ---------------------------------------------------------------

    def set_rules(self, rules: Rules) -> Rules:
        self.rules = rules
        self.outbox.signed = rules.profile != "sloppy"
        if self._rules_have_work():
            self.kick()
        return rules

    def _rules_have_work(self) -> bool:
        rules = self.rules
        if not rules.auto_accept and rules.auto_decide_after_seconds is None:
            return False
        return any(
            (rules.auto_accept and case.status in NEW)
            or (rules.auto_decide_after_seconds is not None and case.status is Status.IN_REVIEW)
            for case in self._open.values()
        )

    def apply_rules(self) -> int:
        """Take the actions the rules call for now; the number of changes made."""
        rules, changes = self.rules, 0
        for case in list(self._open.values()):
            if rules.auto_accept and case.status in NEW:
                self.act(case.ref, StaffAction.ACCEPT)
                changes += 1
            wait = rules.auto_decide_after_seconds
            if (
                wait is not None
                and case.status is Status.IN_REVIEW
                and self.clock() - case.updated_at.timestamp() >= wait
            ):
                self._decide(case, rules.decision)
                changes += 1
        return changes

    def _decide(self, case: Case, decision: str) -> None:
        if decision == "approve":
            try:
                self.act(case.ref, StaffAction.APPROVE)
            except NotEligible as refused:
                self.act(case.ref, StaffAction.REJECT, StaffDecision(reason=refused.message))
        else:
            self.act(case.ref, StaffAction.REJECT)

    # -- the background worker ---------------------------------------------------------------

    def kick(self) -> None:
        """Make sure the worker runs (started on the running loop when it is not)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): the next request starts it
            return
        if self._worker is None or self._worker_loop is not loop:
            self._wake = asyncio.Event()
            self._worker_loop = loop
            self._worker = loop.create_task(self._run(), name=f"casework-{self.agency.code}")
        assert self._wake is not None
        self._wake.set()

    def _has_work(self) -> bool:
        return self.outbox.pending or self._rules_have_work()

    async def _run(self) -> None:
        me = asyncio.current_task()
        wake = self._wake
        assert wake is not None
        async with httpx.AsyncClient(
            transport=self.callback_transport, timeout=httpx.Timeout(10.0)
        ) as client:
            while self._worker is me:  # aclose() or a newer worker on another loop: stop
                wake.clear()
                try:
                    self.apply_rules()
                except Exception:  # a broken rule must not stop callbacks
                    log.exception("automatic rules failed")
                due = self.outbox.due(self.clock())[:DELIVERY_CONCURRENCY]
                if due:
                    await asyncio.gather(
                        *(
                            self.outbox.attempt(client, delivery, self.clock, self.wall_clock)
                            for delivery in due
                        )
                    )
                if not self._has_work():
                    if self._worker is me:  # decided with no await in between: a kick now
                        self._worker = None  # starts a fresh worker
                    return
                if due and self.outbox.due(self.clock()):
                    continue
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
                # that arrives as the wake-up does.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.tick_seconds):
                        await wake.wait()

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    async def aclose(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None or worker.done():
            return
        worker.cancel()
        if worker.get_loop() is asyncio.get_running_loop():
            with contextlib.suppress(asyncio.CancelledError):
                await worker
