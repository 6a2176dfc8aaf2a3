"""`create_app(settings)`: the one place the gateway is wired together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from gateway.admin import endpoints as admin_endpoints
from gateway.admin.clock import SharedClock
from gateway.catalog import endpoints as catalog_endpoints
from gateway.config import ClockMode, Settings
from gateway.db import create_engine, session_factory
from gateway.deps import Runtime
from gateway.docs import install_docs
from gateway.errors import install_error_handlers, method_table
from gateway.health import router as health_router
from gateway.http import RenderCache
from gateway.keys import load_secrets
from gateway.logs import configure_logging
from gateway.observability import GatewayMiddleware, Metrics
from gateway.pagination import CursorCodec
from kernel.clock import Clock, SimulatedClock, SystemClock

log = logging.getLogger("gateway")

CLOCK_SYNC_SECONDS = 1.0

DESCRIPTION = """
One gateway through which a citizen does a whole government service — **know, submit, pay,
receive** (รู้ ยื่น จ่าย รับ) — while many agencies plug in behind it.

Every error is RFC 9457 `application/problem+json` with a stable `code`; field errors carry
`errors[]` with a JSON pointer into the request (`/query/limit`, `/body/set`). Lists are
cursor-paginated (`limit` ≤ 200, `next_cursor`). `Accept-Language: th` (default) or `en`.
"""


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    secrets = load_secrets(settings)
    engine = create_engine(settings)
    if clock is None:
        clock = SimulatedClock() if settings.clock_mode is ClockMode.SIMULATED else SystemClock()
    sessions = session_factory(engine)
    runtime = Runtime(
        settings=settings,
        secrets=secrets,
        engine=engine,
        sessions=sessions,
        clock=clock,
        metrics=Metrics(),
        cursors=CursorCodec(secrets.secret_key),
        render_cache=RenderCache(settings.catalog_cache_seconds),
        shared_clock=SharedClock(sessions, clock) if isinstance(clock, SimulatedClock) else None,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        follow = None
        if runtime.shared_clock is not None:
            await runtime.shared_clock.start(settings.clock_start)
            follow = asyncio.create_task(_follow_clock(runtime.shared_clock))
        log.info("gateway started", extra={"clock": settings.clock_mode.value})
        try:
            yield
        finally:
            if follow is not None:
                follow.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follow
            await engine.dispose()

    app = FastAPI(
        title="Citizen e-Service Gateway",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(
        GatewayMiddleware, metrics=runtime.metrics, max_body_bytes=settings.max_body_bytes
    )
    routers = [health_router, catalog_endpoints.router, admin_endpoints.router]
    for router in routers:
        app.include_router(router)
    install_docs(app)
    app.state.method_table = method_table([*routers, app.router])
    return app


async def _follow_clock(shared: SharedClock) -> None:
    """Keep this process on the simulated time another process may have moved."""
    while True:
        await asyncio.sleep(CLOCK_SYNC_SECONDS)
        await shared.refresh()


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory gateway.main:app_from_env` (one per worker process)."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
