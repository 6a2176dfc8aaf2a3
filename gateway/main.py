"""`create_app(settings)`: the one place the gateway is wired together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from gateway.admin import endpoints as admin_endpoints
from gateway.admin.clock import load_offset, store_offset
from gateway.catalog import endpoints as catalog_endpoints
from gateway.config import ClockMode, Settings
from gateway.db import create_engine, session_factory
from gateway.deps import Runtime
from gateway.docs import install_docs
from gateway.errors import install_error_handlers
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
    runtime = Runtime(
        settings=settings,
        secrets=secrets,
        engine=engine,
        sessions=session_factory(engine),
        clock=clock,
        metrics=Metrics(),
        cursors=CursorCodec(secrets.secret_key),
        render_cache=RenderCache(settings.catalog_cache_seconds),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sync_task = None
        if isinstance(runtime.clock, SimulatedClock):
            if settings.clock_start is not None:
                runtime.clock.set(settings.clock_start)
                try:
                    await store_offset(runtime.sessions, runtime.clock)
                except (SQLAlchemyError, OSError) as exc:  # /readyz reports the database
                    log.warning("simulated start time not shared: %s", type(exc).__name__)
            else:
                await load_offset(runtime.sessions, runtime.clock)
            sync_task = asyncio.create_task(_follow_clock(runtime))
        log.info("gateway started", extra={"clock": settings.clock_mode.value})
        try:
            yield
        finally:
            if sync_task is not None:
                sync_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sync_task
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
    app.include_router(health_router)
    app.include_router(catalog_endpoints.router)
    app.include_router(admin_endpoints.router)
    install_docs(app)
    return app


async def _follow_clock(runtime: Runtime) -> None:
    """Keep this process on the simulated time another process may have moved."""
    assert isinstance(runtime.clock, SimulatedClock)
    while True:
        await asyncio.sleep(CLOCK_SYNC_SECONDS)
        await load_offset(runtime.sessions, runtime.clock)


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory gateway.main:app_from_env` (one per worker process)."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
