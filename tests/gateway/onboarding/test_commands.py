"""`citizen-gateway onboarding …` as an operator runs it: the demo's cases seeded (twice: the
second adds nothing), listed, shown, acted on, summed up, through the API on the test database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from test_onboarding_api import FLOW_MODEL, TEST_SERVICE, definition

from gateway.certification_keys import certification_signer
from gateway.cli import main
from gateway.config import Settings

pytestmark = pytest.mark.usefixtures("no_onboarding")


@pytest.fixture
def cli(seeded: Settings) -> Any:
    env = {
        "CITIZEN_GATEWAY_DATABASE_URL": seeded.database_url,
        "CITIZEN_GATEWAY_VAR_DIR": str(seeded.var_dir),
        "CITIZEN_GATEWAY_STORAGE_DIR": str(seeded.storage_dir),
        "CITIZEN_GATEWAY_ADMIN_TOKEN": "test-admin-token-not-a-secret-0123456789",
        "CITIZEN_GATEWAY_AGENCY_CREDENTIALS_FILE": str(seeded.agency_credentials_file),
        "CITIZEN_GATEWAY_BANK_CREDENTIALS_FILE": str(seeded.bank_credentials_file),
        "CITIZEN_GATEWAY_DOPA_CONSUMER_KEY": seeded.dopa_consumer_key or "",
        "CITIZEN_GATEWAY_DOPA_CONSUMER_SECRET": (
            seeded.dopa_consumer_secret.get_secret_value() if seeded.dopa_consumer_secret else ""
        ),
        "CITIZEN_GATEWAY_EMBEDDED_WORKER": "false",
        "CITIZEN_GATEWAY_LOG_JSON": "false",
    }

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, ["onboarding", *args], catch_exceptions=False)

    return run


def test_the_demo_cases_are_seeded_once_and_listed_with_the_overdue_one(cli: Any) -> None:
    first = cli("seed")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "seeded 5 onboarding cases"
    assert cli("seed").output.strip() == "seeded 0 onboarding cases"

    listed = cli("list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[-1] == "5 cases"
    [late] = [line for line in lines if "OVERDUE" in line]
    assert "sso-maternity-benefit" in late
    assert "agency_adapts" in late

    cases = json.loads(cli("list", "--json").output)
    by_service = {c["service_id"]: c for c in cases}
    assert {s: (c["step"]["key"], c["status"]) for s, c in by_service.items()} == {
        "dopa-house-registration-extract": ("study", "open"),
        "sso-maternity-benefit": ("agency_adapts", "open"),
        "dca-permit-renewal": ("agency_confirms", "closed"),
        "dslf-loan-status-check": ("select", "open"),
        "sso-section-40-enrolment": ("go_live", "live"),
    }
    assert (
        by_service["dslf-loan-status-check"]["replaces_id"]
        == by_service["dca-permit-renewal"]["id"]
    )

    summary = json.loads(cli("summary", "--json").output)
    assert (summary["overdue"], summary["by_status"]) == (1, {"open": 3, "closed": 1, "live": 1})
    text = cli("summary").output
    assert text.splitlines()[0] == summary["portal"]["text_en"]


def test_an_operator_acts_and_a_refusal_says_why(cli: Any) -> None:
    assert cli("seed").exit_code == 0
    cases = json.loads(cli("list", "--json", "--stage", "5").output)
    [study] = cases
    moved = cli("act", str(study["id"]), "complete", "--role", "opdc_officer", "--note", "ศึกษาแล้ว")
    assert moved.exit_code == 0, moved.output
    assert "flow_model" in moved.output

    refused = cli("act", str(study["id"]), "complete", "--role", "agency_it")
    assert refused.exit_code == 1
    assert "refused (403 onboarding_role_not_allowed)" in refused.output
    assert 'roles: ["opdc_officer"]' in refused.output

    shown = cli("show", str(study["id"]))
    assert shown.exit_code == 0, shown.output
    assert "step  5 complete by opdc_officer → 6 open  ศึกษาแล้ว" in shown.output


def test_a_case_is_opened_and_given_its_model_definition_and_certification_from_files(
    cli: Any, seeded: Settings, tmp_path: Path
) -> None:
    service_id = f"{TEST_SERVICE}cli-{uuid.uuid4().hex[:8]}"
    opened = cli(
        "open", "--agency", "SSO", "--service", service_id, "--category", "welfare",
        "--connector-version", "2.0.0", "--id-only",
    )  # fmt: skip
    assert opened.exit_code == 0, opened.output
    case_id = opened.output.strip()
    assert case_id.isdigit()

    model = tmp_path / "flow-model.yaml"
    model.write_text(yaml.safe_dump(FLOW_MODEL, allow_unicode=True), encoding="utf-8")
    stored = cli("flow-model", case_id, str(model))
    assert stored.exit_code == 0, stored.output
    assert stored.output.strip() == f"case {case_id}: flow model version 1"

    # A catalog file (the seed's shape) whose services include the case's.
    catalog = tmp_path / "catalog.yaml"
    other = definition(f"{TEST_SERVICE}other", "sso-section-40-enrolment")
    catalog.write_text(yaml.safe_dump({"services": [other]}, allow_unicode=True), encoding="utf-8")
    missing = cli("definition", case_id, str(catalog))
    assert missing.exit_code == 2
    assert f"has no service '{service_id}'" in missing.output
    mine = definition(service_id, "sso-section-40-enrolment")
    # As a seed file writes it: a bare YAML date, which YAML reads as a date, not a string.
    mine["manual"]["published_on"] = dt.date.fromisoformat(mine["manual"]["published_on"])
    catalog.write_text(
        yaml.safe_dump({"services": [other, mine]}, allow_unicode=True), encoding="utf-8"
    )
    defined = cli("definition", case_id, str(catalog))
    assert defined.exit_code == 0, defined.output
    shown = json.loads(cli("show", case_id, "--json").output)
    assert shown["definition"]["id"] == service_id
    assert (
        shown["definition"]["manual"]["published_on"] == mine["manual"]["published_on"].isoformat()
    )
    assert shown["flow_model_version"] == 1

    # certify's report folder: the signed summary and the report it stands for.
    folder = tmp_path / "certification"
    folder.mkdir()
    report = b'{"agency": "SSO"}'
    claims = {
        "iss": "http://gateway.test", "sub": "SSO", "agency": "SSO",
        "connector": "SsoConnector", "connector_version": "2.0.0",
        "base_url": "http://agencies.test/sso", "verdict": "certified",
        "iat": int(dt.datetime.now(dt.UTC).timestamp()),
        "report_sha256": hashlib.sha256(report).hexdigest(),
        "checks": {"pass": 12, "fail": 0, "error": 0, "skip": 1},
        "findings": [], "blocking": [], "policy": ["critical", "high"],
    }  # fmt: skip
    (folder / "summary.jws").write_text(certification_signer(seeded).sign(claims))
    (folder / "report.json").write_bytes(report)
    submitted = cli("certification", case_id, str(folder))
    assert submitted.exit_code == 0, submitted.output
    assert submitted.output.startswith(f"case {case_id}: SSO SsoConnector 2.0.0 certified")

    head, payload, signature = (folder / "summary.jws").read_text().split(".")
    (folder / "summary.jws").write_text(f"{head}.{payload}.{signature[:-4]}AAAA")
    forged = cli("certification", case_id, str(folder))
    assert forged.exit_code == 1
    assert "refused (422 certification_invalid)" in forged.output
