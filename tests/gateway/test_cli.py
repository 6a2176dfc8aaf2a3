"""`citizen-gateway`, run as a user runs it: the installed console script in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.catalog.lint import lint
from gateway.catalog.loader import load_catalog
from gateway.credentials import configured_agencies

SCRIPT = Path(sys.executable).parent / "citizen-gateway"


class Gateway:
    """The console script with its own SQLite database and var/ directory."""

    def __init__(self, tmp_path: Path) -> None:
        self.database = tmp_path / "data" / "gateway.db"
        self.cwd = tmp_path  # no stray .env from the project directory is read
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CITIZEN_GATEWAY_")}
        self.env.update(
            CITIZEN_GATEWAY_DATABASE_URL=f"sqlite+aiosqlite:///{self.database}",
            CITIZEN_GATEWAY_VAR_DIR=str(tmp_path / "var"),
            CITIZEN_GATEWAY_LOG_JSON="false",
        )

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
            [str(SCRIPT), *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def count(self, table: str) -> int:
        with sqlite3.connect(self.database) as db:
            (n,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        return int(n)

    def tables(self) -> set[str]:
        with sqlite3.connect(self.database) as db:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {name for (name,) in rows}


@pytest.fixture
def gateway(tmp_path: Path) -> Gateway:
    assert SCRIPT.exists(), f"console script not installed at {SCRIPT}"
    return Gateway(tmp_path)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_help_lists_the_commands(gateway: Gateway) -> None:
    out = _ok(gateway("--help"))
    for command in ("serve", "db", "seed", "catalog"):
        assert command in out


def test_db_upgrade_creates_the_schema_and_can_run_again(gateway: Gateway) -> None:
    out = _ok(gateway("db", "upgrade"))
    assert "database at head" in out
    tables = gateway.tables()
    assert {"agencies", "agency_units", "e_services", "alembic_version"} <= tables

    _ok(gateway("db", "upgrade"))
    assert gateway.tables() == tables
    assert gateway.count("alembic_version") == 1


def test_seed_loads_the_demo_catalog_once(gateway: Gateway) -> None:
    catalog = load_catalog()
    agencies, services = len(catalog.agencies), len(catalog.services)
    _ok(gateway("db", "upgrade"))

    out = _ok(gateway("seed"))
    assert f"seeded {agencies} agencies, {services} e-services, the mobile app client" in out
    assert gateway.count("agencies") == agencies
    # The app, and one back-end client per agency in the development credentials file.
    assert gateway.count("oidc_clients") == 1 + len(configured_agencies())
    assert gateway.count("e_services") == services
    units = gateway.count("agency_units")
    assert units == sum(len(a.units) for a in catalog.agencies)

    _ok(gateway("seed"))  # again: updates in place, nothing doubled
    assert gateway.count("agencies") == agencies
    assert gateway.count("e_services") == services
    assert gateway.count("agency_units") == units


def test_catalog_lint_passes_the_demo_seed(gateway: Gateway) -> None:
    services = len(load_catalog().services)
    result = gateway("catalog", "lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{services} services checked, 0 with findings, 0 findings" in result.stdout


AGENCY: dict[str, Any] = {
    "code": "DOP",
    "name": {"th": "กรมกิจการผู้สูงอายุ", "en": "Department of Older Persons"},
    "ministry": {"th": "กระทรวงการพัฒนาสังคมฯ", "en": "Ministry of Social Development"},
    "integration_mode": "platform",
    "units": [{"code": "DOP_HQ", "name": {"th": "ส่วนกลาง", "en": "Head office"}}],
}

# A draft with a broken manual (R-LFA.1: no steps, places, complaint channels, legal basis...),
# a demand for a certified copy and an uploaded state document.
BROKEN_SERVICE: dict[str, Any] = {
    "id": "dop-broken-allowance",
    "agency": "DOP",
    "name": {"th": "ลงทะเบียนรับเบี้ยยังชีพ", "en": "Register for the allowance"},
    "summary": {"th": "ลงทะเบียน", "en": "Register"},
    "category": "welfare",
    "life_stages": ["elderly"],
    "manual": {
        "conditions": [{"th": "อายุ 60 ปีขึ้นไป", "en": "Aged 60 or over"}],
        "documents": [
            {
                "name": {"th": "สำเนาทะเบียนบ้าน", "en": "House registration, certified true copy"},
                "issuer": {"kind": "state", "agency_code": "DOP"},
                "source": "upload",
            }
        ],
        "fees": {"no_fee": True},
        "published_on": "2024-01-15",
    },
}


def _write(path: Path, content: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def test_catalog_lint_reports_a_broken_definition(gateway: Gateway, tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.yaml", {"agencies": [AGENCY], "services": [BROKEN_SERVICE]})
    result = gateway("catalog", "lint", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("1 services checked, 1 with findings, ")
    findings = lines[:-1]
    assert findings
    assert all(line.startswith("dop-broken-allowance  ") for line in findings)
    for expected in (
        "R-7.2  certified_copy_demanded  manual.documents[0]",
        "R-12.1  state_document_upload  manual.documents[0].source",
        "R-LFA.1  missing_steps  manual.steps",
        "R-LFA.1  missing_legal_basis  manual.legal_basis",
    ):
        assert any(expected in line for line in findings), expected


def test_catalog_lint_json_prints_one_object_per_finding(gateway: Gateway, tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.yaml", {"agencies": [AGENCY], "services": [BROKEN_SERVICE]})
    result = gateway("catalog", "lint", "--json", str(path))
    assert result.returncode == 1, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]

    loaded = load_catalog([path])
    expected = lint(loaded.services, loaded.agencies, dt.datetime.now(dt.UTC).date())
    assert printed == [f.__dict__ for f in expected]
    assert {p["rule"] for p in printed} == {"R-LFA.1", "R-7.2", "R-12.1"}
    assert set(printed[0]) == {"service_id", "rule", "check", "where", "message"}
    # The summary goes to stderr, so stdout stays one JSON object a line.
    assert f"{len(printed)} findings" in result.stderr


def test_catalog_lint_reads_a_directory(gateway: Gateway, tmp_path: Path) -> None:
    folder = tmp_path / "catalog"
    folder.mkdir()
    _write(folder / "a-agency.yaml", {"agencies": [AGENCY]})
    _write(folder / "b-service.yaml", {"services": [BROKEN_SERVICE]})
    result = gateway("catalog", "lint", str(folder))
    assert result.returncode == 1
    assert "unknown_agency" not in result.stdout  # the agency in the other file counts
    assert "R-12.1  state_document_upload" in result.stdout


def test_catalog_lint_refuses_malformed_yaml(gateway: Gateway, tmp_path: Path) -> None:
    path = tmp_path / "malformed.yaml"
    path.write_text("services:\n  - id: [unclosed\n    agency: DOP\n", encoding="utf-8")
    result = gateway("catalog", "lint", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "malformed.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_catalog_lint_refuses_a_definition_of_the_wrong_shape(
    gateway: Gateway, tmp_path: Path
) -> None:
    service = {**BROKEN_SERVICE, "category": "astrology"}
    path = _write(tmp_path / "wrong.yaml", {"agencies": [AGENCY], "services": [service]})
    result = gateway("catalog", "lint", str(path))
    assert result.returncode == 2
    assert "wrong.yaml" in result.stderr
    assert "category" in result.stderr
    assert "Traceback" not in result.stderr


def test_catalog_lint_refuses_a_missing_file(gateway: Gateway, tmp_path: Path) -> None:
    result = gateway("catalog", "lint", str(tmp_path / "nowhere.yaml"))
    assert result.returncode == 2
    assert "nowhere.yaml" in result.stderr
    assert "does not exist" in result.stderr


def test_clients_add_registers_a_confidential_client_and_shows_the_secret_once(
    gateway: Gateway,
) -> None:
    _ok(gateway("db", "upgrade"))
    out = _ok(gateway("clients", "add", "dga-operator", "--name", "DGA ops", "--scope", "admin"))
    secret = next(line.split()[1] for line in out.splitlines() if line.startswith("client_secret"))
    assert len(secret) >= 32
    assert gateway.count("oidc_clients") == 1
    # Stored hashed: the secret itself is nowhere in the database file.
    database = Path(gateway.env["CITIZEN_GATEWAY_DATABASE_URL"].split("///", 1)[1])
    assert secret.encode() not in database.read_bytes()


def test_jobs_run_sends_the_notices_that_are_due(gateway: Gateway) -> None:
    _ok(gateway("db", "upgrade"))
    _ok(gateway("seed"))
    out = _ok(gateway("jobs", "run"))
    assert "overdue notices sent: 0" in out


def _dead_url() -> str:
    """A loopback address nothing listens on (the port was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_token_is_refused_in_production(gateway: Gateway) -> None:
    gateway.env.update(
        CITIZEN_GATEWAY_ENV="production",
        **{
            f"CITIZEN_GATEWAY_{name}": "x" * 40
            for name in ("SECRET_KEY", "ADMIN_TOKEN", "PII_ENCRYPTION_KEY", "PII_INDEX_KEY")
        },
        CITIZEN_GATEWAY_DOPA_CONSUMER_KEY="portal",
        CITIZEN_GATEWAY_DOPA_CONSUMER_SECRET="registry-secret",
    )
    dead = _dead_url()
    result = gateway("token", "--citizen", "1", "--base-url", dead, "--agencies-url", dead)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "development helper" in result.stderr
    assert "CITIZEN_GATEWAY_ENV=production" in result.stderr


def test_token_names_the_demo_citizens_there_are(gateway: Gateway) -> None:
    result = gateway("token", "--citizen", "9")
    assert result.returncode == 2
    assert "the demo citizens are 1 to 8" in result.stderr


def test_token_says_when_the_stack_is_not_running(gateway: Gateway) -> None:
    dead = _dead_url()
    result = gateway("token", "--citizen", "1", "--base-url", dead, "--agencies-url", dead)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"{dead}/v1/identity/verifications cannot be reached" in result.stderr
    assert "make run" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_takes_a_form_and_documents_only_with_a_service(gateway: Gateway) -> None:
    result = gateway("demo", "--attach", "bank-book=book.pdf")
    assert result.returncode == 2
    assert "--form and --attach go with --service" in result.stderr


def test_demo_service_says_when_the_stack_is_not_running(gateway: Gateway) -> None:
    dead = _dead_url()
    result = gateway(
        "demo", "--service", "sso-unemployment-benefit", "--gateway", dead, "--agencies", dead
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "demo failed:" in result.stderr
    assert "Traceback" not in result.stderr


def test_compliance_is_a_command(gateway: Gateway) -> None:
    result = gateway("compliance", "--help")
    assert result.returncode == 0
    assert "--run" in result.stdout
    assert "--from" in result.stdout
