"""The whole portal in one process: the gateway, and every mock agency (DOPA, DLT, SSO, RD, BMA,
DOP) on its host, talking real HTTP both ways over ASGI transports; the credentials each side
holds are the ones the gateway's settings give (its development file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from support import POPULATION, Stack, forget_citizens, reset_operator_state

from gateway.config import Settings
from gateway.db import create_engine, session_factory
from gateway.forwarding.credentials import (
    AgencyCredentials,
    ensure_agency_clients,
    load_agency_credentials,
)
from gateway.forwarding.worker import Delivery, Forwarder
from gateway.main import create_app
from mock_agencies.app import create_app as create_host
from mock_agencies.bma import app as bma
from mock_agencies.bma.portal import AgencyCredentials as MockCredentials
from mock_agencies.casework.callbacks import LateTransport
from mock_agencies.device import app as device
from mock_agencies.dlt import app as dlt
from mock_agencies.dop import app as dop
from mock_agencies.dopa import app as dopa
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

GATEWAY = "http://gateway.test"


@dataclass
class Portal(Stack):
    """The stack, plus the worker and the agency apps (for their staff endpoints)."""

    forwarder: Forwarder | None = None
    credentials: dict[str, AgencyCredentials] | None = None

    async def forward(self) -> list[Delivery]:
        assert self.forwarder is not None
        return await self.forwarder.run_once()


@pytest.fixture
async def portal(seeded: Settings) -> AsyncIterator[Portal]:
    await reset_operator_state(seeded)
    engine = create_engine(seeded)
    async with session_factory(engine)() as session, session.begin():
        await forget_citizens(session)
    await engine.dispose()

    credentials = load_agency_credentials(seeded)
    to_gateway = LateTransport()

    def casework(module: object, code: str) -> FastAPI:
        entry = credentials[code]
        app: FastAPI = module.create_app(  # type: ignore[attr-defined]
            consumers={entry.consumer_key: entry.consumer_secret},
            callback_secret=entry.callback_secret,
            callback_transport=to_gateway,
        )
        return app

    def portal_client(module: object, code: str) -> FastAPI:
        entry = credentials[code]
        app: FastAPI = module.create_app(  # type: ignore[attr-defined]
            credentials=MockCredentials(
                entry.consumer_key, entry.consumer_secret, entry.callback_secret
            ),
            gateway=GATEWAY,
            gateway_transport=to_gateway,
        )
        return app

    key = seeded.dopa_consumer_key or ""
    secret = seeded.dopa_consumer_secret.get_secret_value() if seeded.dopa_consumer_secret else ""
    agencies = {
        "DOPA": dopa.create_app(POPULATION, consumers={key: secret}),
        "DLT": casework(dlt, "DLT"),
        "SSO": casework(sso, "SSO"),
        "RD": casework(rd, "RD"),
        "BMA": portal_client(bma, "BMA"),
        "DOP": portal_client(dop, "DOP"),
    }
    host = create_host(agencies, seed=3, device_app=device.create_app(POPULATION, 17))
    to_agencies = httpx.ASGITransport(app=host)
    gateway = create_app(seeded, agencies_transport=to_agencies)
    to_gateway.target = httpx.ASGITransport(app=gateway)
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url=GATEWAY) as client,
        httpx.AsyncClient(transport=to_agencies, base_url="http://agencies.test") as agency_client,
    ):
        async with gateway.state.runtime.sessions() as session:
            await ensure_agency_clients(session, gateway.state.oidc, credentials)
            await session.commit()
        forwarder = Forwarder(
            gateway.state.runtime, gateway.state.applications, gateway.state.connectors
        )
        yield Portal(client, agency_client, gateway, forwarder, credentials)
        for app in agencies.values():
            casework_state = getattr(app.state, "casework", None)
            if casework_state is not None:
                await casework_state.aclose()
