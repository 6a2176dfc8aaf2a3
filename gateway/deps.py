"""Dependencies for endpoints, as `Annotated` aliases. Everything here comes from the one
`Runtime` that `create_app` wires; nothing is global."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.admin.clock import SharedClock
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.config import Settings
from gateway.http import RenderCache, negotiate_language, record_language
from gateway.keys import Secrets
from gateway.observability import Metrics
from gateway.pagination import CursorCodec
from identity.oidc import ADMIN, OIDCProvider
from kernel.clock import Clock
from kernel.errors import Unauthorized


@dataclass
class Runtime:
    """What one running gateway is made of: wired once in `create_app`."""

    settings: Settings
    secrets: Secrets
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    metrics: Metrics
    cursors: CursorCodec
    render_cache: RenderCache
    shared_clock: SharedClock | None  # None on the system clock


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One session per request; closing it rolls back whatever the service did not commit."""
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_language(
    request: Request,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    return record_language(request, negotiate_language(accept_language))


LangDep = Annotated[str, Depends(get_language)]


async def get_catalog(session: SessionDep, runtime: RuntimeDep) -> CatalogService:
    return CatalogService(CatalogRepository(session), runtime.cursors)


CatalogDep = Annotated[CatalogService, Depends(get_catalog)]


async def require_admin(
    request: Request,
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """Operator endpoints: an access token with the `admin` scope (client credentials of an
    operator client), or the installation's operator token (ADMIN_TOKEN) for set-up and CI."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        expected = runtime.secrets.admin_token
        if hmac.compare_digest(token.encode(), expected.encode()):
            return
        if token.count(".") == 2:  # a JWT: let the provider judge it
            provider: OIDCProvider = request.app.state.oidc
            async with runtime.sessions() as session:
                await provider.verify_access_token(session, token, required_scopes=(ADMIN,))
            return
    raise Unauthorized(
        "Send an operator access token (scope admin) as 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": 'Bearer realm="citizen-gateway-admin", scope="admin"'},
    )


AdminDep = Annotated[None, Depends(require_admin)]
