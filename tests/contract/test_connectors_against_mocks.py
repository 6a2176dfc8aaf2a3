"""The contract test: every connector registered under the `citizen_gateway.connectors` entry
points (as pyproject.toml declares them: the same table an install registers), run against its
mock agency in-process, through the certification checks (`connectors.certification`, the same
ones `citizen-gateway certify` runs). An agency team that registers a connector adds its sample
filing to `connectors/certification/samples/` and says below what it offers (this test fails
until it does).

What each connector must do with its agency (one test per check): say it is healthy; file a
case once however often the same idempotency key is sent; report the case's status with its
events in order (moved on by the mock's staff); cancel it when it can; pass on the citizen's
answer to the staff's request for information (back in review, once per idempotency key, and
refused when the case is not waiting for one); tell the agency the citizen paid the fee the
staff asked for (the wrong amount refused, the case moved on once paid, once per idempotency
key, a second payment refused); give the once-only data it declares and refuse a kind it does
not; list a citizen's bills and take a bill's payment once, when it bills citizens; answer
what it holds about a citizen, deciding the facts it declares (know); answer a short burst
(a small one here) within its declared limits; and turn
the agency's failures into the errors the gateway acts on (wrong credentials → misconfigured,
an outage or a dead address → unavailable). Here every check must pass except those of a
capability the agency does not offer, and `payment` where the sample filing owes no fee
(`SKIPPED`): each connector must offer exactly what its agency does. Beyond the shared checks:
where the mock collects a service's fee after approval (DLT), the approved case waits for it
and the payment through the connector issues it.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import tomllib
from collections.abc import AsyncIterator
from importlib.metadata import EntryPoint
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from connectors.base import AgencyStatus, PaymentNotice, ReceivesPayments
from connectors.certification import (
    CHECKS,
    Burst,
    Check,
    FaultKnobs,
    Outcome,
    StaffBackOffice,
    Subject,
    builtin_sample,
    registered_connector,
    run_check,
)
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.registry import GROUP
from mock_agencies.app import create_app as create_host
from mock_agencies.bma.portal import AgencyCredentials
from mock_agencies.cgd import app as cgd
from mock_agencies.dlt import app as dlt
from mock_agencies.dop import app as dop
from mock_agencies.nhso import app as nhso
from mock_agencies.pea import app as pea
from mock_agencies.pwa import app as pwa
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
DECLARED = [
    EntryPoint(name=name, value=value, group=GROUP)
    for name, value in tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][
        GROUP
    ].items()
]
REGISTERED = sorted(entry_point.name.upper() for entry_point in DECLARED)
KEY, SECRET, CALLBACK = "contract-test", "contract-test-secret-0123456789", "callbacks-off"

FILING = {"idempotent-submit", "status-events", "cancel", "provide-info"}
ONCE_ONLY = {"once-only", "once-only-unknown-kind"}
BILLS = {"bills", "bill-paid"}
KNOW = {"citizen-data"}
#: The agencies that only answer reads about citizens (know): no cases, no bills.
READS_ONLY = FILING | ONCE_ONLY | BILLS | {"payment"}
#: The checks of what each agency does not offer, skipped; every other check must pass.
SKIPPED = {
    "DLT": BILLS,  # cases, fees, once-only data and citizen data; sends no bills
    "SSO": BILLS | {"payment"},  # charges nothing: its sample owes no fee
    "RD": set(),  # cases, tax paid at filing, once-only data, tax bills and citizen data
    "PEA": ONCE_ONLY | KNOW | {"payment"},  # its free bill e-service (cases) and its bills
    "PWA": FILING | ONCE_ONLY | KNOW | {"payment"},  # bills only: its e-services are links
    "CGD": READS_ONLY,  # the pension register
    "NHSO": READS_ONLY,  # the coverage register
    "DOP": READS_ONLY,  # the allowance register (its cases are platform-kind)
}


def mock_agency(code: str) -> FastAPI:
    if code == "PWA":  # not a casework agency: no callbacks to turn off
        return pwa.create_app(consumers={KEY: SECRET})
    if code in ("CGD", "NHSO"):
        return {"CGD": cgd, "NHSO": nhso}[code].create_app(consumers={KEY: SECRET})
    if code == "DOP":  # its back office talks to no gateway here: only its register is read
        return dop.create_app(AgencyCredentials(KEY, SECRET, CALLBACK), "http://gateway.invalid")
    module = {"DLT": dlt, "SSO": sso, "RD": rd, "PEA": pea}[code]
    app: FastAPI = module.create_app(
        consumers={KEY: SECRET}, callback_secret=CALLBACK, send_callbacks=False
    )
    return app


@pytest.fixture(params=REGISTERED)
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    """The agency's registered connector (loaded from its entry point, as the gateway loads
    it) against a fresh mock host serving only that agency, with its knobs and staff."""
    code: str = request.param
    assert code in SKIPPED, f"say what the {code} connector offers in SKIPPED, and its mock"
    sample = builtin_sample(code)
    assert sample is not None, (
        f"add a sample filing for {code} to connectors/certification/samples/"
    )
    agency = mock_agency(code)
    transport = httpx.ASGITransport(app=create_host({code: agency}, seed=1, device_app=None))
    settings = config(code)
    connector, factory = registered_connector(settings, transport=transport, entry_points=DECLARED)
    yield Subject(
        connector,
        settings,
        factory,
        sample,
        transport=transport,
        outages=FaultKnobs("http://agencies.test/faults", transport),
        back_office=StaffBackOffice(settings.base_url, transport),
        burst=Burst(count=3, rate_per_second=50),
    )
    await connector.aclose()
    if (casework := getattr(agency.state, "casework", None)) is not None:
        await casework.aclose()


def config(code: str) -> ConnectorConfig:
    return ConnectorConfig(
        agency_code=code,
        base_url=f"http://agencies.test/{code.lower()}",
        consumer_key=KEY,
        consumer_secret=SecretStr(SECRET),
        agent_id="3100100000014",
        policy=PolicyConfig(max_attempts=1),
    )


@pytest.mark.parametrize("check", CHECKS, ids=[check.id for check in CHECKS])
async def test_the_connector_conforms(subject: Subject, check: Check) -> None:
    result = await run_check(check, subject)
    if check.id in SKIPPED[subject.agency_code]:
        assert result.outcome is Outcome.SKIP, f"{check.id} ({check.title}): {result.detail}"
    else:
        assert result.outcome is Outcome.PASS, f"{check.id} ({check.title}): {result.detail}"


def test_every_installed_connector_is_declared_here() -> None:
    """What an install registered is what pyproject.toml declares (nothing escapes the
    contract); a newly declared agency is registered once the package is installed again."""
    installed = {e.name.upper(): e.value for e in importlib.metadata.entry_points(group=GROUP)}
    declared = {entry_point.name.upper(): entry_point.value for entry_point in DECLARED}
    assert installed.items() <= declared.items()
    assert {"DLT", "SSO", "RD", "PEA", "PWA", "CGD", "NHSO", "DOP"} <= set(declared)


async def test_a_fee_due_after_approval_is_paid_through_the_connector(subject: Subject) -> None:
    """The portal's APPROVED_WAITING_PAY_FEE: the mock's staff approve, the case waits for its
    fee, and the connector's `payment_received` makes the agency issue (the next seq)."""
    code = subject.agency_code
    casework = {"DLT": dlt, "SSO": sso, "RD": rd, "PEA": pea}.get(code)
    if casework is None:
        pytest.skip(f"{code} takes no applications")
    agency = casework.APPS.agency
    if subject.sample.service_id not in agency.fees_after_approval:
        pytest.skip(f"{code} collects no fee after approval for {subject.sample.service_id}")
    connector = subject.connector
    assert isinstance(connector, ReceivesPayments)
    assert subject.back_office is not None
    filing = subject.sample.submission(code, label="contract-pay")
    filed = await connector.submit(filing)
    async with httpx.AsyncClient(transport=subject.transport) as staff:
        approved = await staff.post(
            f"{subject.config.base_url}/staff/applications/{filed.agency_ref}/approve"
        )
    assert approved.status_code == 200, approved.text
    waiting = await connector.status(filed.agency_ref)
    assert waiting.status is AgencyStatus.AWAITING_PAYMENT
    assert waiting.events[-1].data["approved"] is True
    assert waiting.events[-1].data["amount_satang"] == sum(f.amount_satang for f in filed.fees)

    await connector.payment_received(
        filed.agency_ref,
        PaymentNotice(
            idempotency_key=f"{filing.idempotency_key}:payment",
            reference=filing.application_number,
            payment_id="CONTRACT-PAY-1",
            receipt_number="CONTRACT-RC-1",
            amount_satang=sum(fee.amount_satang for fee in filed.fees),
            fees=filed.fees,
            paid_at=dt.datetime.now(dt.UTC),
            channel="mobile",
        ),
    )

    issued = await connector.status(filed.agency_ref)
    assert [(e.seq, e.status) for e in issued.events[-2:]] == [
        (waiting.seq, AgencyStatus.AWAITING_PAYMENT),
        (waiting.seq + 1, AgencyStatus.APPROVED),
    ]
    assert issued.events[-1].data["document_id"]


def test_no_contract_check_was_dropped() -> None:
    """The behaviours this test has always required stay among the shared checks."""
    assert {check.id for check in CHECKS} >= {
        "health",
        "idempotent-submit",
        "status-events",
        "cancel",
        "provide-info",
        "payment",
        "once-only",
        "bills",
        "bill-paid",
        "citizen-data",
        "wrong-credentials",
        "unreachable",
        "outage",
    }
