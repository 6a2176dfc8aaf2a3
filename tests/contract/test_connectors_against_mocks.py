"""The contract test: every connector registered under the `citizen_gateway.connectors` entry
points, run against its mock agency in-process, through the certification checks
(`connectors.certification`, the same ones `citizen-gateway certify` runs). An agency team that
registers a connector adds its sample filing to `connectors/certification/samples/` (this test
fails until it does).

What each connector must do with its agency (one test per check): say it is healthy; file a
case once however often the same idempotency key is sent; report the case's status with its
events in order (moved on by the mock's staff); cancel it when it can; pass on the citizen's
answer to the staff's request for information (back in review, once per idempotency key, and
refused when the case is not waiting for one); give the once-only data it declares and refuse a
kind it does not; and turn the agency's failures into the errors the gateway acts on (wrong
credentials → misconfigured, an outage or a dead address → unavailable). Here every check must
pass, except `cancel`, which a connector may not offer (every registered connector answers
requests for information: `provide-info` must pass).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from connectors.certification import (
    CHECKS,
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
from mock_agencies.dlt import app as dlt
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

MOCKS = {"DLT": dlt, "SSO": sso, "RD": rd}
REGISTERED = sorted(e.name.upper() for e in importlib.metadata.entry_points(group=GROUP))
KEY, SECRET, CALLBACK = "contract-test", "contract-test-secret-0123456789", "callbacks-off"
MAY_SKIP = {"cancel"}  # an optional capability; everything else must pass


@pytest.fixture(params=REGISTERED)
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    """The agency's registered connector (loaded from its entry point, as the gateway loads
    it) against a fresh mock host serving only that agency, with its knobs and staff."""
    code: str = request.param
    assert code in MOCKS, f"no mock agency to run the {code} connector against"
    sample = builtin_sample(code)
    assert sample is not None, (
        f"add a sample filing for {code} to connectors/certification/samples/"
    )
    agency = MOCKS[code].create_app(
        consumers={KEY: SECRET}, callback_secret=CALLBACK, send_callbacks=False
    )
    transport = httpx.ASGITransport(app=create_host({code: agency}, seed=1, device_app=None))
    settings = config(code)
    connector, factory = registered_connector(settings, transport=transport)
    yield Subject(
        connector,
        settings,
        factory,
        sample,
        transport=transport,
        outages=FaultKnobs("http://agencies.test/faults", transport),
        back_office=StaffBackOffice(settings.base_url, transport),
    )
    await connector.aclose()
    await agency.state.casework.aclose()


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
    if result.outcome is Outcome.SKIP and check.id in MAY_SKIP:
        pytest.skip(result.detail)
    assert result.outcome is Outcome.PASS, f"{check.id} ({check.title}): {result.detail}"


def test_no_contract_check_was_dropped() -> None:
    """The behaviours this test has always required stay among the shared checks."""
    assert {check.id for check in CHECKS} >= {
        "health",
        "idempotent-submit",
        "status-events",
        "cancel",
        "provide-info",
        "once-only",
        "wrong-credentials",
        "unreachable",
        "outage",
    }
