"""Certification (`connectors.certification`, `citizen-gateway certify`): what an agency team
sees when it certifies its connector against the mock agencies.

The checks run against the mock agencies in-process (httpx.ASGITransport); the command runs
against a mock agencies host served by uvicorn on a free loopback port in a thread, stopped at
the end of the module.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import secrets
import socket
import sys
import threading
import time
import types
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from pydantic import SecretStr
from support import free_port

from connectors import (
    AgencyEvent,
    AgencyRejected,
    AgencyUnavailable,
    Bill,
    Cancels,
    Connector,
    ConnectorConfig,
    Health,
    InformationAnswer,
    PaymentNotice,
    ProvidesOnceOnlyData,
    ReceivesInformation,
    ReceivesPayments,
    StatusReport,
    Submission,
    SubmitResult,
)
from connectors.api import pea as pea_connector
from connectors.api import pwa as pwa_connector
from connectors.api.dlt import DltConnector
from connectors.api.pea import PeaConnector
from connectors.api.pwa import PwaConnector
from connectors.certification import (
    CHECKS,
    DEFAULT_JUNIT_PATH,
    DEMO_APPLICANT,
    Burst,
    Certification,
    FaultKnobs,
    Outcome,
    Sample,
    SampleError,
    Severity,
    StaffBackOffice,
    Subject,
    builtin_sample,
    builtin_sample_codes,
    certify,
    check_by_id,
    junit_xml,
    load_sample,
    parse_sample,
    registered_connector,
    run_check,
    summary,
    text_report,
)
from connectors.registry import GROUP
from gateway.cli import main as cli
from mock_agencies.app import create_app as create_host
from mock_agencies.dlt import app as dlt
from mock_agencies.pea import app as pea
from mock_agencies.pwa import app as pwa
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

MOCKS = {"DLT": dlt, "SSO": sso, "RD": rd, "PEA": pea}  # casework agencies; PWA bills only
BILL_CHECKS = {"bills", "bill-paid"}
SMALL_BURST = Burst(count=3, rate_per_second=50)
KEY, SECRET, CALLBACK = "certify-test", "certify-test-secret-0123456789abc", "callbacks-off"
CHECK_IDS = [check.id for check in CHECKS]

Factory = Callable[[ConnectorConfig, httpx.AsyncBaseTransport | None], Connector]


def config(code: str, base: str = "http://agencies.test") -> ConnectorConfig:
    return ConnectorConfig(
        agency_code=code,
        base_url=f"{base}/{code.lower()}",
        consumer_key=KEY,
        consumer_secret=SecretStr(SECRET),
        agent_id="3100100000014",
    )


@contextlib.asynccontextmanager
async def against_mock(
    code: str,
    factory: Factory | None = None,
    *,
    sample: Sample | None = None,
    hooks: bool = True,
    burst: Burst | None = SMALL_BURST,
) -> AsyncIterator[Subject]:
    """A subject for `code`'s mock agency in-process: its registered connector, or one from
    `factory`; with the host's fault knobs and the mock's staff unless `hooks` is false, and a
    small burst for the performance check."""
    if code == "PWA":
        agency = pwa.create_app(consumers={KEY: SECRET})
    else:
        agency = MOCKS[code].create_app(
            consumers={KEY: SECRET}, callback_secret=CALLBACK, send_callbacks=False
        )
    transport = httpx.ASGITransport(app=create_host({code: agency}, seed=1, device_app=None))
    settings = config(code)
    if factory is None:
        connector, factory = registered_connector(settings, transport=transport)
    else:
        connector = factory(settings, transport)
    chosen = sample or builtin_sample(code)
    assert chosen is not None
    try:
        yield Subject(
            connector,
            settings,
            factory,
            chosen,
            transport=transport,
            outages=FaultKnobs("http://agencies.test/faults", transport) if hooks else None,
            back_office=StaffBackOffice(settings.base_url, transport) if hooks else None,
            burst=burst,
        )
    finally:
        await connector.aclose()
        if (casework := getattr(agency.state, "casework", None)) is not None:
            await casework.aclose()


def outcomes(run: Certification) -> dict[str, Outcome]:
    return {result.check_id: result.outcome for result in run.results}


def failing(run: Certification) -> set[str]:
    """The checks that failed or could not be carried out (not the skipped ones)."""
    return {check for check, outcome in outcomes(run).items() if outcome in FAILING}


FAILING = (Outcome.FAIL, Outcome.ERROR)


# -- connectors that get something wrong -------------------------------------------------------


class ForgetfulDlt(DltConnector):
    """Sends each call with a fresh idempotency key: a repeated filing becomes a second case."""

    async def submit(self, submission: Submission) -> SubmitResult:
        fresh = f"{submission.idempotency_key}-{secrets.token_hex(3)}"
        return await super().submit(replace(submission, idempotency_key=fresh))


class OutageAsRefusalDlt(DltConnector):
    """Tells the citizen "refused" when the agency is merely down."""

    async def submit(self, submission: Submission) -> SubmitResult:
        try:
            return await super().submit(submission)
        except AgencyUnavailable as exc:
            raise AgencyRejected(self.agency_code, f"refused: {exc.message}", code="down") from exc


class LeakyDlt(DltConnector):
    """Lets the HTTP library's own exception escape when the agency cannot be reached."""

    async def submit(self, submission: Submission) -> SubmitResult:
        try:
            return await super().submit(submission)
        except AgencyUnavailable as exc:
            if isinstance(exc.__cause__, httpx.HTTPError):
                raise exc.__cause__ from None
            raise


class ForgetfulAnswersDlt(DltConnector):
    """Sends each answer to a request for information with a fresh idempotency key: an answer
    repeated after a lost reply is a second answer."""

    async def provide_info(self, agency_ref: str, answer: InformationAnswer) -> AgencyEvent:
        fresh = f"{answer.idempotency_key}-{secrets.token_hex(3)}"
        return await super().provide_info(agency_ref, replace(answer, idempotency_key=fresh))


class RecountingDlt(DltConnector):
    """Answers a repeated answer with a new event, as if the agency had recorded it again."""

    def __init__(self, cfg: ConnectorConfig, transport: httpx.AsyncBaseTransport | None) -> None:
        super().__init__(cfg, transport)
        self._sent: set[str] = set()

    async def provide_info(self, agency_ref: str, answer: InformationAnswer) -> AgencyEvent:
        event = await super().provide_info(agency_ref, answer)
        if answer.idempotency_key in self._sent:
            return replace(event, seq=event.seq + 1)
        self._sent.add(answer.idempotency_key)
        return event


class CrashingOnRefusalDlt(DltConnector):
    """Reads the agency's refusal of an answer as if it were an event: a KeyError escapes."""

    async def provide_info(self, agency_ref: str, answer: InformationAnswer) -> AgencyEvent:
        try:
            return await super().provide_info(agency_ref, answer)
        except AgencyRejected:
            refusal: dict[str, Any] = {"error": "invalid_transition"}
            return AgencyEvent(
                seq=refusal["seq"], at=refusal["at"], status=refusal["status"], data={}
            )


class RefusalAsOutageDlt(DltConnector):
    """Calls the agency's refusal of an answer an outage: the gateway would retry it forever."""

    async def provide_info(self, agency_ref: str, answer: InformationAnswer) -> AgencyEvent:
        try:
            return await super().provide_info(agency_ref, answer)
        except AgencyRejected as exc:
            raise AgencyUnavailable(self.agency_code, f"try again: {exc.message}") from exc


class ForgetfulPaymentsDlt(DltConnector):
    """Sends each payment with a fresh idempotency key: a payment repeated after a lost reply
    is a second payment."""

    async def payment_received(self, agency_ref: str, notice: PaymentNotice) -> None:
        fresh = f"{notice.idempotency_key}-{secrets.token_hex(3)}"
        await super().payment_received(agency_ref, replace(notice, idempotency_key=fresh))


class RefusalSwallowingDlt(DltConnector):
    """Tells the gateway every payment went through, even one the agency refused."""

    async def payment_received(self, agency_ref: str, notice: PaymentNotice) -> None:
        with contextlib.suppress(AgencyRejected):
            await super().payment_received(agency_ref, notice)


class PaymentRefusalAsOutageDlt(DltConnector):
    """Calls a refused payment an outage: the gateway would pay it again forever."""

    async def payment_received(self, agency_ref: str, notice: PaymentNotice) -> None:
        try:
            await super().payment_received(agency_ref, notice)
        except AgencyRejected as exc:
            raise AgencyUnavailable(self.agency_code, f"try again: {exc.message}") from exc


class LosingPaymentsDlt(DltConnector):
    """Passes on the first payment it is given and silently loses every later one."""

    def __init__(self, cfg: ConnectorConfig, transport: httpx.AsyncBaseTransport | None) -> None:
        super().__init__(cfg, transport)
        self._calls = 0

    async def payment_received(self, agency_ref: str, notice: PaymentNotice) -> None:
        self._calls += 1
        if self._calls == 1:
            await super().payment_received(agency_ref, notice)


class PlainDlt:
    """Only the four methods every connector has: no cancel, no once-only data."""

    def __init__(
        self, cfg: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.agency_code = cfg.agency_code
        self._inner = DltConnector(cfg, transport)

    async def submit(self, submission: Submission) -> SubmitResult:
        return await self._inner.submit(submission)

    async def status(self, agency_ref: str) -> StatusReport:
        return await self._inner.status(agency_ref)

    async def health(self) -> Health:
        return await self._inner.health()

    async def aclose(self) -> None:
        await self._inner.aclose()


# -- the checks against the mock agencies ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "not_offered"), [("DLT", BILL_CHECKS), ("SSO", BILL_CHECKS), ("RD", set())]
)
async def test_the_seed_agencies_connectors_pass_every_check(
    code: str, not_offered: set[str]
) -> None:
    async with against_mock(code) as subject:
        run = await certify(subject)
    # SSO charges nothing: its sample owes no fee, so there is no payment to try.
    skipping = not_offered | ({"payment"} if code == "SSO" else set())
    assert outcomes(run) == {
        check: Outcome.SKIP if check in skipping else Outcome.PASS for check in CHECK_IDS
    }, text_report(run)
    assert run.certified
    assert run.agency_code == code
    passed, skipped = len(CHECKS) - len(skipping), len(skipping)
    assert summary(run) == (
        f"{code}: {passed} passed, 0 failed, 0 errors, {skipped} skipped, 2 findings "
        "(0 blocking): CERTIFIED"
    )
    # A pass says what it saw: the case filed once under a key, the staff's move, the outage.
    assert "filed one case" in run.result("idempotent-submit").detail
    assert "in_review" in run.result("status-events").detail
    assert "503" in run.result("outage").detail
    burst = run.result("performance").detail
    assert burst.startswith("3 submit calls at 50/s: p50 ")
    assert "errors 0/3 (0.0%)" in burst
    # What the traffic shows of every seed agency (neither blocks): the officer's and the
    # citizen's national IDs in URLs, a local test agency over plain HTTP.
    assert {f.finding_id: f.severity for f in run.findings} == {
        "personal-data-in-url": Severity.MEDIUM,
        "plain-http": Severity.INFO,
    }
    info = run.result("provide-info").detail
    assert "the answer → in_review" in info
    assert "the same key again" in info
    assert "no new event" in info
    assert "AgencyRejected (invalid_transition: " in info
    paid = run.result("payment").detail
    if code == "SSO":
        assert "owes no fee" in paid
        return
    assert "the fee asked (seq 3)" in paid
    assert "AgencyRejected (amount_mismatch: " in paid
    assert "paid → in_review seq 4" in paid  # asked by the staff: back to them once paid
    assert "the same payment again → no new event" in paid
    assert "another payment → AgencyRejected (already_paid: " in paid


async def test_without_fault_knobs_the_outage_is_skipped_and_says_how_to_run_it() -> None:
    async with against_mock("DLT", hooks=False) as subject:
        run = await certify(subject)
    outage = run.result("outage")
    assert outage.outcome is Outcome.SKIP
    assert "--faults-url" in outage.detail
    # No staff to ask for information: the answer to it cannot be tried.
    info = run.result("provide-info")
    assert info.outcome is Outcome.SKIP
    assert "--staff-url" in info.detail
    assert "needs_info" in info.detail
    paid = run.result("payment")
    assert paid.outcome is Outcome.SKIP
    assert "--staff-url" in paid.detail
    # A dead address is still tried, with no hook at all.
    assert run.result("unreachable").outcome is Outcome.PASS
    assert run.certified  # skips are allowed


async def test_a_connector_that_files_twice_fails_the_idempotency_check() -> None:
    async with against_mock("DLT", lambda cfg, t=None: ForgetfulDlt(cfg, t)) as subject:
        run = await certify(subject)
    assert not run.certified
    assert failing(run) == {"idempotent-submit"}
    detail = run.result("idempotent-submit").detail
    assert "sent twice filed two cases" in detail
    assert "DLT-R-000001" in detail
    assert "DLT-R-000002" in detail
    assert "NOT CERTIFIED" in summary(run)
    assert "FAIL   idempotent-submit" in text_report(run)


async def test_a_connector_that_calls_an_outage_a_refusal_fails_the_outage_checks() -> None:
    async with against_mock("DLT", lambda cfg, t=None: OutageAsRefusalDlt(cfg, t)) as subject:
        run = await certify(subject)
    assert failing(run) == {"outage", "unreachable"}
    assert run.result("outage").outcome is Outcome.FAIL
    assert run.result("outage").detail.startswith(
        "submit during an outage raised AgencyRejected (refused: agency answered 503); "
        "expected AgencyUnavailable"
    )
    async with against_mock("DLT") as subject:  # the knobs were put back: the agency is up
        assert (await subject.connector.health()).ok


async def test_an_exception_outside_the_error_tree_is_a_failure_naming_where() -> None:
    async with against_mock("DLT", lambda cfg, t=None: LeakyDlt(cfg, t)) as subject:
        run = await certify(subject)
    unreachable = run.result("unreachable")
    assert unreachable.outcome is Outcome.FAIL
    assert unreachable.detail.startswith("raised ConnectError")
    assert "a connector raises only the errors of connectors.errors" in unreachable.detail
    assert "(from casework.py:" in unreachable.detail  # the connector's code that let it out


async def test_optional_capabilities_it_lacks_are_skipped_not_failed() -> None:
    async with against_mock("DLT", lambda cfg, t=None: PlainDlt(cfg, t)) as subject:
        assert not isinstance(
            subject.connector,
            Cancels | ProvidesOnceOnlyData | ReceivesInformation | ReceivesPayments,
        )
        run = await certify(subject)
    skipped = {check for check, outcome in outcomes(run).items() if outcome is Outcome.SKIP}
    assert (
        skipped
        == {
            "cancel",
            "provide-info",
            "payment",
            "once-only",
            "once-only-unknown-kind",
            "citizen-data",
        }
        | BILL_CHECKS
    )
    assert "does not implement Cancels" in run.result("cancel").detail
    assert "does not implement ReceivesInformation" in run.result("provide-info").detail
    assert "does not implement ReceivesPayments" in run.result("payment").detail
    assert run.certified


async def test_an_agency_that_is_down_makes_checks_err_not_pass() -> None:
    async with (
        against_mock("DLT") as subject,
        httpx.AsyncClient(transport=subject.transport, base_url="http://agencies.test") as knobs,
    ):
        r = await knobs.put("/faults/DLT", json={"outage": True})
        assert r.status_code == 200
        run = await certify(subject, [c for c in CHECKS if c.id != "outage"])
    assert not run.certified
    assert run.result("health").outcome is Outcome.FAIL
    assert "503" in run.result("health").detail
    idempotent = run.result("idempotent-submit")
    assert idempotent.outcome is Outcome.ERROR
    assert idempotent.detail.startswith("the agency could not be asked: AgencyUnavailable")
    # Wrong credentials cannot be told from an outage: unknown, not a failure of the connector.
    credentials = run.result("wrong-credentials")
    assert credentials.outcome is Outcome.ERROR
    assert "could not be judged: the agency was unavailable" in credentials.detail


async def test_a_sample_without_the_once_only_kind_errs_saying_what_to_add() -> None:
    sample = builtin_sample("DLT")
    assert sample is not None
    async with against_mock("DLT", sample=replace(sample, once_only_kind=None)) as subject:
        run = await certify(subject)
    once_only = run.result("once-only")
    assert once_only.outcome is Outcome.ERROR
    assert "the sample names no kind" in once_only.detail
    assert '"once_only"' in once_only.detail


# -- provide-info: the answer to a request for information -------------------------------------

PROVIDE_INFO = check_by_id("provide-info")


async def test_a_connector_that_sends_an_answer_again_under_a_new_key_fails_provide_info() -> None:
    async with against_mock("DLT", lambda cfg, t=None: ForgetfulAnswersDlt(cfg, t)) as subject:
        run = await certify(subject)
    assert failing(run) == {"provide-info"}
    detail = run.result("provide-info").detail
    assert detail.startswith("the same idempotency key 'certify-info-")
    assert "sent again raised AgencyRejected (case DLT-R-000" in detail
    assert "is in_review, not waiting for information)" in detail
    assert "expected the first answer's event (seq 4)" in detail
    assert "the agency must record the answer once" in detail
    assert "FAIL   provide-info" in text_report(run)


async def test_a_connector_that_answers_a_repeated_answer_with_a_new_event_fails() -> None:
    async with against_mock("DLT", lambda cfg, t=None: RecountingDlt(cfg, t)) as subject:
        result = await run_check(PROVIDE_INFO, subject)
    assert result.outcome is Outcome.FAIL
    assert "sent twice answered seq 4 (in_review), then seq 5 (in_review)" in result.detail
    assert "the answer was recorded twice" in result.detail


async def test_an_exception_escaping_provide_info_is_a_failure_naming_where() -> None:
    async with against_mock("DLT", lambda cfg, t=None: CrashingOnRefusalDlt(cfg, t)) as subject:
        result = await run_check(PROVIDE_INFO, subject)
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith("raised KeyError: 'seq' (from test_certification.py:")
    assert "in provide_info)" in result.detail
    assert "a connector raises only the errors of connectors.errors" in result.detail


async def test_a_refused_answer_reported_as_an_outage_fails_while_the_agency_is_up() -> None:
    async with against_mock("DLT", lambda cfg, t=None: RefusalAsOutageDlt(cfg, t)) as subject:
        result = await run_check(PROVIDE_INFO, subject)
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith("an answer (a new key) to DLT-R-000001, which is in_review,")
    assert "raised AgencyUnavailable (try again: " in result.detail
    assert "though the agency is up; expected AgencyRejected" in result.detail


async def test_provide_info_needs_a_case_in_needs_info_and_errs_when_the_staff_cannot_ask() -> None:
    async with against_mock("DLT") as subject:
        staff = StaffBackOffice("http://agencies.test/no-such-agency", subject.transport)
        result = await run_check(PROVIDE_INFO, replace(subject, back_office=staff))
    assert result.outcome is Outcome.ERROR
    assert "POST http://agencies.test/no-such-agency/staff/applications/" in result.detail
    assert "/accept answered 404" in result.detail


# -- payment: the citizen paid the fee ---------------------------------------------------------

PAYMENT = check_by_id("payment")


async def test_a_connector_that_sends_a_payment_again_under_a_new_key_fails_payment() -> None:
    async with against_mock("DLT", lambda cfg, t=None: ForgetfulPaymentsDlt(cfg, t)) as subject:
        run = await certify(subject)
    failed = {check for check, outcome in outcomes(run).items() if outcome is Outcome.FAIL}
    assert failed == {"payment"}
    detail = run.result("payment").detail
    assert detail.startswith("the same payment (idempotency key 'certify-pay-")
    assert "sent again raised AgencyRejected (case DLT-R-" in detail
    assert "the agency must record the payment once" in detail


async def test_a_connector_that_hides_a_refused_payment_fails() -> None:
    async with against_mock("DLT", lambda cfg, t=None: RefusalSwallowingDlt(cfg, t)) as subject:
        result = await run_check(PAYMENT, subject)
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith("a payment of 50600 satang for DLT-R-000001, which owes 50500,")
    assert result.detail.endswith("answered None; expected AgencyRejected")


async def test_a_refused_payment_reported_as_an_outage_fails_while_the_agency_is_up() -> None:
    factory = lambda cfg, t=None: PaymentRefusalAsOutageDlt(cfg, t)  # noqa: E731
    async with against_mock("DLT", factory) as subject:
        result = await run_check(PAYMENT, subject)
    assert result.outcome is Outcome.FAIL
    assert "raised AgencyUnavailable (try again: case DLT-R-000001 owes 50500 satang" in (
        result.detail
    )
    assert "though the agency is up; expected AgencyRejected" in result.detail


async def test_a_connector_that_loses_the_payment_fails() -> None:
    async with against_mock("DLT", lambda cfg, t=None: LosingPaymentsDlt(cfg, t)) as subject:
        result = await run_check(PAYMENT, subject)
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith(
        "after the fee was paid, status('DLT-R-000001') has events "
        "1:received 2:in_review 3:awaiting_payment; expected the case to move on"
    )


async def test_payment_needs_a_case_awaiting_payment_and_errs_when_the_staff_cannot_ask() -> None:
    async with against_mock("DLT") as subject:
        staff = StaffBackOffice("http://agencies.test/no-such-agency", subject.transport)
        result = await run_check(PAYMENT, replace(subject, back_office=staff))
    assert result.outcome is Outcome.ERROR
    assert "/accept answered 404" in result.detail


# -- bills: a biller's listing and the payments it takes ---------------------------------------


class ForgetfulPea(PeaConnector):
    """Sends each payment notice under a fresh idempotency key: a notice repeated after a lost
    answer is a second payment, which the biller refuses."""

    async def bill_paid(self, bill_id: str, notice: PaymentNotice) -> None:
        fresh = f"{notice.idempotency_key}-{secrets.token_hex(3)}"
        await super().bill_paid(bill_id, replace(notice, idempotency_key=fresh))


class LowerCasePwa(PwaConnector):
    """Hands on bill numbers in lower case: not a Ref1 the portal can put on a QR."""

    async def bills(self, pid: str) -> list[Bill]:
        return [replace(bill, bill_id=bill.bill_id.lower()) for bill in await super().bills(pid)]


class HopefulPwa(PwaConnector):
    """Takes the biller's refusal of a payment for a success."""

    async def bill_paid(self, bill_id: str, notice: PaymentNotice) -> None:
        with contextlib.suppress(AgencyRejected):
            await super().bill_paid(bill_id, notice)


@pytest.mark.parametrize(
    ("code", "create", "not_offered"),
    [
        (
            "PEA",
            pea_connector.create,
            {"payment", "once-only", "once-only-unknown-kind", "citizen-data"},
        ),
        (
            "PWA",
            pwa_connector.create,
            {
                "idempotent-submit",
                "status-events",
                "cancel",
                "provide-info",
                "payment",
                "once-only",
                "once-only-unknown-kind",
                "citizen-data",
            },
        ),
    ],
)
async def test_the_billers_connectors_pass_what_they_offer(
    code: str, create: Factory, not_offered: set[str]
) -> None:
    async with against_mock(code, create) as subject:
        run = await certify(subject)
    assert outcomes(run) == {
        check: Outcome.SKIP if check in not_offered else Outcome.PASS for check in CHECK_IDS
    }, text_report(run)
    assert run.certified
    listed = run.result("bills").detail
    # the citizen named as the report shows every national ID: masked
    assert listed.startswith("2 open for 1-1001-xxxxx-xx-4: " if code == "PWA" else "1 open for ")
    paid = run.result("bill-paid").detail
    assert "1 THB more → AgencyRejected (amount_mismatch)" in paid
    assert "the same key again → no error, no longer listed" in paid
    assert "another key → AgencyRejected (already_paid)" in paid
    assert "never issued → AgencyRejected (bill_not_found)" in paid
    if code == "PWA":  # no filing: the failure checks list bills instead
        assert run.result("wrong-credentials").detail.startswith("bills: AgencyMisconfigured")
        assert run.result("outage").detail.startswith(
            "bills: AgencyUnavailable (agency answered 503)"
        )
        assert "files no application" in run.result("status-events").detail
        assert run.result("performance").detail.startswith("3 bills calls at 50/s: p50 ")


async def test_a_biller_that_sends_a_payment_again_under_a_new_key_fails_bill_paid() -> None:
    async with against_mock("PEA", lambda cfg, t=None: ForgetfulPea(cfg, t)) as subject:
        run = await certify(subject)
    assert failing(run) == {"bill-paid"}
    detail = run.result("bill-paid").detail
    assert detail.startswith("the same idempotency key 'certify-bill-")
    assert "sent again was refused (already_paid: " in detail
    assert "the biller must take the payment once" in detail


async def test_bill_numbers_that_are_not_a_ref1_fail_the_bill_checks() -> None:
    async with against_mock("PWA", lambda cfg, t=None: LowerCasePwa(cfg, t)) as subject:
        run = await certify(subject)
    assert failing(run) == {"bills", "bill-paid"}
    assert run.result("bills").detail.startswith("bill number 'pwa")
    assert "is not a Ref1 (1 to 20 upper-case letters and digits)" in run.result("bills").detail


async def test_a_biller_that_hides_a_refused_payment_fails_bill_paid() -> None:
    async with against_mock("PWA", lambda cfg, t=None: HopefulPwa(cfg, t)) as subject:
        result = await run_check(check_by_id("bill-paid"), subject)
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith("paying bill PWA")
    assert "1 THB more answered None; expected AgencyRejected" in result.detail


async def test_a_sample_citizen_without_a_bill_lists_none_and_cannot_pay() -> None:
    sample = builtin_sample("RD")
    assert sample is not None
    assert sample.bills_pid == "3340100007076"  # demo citizen 7 owes tax
    nobody = replace(sample, bills_of=None)  # demo citizen 1: a refund, no tax bill
    async with against_mock("RD", sample=nobody) as subject:
        listed = await run_check(check_by_id("bills"), subject)
        paid = await run_check(check_by_id("bill-paid"), subject)
    assert listed.outcome is Outcome.PASS
    assert listed.detail == "no open bill for 1100100001014 (a valid answer)"
    assert paid.outcome is Outcome.ERROR
    assert paid.detail.startswith("1100100001014 has no open bill to pay")
    assert '("bills": {"pid": …})' in paid.detail


# -- JUnit XML ---------------------------------------------------------------------------------


async def test_junit_xml_has_a_suite_per_agency_and_a_case_per_check() -> None:
    async with against_mock("DLT", lambda cfg, t=None: ForgetfulDlt(cfg, t), hooks=False) as s:
        dlt_run = await certify(s)
    async with against_mock("SSO") as subject:
        sso_run = await certify(subject)

    root = ET.fromstring(junit_xml([dlt_run, sso_run]))  # noqa: S314 - our own output

    n = len(CHECKS)
    assert root.tag == "testsuites"
    assert dlt_run.finding_ids() == sso_run.finding_ids() == {"personal-data-in-url", "plain-http"}
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        str(2 * n + 4),  # and a case per finding (none blocks: none fails)
        "1",
        "0",
        "8",  # DLT without hooks: outage, provide-info, payment; SSO: payment (no fee); and
        # the bill checks of both (neither sends bills)
    )
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"DLT", "SSO"}
    dlt_suite = suites["DLT"]
    assert (dlt_suite.get("tests"), dlt_suite.get("failures"), dlt_suite.get("skipped")) == (
        str(n + 2),  # the checks and the 2 findings
        "1",
        "5",
    )
    by_class: dict[str | None, list[ET.Element]] = {}
    for case in dlt_suite.findall("testcase"):
        by_class.setdefault(case.get("classname"), []).append(case)
    assert set(by_class) == {"certify.DLT", "certify.DLT.findings"}
    assert len(by_class["certify.DLT.findings"]) == 2
    cases = {case.get("name"): case for case in by_class["certify.DLT"]}
    assert list(cases) == CHECK_IDS
    failure = cases["idempotent-submit"].find("failure")
    assert failure is not None
    assert "filed two cases" in (failure.get("message") or "")
    skipped = cases["outage"].find("skipped")
    assert skipped is not None
    assert "--faults-url" in (skipped.get("message") or "")
    skipped = cases["provide-info"].find("skipped")
    assert skipped is not None
    assert "--staff-url" in (skipped.get("message") or "")
    assert cases["health"].find("failure") is None
    assert cases["health"].find("skipped") is None
    sso_suite = suites["SSO"]
    assert (sso_suite.get("failures"), sso_suite.get("errors"), sso_suite.get("skipped")) == (
        "0",
        "0",
        "3",  # no fee; DLT and SSO send no bills
    )
    skipped = {c.get("name"): c for c in sso_suite.findall("testcase")}["payment"].find("skipped")
    assert skipped is not None
    assert "owes no fee" in (skipped.get("message") or "")


# -- sample filings ----------------------------------------------------------------------------


def test_the_seed_agencies_have_built_in_samples() -> None:
    assert {"DLT", "SSO", "RD", "PEA", "PWA"} <= set(builtin_sample_codes())
    rd_sample = builtin_sample("rd")
    assert rd_sample is not None
    assert rd_sample.once_only_kind == "withholding"
    assert rd_sample.once_only_params == {"year": 2025}
    assert rd_sample.applicant == DEMO_APPLICANT
    assert builtin_sample("BMA") is None


def test_a_sample_file_with_its_own_applicant(tmp_path: Path) -> None:
    path = tmp_path / "sample.json"
    path.write_text(
        json.dumps(
            {
                "service_id": "dlt-driving-licence-renewal",
                "form": {"appointment_date": "2026-12-01"},
                "applicant": {
                    "pid": "1101700230705",
                    "first_name_th": "สมหญิง",
                    "last_name_th": "รักไทย",
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    sample = load_sample(path)
    assert sample.once_only_kind is None
    assert sample.applicant.pid == "1101700230705"
    filing = sample.submission("DLT")
    assert filing.form["first_name_th"] == "สมหญิง"
    assert filing.form["appointment_date"] == "2026-12-01"
    assert filing.idempotency_key != sample.submission("DLT").idempotency_key


def test_a_biller_that_takes_no_applications_has_a_sample_that_files_nothing() -> None:
    sample = builtin_sample("PWA")
    assert sample is not None
    assert sample.service_id is None
    assert sample.bills_pid == DEMO_APPLICANT.pid
    with pytest.raises(ValueError, match="files nothing"):
        sample.submission("PWA")
    named = parse_sample('{"service_id": null, "form": {}, "bills": {"pid": "3340100007076"}}')
    assert named.bills_pid == "3340100007076"
    with pytest.raises(SampleError, match=r"bills\.pid: String should match pattern"):
        parse_sample('{"service_id": null, "form": {}, "bills": {"pid": "7076"}}')


def test_a_broken_sample_names_each_problem() -> None:
    with pytest.raises(SampleError) as caught:
        parse_sample('{"form": [], "applicant": {"pid": "12"}}', "mine.json")
    message = str(caught.value)
    assert message.startswith("mine.json: ")
    assert "service_id: Field required" in message
    assert "form: Input should be an object" in message
    assert "applicant.pid: String should match pattern" in message
    with pytest.raises(SampleError, match="Invalid JSON"):
        parse_sample("{", "mine.json")


# -- the command -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_agencies() -> Iterator[str]:
    """A mock agencies host (DLT) served by uvicorn on a free loopback port, in a thread."""
    agency = dlt.create_app(consumers={KEY: SECRET}, callback_secret=CALLBACK, send_callbacks=False)
    host = create_host({"DLT": agency}, seed=1, device_app=None)
    server = uvicorn.Server(uvicorn.Config(host, log_level="warning", lifespan="on"))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        give_up = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "the mock agencies host did not start"
            assert time.monotonic() < give_up, "the mock agencies host did not start in 30 s"
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    assert not thread.is_alive(), "the mock agencies host did not stop"


PLUGINS = "certify_test_plugins"


@pytest.fixture
def command(
    live_agencies: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """`citizen-gateway certify …` with the gateway configured for the live host."""
    monkeypatch.chdir(tmp_path)  # no .env of the project directory
    entry = {"consumer_key": KEY, "consumer_secret": SECRET, "callback_secret": CALLBACK}
    monkeypatch.setenv("CITIZEN_GATEWAY_AGENCIES_URL", live_agencies)
    monkeypatch.setenv("CITIZEN_GATEWAY_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv(
        "CITIZEN_GATEWAY_AGENCY_CREDENTIALS", json.dumps({"DLT": entry, "BROKEN": entry})
    )

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["certify", *args], catch_exceptions=False)

    return run


def replace_entry_points(monkeypatch: pytest.MonkeyPatch, *given: EntryPoint) -> None:
    """The connectors installed, as the command, the gateway's settings and the registry see
    them (other entry point groups are left alone)."""
    installed = importlib.metadata.entry_points

    def entry_points(**params: Any) -> Any:
        return list(given) if params.get("group") == GROUP else installed(**params)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_certify_passes_against_the_live_mock_agency(
    command: Callable[..., Any], live_agencies: str, tmp_path: Path
) -> None:
    junit = tmp_path / "reports" / "certify-dlt.xml"
    result = command(
        "--agency",
        "dlt",
        "--faults-url",
        f"{live_agencies}/faults",
        "--staff-url",
        f"{live_agencies}/dlt",
        "--junit",
        str(junit),
        "--burst",
        "5",
        "--rate",
        "50",
    )
    assert result.exit_code == 0, result.output
    version = importlib.metadata.version("citizen-gateway")
    assert f"the DLT connector (DltConnector {version}) at {live_agencies}/dlt" in result.output
    for check_id in CHECK_IDS:
        outcome = "SKIP" if check_id in BILL_CHECKS else "PASS"  # DLT sends no bills
        assert f"{outcome}   {check_id}" in result.output
    passed = len(CHECKS) - len(BILL_CHECKS)
    assert (
        f"DLT: {passed} passed, 0 failed, 0 errors, 2 skipped, 2 findings (0 blocking): CERTIFIED"
        in result.output
    )
    assert "accepted by the back office, status in_review" in result.output
    assert "the answer → in_review" in result.output
    assert "PASS   payment" in result.output
    suite = ET.parse(junit).getroot().find("testsuite")  # noqa: S314 - our own output
    assert suite is not None
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        "DLT",
        str(len(CHECKS) + 2),  # and the 2 findings, neither failing
        "0",
    )


def test_certify_junit_without_a_file_writes_it_under_var(
    command: Callable[..., Any], tmp_path: Path
) -> None:
    result = command("--junit", "--agency", "DLT", "--no-burst")  # --junit then an option
    assert result.exit_code == 0, result.output
    assert f"JUnit XML written to {DEFAULT_JUNIT_PATH}" in result.output
    suite = ET.parse(tmp_path / DEFAULT_JUNIT_PATH).getroot().find("testsuite")  # noqa: S314
    assert suite is not None
    assert suite.get("name") == "DLT"


def test_certify_without_fault_knobs_or_staff_skips_what_needs_them_and_still_certifies(
    command: Callable[..., Any],
) -> None:
    result = command("--agency", "DLT", "--no-hooks", "--no-burst")
    assert result.exit_code == 0, result.output
    assert "SKIP   outage" in result.output
    assert "SKIP   provide-info" in result.output
    assert "SKIP   payment" in result.output
    assert "give --staff-url" in result.output
    assert "SKIP   performance" in result.output
    # and the bill checks: DLT sends no bills
    assert "6 skipped, 2 findings (0 blocking): CERTIFIED" in result.output


def test_certify_exits_2_for_a_staff_url_that_is_not_http(command: Callable[..., Any]) -> None:
    result = command("--agency", "DLT", "--staff-url", "127.0.0.1:8100/dlt")
    assert result.exit_code == 2
    assert "--staff-url must be an http(s) URL, not '127.0.0.1:8100/dlt'" in result.output


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--callback-listen", "8765"], "--callback-listen must be HOST:PORT"),
        (["--callback-listen", "0.0.0.0:70000"], "--callback-listen must be HOST:PORT"),
        (["--callback-listen", "0.0.0.0:8765"], "give --callback-url, the address it calls"),
        (["--callback-url", "https://cb.example.org/cb"], "needs --callback-listen with a fixed"),
        (["--callback-listen", "0.0.0.0:8765", "--callback-url", "certify.example.org"],
         "--callback-url must be an http(s) URL"),
    ],
)  # fmt: skip
def test_certify_exits_2_when_the_agency_could_not_be_told_where_to_call_back(
    command: Callable[..., Any], given: list[str], said: str
) -> None:
    result = command("--agency", "DLT", "--no-burst", *given)
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "this run talks to" not in result.output  # refused before anything was sent


def test_certify_listens_where_it_is_told_for_callbacks(
    command: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's receiver listens on the port given, and the filings name the URL given (the
    live DLT sends no callbacks: that they come through it is
    test_callbacks_come_through_the_address_the_agency_is_given)."""
    from connectors import certification

    run_checks, receivers = certification.certify, []

    async def certify(subject: Any, **options: Any) -> Any:
        receivers.append(options["receiver"])
        return await run_checks(subject, **options)

    monkeypatch.setattr(certification, "certify", certify)
    port = free_port()
    result = command(
        "--agency", "DLT", "--no-hooks", "--no-burst",
        "--callback-listen", f"127.0.0.1:{port}",
        "--callback-url", f"http://localhost:{port}/cb",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "CERTIFIED" in result.output
    [receiver] = receivers
    assert (receiver.host, receiver.port) == ("127.0.0.1", port)  # bound there during the run
    assert receiver.url_for("DLT") == f"http://localhost:{port}/cb/DLT"


def test_certify_exits_1_when_a_check_fails(
    command: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = types.ModuleType(PLUGINS)
    plugins.forgetful = lambda cfg, transport=None: ForgetfulDlt(cfg, transport)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, PLUGINS, plugins)
    replace_entry_points(monkeypatch, EntryPoint("DLT", f"{PLUGINS}:forgetful", GROUP))
    result = command("--agency", "DLT", "--no-burst")
    assert result.exit_code == 1, result.output
    assert "FAIL   idempotent-submit" in result.output
    assert "filed two cases" in result.output
    assert "NOT CERTIFIED" in result.output


def test_certify_exits_2_for_an_unknown_agency(command: Callable[..., Any]) -> None:
    result = command("--agency", "NOPE")
    assert result.exit_code == 2
    assert "no connector is registered for agency 'NOPE'" in result.output
    assert "DLT" in result.output  # the ones that are


def test_certify_reports_a_connector_that_cannot_load_and_exits_2(
    command: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    replace_entry_points(monkeypatch, EntryPoint("BROKEN", "no_such_connector_pkg:create", GROUP))
    sample = tmp_path / "broken-sample.json"
    sample.write_text('{"service_id": "broken-service", "form": {}}', encoding="utf-8")
    result = command("--agency", "BROKEN", "--sample", str(sample))
    assert result.exit_code == 2, result.output
    assert "the BROKEN connector cannot be loaded: cannot import no_such_connector_pkg:create" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_certify_exits_2_without_a_sample_for_an_agency_that_has_none_built_in(
    command: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    replace_entry_points(monkeypatch, EntryPoint("BROKEN", "no_such_connector_pkg:create", GROUP))
    result = command("--agency", "BROKEN")
    assert result.exit_code == 2
    assert "no built-in sample filing for BROKEN" in result.output
    assert "--sample FILE" in result.output


def test_certify_exits_2_for_an_unusable_sample(
    command: Callable[..., Any], tmp_path: Path
) -> None:
    sample = tmp_path / "sample.json"
    sample.write_text('{"service_id": "x"}', encoding="utf-8")
    result = command("--agency", "DLT", "--sample", str(sample))
    assert result.exit_code == 2
    assert f"unusable sample: {sample}: form: Field required" in result.output
