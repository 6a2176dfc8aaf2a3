"""Identity fixtures: the mock registry and phone in-process (reached over HTTP through
ASGITransport, exactly as over a network), the DOPA connector, and a verification service."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from support import Agencies, forget_citizens

from connectors.api.dopa import DopaConfig, DopaRegistry
from gateway.config import Settings
from gateway.db import create_engine, session_factory
from identity.verification.face import CosineMatcher
from identity.verification.service import VerificationService, VerificationSettings
from kernel.clock import SimulatedClock
from kernel.crypto import PIIVault
from mock_agencies.app import create_app as create_host
from mock_agencies.device import app as device
from mock_agencies.dopa import app as dopa
from mock_agencies.dopa.population import build_population

KEY, SECRET = "gateway-under-test", "registry-secret-under-test"
AGENT_ID = "3100100000014"
POPULATION = build_population(seed=2565, size=200)


@pytest.fixture
async def agencies() -> AsyncIterator[Agencies]:
    registry = dopa.create_app(POPULATION, consumers={KEY: SECRET})
    host = create_host({"DOPA": registry}, seed=3, device_app=device.create_app(POPULATION, 17))
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        yield Agencies(client, transport)


@pytest.fixture
async def registry(agencies: Agencies) -> AsyncIterator[DopaRegistry]:
    config = DopaConfig("http://agencies.test/dopa", KEY, SECRET, AGENT_ID)
    connector = DopaRegistry(config, transport=agencies.transport)
    yield connector
    await connector.aclose()


@pytest.fixture
def vault() -> PIIVault:
    return PIIVault({"k1": os.urandom(32)}, "k1", os.urandom(32))


@pytest.fixture
def clock() -> SimulatedClock:
    clock = SimulatedClock()
    clock.set(dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC))
    return clock


@pytest.fixture
async def verifications(
    seeded: Settings, registry: DopaRegistry, vault: PIIVault, clock: SimulatedClock
) -> AsyncIterator[VerificationService]:
    engine = create_engine(seeded)
    async with session_factory(engine)() as session:
        # Each test starts with no citizens, verifications or counted failures.
        await forget_citizens(session)
        await session.commit()
        yield VerificationService(
            session,
            registry=registry,
            matcher=CosineMatcher(0.5),
            vault=vault,
            clock=clock,
            settings=VerificationSettings(),
        )
    await engine.dispose()
