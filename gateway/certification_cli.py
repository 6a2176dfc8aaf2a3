"""`citizen-gateway certify` (the conformance checks against an agency's connector, its reports
and signed summary) and `citizen-gateway certification-verify` (check a summary's signature
against the gateway's published key, and the report it stands for).

Registered on the `citizen-gateway` group at the end of `gateway/cli.py`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import click

from gateway.config import Settings

if TYPE_CHECKING:
    from connectors.base import Connector
    from connectors.certification import Burst, Certification, Sample
    from connectors.certification.callbacks import CallbackReceiver
    from connectors.config import ConnectorConfig
    from gateway.receipts.signer import CertificationSigner

#: Where the gateway publishes the key that signs certification summaries (below PUBLIC_URL).
JWKS_PATH = "/v1/trust/certification-keys"
POLICIES = ("critical", "high", "medium", "low")


def _cannot_certify(message: str) -> NoReturn:
    click.echo(f"certify: {message}", err=True)
    sys.exit(2)


def _warn(message: str) -> None:
    click.echo(f"certify: warning: {message}", err=True)


def _certification_config(settings: Settings, code: str, base_url: str | None) -> ConnectorConfig:
    """The agency's connector configuration as the gateway builds it from settings (credentials
    from AGENCY_CREDENTIALS or the development file), or exit 2 naming what is missing."""
    import importlib.metadata

    import pydantic

    from connectors.registry import GROUP
    from gateway.credentials import load_agency_credentials
    from gateway.main import connector_configs

    registered = sorted({e.name.upper() for e in importlib.metadata.entry_points(group=GROUP)})
    if code not in registered:
        _cannot_certify(
            f"no connector is registered for agency {code!r} "
            f"(entry points {GROUP}: {', '.join(registered) or 'none'})"
        )
    try:
        configs = connector_configs(settings, load_agency_credentials(settings))
    except RuntimeError as exc:
        _cannot_certify(str(exc))
    if code not in configs:
        _cannot_certify(
            f"no credentials for {code}: add them to CITIZEN_GATEWAY_AGENCY_CREDENTIALS "
            f'(JSON {{"{code}": {{"consumer_key", "consumer_secret", "callback_secret"}}}})'
        )
    config = configs[code]
    if base_url is None:
        return config
    try:
        return type(config).model_validate({**config.model_dump(), "base_url": base_url})
    except pydantic.ValidationError:
        _cannot_certify(f"--base-url must be an http(s) URL, not {base_url!r}")


def _callback_secret(settings: Settings, code: str) -> str | None:
    """The secret agency `code` signs its callbacks with, as the gateway knows it (None when
    it has none: the run then does not verify the callbacks' signatures)."""
    from gateway.credentials import load_agency_credentials

    entry = load_agency_credentials(settings).get(code)
    return entry.callback_secret if entry is not None else None


def _certification_sample(code: str, path: Path | None) -> Sample:
    """The sample filing from `path`, else the agency's built-in one, or exit 2."""
    from connectors.certification import (
        SampleError,
        builtin_sample,
        builtin_sample_codes,
        load_sample,
    )

    try:
        sample = load_sample(path) if path is not None else builtin_sample(code)
    except SampleError as exc:
        _cannot_certify(f"unusable sample: {exc}")
    if sample is None:
        _cannot_certify(
            f"no built-in sample filing for {code} (there are for "
            f"{', '.join(builtin_sample_codes())}): give --sample FILE, shaped like "
            "connectors/certification/samples/dlt.json"
        )
    return sample


def _http_url(option: str, value: str | None) -> None:
    if value is not None and not value.startswith(("http://", "https://")):
        _cannot_certify(f"{option} must be an http(s) URL, not {value!r}")


def _callback_receiver(listen: str, public_url: str | None) -> CallbackReceiver:
    """The run's callback receiver from --callback-listen HOST:PORT and --callback-url; exit
    2 when the agency could not be told where to call."""
    from connectors.certification.analysis import is_local_host
    from connectors.certification.callbacks import CallbackReceiver

    _http_url("--callback-url", public_url)
    host, colon, port_text = listen.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        _cannot_certify(f"--callback-listen must be HOST:PORT (e.g. 0.0.0.0:8765), not {listen!r}")
    port = int(port_text)
    if public_url is not None and port == 0:
        _cannot_certify(
            "--callback-url needs --callback-listen with a fixed port (HOST:PORT): the "
            "address the agency calls must lead to it"
        )
    if public_url is None and not is_local_host(host):
        _cannot_certify(
            f"--callback-listen {listen} is reachable from other machines, but the agency "
            "would not know how to reach it: give --callback-url, the address it calls"
        )
    return CallbackReceiver(host=host, port_wanted=port, public_url=public_url)


def _origin(url: str) -> tuple[str, int | None]:
    """The host and port a URL reaches (the scheme's port when none is written)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.hostname or "").lower(), port


def under(url: str, root: str) -> bool:
    """Whether `url` is `root` or below it (same scheme, host, port and a path under root's)."""
    base = root.rstrip("/")
    return url.rstrip("/") == base or url.startswith(f"{base}/")


def planned_work(connector: Connector, sample: Sample, *, staff: bool, burst: Burst | None) -> str:
    """What the run will do at the agency, in the words of a warning (an estimate from the
    connector's capabilities and the sample: an upper bound)."""
    from connectors.base import Bills, Cancels, ReceivesInformation, ReceivesPayments

    if sample.service_id is not None:
        # idempotent-submit files 2, status-events 1, cancel 1, provide-info and payment 1 each
        cases = 3 + isinstance(connector, Cancels)
        if staff:
            cases += isinstance(connector, ReceivesInformation)
            cases += isinstance(connector, ReceivesPayments)
        burst_part = f" and {burst.count} more in the performance burst" if burst else ""
        done = f"files up to {cases} test cases of {sample.service_id}{burst_part}"
        if staff:
            done += "; its staff endpoints move them on (accept, ask for information, ask to pay)"
    else:
        done = "files no case"
        if burst is not None:
            done += f"; it reads {burst.count} times in the performance burst"
    if isinstance(connector, Bills):
        done += f"; it pays one open bill of {sample.bills_pid}"
    return done


@click.command()
@click.option("--agency", "agency_code", required=True, help="The agency code, e.g. DLT.")
@click.option("--base-url", default=None, help="The agency's root. Default: AGENCIES_URL/<code>.")
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    is_flag=False,
    flag_value="var/certification/junit.xml",  # git-ignored (DEFAULT_JUNIT_PATH)
    help="Also write the results as JUnit XML to this file (just --junit: "
    "var/certification/junit.xml); the report folder always has a junit.xml.",
)
@click.option(
    "--sample",
    "sample_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The sample filing (JSON). Built in for DLT, SSO, RD, PEA and PWA.",
)
@click.option(
    "--faults-url",
    default=None,
    help="The mock host's fault knobs, to run the outage check. Default, for an agency under "
    "AGENCIES_URL (a mock): AGENCIES_URL/faults.",
)
@click.option(
    "--staff-url",
    default=None,
    help="The mock agency's root with its staff endpoints, so its staff move the checks' cases "
    "on. Default, for an agency under AGENCIES_URL (a mock): its base URL.",
)
@click.option(
    "--no-hooks",
    is_flag=True,
    help="Do not default --faults-url and --staff-url from AGENCIES_URL.",
)
@click.option(
    "--burst",
    "burst_count",
    type=int,
    default=50,
    show_default=True,
    help="Calls in the performance check's burst (at most 300).",
)
@click.option(
    "--rate",
    "burst_rate",
    type=float,
    default=10.0,
    show_default=True,
    help="The burst's calls per second (at most 50; the burst sends for at most 30 s).",
)
@click.option("--no-burst", is_flag=True, help="Skip the performance check.")
@click.option(
    "--policy",
    type=click.Choice(POLICIES),
    default="high",
    show_default=True,
    help="Findings of this severity and worse block certification.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the reports and the signed summary go. Default: "
    "VAR_DIR/certification/<CODE>-<UTC time>/.",
)
@click.option(
    "--callback-listen",
    default="127.0.0.1:0",
    show_default=True,
    help="Where the run listens for the agency's status callbacks (HOST:PORT; port 0: a free "
    "one). An agency on another machine needs an address it can reach, with --callback-url.",
)
@click.option(
    "--callback-url",
    default=None,
    help="The address the agency calls for --callback-listen (e.g. a tunnel or proxy to it: "
    "https://certify.example.go.th/callbacks); the filings name <URL>/<CODE>.",
)
@click.option("--yes", is_flag=True, help="Do not ask before filing test cases at the agency.")
def certify(
    agency_code: str,
    base_url: str | None,
    junit_path: Path | None,
    sample_path: Path | None,
    faults_url: str | None,
    staff_url: str | None,
    no_hooks: bool,
    burst_count: int,
    burst_rate: float,
    no_burst: bool,
    policy: str,
    report_dir: Path | None,
    callback_listen: str,
    callback_url: str | None,
    yes: bool,
) -> None:
    """Run the conformance checks against an agency's connector and its (test) back end,
    configured as the gateway configures it; write the reports (Markdown, HTML, JSON, JUnit)
    and a summary signed with the gateway's certification key. Exit 0 when certified (every
    check passed or skipped, no finding the policy blocks), 1 when not, 2 when the run cannot
    start."""
    from connectors.certification import (
        Burst,
        BurstInvalid,
        FaultKnobs,
        FindingPolicy,
        Severity,
        StaffBackOffice,
        Subject,
        registered_connector,
        text_report,
        write_junit,
    )
    from connectors.certification import certify as run_checks
    from connectors.errors import ConnectorNotAvailable

    settings = Settings()
    code = agency_code.strip().upper()
    config = _certification_config(settings, code, base_url)
    sample = _certification_sample(code, sample_path)
    _http_url("--faults-url", faults_url)
    _http_url("--staff-url", staff_url)
    receiver = _callback_receiver(callback_listen, callback_url)
    try:
        burst = None if no_burst else Burst(burst_count, burst_rate)
    except BurstInvalid as exc:
        _cannot_certify(f"--burst/--rate: {exc}")
    agencies_url = settings.agencies_url.rstrip("/")
    if not no_hooks and under(config.base_url, agencies_url):
        # A mock of the running stack (`make run`): its host has the knobs and the staff.
        faults_url = faults_url or f"{agencies_url}/faults"
        staff_url = staff_url or config.base_url
    if faults_url is not None and _origin(faults_url) != _origin(config.base_url):
        _warn(
            f"the fault knobs ({faults_url}) are on another host than the agency certified "
            f"({config.base_url}): the outage check would take that other host's agency down"
        )
    signer = _signer(settings)

    async def run() -> Certification:
        connector, factory = registered_connector(config)
        try:
            _announce(
                config.base_url,
                planned_work(connector, sample, staff=staff_url is not None, burst=burst),
                yes=yes,
            )
            subject = Subject(
                connector,
                config,
                factory,
                sample,
                outages=FaultKnobs(faults_url) if faults_url else None,
                back_office=StaffBackOffice(staff_url) if staff_url else None,
                burst=burst,
                callback_secret=_callback_secret(settings, code),
            )
            return await run_checks(
                subject, policy=FindingPolicy.at_least(Severity(policy)), receiver=receiver
            )
        finally:
            await connector.aclose()

    try:
        result = asyncio.run(run())
    except ConnectorNotAvailable as exc:  # a broken plugin is reported, not a traceback
        _cannot_certify(f"the {code} connector cannot be loaded: {exc.message}")
    click.echo(text_report(result), nl=False)
    if junit_path is not None:
        write_junit(junit_path, [result])
        click.echo(f"JUnit XML written to {junit_path}")
    folder = report_dir or (
        settings.var_dir
        / "certification"
        / f"{code}-{result.started_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    )
    signed_at = gateway_now(settings)
    _write(folder, result, signer, issuer=settings.public_url.rstrip("/"), now=signed_at)
    sys.exit(0 if result.certified else 1)


def gateway_now(settings: Settings) -> dt.datetime:
    """The gateway's time, which the summary is signed with: onboarding's step 10 compares it
    with the time the case entered step 9 on the gateway's clock. That is real time, plus the
    simulated clock's offset when the clock is simulated (`POST /v1/admin/clock` moves it, for
    every process, through the database); real time when no offset is stored or the database
    cannot be read (an SQLite file that is not there is not made)."""
    from sqlalchemy import make_url

    from gateway.config import ClockMode

    now = dt.datetime.now(dt.UTC)
    if settings.clock_mode is not ClockMode.SIMULATED:
        return now
    if settings.is_sqlite:
        database = make_url(settings.database_url).database
        if not database or not Path(database).exists():
            return now
    return asyncio.run(_shared_now(settings))


async def _shared_now(settings: Settings) -> dt.datetime:
    """The shared simulated clock's time, as a gateway process follows it (`SharedClock`)."""
    from gateway.clock import SharedClock
    from gateway.db import create_engine, session_factory
    from kernel.clock import SimulatedClock

    engine = create_engine(settings)
    try:
        shared = SharedClock(session_factory(engine), SimulatedClock())
        await shared.refresh()  # no row, or no database: the clock stays at real time
        return shared.clock.now()
    finally:
        await engine.dispose()


def _announce(base_url: str, work: str, *, yes: bool) -> None:
    """Say what the run does at the agency before it does it; ask when a person is there."""
    click.echo(
        f"certify: this run talks to {base_url} for real: it {work}. "
        "Point it at the agency's test environment, never at production.",
        err=True,
    )
    if yes or not _interactive():
        return
    if not click.confirm("Go on?", default=False, err=True):
        _cannot_certify("not confirmed: nothing was sent")


def _interactive() -> bool:
    """Whether a person can answer (stdin is a terminal): CI and pipes are never asked."""
    return sys.stdin.isatty()


def _signer(settings: Settings) -> CertificationSigner:
    """The gateway's certification signer, or exit 2 (before anything is sent)."""
    from gateway.certification_keys import certification_signer

    try:
        return certification_signer(settings)
    except (OSError, RuntimeError, ValueError) as exc:
        _cannot_certify(f"the certification key cannot be loaded: {exc}")


def _write(
    folder: Path,
    run: Certification,
    signer: CertificationSigner,
    *,
    issuer: str,
    now: dt.datetime | None = None,
) -> None:
    from connectors.certification import write_reports
    from connectors.certification.signed import summary_claims

    files = write_reports(folder, run)
    digest = hashlib.sha256(files.json_bytes).hexdigest()
    jws = signer.sign(summary_claims(run, digest, issuer=issuer, now=now))
    summary = folder / "summary.jws"
    summary.write_text(f"{jws}\n", encoding="ascii")
    click.echo(f"Reports written to {folder}/: report.md, report.html, report.json, junit.xml")
    click.echo(f"Signed summary: {summary} (report.json sha256 {digest})")
    click.echo(
        f"Verify it: citizen-gateway certification-verify {summary} --report {files.json} "
        f"(the key: GET {issuer}{JWKS_PATH})"
    )


@click.command("certification-verify")
@click.argument("summary", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    default=None,
    help=f"The key set: a URL or a file. Default: PUBLIC_URL{JWKS_PATH}.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The report.json the summary stands for: its SHA-256 must be the summary's.",
)
def certification_verify(summary: Path, jwks: str | None, report_path: Path | None) -> None:
    """Check a certification summary (summary.jws): signed by the gateway's certification key,
    and, given --report, for that very report. Exit 0 when it holds, 1 when it does not, 2 when
    the key set cannot be read."""
    from connectors.certification.signed import SummaryInvalid, verify_summary

    source = jwks or f"{Settings().public_url.rstrip('/')}{JWKS_PATH}"
    keys = _key_set(source)
    try:
        found = verify_summary(summary.read_text(encoding="ascii").strip(), keys)
    except (SummaryInvalid, UnicodeDecodeError) as exc:
        click.echo(f"NOT VALID: {exc}")
        sys.exit(1)
    verdict = "CERTIFIED" if found.certified else "NOT CERTIFIED"
    click.echo(
        f"signature valid ({source}): {found.agency} {found.connector} "
        f"{found.connector_version}, {verdict}, issued {found.issued_at.isoformat()} "
        f"by {found.claims.get('iss', '?')}"
    )
    if report_path is None:
        click.echo("report not checked (give --report report.json)")
        return
    digest = hashlib.sha256(report_path.read_bytes()).hexdigest()
    if digest != found.report_sha256:
        click.echo(
            f"NOT VALID: {report_path} has sha256 {digest}; the summary was signed for "
            f"{found.report_sha256}"
        )
        sys.exit(1)
    click.echo(f"report matches: {report_path} sha256 {digest}")


def _key_set(source: str) -> dict[str, Any]:
    """The JWKS at `source` (an http(s) URL or a file), or exit 2."""
    import httpx

    try:
        if source.startswith(("http://", "https://")):
            response = httpx.get(source, timeout=10.0)
            response.raise_for_status()
            found = response.json()
        else:
            found = json.loads(Path(source).read_text(encoding="utf-8"))
    except (httpx.HTTPError, OSError, ValueError) as exc:
        click.echo(f"certification-verify: cannot read the key set at {source}: {exc}", err=True)
        sys.exit(2)
    if not isinstance(found, dict) or not isinstance(found.get("keys"), list):
        click.echo(f"certification-verify: {source} is not a JWK set", err=True)
        sys.exit(2)
    return found
