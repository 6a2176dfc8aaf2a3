"""End-to-end fixtures: the gateway and the mock agencies, talking real HTTP in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import delete

from gateway.config import Settings
from gateway.db import create_engine, session_factory
from gateway.main import create_app
from identity.verification.models import AttemptCounter, Citizen, IdentityVerification
from mock_agencies.app import create_app as create_host
from mock_agencies.device import app as device
from mock_agencies.dopa import app as dopa
from mock_agencies.dopa.population import build_population

POPULATION = build_population(seed=2565, size=200)


@dataclass
class Stack:
    gateway: httpx.AsyncClient
    agencies: httpx.AsyncClient


@pytest.fixture
async def stack(seeded: Settings) -> AsyncIterator[Stack]:
    engine = create_engine(seeded)
    async with session_factory(engine)() as session, session.begin():
        for table in (AttemptCounter, IdentityVerification, Citizen):
            await session.execute(delete(table))
    await engine.dispose()

    key = seeded.dopa_consumer_key or ""
    secret = seeded.dopa_consumer_secret.get_secret_value() if seeded.dopa_consumer_secret else ""
    host = create_host(
        {"DOPA": dopa.create_app(POPULATION, consumers={key: secret})},
        seed=3,
        device_app=device.create_app(POPULATION, 17),
    )
    to_agencies = httpx.ASGITransport(app=host)
    app = create_app(seeded, agencies_transport=to_agencies)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as gateway,
        httpx.AsyncClient(transport=to_agencies, base_url="http://agencies.test") as agencies,
    ):
        yield Stack(gateway, agencies)
