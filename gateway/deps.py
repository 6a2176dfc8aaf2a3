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
from gateway.http import RenderCache, negotiate_language
from gateway.keys import Secrets
from gateway.observability import Metrics
from gateway.pagination import CursorCodec
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
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    return negotiate_language(accept_language)


LangDep = Annotated[str, Depends(get_language)]


async def get_catalog(session: SessionDep, runtime: RuntimeDep) -> CatalogService:
    return CatalogService(CatalogRepository(session), runtime.cursors)


CatalogDep = Annotated[CatalogService, Depends(get_catalog)]


async def require_admin(
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """Operator endpoints need the admin bearer token (OIDC admin scopes replace it later)."""
    scheme, _, token = (authorization or "").partition(" ")
    expected = runtime.secrets.admin_token
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized(
            "Send the operator token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="citizen-gateway-admin"'},
        )


AdminDep = Annotated[None, Depends(require_admin)]
