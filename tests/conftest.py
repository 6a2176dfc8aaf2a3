"""Fixtures: settings → migrated, seeded database → app → HTTP client over ASGITransport.

The database is a SQLite file in a temporary directory, or the PostgreSQL database named by
CITIZEN_GATEWAY_TEST_DATABASE_URL (CI runs the suite on both). It is migrated with the real
Alembic migrations and seeded with the real demo catalog once per test session.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from support import (
    GATEWAY,
    POPULATION,
    GatewayTime,
    Portal,
    Stack,
    Tool,
    forget_citizens,
    mock_bank,
    outside_tool,
    reset_operator_state,
)

from gateway.catalog.loader import load_catalog
from gateway.config import Settings
from gateway.credentials import (
    ensure_agency_clients,
    load_agency_credentials,
)
from gateway.db import create_engine, session_factory
from gateway.forwarding.worker import Forwarder
from gateway.main import create_app
from gateway.migrations import alembic_config
from mock_agencies.app import create_app as create_host
from mock_agencies.bma import app as bma
from mock_agencies.bma.portal import AgencyCredentials as MockCredentials
from mock_agencies.casework.callbacks import LateTransport
from mock_agencies.cgd import app as cgd
from mock_agencies.device import app as device
from mock_agencies.dlt import app as dlt
from mock_agencies.dop import app as dop
from mock_agencies.dopa import app as dopa
from mock_agencies.nhso import app as nhso
from mock_agencies.pea import app as pea
from mock_agencies.pwa import app as pwa
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

ADMIN_TOKEN = "test-admin-token-not-a-secret-0123456789"
DOPA_KEY, DOPA_SECRET = "gateway-under-test", "registry-secret-under-test"
TEST_DATABASE_ENV = "CITIZEN_GATEWAY_TEST_DATABASE_URL"


def pytest_report_header() -> str:
    url = os.environ.get(TEST_DATABASE_ENV)
    where = f"PostgreSQL ({url.rsplit('@', 1)[-1]})" if url else "SQLite (temp file)"
    return f"database: {where}"


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def settings(var_dir: Path) -> Settings:
    url = os.environ.get(TEST_DATABASE_ENV) or f"sqlite+aiosqlite:///{var_dir}/gateway.db"
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        var_dir=var_dir,
        storage_dir=var_dir / "storage",
        admin_token=ADMIN_TOKEN,
        dopa_consumer_key=DOPA_KEY,
        dopa_consumer_secret=DOPA_SECRET,
        dopa_url="http://agencies.test/dopa",
        agencies_url="http://agencies.test",
        agency_credentials_file=var_dir / "mock-agencies" / "agency-credentials.json",
        bank_credentials_file=var_dir / "mock-agencies" / "bank-credentials.json",
        # Tests forward on purpose (Forwarder.run_once), so outcomes do not depend on timing.
        embedded_worker=False,
        # Know waits this long for each source agency: long enough that a busy test machine
        # never turns an answer into `timed_out` (tests of the timeout set their own).
        know_source_timeout_seconds=30.0,
        log_json=False,
    )


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> Settings:
    """The schema at head, built by the real migrations (downgrade first: a clean slate)."""
    config = alembic_config(settings.database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    return settings


@pytest.fixture(scope="session")
def seeded(migrated: Settings) -> Settings:
    """The demo catalog, imported through the same service the `seed` command uses."""
    from gateway.catalog.repository import CatalogRepository
    from gateway.catalog.service import CatalogService
    from gateway.keys import load_secrets
    from gateway.main import oidc_settings
    from gateway.pagination import CursorCodec
    from identity.clients import ensure_standard_clients
    from identity.oidc import OIDCProvider
    from kernel.clock import SystemClock

    async def seed() -> None:
        engine = create_engine(migrated)
        async with session_factory(engine)() as session:
            service = CatalogService(
                CatalogRepository(session), CursorCodec(load_secrets(migrated).secret_key)
            )
            await service.import_catalog(load_catalog(), SystemClock().now())
            await ensure_standard_clients(
                session, OIDCProvider(oidc_settings(migrated), SystemClock())
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(seed())
    return migrated


@pytest.fixture
async def app(seeded: Settings) -> AsyncIterator[FastAPI]:
    """A started gateway (lifespan run) with a fresh simulated clock and no extra holidays."""
    await reset_operator_state(seeded)
    application = create_app(seeded)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


# -- the whole stack: gateway + mock agencies, real HTTP in-process ------------------------------


@pytest.fixture
async def stack(seeded: Settings) -> AsyncIterator[Stack]:
    """The gateway and the mock agencies, with no citizens (nor anything they filed), the clock
    at the real time and no extra holidays."""
    await reset_operator_state(seeded)
    engine = create_engine(seeded)
    async with session_factory(engine)() as session, session.begin():
        await forget_citizens(session)
    await engine.dispose()

    key = seeded.dopa_consumer_key or ""
    secret = seeded.dopa_consumer_secret.get_secret_value() if seeded.dopa_consumer_secret else ""
    to_gateway = LateTransport()
    clock = GatewayTime()
    host = create_host(
        {
            "DOPA": dopa.create_app(POPULATION, consumers={key: secret}),
            "BANK": mock_bank(seeded, to_gateway, clock),
        },
        seed=3,
        device_app=device.create_app(POPULATION, 17),
    )
    to_agencies = httpx.ASGITransport(app=host)
    app = create_app(seeded, agencies_transport=to_agencies)
    to_gateway.target = httpx.ASGITransport(app=app)
    clock.of = app
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as gateway,
        httpx.AsyncClient(transport=to_agencies, base_url="http://agencies.test") as agencies,
    ):
        yield Stack(gateway, agencies, app)


# -- the whole portal: gateway + every mock agency, real HTTP both ways in-process -------------


@pytest.fixture
async def portal(seeded: Settings) -> AsyncIterator[Portal]:
    await reset_operator_state(seeded)
    engine = create_engine(seeded)
    async with session_factory(engine)() as session, session.begin():
        await forget_citizens(session)
    await engine.dispose()

    credentials = load_agency_credentials(seeded)
    to_gateway = LateTransport()
    clock = GatewayTime()

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
        "BANK": mock_bank(seeded, to_gateway, clock),
        "PEA": casework(pea, "PEA"),
        "PWA": pwa.create_app(
            consumers={credentials["PWA"].consumer_key: credentials["PWA"].consumer_secret}
        ),
        "CGD": cgd.create_app(
            population=POPULATION,
            consumers={credentials["CGD"].consumer_key: credentials["CGD"].consumer_secret},
        ),
        "NHSO": nhso.create_app(
            population=POPULATION,
            consumers={credentials["NHSO"].consumer_key: credentials["NHSO"].consumer_secret},
        ),
    }
    host = create_host(agencies, seed=3, device_app=device.create_app(POPULATION, 17))
    to_agencies = httpx.ASGITransport(app=host)
    gateway = create_app(seeded, agencies_transport=to_agencies)
    to_gateway.target = httpx.ASGITransport(app=gateway)
    clock.of = gateway
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
        yield Portal(client, agency_client, gateway, forwarder, credentials, to_gateway)
        for app in agencies.values():
            casework_state = getattr(app.state, "casework", None)
            if casework_state is not None:
                await casework_state.aclose()


@pytest.fixture(scope="session")
def pdftotext() -> Tool:
    return outside_tool("pdftotext", "poppler-utils")


@pytest.fixture(scope="session")
def pdfsig() -> Tool:
    return outside_tool("pdfsig", "poppler-utils")
