"""The contract test: every connector registered under the `citizen_gateway.connectors` entry
points, run against its mock agency over HTTP. An agency team that registers a connector adds
its sample filing to SAMPLES below (the test fails until it does).

What each connector must do with its agency: say it is healthy; file a case once however often
the same idempotency key is sent; report the case's status with its events in order; cancel it
when it can; give the once-only data it declares; and turn the agency's failures into the
errors the gateway acts on (wrong credentials → misconfigured, an outage → unavailable).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.base import (
    AgencyStatus,
    Applicant,
    Cancels,
    Connector,
    ProvidesOnceOnlyData,
    Submission,
)
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.errors import AgencyMisconfigured, AgencyUnavailable
from connectors.registry import GROUP, ConnectorRegistry
from mock_agencies.app import create_app as create_host
from mock_agencies.dlt import app as dlt
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

MOCKS = {"DLT": dlt, "SSO": sso, "RD": rd}
SOMCHAI = Applicant(
    pid="1100100001014",
    first_name_th="สมชาย",
    last_name_th="ใจดี",
    birth_date="1987-01-15",
    address_th="99/1 แขวงลุมพินี เขตปทุมวัน กรุงเทพมหานคร 10330",
)
#: One valid filing per agency: (service, form, once-only kind and its parameters).
SAMPLES: dict[str, tuple[str, dict[str, Any], str, dict[str, Any]]] = {
    "DLT": (
        "dlt-driving-licence-renewal",
        {"appointment_date": "2026-12-01", "appointment_period": "morning"},
        "licences",
        {},
    ),
    "SSO": (
        "sso-unemployment-benefit",
        {"last_working_day": "2026-10-31", "cause": "laid_off", "paid_by": "promptpay_id"},
        "insured",
        {},
    ),
    "RD": (
        "rd-personal-income-tax-efiling",
        {"tax_year": 2568, "return_type": "PND91", "refund_requested": True},
        "withholding",
        {"year": 2025},
    ),
}
REGISTERED = sorted(e.name.upper() for e in importlib.metadata.entry_points(group=GROUP))
KEY, SECRET, CALLBACK = "contract-test", "contract-test-secret-0123456789", "callbacks-off"


@pytest.fixture(params=REGISTERED)
async def pair(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[str, Connector, httpx.AsyncClient]]:
    """(agency code, its registered connector, a client for the mock host's knobs)."""
    code: str = request.param
    assert code in MOCKS, f"no mock agency to run the {code} connector against"
    assert code in SAMPLES, f"add a sample filing for {code} to SAMPLES"
    agency = MOCKS[code].create_app(
        consumers={KEY: SECRET}, callback_secret=CALLBACK, send_callbacks=False
    )
    host = create_host({code: agency}, seed=1, device_app=None)
    transport = httpx.ASGITransport(app=host)
    registry = ConnectorRegistry.load({code: config(code)}, transport=transport, entry_points=None)
    assert code not in registry.broken, registry.broken.get(code)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as knobs:
        yield code, registry.get(code), knobs
    await registry.aclose()
    await agency.state.casework.aclose()


def config(code: str, secret: str = SECRET) -> ConnectorConfig:
    return ConnectorConfig(
        agency_code=code,
        base_url=f"http://agencies.test/{code.lower()}",
        consumer_key=KEY,
        consumer_secret=SecretStr(secret),
        agent_id="3100100000014",
        policy=PolicyConfig(max_attempts=1),
    )


def submission(code: str, key: str | None = None) -> Submission:
    service_id, form, _, _ = SAMPLES[code]
    now = dt.datetime.now(dt.UTC)
    return Submission(
        idempotency_key=key or f"contract-{secrets.token_hex(6)}:submit",
        application_id=secrets.token_hex(8),
        application_number=f"{code}-2569-{secrets.randbelow(10**6):06d}",
        service_id=service_id,
        unit_code=None,
        applicant=SOMCHAI,
        form={"first_name_th": "สมชาย", "last_name_th": "ใจดี", **form},
        attachments=[],
        arrived_at=now,
        deemed_received_at=now,
        callback_url="http://gateway.test/v1/agency/callbacks/" + code,
    )


async def test_health(pair: tuple[str, Connector, httpx.AsyncClient]) -> None:
    _, connector, _ = pair
    health = await connector.health()
    assert health.ok, health.detail


async def test_a_filing_has_one_effect_per_idempotency_key(
    pair: tuple[str, Connector, httpx.AsyncClient],
) -> None:
    code, connector, _ = pair
    filing = submission(code)
    first = await connector.submit(filing)
    again = await connector.submit(filing)
    assert first.status in {AgencyStatus.RECEIVED, AgencyStatus.FORWARDED_WITHIN_AGENCY}
    assert again.agency_ref == first.agency_ref
    assert first.received_at.tzinfo is not None
    other = await connector.submit(replace(filing, idempotency_key=f"{filing.idempotency_key}-2"))
    assert other.agency_ref != first.agency_ref


async def test_status_reports_the_events_in_order(
    pair: tuple[str, Connector, httpx.AsyncClient],
) -> None:
    code, connector, knobs = pair
    filed = await connector.submit(submission(code))
    r = await knobs.post(f"/{code.lower()}/staff/applications/{filed.agency_ref}/accept")
    assert r.status_code == 200, r.text
    report = await connector.status(filed.agency_ref)
    assert report.agency_ref == filed.agency_ref
    assert report.status is AgencyStatus.IN_REVIEW
    assert [e.seq for e in report.events] == list(range(1, report.seq + 1))


async def test_cancel_when_the_agency_can(pair: tuple[str, Connector, httpx.AsyncClient]) -> None:
    code, connector, _ = pair
    if not isinstance(connector, Cancels):
        pytest.skip(f"{code}'s connector does not cancel")
    filed = await connector.submit(submission(code))
    cancelled = await connector.cancel(filed.agency_ref)
    assert cancelled.status is AgencyStatus.CANCELLED
    assert (await connector.status(filed.agency_ref)).status is AgencyStatus.CANCELLED


async def test_once_only_data_it_declares(pair: tuple[str, Connector, httpx.AsyncClient]) -> None:
    """R-12.1: what the agency holds about the citizen, fetched, never asked as an upload."""
    code, connector, _ = pair
    _, _, kind, params = SAMPLES[code]
    assert isinstance(connector, ProvidesOnceOnlyData)
    assert kind in connector.once_only_kinds
    data = await connector.once_only(kind, SOMCHAI.pid, **params)
    assert data


async def test_wrong_credentials_are_a_configuration_error(
    pair: tuple[str, Connector, httpx.AsyncClient],
) -> None:
    code, _, knobs = pair
    transport = knobs._transport  # the same in-process host
    registry = ConnectorRegistry.load(
        {code: config(code, secret="not-the-secret-0123456789abcdef")}, transport=transport
    )
    with pytest.raises(AgencyMisconfigured):
        await registry.get(code).submit(submission(code))
    await registry.aclose()


async def test_an_outage_is_unavailable_not_a_refusal(
    pair: tuple[str, Connector, httpx.AsyncClient],
) -> None:
    code, connector, knobs = pair
    r = await knobs.put(f"/faults/{code}", json={"outage": True})
    assert r.status_code == 200
    with pytest.raises(AgencyUnavailable):
        await connector.submit(submission(code))
