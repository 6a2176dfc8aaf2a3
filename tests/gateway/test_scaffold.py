"""`citizen-gateway agency scaffold`: a new agency's package, every file usable as written: the
catalog stub lints clean, the sample is a certification sample, the entry points name what
exists, and (api kind) the zero-Python connector is certified against the data-made mock."""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from pydantic import SecretStr

from connectors.certification import (
    FaultKnobs,
    Outcome,
    StaffBackOffice,
    Subject,
    certify,
    load_sample,
    registered_connector,
    text_report,
)
from connectors.config import ConnectorConfig, PolicyConfig
from gateway.catalog.lint import lint
from gateway.catalog.loader import load_catalog
from gateway.cli import main
from gateway.onboarding.schemas import FlowModelIn
from mock_agencies.app import create_app as create_host


def scaffold(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "made"
    result = CliRunner().invoke(main, ["agency", "scaffold", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("kind", ["api", "web", "platform"])
def test_the_catalog_stub_lints_clean_as_a_draft(tmp_path: Path, kind: str) -> None:
    out = scaffold(tmp_path, "DOEX", "--kind", kind)
    catalog = load_catalog([out / "catalog"])
    (agency,) = catalog.agencies
    (service,) = catalog.services
    assert (agency.code, agency.integration_mode, service.status) == ("DOEX", kind, "draft")
    assert lint(catalog.services, catalog.agencies, service.manual.published_on) == []  # type: ignore[arg-type]
    sample = load_sample(out / "certification" / "doex.json")
    assert sample.service_id == service.id


def test_the_entry_points_name_the_shared_connector_and_the_package_mock(tmp_path: Path) -> None:
    out = scaffold(tmp_path, "DOEX", "--kind", "api")
    project = tomllib.loads((out / "pyproject.toml").read_text())
    entry_points = project["project"]["entry-points"]
    assert entry_points["citizen_gateway.connectors"] == {"DOEX": "connectors.api.casework:create"}
    assert entry_points["citizen_gateway.mock_agencies"] == {"DOEX": "doex_agency.mock:create_app"}
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["doex_agency"]


def test_without_a_mock_or_for_web_there_is_no_connector_or_mock_entry(tmp_path: Path) -> None:
    api = scaffold(tmp_path / "a", "DOEX", "--kind", "api", "--no-mock")
    entry_points = tomllib.loads((api / "pyproject.toml").read_text())["project"]["entry-points"]
    assert set(entry_points) == {"citizen_gateway.connectors"}
    assert not (api / "doex_agency" / "mock.py").exists()
    web = scaffold(tmp_path / "w", "DOEW", "--kind", "web")
    entry_points = tomllib.loads((web / "pyproject.toml").read_text())["project"]["entry-points"]
    assert set(entry_points) == {"citizen_gateway.mock_agencies"}


def test_a_bad_code_or_an_existing_directory_is_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["agency", "scaffold", "do-ex", "--kind", "api"])
    assert bad.exit_code == 2
    assert "not an agency code" in bad.output
    (tmp_path / "there").mkdir()
    taken = runner.invoke(
        main, ["agency", "scaffold", "DOEX", "--kind", "api", "--out", str(tmp_path / "there")]
    )
    assert taken.exit_code == 2
    assert "exists" in taken.output


async def test_the_api_agency_is_certified_with_no_python_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scaffolded mock (data through the casework engine) and the shared Case API
    connector its entry point names: every certification check passes or is skipped."""
    out = scaffold(tmp_path, "DOEX", "--kind", "api")
    monkeypatch.syspath_prepend(str(out))
    monkeypatch.delitem(sys.modules, "doex_agency", raising=False)
    mock = importlib.import_module("doex_agency.mock")
    agency = mock.create_app(consumers={"k": "s"}, callback_secret="c", send_callbacks=False)
    transport = httpx.ASGITransport(app=create_host({"DOEX": agency}, seed=1, device_app=None))
    config = ConnectorConfig(
        agency_code="DOEX",
        base_url="http://agencies.test/doex",
        consumer_key="k",
        consumer_secret=SecretStr("s"),
        agent_id="3100100000014",
        policy=PolicyConfig(max_attempts=1),
    )
    entry = importlib.metadata.EntryPoint(
        "DOEX", "connectors.api.casework:create", "citizen_gateway.connectors"
    )
    connector, factory = registered_connector(config, transport=transport, entry_points=[entry])
    try:
        run = await certify(
            Subject(
                connector,
                config,
                factory,
                load_sample(out / "certification" / "doex.json"),
                transport=transport,
                outages=FaultKnobs("http://agencies.test/faults", transport),
                back_office=StaffBackOffice(config.base_url, transport),
            )
        )
    finally:
        await connector.aclose()
        await agency.state.casework.aclose()
    assert run.certified, text_report(run)
    passed = {r.check_id for r in run.results if r.outcome is Outcome.PASS}
    assert {"idempotent-submit", "status-events", "cancel", "provide-info"} <= passed


@pytest.mark.parametrize("kind", ["web", "platform"])
async def test_the_web_and_platform_mocks_are_served_as_a_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    out = scaffold(tmp_path, "DOEW", "--kind", kind)
    monkeypatch.syspath_prepend(str(out))
    monkeypatch.delitem(sys.modules, "doew_agency", raising=False)
    monkeypatch.delitem(sys.modules, "doew_agency.mock", raising=False)
    mock = importlib.import_module("doew_agency.mock")
    host = create_host({"DOEW": mock.create_app()}, seed=1, device_app=None)
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        assert (await client.get("/doew/")).json() == {"agency": "DOEW", "kind": kind}
        assert (await client.get("/doew/api/v1/health")).json() == {"status": "ok"}


@pytest.mark.parametrize("kind", ["api", "web", "platform"])
def test_the_flow_model_stub_is_one_the_onboarding_api_takes(tmp_path: Path, kind: str) -> None:
    out = scaffold(tmp_path, "DOEX", "--kind", kind)
    model = FlowModelIn.model_validate(
        yaml.safe_load((out / "onboarding" / "flow-model.yaml").read_text(encoding="utf-8"))
    )
    assert model.capabilities.forwarding == kind
