"""`create_app(settings)`: the one place the gateway is wired together."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import importlib.metadata
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.api.dopa import DopaConfig, DopaRegistry
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.registry import GROUP as CONNECTOR_GROUP
from connectors.registry import ConnectorRegistry
from gateway import jobs
from gateway.access import endpoints as access_endpoints
from gateway.admin import endpoints as admin_endpoints
from gateway.applications import agency_endpoints
from gateway.applications import endpoints as application_endpoints
from gateway.applications.context import ApplicationsRuntime, Limits
from gateway.applications.repository import last_case_changes
from gateway.audit.access import record_login_reads
from gateway.catalog import endpoints as catalog_endpoints
from gateway.certification_keys import certification_signer
from gateway.clock import SharedClock
from gateway.config import ClockMode, Environment, Settings
from gateway.credentials import AgencyCredentials, dopa_consumer, load_agency_credentials
from gateway.db import create_engine, session_factory
from gateway.deps import Runtime
from gateway.docs import install_docs
from gateway.documents import endpoints as document_endpoints
from gateway.documents import public_endpoints as document_public
from gateway.documents import register_endpoints
from gateway.documents.signing import DocumentSigning
from gateway.errors import install_error_handlers, method_table
from gateway.forwarding import admin_endpoints as outbox_admin
from gateway.forwarding import endpoints as callback_endpoints
from gateway.forwarding import web_endpoints as web_integration
from gateway.forwarding.outbox import AgencyOutbox, DocumentQueue
from gateway.forwarding.worker import Forwarder
from gateway.health import router as health_router
from gateway.http import CachedReads, RenderCache, ResponseHeadersMiddleware
from gateway.issuance import agency_endpoints as issuance_agency
from gateway.issuance import endpoints as issuance_endpoints
from gateway.keys import load_secrets
from gateway.know import endpoints as know_endpoints
from gateway.know.service import KnowRuntime, log_fetches
from gateway.logs import configure_logging
from gateway.observability import GatewayMiddleware, Metrics
from gateway.onboarding import endpoints as onboarding_endpoints
from gateway.openapi import install_openapi
from gateway.pagination import CursorCodec
from gateway.payments import admin_endpoints as payment_admin
from gateway.payments import agency_endpoints as payment_agency
from gateway.payments import endpoints as payment_endpoints
from gateway.payments.fees import FeeBook
from gateway.payments.runtime import PaymentsRuntime, payments_runtime
from gateway.ratelimit import RateLimiter
from gateway.receipts import endpoints as trust_endpoints
from gateway.receipts.signer import ReceiptSigner
from gateway.receipts.tsa import TimestampAuthority
from gateway.storage import BlobStore, store_from_settings
from gateway.storage.uploads import multipart_body_limit
from gateway.tracking import endpoints as inbox_endpoints
from identity import (
    PER_CLIENT,
    PER_ID,
    CitizenDirectory,
    CosineMatcher,
    IdentityRuntime,
    OIDCProvider,
    OIDCSettings,
    VerificationSettings,
    connect,
    me_router,
    oidc_router,
    verification_router,
)
from kernel.clock import Clock, SimulatedClock, SystemClock
from kernel.crypto import PIIVault
from kernel.working_time import BANGKOK

log = logging.getLogger("gateway")

CLOCK_SYNC_SECONDS = 1.0
UPLOAD_PATH = re.compile(r"^/v1/applications/[^/]+/attachments$")

DESCRIPTION = """
One gateway through which a citizen does a whole government service — **know, submit, pay,
receive** (รู้ ยื่น จ่าย รับ) — while many agencies plug in behind it.

Every error is RFC 9457 `application/problem+json` with a stable `code`; field errors carry
`errors[]` with a JSON pointer into the request (`/query/limit`, `/body/set`). Lists are
cursor-paginated (`limit` ≤ 200, `next_cursor`). `Accept-Language: th` (default) or `en`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    agencies_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The gateway. `agencies_transport` replaces the network to the agencies (tests pass an
    `httpx.ASGITransport` to the mock agencies, so every call is still real HTTP)."""
    settings = settings or Settings()
    secrets = load_secrets(settings)
    engine = create_engine(settings)
    if clock is None:
        clock = SimulatedClock() if settings.clock_mode is ClockMode.SIMULATED else SystemClock()
    sessions = session_factory(engine)
    vault = PIIVault({"k1": secrets.pii_encryption_key}, "k1", secrets.pii_index_key)
    store = store_from_settings(settings)
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
        vault=vault,
        store=store,
    )

    identity = _identity_runtime(settings, vault, sessions, clock, agencies_transport)
    oidc = OIDCProvider(oidc_settings(settings), clock)
    connect(identity, oidc)
    identity.record_reads = record_login_reads  # a login's registry reads: the access log
    agency_credentials = load_agency_credentials(settings)
    connectors = ConnectorRegistry.load(
        connector_configs(settings, agency_credentials),
        transport=agencies_transport,
        # Circuit breakers keep the gateway's time, so a simulated day passes for them too.
        clock=lambda: clock.now().timestamp(),
    )
    applications = _applications_runtime(settings, identity, store, sessions, clock, connectors)
    payments = payments_runtime(settings, applications.signer, agencies_transport)
    applications.fees = FeeBook(payments)
    # One jwks_uri verifies both tokens and receipts (R-10.4: verifiable offline).
    oidc.also_published.extend(applications.signer.jwks()["keys"])

    know = KnowRuntime(
        registry=identity.registry,
        connectors=connectors,
        directory=applications.directory,
        now=clock.now,
        write_fetches=lambda fetches: log_fetches(runtime, fetches),
        case_changes=last_case_changes,
        timeout=settings.know_source_timeout_seconds,
        timeouts=settings.know_source_timeouts,
        max_age=dt.timedelta(seconds=settings.know_max_age_seconds),
        catalog_seconds=settings.catalog_cache_seconds,
    )
    lifespan = _lifespan(runtime, applications, connectors, identity, payments, know)
    app = FastAPI(
        title="Citizen e-Service Gateway",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.identity = identity
    app.state.oidc = oidc
    app.state.oidc_sessions = sessions
    app.state.applications = applications
    app.state.payments = payments
    app.state.tsa = applications.tsa
    app.state.signing = applications.signing
    app.state.public_limiter = RateLimiter(settings.public_rate_per_minute)
    app.state.receipt_signer = applications.signer
    app.state.certification_signer = certification_signer(settings)
    app.state.agency_credentials = agency_credentials
    app.state.connectors = connectors
    app.state.know = know
    # An undeclared problem code fails loudly in development and tests, never in production.
    install_error_handlers(app, refuse_unknown_codes=settings.env is not Environment.PRODUCTION)
    app.add_middleware(CachedReads, cache=runtime.render_cache)
    app.add_middleware(ResponseHeadersMiddleware, max_header_count=settings.max_header_count)
    app.add_middleware(
        GatewayMiddleware,
        metrics=runtime.metrics,
        max_body_bytes=settings.max_body_bytes,
        # Uploads stream up to the application's whole allowance (plus multipart framing);
        # the upload itself enforces the per-file and per-application caps exactly.
        larger_bodies=[
            (
                UPLOAD_PATH,
                multipart_body_limit(
                    max_total_bytes=settings.max_application_bytes,
                    max_files=settings.max_attachments,
                ),
            ),
        ],
    )
    routers = [
        health_router,
        catalog_endpoints.router,
        verification_router,
        oidc_router(),
        me_router,
        application_endpoints.router,
        inbox_endpoints.router,
        know_endpoints.router,
        document_endpoints.router,
        document_public.router,
        register_endpoints.router,
        issuance_endpoints.router,
        payment_endpoints.router,
        agency_endpoints.router,
        callback_endpoints.router,
        web_integration.router,
        trust_endpoints.router,
        outbox_admin.router,
        payment_admin.router,
        payment_agency.router,
        issuance_agency.router,
        admin_endpoints.router,
        onboarding_endpoints.router,
        access_endpoints.router,
    ]
    for router in routers:
        app.include_router(router)
    install_docs(app)
    install_openapi(app, routers)  # errors, security: the document matches the server
    app.state.method_table = method_table([*routers, app.router])
    return app


def _lifespan(
    runtime: Runtime,
    applications: ApplicationsRuntime,
    connectors: ConnectorRegistry,
    identity: IdentityRuntime,
    payments: PaymentsRuntime,
    know: KnowRuntime,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """Start-up and shut-down: the shared clock, the scheduled jobs, the embedded worker."""
    settings, engine = runtime.settings, runtime.engine

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        background: list[asyncio.Task[None]] = []
        if runtime.shared_clock is not None:
            await runtime.shared_clock.start(settings.clock_start)
            background.append(asyncio.create_task(_follow_clock(runtime.shared_clock)))
        if settings.jobs_interval_seconds > 0:
            background.append(
                asyncio.create_task(
                    jobs.run_periodically(
                        runtime, applications, settings.jobs_interval_seconds, connectors, payments
                    )
                )
            )
        stop_worker = asyncio.Event()
        if settings.runs_embedded_worker:
            forwarder = Forwarder(runtime, applications, connectors)
            app.state.forwarder = forwarder
            background.append(asyncio.create_task(forwarder.run(stop_worker)))
        log.info("gateway started", extra={"clock": settings.clock_mode.value})
        try:
            yield
        finally:
            stop_worker.set()
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await runtime.render_cache.aclose()
            await know.settle()
            await connectors.aclose()
            await payments.bank.aclose()
            await identity.registry.aclose()
            await engine.dispose()

    return lifespan


def _applications_runtime(
    settings: Settings,
    identity: IdentityRuntime,
    store: BlobStore,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    connectors: ConnectorRegistry,
) -> ApplicationsRuntime:
    production = settings.env is Environment.PRODUCTION
    keys_dir = settings.var_dir / "keys"
    tsa = TimestampAuthority.load_or_create(keys_dir / "tsa", production=production, clock=clock)
    return ApplicationsRuntime(
        vault=identity.vault,
        signer=ReceiptSigner.load_or_create(keys_dir / "receipts", production=production),
        tsa=tsa,
        store=store,
        registry=identity.registry,
        directory=CitizenDirectory(identity.vault),
        to_agencies=AgencyOutbox(),
        connectors=connectors,
        issuer=settings.public_url.rstrip("/"),
        limits=Limits(
            max_attachment_bytes=settings.max_attachment_bytes,
            max_application_bytes=settings.max_application_bytes,
            max_attachments=settings.max_attachments,
        ),
        json_body_limit=settings.max_body_bytes,
        number_sessions=sessions,
        issuance=DocumentQueue(),
        signing=DocumentSigning.load_or_create(
            keys_dir / "documents",
            tsa,
            public_url=settings.public_url,
            production=production,
            clock=clock,
        ),
    )


def connector_configs(
    settings: Settings, credentials: dict[str, AgencyCredentials]
) -> dict[str, ConnectorConfig]:
    """One connector configuration per agency the gateway holds credentials for; each agency's
    back end lives at AGENCIES_URL/<code>."""
    base = settings.agencies_url.rstrip("/")
    # Agencies without a connector are platform or web kind: nothing to call.
    installed = {e.name.upper() for e in importlib.metadata.entry_points(group=CONNECTOR_GROUP)}
    options = {code.upper(): values for code, values in settings.connector_options.items()}
    return {
        code: ConnectorConfig(
            agency_code=code,
            base_url=f"{base}/{code.lower()}",
            consumer_key=entry.consumer_key,
            consumer_secret=entry.consumer_secret,
            agent_id=settings.dopa_agent_id,
            timeout_seconds=10.0,
            # Quick retries within one delivery; the outbox retries on a longer backoff.
            policy=PolicyConfig(max_attempts=2, base_delay_seconds=0.2, max_delay_seconds=1.0),
            options=options.get(code, {}),
            # In production a connector refuses an agency it would reach over plain HTTP.
            require_tls=settings.env is Environment.PRODUCTION,
        )
        for code, entry in credentials.items()
        if code in installed
    }


def oidc_settings(settings: Settings) -> OIDCSettings:
    return OIDCSettings(
        issuer=settings.public_url.rstrip("/"),
        keys_dir=settings.var_dir / "keys" / "oidc",
        production=settings.env is Environment.PRODUCTION,
    )


def _identity_runtime(
    settings: Settings,
    vault: PIIVault,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None,
) -> IdentityRuntime:
    consumer_key, consumer_secret = dopa_consumer(settings)
    registry = DopaRegistry(
        DopaConfig(
            base_url=settings.dopa_url or f"{settings.agencies_url.rstrip('/')}/dopa",
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            agent_id=settings.dopa_agent_id,
        ),
        transport=transport,
        # Household members' ages (children under 6) on the gateway's day, simulated or not.
        today=lambda: clock.now().astimezone(BANGKOK).date(),
    )
    return IdentityRuntime(
        sessions=sessions,
        registry=registry,
        matcher=CosineMatcher(settings.face_match_threshold),
        vault=vault,
        clock=clock,
        settings=VerificationSettings(
            assurance_by_method={
                "card": settings.assurance_card_only.value,
                "card+face+liveness": settings.assurance_card_face_liveness.value,
            },
            per_id=replace(PER_ID, max_failures=settings.login_max_failures_per_id),
            per_client=replace(PER_CLIENT, max_failures=settings.login_max_failures_per_client),
        ),
    )


async def _follow_clock(shared: SharedClock) -> None:
    """Keep this process on the simulated time another process may have moved."""
    while True:
        await asyncio.sleep(CLOCK_SYNC_SECONDS)
        await shared.refresh()


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory gateway.main:app_from_env` (one per worker process)."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    freeze_start_up()
    return app


def freeze_start_up() -> None:
    """Everything loaded so far (the modules, among them the PDF and signing libraries, and
    the app) lives as long as the process: kept out of the collector's generations, it is not
    scanned again on every full collection a busy process triggers (with those libraries a
    full collection otherwise walks some 250,000 objects, about 130 ms of CPU). For the
    processes that serve or work, never for tests that build many apps."""
    gc.collect()
    gc.freeze()
