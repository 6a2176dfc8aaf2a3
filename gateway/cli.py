"""`citizen-gateway`: serve, migrate, seed, lint the catalog, declare holidays."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from gateway.config import Environment, Settings


@click.group()
def main() -> None:
    """Citizen e-service gateway simulator."""


def header_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn options that cap a request's head (request line and header fields) at
    MAX_HEADER_BYTES while it is read, before anything is parsed whole.

    The protocol is uvicorn's httptools one (llhttp, a C parser), metered by
    gateway.server.HeadCappedProtocol: a longer head is refused with 431 problem+json
    `header_fields_too_large`. The cap is uvicorn's `h11_max_incomplete_event_size`, which that
    protocol reads too; without httptools (it comes with uvicorn[standard]) the protocol is
    uvicorn's pure-Python h11 one, which refuses a longer head with a plain-text 400. The number
    of fields is capped by the app (431), as neither parser counts them."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        http = "h11"
    else:
        http = "gateway.server:HeadCappedProtocol"
    return {"http": http, "h11_max_incomplete_event_size": settings.max_header_bytes}


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Run the gateway API."""
    import uvicorn

    from gateway.keys import load_secrets

    settings = Settings()
    load_secrets(settings)  # made once here, before several workers could race to make them
    if workers > 1 and settings.is_sqlite:
        click.echo("note: several workers on SQLite share one writer; use PostgreSQL at scale")
    uvicorn.run(
        "gateway.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        **header_limits(settings),
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Apply every Alembic migration (idempotent)."""
    from alembic import command

    from gateway.db import ensure_sqlite_dir
    from gateway.migrations import alembic_config

    settings = Settings()
    ensure_sqlite_dir(settings.database_url)
    command.upgrade(alembic_config(settings.database_url), "head")
    click.echo(f"database at head: {_safe_url(settings.database_url)}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def seed(paths: tuple[Path, ...]) -> None:
    """Load the demo catalog (or the given YAML files/directories) into the database."""
    from gateway.catalog.loader import SEED_DIR, load_catalog

    catalog = load_catalog(paths or (SEED_DIR,))
    agencies, services = asyncio.run(_import(Settings(), catalog))
    click.echo(
        f"seeded {agencies} agencies, {services} e-services, the mobile app client "
        "and the agencies' back-end clients"
    )


async def _import(settings: Settings, catalog: object) -> tuple[int, int]:
    from gateway.catalog.definitions import CatalogFile
    from gateway.catalog.repository import CatalogRepository
    from gateway.catalog.service import CatalogService
    from gateway.credentials import ensure_agency_clients, load_agency_credentials
    from gateway.db import create_engine, session_factory
    from gateway.keys import load_secrets
    from gateway.main import oidc_settings
    from gateway.pagination import CursorCodec
    from identity import OIDCProvider, ensure_standard_clients
    from kernel.clock import SystemClock

    assert isinstance(catalog, CatalogFile)
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            service = CatalogService(
                CatalogRepository(session), CursorCodec(load_secrets(settings).secret_key)
            )
            counts = await service.import_catalog(catalog, dt.datetime.now(dt.UTC))
            provider = OIDCProvider(oidc_settings(settings), SystemClock())
            await ensure_standard_clients(session, provider)
            await ensure_agency_clients(session, provider, load_agency_credentials(settings))
            await session.commit()
            return counts
    finally:
        await engine.dispose()


@main.group()
def catalog() -> None:
    """The e-service catalog."""


@catalog.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finding.")
def lint_command(paths: tuple[Path, ...], as_json: bool) -> None:
    """Report definitions breaking R-LFA.1, R-7.2, R-7.3 or R-12.1; exit 1 if any do."""
    from gateway.catalog.lint import lint
    from gateway.catalog.loader import SEED_DIR, CatalogFileError, load_catalog

    try:
        loaded = load_catalog(paths or (SEED_DIR,))
    except CatalogFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    findings = lint(loaded.services, loaded.agencies, dt.datetime.now(dt.UTC).date())
    for f in findings:
        if as_json:
            click.echo(json.dumps(f.__dict__, ensure_ascii=False))
        else:
            click.echo(f"{f.service_id}  {f.rule}  {f.check}  {f.where}: {f.message}")
    broken = len({f.service_id for f in findings})
    click.echo(
        f"{len(loaded.services)} services checked, {broken} with findings, "
        f"{len(findings)} findings",
        err=as_json,
    )
    sys.exit(1 if findings else 0)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--agencies-port", default=8100, show_default=True, type=int)
def urls(host: str, port: int, agencies_port: int) -> None:
    """Print where everything is served, and the operator token for /v1/admin."""
    from gateway.credentials import dopa_consumer
    from gateway.keys import load_secrets

    settings = Settings()
    base = f"http://{host}:{port}"
    token_file = settings.var_dir / "keys" / "admin-token"
    token_hint = (
        f"in {token_file}" if settings.admin_token is None else "CITIZEN_GATEWAY_ADMIN_TOKEN"
    )
    load_secrets(settings)  # make sure the development keys exist before the first request
    dopa_consumer(settings)  # and the registry consumer pair, before the mock registry starts
    rows = [
        ("gateway API", f"{base}/v1/services"),
        ("API docs (Swagger UI)", f"{base}/docs"),
        ("OpenAPI schema", f"{base}/openapi.json"),
        ("health / readiness", f"{base}/healthz  {base}/readyz"),
        ("metrics (Prometheus)", f"{base}/metrics"),
        ("mock agencies", f"http://{host}:{agencies_port}/"),
        ("operator token", token_hint),
        ("database", _safe_url(settings.database_url)),
        ("clock", settings.clock_mode.value),
    ]
    width = max(len(name) for name, _ in rows)
    click.echo("\nCitizen e-service gateway simulator")
    for name, value in rows:
        click.echo(f"  {name.ljust(width)}  {value}")
    click.echo("")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=int)
def agencies(host: str, port: int) -> None:
    """Run the mock agencies and the mock bank as one ASGI app."""
    import uvicorn

    # By import string: the gateway never imports the mock agencies' code.
    uvicorn.run(
        "mock_agencies.app:create_app",
        factory=True,
        host=host,
        port=port,
        access_log=False,
        **header_limits(Settings()),
    )


@main.group()
def identity() -> None:
    """Identity proofing."""


@identity.command("purge")
def identity_purge() -> None:
    """Erase what finished or abandoned logins left: expired challenges' card data, spent
    attempt counters, expired codes and tokens. Safe to run at any time (e.g. hourly)."""
    from gateway.db import create_engine, session_factory
    from gateway.main import oidc_settings
    from identity import OIDCProvider, purge_abandoned
    from kernel.clock import SystemClock

    settings = Settings()

    async def run() -> None:
        engine = create_engine(settings)
        clock = SystemClock()
        try:
            async with session_factory(engine)() as session:
                expired, counters = await purge_abandoned(session, clock.now())
                purged = await OIDCProvider(oidc_settings(settings), clock).purge_expired(session)
                await session.commit()
        finally:
            await engine.dispose()
        click.echo(
            f"expired {expired} abandoned challenges, removed {counters} attempt counters; "
            f"tokens: {purged}"
        )

    asyncio.run(run())


@identity.command("face-report")
@click.option("--people", default=1000, show_default=True, type=int)
@click.option("--scans", default=2, show_default=True, type=int, help="genuine and impostor each")
def face_report(people: int, scans: int) -> None:
    """False-accept and false-reject rates of the face matcher at the configured threshold,
    over scans from the simulated phone (needs `citizen-gateway agencies` running)."""
    import httpx

    from connectors.api.dopa import DopaConfig, DopaRegistry
    from gateway.credentials import dopa_consumer
    from gateway.face_report import face_error_rates
    from identity import CosineMatcher

    settings = Settings()

    async def run() -> None:
        key, secret = dopa_consumer(settings)
        registry = DopaRegistry(
            DopaConfig(
                settings.dopa_url or f"{settings.agencies_url.rstrip('/')}/dopa",
                key,
                secret,
                settings.dopa_agent_id,
            )
        )
        async with httpx.AsyncClient(base_url=settings.agencies_url, timeout=30) as device:
            rates = await face_error_rates(
                CosineMatcher(settings.face_match_threshold), registry, device, people, scans
            )
        await registry.aclose()
        click.echo(
            f"threshold {rates.threshold}: {rates.genuine} genuine scans, "
            f"{rates.impostor} impostor scans\n"
            f"  false rejects {rates.false_rejects} (FRR {rates.frr:.3%})\n"
            f"  false accepts {rates.false_accepts} (FAR {rates.far:.3%})"
        )

    asyncio.run(run())


@main.group()
def keys() -> None:
    """Token-signing keys of the OpenID Connect provider."""


@keys.command("provision")
def keys_provision() -> None:
    """Create the first signing key if there is none (run once before production starts)."""
    from gateway.main import oidc_settings
    from identity import provision
    from kernel.clock import SystemClock

    settings = oidc_settings(Settings())
    provision(settings.keys_dir, SystemClock())
    click.echo(f"signing keys ready in {settings.keys_dir}")


@keys.command("rotate")
def keys_rotate() -> None:
    """Make a new current signing key; the old one stays published for the grace period."""
    from gateway.main import oidc_settings
    from identity import OIDCProvider
    from kernel.clock import SystemClock

    kid = OIDCProvider(oidc_settings(Settings()), SystemClock()).rotate_keys()
    click.echo(f"new signing key {kid}")


@main.group()
def clients() -> None:
    """OAuth clients of servers: operators (scope admin) and agencies (scope agency:CODE)."""


@clients.command("add")
@click.argument("client_id")
@click.option("--name", required=True, help="Who the client is, for operators reading logs.")
@click.option(
    "--scope", "scopes", multiple=True, required=True, help="admin or agency:CODE (repeatable)"
)
def clients_add(client_id: str, name: str, scopes: tuple[str, ...]) -> None:
    """Register a confidential client for client credentials and print its secret, once."""
    import secrets as secret_tokens

    from gateway.db import create_engine, session_factory
    from gateway.main import oidc_settings
    from identity import ClientKind, OIDCProvider
    from kernel.clock import SystemClock

    settings = Settings()
    secret = secret_tokens.token_urlsafe(32)

    async def run() -> None:
        engine = create_engine(settings)
        try:
            async with session_factory(engine)() as session:
                provider = OIDCProvider(oidc_settings(settings), SystemClock())
                await provider.ensure_client(
                    session,
                    client_id=client_id,
                    name=name,
                    kind=ClientKind.CONFIDENTIAL,
                    scopes=list(scopes),
                    secret=secret,
                )
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())
    click.echo(f"client_id     {client_id}\nclient_secret {secret}\n(shown once; stored hashed)")


@main.group()
def audit() -> None:
    """The audit log (R-15.1)."""


@audit.command("verify")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(min=1))
def audit_verify(batch: int) -> None:
    """Recompute the audit log's hash chain; exit 1 naming the first broken link if any."""
    from gateway.audit import ChainReport, verify
    from gateway.db import create_engine, session_factory

    settings = Settings()

    async def run() -> ChainReport:
        engine = create_engine(settings)
        try:
            async with session_factory(engine)() as session:
                return await verify(session, batch=batch)
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    if report.ok:
        click.echo(
            f"audit log intact: {report.entries_checked} entries, "
            f"head seq {report.head_seq} hash {report.head_hash}"
        )
        return
    where = "" if report.first_broken_seq is None else f" at seq {report.first_broken_seq}"
    click.echo(f"audit log BROKEN{where}: {report.reason}")
    click.echo(f"{report.entries_checked} entries verified before the break")
    sys.exit(1)


@main.group()
def jobs() -> None:
    """Scheduled jobs (`serve` runs them itself every JOBS_INTERVAL_SECONDS)."""


@jobs.command("run")
def jobs_run() -> None:
    """Run the scheduled jobs once, at the gateway's time (simulated time included): overdue
    notices every 7 days until done, copied to OPDC (R-LFA.4). Safe alongside `serve`."""
    from gateway.jobs import run_once
    from gateway.main import create_app

    settings = Settings()

    async def run() -> dict[str, int]:
        app = create_app(settings.model_copy(update={"jobs_interval_seconds": 0}))
        async with app.router.lifespan_context(app):
            return await run_once(
                app.state.runtime, app.state.applications, app.state.connectors, app.state.payments
            )

    for what, count in asyncio.run(run()).items():
        click.echo(f"{what}: {count}")


@main.command()
@click.option("--gateway", "gateway_url", default=None, help="Default: PUBLIC_URL.")
@click.option("--agencies", "agencies_url", default=None, help="Default: AGENCIES_URL.")
def demo(gateway_url: str | None, agencies_url: str | None) -> None:
    """Drive demo citizen 1 through know → identify → submit → track over HTTP (the gateway
    and the mock agencies must be running, e.g. `make run`)."""
    from gateway.demo import DemoFailed, run_against

    settings = Settings()
    try:
        asyncio.run(
            run_against(
                gateway_url or settings.public_url,
                agencies_url or settings.agencies_url,
                click.echo,
                settings.var_dir / "demo",
            )
        )
    except (DemoFailed, OSError) as exc:
        click.echo(f"demo failed: {exc}", err=True)
        sys.exit(1)


@main.command()
@click.option(
    "--citizen",
    "number",
    required=True,
    type=click.IntRange(min=1),
    help="The demo citizen's number in docs/demo-citizens.md (1 is the one `demo` uses).",
)
@click.option("--base-url", default=None, help="The gateway. Default: PUBLIC_URL.")
@click.option(
    "--agencies-url",
    default=None,
    help="The mock agencies (the simulated phone). Default: AGENCIES_URL.",
)
@click.option(
    "--scope", default=None, help="The scopes to ask for. Default: the app's, as `demo` asks."
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole token response as JSON.")
def token(
    number: int,
    base_url: str | None,
    agencies_url: str | None,
    scope: str | None,
    as_json: bool,
) -> None:
    """Print an access token for demo citizen N, got through the app's real login over HTTP
    (card and laser code, a face scan on the simulated phone, the code exchanged with PKCE),
    e.g. TOKEN=$(citizen-gateway token --citizen 1). Development only: the gateway and the
    mock agencies must be running (`make run`)."""
    import httpx
    import pydantic

    from gateway.demo import APP_SCOPE, DEMO_CITIZENS, DemoFailed, token_for

    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        click.echo(f"token: the settings are not valid: {exc}", err=True)
        sys.exit(2)
    # Demo citizens and the simulated phone exist only in development; production refuses, as
    # it refuses simulated time and generated keys.
    if settings.env is Environment.PRODUCTION:
        click.echo(
            "token: a development helper; refused with CITIZEN_GATEWAY_ENV=production", err=True
        )
        sys.exit(2)
    if number > len(DEMO_CITIZENS):
        raise click.BadParameter(
            f"the demo citizens are 1 to {len(DEMO_CITIZENS)} (docs/demo-citizens.md)",
            param_hint="--citizen",
        )
    try:
        tokens = asyncio.run(
            token_for(
                base_url or settings.public_url,
                agencies_url or settings.agencies_url,
                DEMO_CITIZENS[number - 1],
                scope or APP_SCOPE,
            )
        )
    except DemoFailed as exc:
        click.echo(f"token: login of demo citizen {number} failed: {exc}", err=True)
        sys.exit(1)
    except httpx.HTTPError as exc:
        click.echo(
            f"token: {exc.request.url} cannot be reached ({type(exc).__name__}: {exc}); "
            "is the stack running (`make run`)?",
            err=True,
        )
        sys.exit(1)
    click.echo(json.dumps(tokens, indent=2) if as_json else tokens["access_token"])


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
def worker(once: bool) -> None:
    """An outbox worker: forwards submitted applications to their agencies. Run any number on
    PostgreSQL (they share the queue); on SQLite `serve` runs one itself."""
    import signal

    from gateway.forwarding.worker import Forwarder
    from gateway.main import create_app, freeze_start_up

    settings = Settings()

    async def run() -> None:
        app = create_app(
            settings.model_copy(update={"embedded_worker": False, "jobs_interval_seconds": 0})
        )
        freeze_start_up()
        async with app.router.lifespan_context(app):
            forwarder = Forwarder(app.state.runtime, app.state.applications, app.state.connectors)
            if once:
                done = await forwarder.run_once()
                click.echo(
                    f"delivered {sum(d.outcome == 'delivered' for d in done)} of {len(done)}"
                )
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            click.echo(f"worker {forwarder.name} forwarding (Ctrl-C stops)")
            await forwarder.run(stop)

    asyncio.run(run())


@main.group()
def payments() -> None:
    """Pay (R-7.4): the daily reconciliation with the bank and its benchmark."""


@payments.command("reconcile")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The Bangkok day (default: yesterday, by the gateway's clock).",
)
@click.option(
    "--statement",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read the statement from this CSV file instead of asking the bank.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the report goes (default: VAR_DIR/reports).",
)
def payments_reconcile(day: dt.datetime | None, statement: Path | None, out: Path | None) -> None:
    """Reconcile a day's settlement statement with the portal's books: payments the portal
    never heard of (counter payments) are applied, every exception queues for operators
    (/v1/admin/payments/exceptions), and the day's report is written as Markdown and JSON."""
    from gateway.main import create_app
    from gateway.payments.reconciliation import Reconciled, Reconciliation
    from kernel.working_time import BANGKOK

    settings = Settings()
    raw = statement.read_bytes() if statement else None

    async def run() -> Reconciled:
        app = create_app(settings.model_copy(update={"jobs_interval_seconds": 0}))
        async with app.router.lifespan_context(app):
            state = app.state
            when = (
                day.date()
                if day
                else (state.runtime.clock.now().astimezone(BANGKOK).date() - dt.timedelta(days=1))
            )
            return await Reconciliation(state.runtime, state.applications, state.payments).run(
                when, raw
            )

    done = asyncio.run(run())
    folder = out or settings.var_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"reconciliation-{done.day.isoformat()}"
    stem.with_suffix(".md").write_text(done.report.to_markdown(), encoding="utf-8")
    payload = {**done.report.as_json(), "applied": done.applied}
    stem.with_suffix(".json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    lines = sum(tally.count for tally in done.report.statement.values())
    click.echo(
        f"{done.day}: {lines} statement lines, {len(done.report.exceptions)} exceptions, "
        f"applied {done.applied or 'nothing'}; {done.timings.total:.2f} s"
    )
    click.echo(f"report: {stem.with_suffix('.md')} and .json")


@payments.command("bench-reconcile")
@click.option("--lines", default=100_000, show_default=True, type=click.IntRange(min=100))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--database",
    default=None,
    help="A database URL to fill (default: a new SQLite file under a temporary directory).",
)
def payments_bench_reconcile(lines: int, seed: int, database: str | None) -> None:
    """Time the reconciliation of a generated day of LINES statement lines against as many
    payments in the portal's books (payments.synthetic), on a fresh database; prints where the
    time goes."""
    from gateway.payments_bench import bench_reconcile

    for row in bench_reconcile(lines, seed, database):
        click.echo(row)


@main.group()
def know() -> None:
    """Know for the signed-in citizen: entitlements and government data."""


@know.command("bench")
@click.option("--calls", default=1000, show_default=True, type=click.IntRange(min=1, max=4000))
@click.option(
    "--slow",
    default=None,
    help="Also time cold calls with this agency slowed by its fault knob (e.g. CGD).",
)
@click.option("--slow-ms", default=3000, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--slow-calls",
    default=200,
    show_default=True,
    type=click.IntRange(min=1, max=4000),
    help="Cold calls with the agency slowed (each waits the source timeout).",
)
@click.option("--gateway", "gateway_url", default=None, help="Default: PUBLIC_URL.")
@click.option("--agencies", "agencies_url", default=None, help="Default: AGENCIES_URL.")
def know_bench(
    calls: int,
    slow: str | None,
    slow_ms: int,
    slow_calls: int,
    gateway_url: str | None,
    agencies_url: str | None,
) -> None:
    """Time GET /v1/me/entitlements over HTTP against the running stack (`make run`): CALLS
    warm calls by one citizen, then the first call of CALLS different citizens (cold)."""
    import httpx

    from gateway.demo import DemoFailed
    from gateway.know_bench import HEADER, bench

    settings = Settings()
    click.echo(f"source timeout {settings.know_source_timeout_seconds} s")
    click.echo(HEADER)
    try:
        asyncio.run(
            bench(
                gateway_url or settings.public_url,
                agencies_url or settings.agencies_url,
                calls=calls,
                slow=slow.upper() if slow else None,
                slow_ms=slow_ms,
                slow_calls=slow_calls,
                say=click.echo,
            )
        )
    except (DemoFailed, httpx.HTTPError) as exc:
        click.echo(f"know bench failed: {exc}", err=True)
        sys.exit(1)


@main.group()
def documents() -> None:
    """E-documents: issuance."""


@documents.command("bench-issue")
@click.option("--count", default=500, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--database",
    default=None,
    help="A database URL to fill (default: a new SQLite file under a temporary directory).",
)
def documents_bench_issue(count: int, database: str | None) -> None:
    """Time COUNT documents issued by one worker (rendered, PAdES-signed, time-stamped, stored,
    in the wallet, the application moved to issued) on a fresh database."""
    from gateway.documents_bench import bench_issue

    for row in bench_issue(count, database):
        click.echo(row)


@documents.command("check")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gateway", "gateway_url", default=None, help="Default: PUBLIC_URL.")
def documents_check(pdf: Path, gateway_url: str | None) -> None:
    """Check an e-document's signature offline, as any PAdES validator would: the signed
    bytes unchanged, the signature right, the agency's certificate chaining to the gateway's
    published document root, the time-stamp from its TSA. Only the two root certificates are
    fetched (from GATEWAY's /v1/trust/...); the chain and CRL come from the PDF itself."""
    import httpx

    from documents.pades import check_signature

    base = (gateway_url or Settings().public_url).rstrip("/")
    try:
        roots = "".join(
            httpx.get(f"{base}{path}", timeout=10).raise_for_status().text
            for path in ("/v1/trust/documents/ca.pem", "/v1/trust/ca.pem")
        )
    except httpx.HTTPError as exc:
        click.echo(f"could not fetch the trust roots from {base}: {exc}", err=True)
        sys.exit(2)
    try:
        found = asyncio.run(check_signature(pdf.read_bytes(), roots))
    except ValueError as exc:
        click.echo(f"{pdf}: {exc}", err=True)
        sys.exit(1)
    yes = {True: "yes", False: "NO"}
    click.echo(f"{pdf}: signed by {found.signer}")
    click.echo(f"  unchanged since signed:    {yes[found.intact]}")
    click.echo(f"  signature valid:           {yes[found.valid]}")
    click.echo(f"  chains to the gateway CA:  {yes[found.trusted]}")
    click.echo(f"  whole file signed:         {yes[found.covers_whole_file]}")
    stamped = found.timestamped_at.isoformat() if found.timestamped_at else "NO"
    click.echo(f"  time-stamped (RFC 3161):   {stamped}")
    click.echo("valid" if found.good else "NOT VALID")
    sys.exit(0 if found.good else 1)


@documents.command("revoke-signer")
@click.argument("agency")
@click.option(
    "--reason",
    default="keyCompromise",
    show_default=True,
    help="An RFC 5280 reason: keyCompromise, affiliationChanged, superseded, "
    "cessationOfOperation, ...",
)
def documents_revoke_signer(agency: str, reason: str) -> None:
    """Revoke AGENCY's document-signing certificate (development CA only): it is listed on
    the CRL at once, and the next document the agency issues gets a new certificate."""
    from documents.trust import DocumentTrust, DocumentTrustError

    settings = Settings()
    try:
        trust = DocumentTrust.load_or_create(
            settings.var_dir / "keys" / "documents",
            production=settings.env is Environment.PRODUCTION,
            crl_url=None,
        )
        serial = trust.revoke(agency.upper(), reason)
    except (DocumentTrustError, ValueError) as exc:
        click.echo(f"not revoked: {exc}", err=True)
        sys.exit(1)
    click.echo(f"revoked {agency.upper()}'s document-signing certificate {serial:x} ({reason})")


from gateway.certification_cli import certification_verify, certify  # noqa: E402

main.add_command(certify)
main.add_command(certification_verify)
