"""OIDC provider fixtures: a database holding only the provider's tables, a settable clock,
the provider with fresh keys, its clients, and a tiny FastAPI app that mounts `oidc_router` the
way the gateway will (app.state.oidc, app.state.oidc_sessions, the gateway's error handlers).

The tables come from `Base.metadata.create_all` (no migration yet) in a temporary SQLite file,
or, when CITIZEN_GATEWAY_TEST_DATABASE_URL names a PostgreSQL database, in a schema of its own
that is dropped afterwards (so the suite's migrated tables are never touched).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from gateway.errors import install_error_handlers
from identity.oidc import TABLES, ClientKind, OIDCProvider, OIDCSettings, oidc_router
from persistence import Base

from .oidc_harness import (
    AGENCY,
    AGENCY_SECRET,
    APP,
    APP_REDIRECT,
    APP_REDIRECT_2,
    CITIZEN_SCOPE,
    ISSUER,
    OPERATOR,
    OPERATOR_SECRET,
    OTHER_AGENCY,
    OTHER_AGENCY_SECRET,
    WEB,
    WEB_REDIRECT,
    FakeClock,
    Harness,
)

TEST_DATABASE_ENV = "CITIZEN_GATEWAY_TEST_DATABASE_URL"


def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@pytest.fixture
async def oidc_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = os.environ.get(TEST_DATABASE_ENV)
    schema = None
    if url is None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/oidc.db")
        event.listen(engine.sync_engine, "connect", _foreign_keys_on)
    else:
        schema = f"oidc_test_{secrets.token_hex(6)}"
        admin = create_async_engine(url)
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: Base.metadata.create_all(sync, tables=TABLES))
    yield engine
    await engine.dispose()
    if url is not None:
        admin = create_async_engine(url)
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
def oidc_sessions(oidc_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(oidc_engine, expire_on_commit=False)


@pytest.fixture
def oidc_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def oidc_settings(tmp_path: Path) -> OIDCSettings:
    return OIDCSettings(issuer=ISSUER, keys_dir=tmp_path / "keys" / "oidc")


@pytest.fixture
async def provider(
    oidc_settings: OIDCSettings,
    oidc_clock: FakeClock,
    oidc_sessions: async_sessionmaker[AsyncSession],
) -> OIDCProvider:
    provider = OIDCProvider(oidc_settings, oidc_clock)
    async with oidc_sessions() as session:
        await provider.ensure_client(
            session,
            client_id=APP,
            name="ทางรัฐ",
            kind=ClientKind.PUBLIC,
            redirect_uris=[APP_REDIRECT, APP_REDIRECT_2],
            scopes=CITIZEN_SCOPE.split(),
        )
        await provider.ensure_client(
            session,
            client_id=WEB,
            name="Citizen web client",
            kind=ClientKind.PUBLIC,
            redirect_uris=[WEB_REDIRECT],
            scopes=CITIZEN_SCOPE.split(),
        )
        for client_id, secret, scope in (
            (AGENCY, AGENCY_SECRET, "agency:DOPA"),
            (OTHER_AGENCY, OTHER_AGENCY_SECRET, "agency:DLT"),
            (OPERATOR, OPERATOR_SECRET, "admin"),
        ):
            await provider.ensure_client(
                session,
                client_id=client_id,
                name=client_id,
                kind=ClientKind.CONFIDENTIAL,
                scopes=[scope],
                secret=secret,
            )
        await session.commit()
    return provider


@pytest.fixture
def oidc_app(provider: OIDCProvider, oidc_sessions: async_sessionmaker[AsyncSession]) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)  # the gateway renders the provider's domain errors
    app.state.oidc = provider
    app.state.oidc_sessions = oidc_sessions
    app.include_router(oidc_router())
    return app


@pytest.fixture
async def oidc(
    oidc_app: FastAPI,
    provider: OIDCProvider,
    oidc_sessions: async_sessionmaker[AsyncSession],
    oidc_clock: FakeClock,
) -> AsyncIterator[Harness]:
    transport = httpx.ASGITransport(app=oidc_app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        yield Harness(provider, oidc_sessions, http, oidc_clock)
