"""`citizen-gateway certify` as a new agency team runs it during `make run` (the stack's URLs in
the environment), its reports and signed summary, and `citizen-gateway certification-verify`.

Against the live mock agencies host of tests/connectors/test_certification.py (uvicorn on a
free loopback port); the summary's signature is checked with PyJWT, an independent library,
against the key set the gateway publishes."""

# ruff: noqa: F811 - the command's fixtures, imported, are the tests' parameters

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import importlib.metadata
import json
import sys
import types
from collections.abc import Callable
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy
from click.testing import CliRunner
from sqlalchemy.orm import Session

from connectors import ConnectorConfig, StatusReport
from connectors.api.dlt import DltConnector
from connectors.certification import Evidence, note_finding
from connectors.certification.findings import finding
from connectors.certification.signed import verify_summary
from connectors.registry import GROUP
from gateway.cli import main as cli
from gateway.clock import SimulationClock
from gateway.config import Settings
from gateway.main import create_app
from tests.connectors.test_certification import (  # noqa: F401 - the fixtures
    PLUGINS,
    command,
    live_agencies,
    replace_entry_points,
)

Command = Callable[..., Any]
SMALL = ("--burst", "3", "--rate", "50")


def report_folder(tmp_path: Path) -> Path:
    [folder] = (tmp_path / "var" / "certification").glob("DLT-*")
    return folder


def test_during_make_run_every_check_runs_and_the_reports_and_summary_are_written(
    command: Command, live_agencies: str, tmp_path: Path
) -> None:
    result = command("--agency", "DLT", *SMALL)
    assert result.exit_code == 0, result.output
    # The hooks come from AGENCIES_URL: the outage and the staff's moves run.
    for check in ("outage", "provide-info", "payment", "status-events", "performance"):
        assert f"PASS   {check}" in result.output
    assert "3 submit calls at 50/s: p50 " in result.output
    # Said before anything was sent, on stderr.
    assert result.stderr.startswith(
        f"certify: this run talks to {live_agencies}/dlt for real: it files up to 6 test cases "
        "of dlt-driving-licence-renewal and 3 more in the performance burst; its staff "
        "endpoints move them on"
    )
    assert "never at production" in result.stderr
    folder = report_folder(tmp_path)
    assert folder.name.endswith("Z")
    assert sorted(p.name for p in folder.iterdir()) == [
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
        "summary.jws",
    ]
    assert f"Reports written to {folder}/" in result.output
    assert f"certification-verify {folder / 'summary.jws'} --report {folder / 'report.json'}" in (
        result.output
    )
    assert "GET http://127.0.0.1:8000/v1/trust/certification-keys" in result.output
    report = json.loads((folder / "report.json").read_bytes())
    assert report["verdict"] == "certified"
    assert report["connector_version"] == importlib.metadata.version("citizen-gateway")
    assert "# Certification of the DLT connector: CERTIFIED" in (folder / "report.md").read_text(
        encoding="utf-8"
    )


async def published_keys() -> dict[str, Any]:
    """The key set the gateway (configured as the command was) publishes."""
    app = create_app(Settings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        answer = await client.get("/v1/trust/certification-keys")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/jwk-set+json"
    keys: dict[str, Any] = answer.json()
    return keys


def test_the_summary_verifies_with_an_independent_library_and_ties_the_report(
    command: Command, tmp_path: Path
) -> None:
    result = command("--agency", "DLT", "--no-burst", "--report-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out"
    token = (folder / "summary.jws").read_text(encoding="ascii").strip()
    keys = asyncio.run(published_keys())

    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"]) == ("ES256", "certification+jws")
    key = jwt.PyJWKSet.from_dict(keys)[header["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["ES256"])
    report = (folder / "report.json").read_bytes()
    assert claims["report_sha256"] == hashlib.sha256(report).hexdigest()
    assert (claims["agency"], claims["verdict"], claims["connector"]) == (
        "DLT",
        "certified",
        "DltConnector",
    )
    assert claims["iss"] == "http://127.0.0.1:8000"
    assert claims["policy"] == ["critical", "high"]
    assert claims["checks"]["fail"] == 0

    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(keys), encoding="utf-8")
    runner = CliRunner()
    summary, report_path = str(folder / "summary.jws"), str(folder / "report.json")
    verified = runner.invoke(
        cli, ["certification-verify", summary, "--jwks", str(jwks_file), "--report", report_path]
    )
    assert verified.exit_code == 0, verified.output
    assert "signature valid" in verified.output
    assert "DLT DltConnector" in verified.output
    assert "CERTIFIED" in verified.output
    assert f"report matches: {report_path}" in verified.output

    # A report changed after signing no longer matches the summary.
    (folder / "report.json").write_bytes(report.replace(b'"certified"', b'"certified" '))
    tampered = runner.invoke(
        cli, ["certification-verify", summary, "--jwks", str(jwks_file), "--report", report_path]
    )
    assert tampered.exit_code == 1
    assert "NOT VALID" in tampered.output
    assert f"the summary was signed for {claims['report_sha256']}" in tampered.output

    # A summary changed after signing does not verify.
    head, payload, signature = token.split(".")
    forged = json.loads(jwt.utils.base64url_decode(payload))
    forged["verdict"] = "certified"
    forged["checks"]["fail"] = 0
    forged["agency"] = "SSO"
    forged_token = ".".join(
        [head, jwt.utils.base64url_encode(json.dumps(forged).encode()).decode(), signature]
    )
    (folder / "forged.jws").write_text(forged_token, encoding="ascii")
    refused = runner.invoke(
        cli, ["certification-verify", str(folder / "forged.jws"), "--jwks", str(jwks_file)]
    )
    assert refused.exit_code == 1
    assert "NOT VALID" in refused.output


def test_verify_exits_2_when_the_key_set_cannot_be_read(tmp_path: Path) -> None:
    summary = tmp_path / "summary.jws"
    summary.write_text("a.b.c", encoding="ascii")
    result = CliRunner().invoke(
        cli, ["certification-verify", str(summary), "--jwks", str(tmp_path / "none.json")]
    )
    assert result.exit_code == 2
    assert "cannot read the key set" in result.stderr


def test_no_hooks_leaves_the_outage_and_the_staff_out(command: Command) -> None:
    result = command("--agency", "DLT", "--no-hooks", "--no-burst")
    assert result.exit_code == 0, result.output
    assert "SKIP   outage" in result.output
    assert "SKIP   provide-info" in result.output
    assert "its staff endpoints" not in result.stderr


def test_fault_knobs_on_another_host_than_the_agency_are_warned_about(
    command: Command, live_agencies: str
) -> None:
    port = live_agencies.rsplit(":", 1)[1]
    knobs = f"http://localhost:{port}/faults"  # the same server, by another name
    result = command("--agency", "DLT", "--no-burst", "--faults-url", knobs)
    assert result.exit_code == 0, result.output
    assert (
        f"certify: warning: the fault knobs ({knobs}) are on another host than the agency "
        f"certified ({live_agencies}/dlt)"
    ) in result.stderr
    assert "PASS   outage" in result.output


class NotingDlt(DltConnector):
    """Reports a medium finding each time it is asked for a case's status (test data)."""

    async def status(self, agency_ref: str) -> StatusReport:
        note_finding(
            finding(
                "personal-data-in-url",
                "a national ID in the status URL",
                [Evidence(f"GET {self.noted_base}/cases/{agency_ref}?pid=1-1007-*****")],
            )
        )
        return await super().status(agency_ref)

    def __init__(self, cfg: ConnectorConfig, transport: httpx.AsyncBaseTransport | None) -> None:
        super().__init__(cfg, transport)
        self.noted_base = cfg.base_url


@pytest.fixture
def noting(monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = types.ModuleType(PLUGINS)
    plugins.noting = lambda cfg, transport=None: NotingDlt(cfg, transport)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, PLUGINS, plugins)
    replace_entry_points(monkeypatch, EntryPoint("DLT", f"{PLUGINS}:noting", GROUP))


@pytest.mark.usefixtures("noting")
def test_the_policy_decides_whether_a_finding_blocks(command: Command, tmp_path: Path) -> None:
    lenient = command("--agency", "DLT", "--no-burst", "--report-dir", str(tmp_path / "high"))
    assert lenient.exit_code == 0, lenient.output
    assert "Findings (the policy blocks: critical, high):" in lenient.output
    assert "MEDIUM    personal-data-in-url" in lenient.output
    assert "blocking): CERTIFIED" in lenient.output
    strict = command(
        "--agency", "DLT", "--no-burst", "--policy", "medium", "--report-dir", str(tmp_path / "m")
    )
    assert strict.exit_code == 1, strict.output
    assert "Findings (the policy blocks: critical, high, medium):" in strict.output
    assert "[blocks]" in strict.output
    assert "finding personal-data-in-url (medium) blocks under the policy" in strict.output
    report = json.loads((tmp_path / "m" / "report.json").read_bytes())
    assert report["verdict"] == "not_certified"
    assert report["findings"][0]["evidence"][0]["request"].endswith("?pid=1-1007-*****")


def test_a_person_at_a_terminal_is_asked_first_and_can_decline(
    command: Command, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("gateway.certification_cli._interactive", lambda: True)
    declined = CliRunner().invoke(cli, ["certify", "--agency", "DLT", "--no-burst"], input="n\n")
    assert declined.exit_code == 2
    assert "Go on? [y/N]" in declined.stderr
    assert "not confirmed: nothing was sent" in declined.stderr
    assert "Certifying" not in declined.output
    assert not (tmp_path / "var" / "certification").exists()
    agreed = command("--agency", "DLT", "--no-burst", "--yes")
    assert agreed.exit_code == 0, agreed.output
    assert "Go on?" not in agreed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--burst", "500"), "--burst/--rate: a burst is 1 to 300 calls, not 500"),
        (("--rate", "100"), "at most 50 per second, not 100"),
    ],
)
def test_a_burst_beyond_the_caps_cannot_start(
    command: Command, args: tuple[str, ...], message: str
) -> None:
    result = command("--agency", "DLT", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_the_summary_is_signed_on_the_gateway_s_simulated_clock(
    command: Command, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Onboarding's step 10 compares the summary's time with the case's, both on the gateway's
    clock: an operator who moved the simulated clock ten days on still gets a fresh summary."""
    database = tmp_path / "gateway.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    SimulationClock.__table__.create(engine)
    with Session(engine) as session, session.begin():  # what POST /v1/admin/clock stores
        ten_days = 10 * 86_400 * 1_000_000
        session.add(
            SimulationClock(id=1, offset_microseconds=ten_days, updated_at=dt.datetime.now(dt.UTC))
        )
    engine.dispose()
    monkeypatch.setenv("CITIZEN_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("CITIZEN_GATEWAY_CLOCK", "simulated")
    before = dt.datetime.now(dt.UTC)
    result = command("--agency", "DLT", "--no-burst", "--report-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    token = (tmp_path / "out" / "summary.jws").read_text(encoding="ascii").strip()
    summary = verify_summary(token, asyncio.run(published_keys()))
    shift = summary.issued_at - before
    assert (
        dt.timedelta(days=10) - dt.timedelta(seconds=1) <= shift <= dt.timedelta(days=10, minutes=5)
    )
