"""Where an API-kind agency's consumers and callback secret come from: the environment, or the
development file it shares with the gateway (created once, by whoever starts first)."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from casework_support import AGENT_ID

from gateway.config import Settings
from gateway.credentials import configured_agencies
from gateway.credentials import load_agency_credentials as load_gateway_credentials
from mock_agencies.app import registered_agencies
from mock_agencies.casework import load_agency_credentials
from mock_agencies.deferred import Deferred
from mock_agencies.dlt import app as dlt
from mock_agencies.registry import credential_codes

CODES = ("DLT", "SSO", "RD", "BMA", "DOP", "PEA", "PWA", "CGD", "NHSO")


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for code in CODES:
        monkeypatch.delenv(f"MOCK_{code}_CONSUMERS", raising=False)
        monkeypatch.delenv(f"MOCK_{code}_CALLBACK_SECRET", raising=False)
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path / "agencies"))
    return tmp_path / "agencies"


def test_the_environment_configures_an_agency_without_any_file(
    monkeypatch: pytest.MonkeyPatch, var_dir: Path
) -> None:
    monkeypatch.setenv("MOCK_DLT_CONSUMERS", '{"portal": "s3cret"}')
    monkeypatch.setenv("MOCK_DLT_CALLBACK_SECRET", "callback-s3cret")
    credentials = load_agency_credentials("DLT")
    assert credentials.consumers == {"portal": "s3cret"}
    assert credentials.callback_secret == "callback-s3cret"
    assert not var_dir.exists()


@pytest.mark.parametrize("raw", ["not json", "[]", "{}", '{"key": ""}', '{"key": 1}'])
def test_bad_consumer_configuration_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, var_dir: Path, raw: str
) -> None:
    monkeypatch.setenv("MOCK_SSO_CONSUMERS", raw)
    with pytest.raises(ValueError, match="MOCK_SSO_CONSUMERS"):
        load_agency_credentials("SSO")


def test_one_private_file_is_made_for_every_agency_and_reused(var_dir: Path) -> None:
    first = load_agency_credentials("RD")
    path = var_dir / "agency-credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert sorted(stored) == sorted(CODES)
    for entry in stored.values():
        assert sorted(entry) == ["callback_secret", "consumer_key", "consumer_secret"]
        assert len(entry["consumer_secret"]) >= 32
        assert len(entry["callback_secret"]) >= 32
    assert first.consumers == {stored["RD"]["consumer_key"]: stored["RD"]["consumer_secret"]}
    assert first.callback_secret == stored["RD"]["callback_secret"]
    assert stored["RD"]["callback_secret"] != stored["DLT"]["callback_secret"]
    assert load_agency_credentials("RD") == first  # a later start reads the same file
    assert json.loads(path.read_text()) == stored


def test_a_file_the_gateway_wrote_first_is_the_one_used(var_dir: Path) -> None:
    var_dir.mkdir(parents=True)
    written = {
        code: {
            "consumer_key": f"{code.lower()}-gw",
            "consumer_secret": f"{code}-consumer-secret",
            "callback_secret": f"{code}-callback-secret",
        }
        for code in CODES
    }
    (var_dir / "agency-credentials.json").write_text(json.dumps(written))
    credentials = load_agency_credentials("SSO")
    assert credentials.consumers == {"sso-gw": "SSO-consumer-secret"}
    assert credentials.callback_secret == "SSO-callback-secret"


def test_the_environment_wins_over_the_file_field_by_field(
    monkeypatch: pytest.MonkeyPatch, var_dir: Path
) -> None:
    monkeypatch.setenv("MOCK_DLT_CONSUMERS", '{"portal": "s3cret"}')
    credentials = load_agency_credentials("DLT")
    stored = json.loads((var_dir / "agency-credentials.json").read_text())
    assert credentials.consumers == {"portal": "s3cret"}
    assert credentials.callback_secret == stored["DLT"]["callback_secret"]


def test_a_file_without_the_agency_is_refused(var_dir: Path) -> None:
    var_dir.mkdir(parents=True)
    (var_dir / "agency-credentials.json").write_text('{"DLT": {"consumer_key": "x"}}')
    with pytest.raises(ValueError, match="delete it"):
        load_agency_credentials("DLT")


def test_two_var_dirs_get_different_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, var_dir: Path
) -> None:
    first = load_agency_credentials("DLT")
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path / "elsewhere"))
    assert load_agency_credentials("DLT") != first


async def test_the_default_app_serves_the_consumer_in_the_shared_file(var_dir: Path) -> None:
    agency = dlt.create_default_app()
    entry = json.loads((var_dir / "agency-credentials.json").read_text())["DLT"]
    transport = httpx.ASGITransport(app=agency)
    async with httpx.AsyncClient(transport=transport, base_url="http://dlt.test") as client:
        validated = await client.get(
            "/gdx/auth/validate",
            params={"ConsumerSecret": entry["consumer_secret"], "AgentID": AGENT_ID},
            headers={"Consumer-Key": entry["consumer_key"]},
        )
        assert validated.status_code == 200, validated.text
        headers = {"Consumer-Key": entry["consumer_key"], "Token": validated.json()["Result"]}
        licence = await client.get("/api/v1/licences/1100100001014", headers=headers)
        assert licence.status_code == 200


def test_the_host_serves_the_agencies_that_call_with_these_credentials_built_at_start() -> None:
    agencies = registered_agencies()
    for code in ("DLT", "SSO", "RD", "PEA", "PWA", "CGD", "NHSO"):
        assert isinstance(agencies[code], Deferred)


def test_the_gateway_and_the_mock_agencies_make_the_file_for_the_same_agencies() -> None:
    """Whichever starts first writes the file: both write every agency either reads (from the
    same registry: the connectors' and the mocks' entry points)."""
    assert set(credential_codes()) == set(CODES)
    assert set(configured_agencies()) == set(CODES)


def _file_of_before(var_dir: Path) -> dict[str, dict[str, str]]:
    """A development file as it was made before CGD and NHSO joined: the first seven."""
    old = {
        code: {
            "consumer_key": f"{code.lower()}-old",
            "consumer_secret": f"{code}-secret-" + "s" * 32,
            "callback_secret": f"{code}-callback-" + "c" * 32,
        }
        for code in CODES[:7]
    }
    var_dir.mkdir(parents=True)
    (var_dir / "agency-credentials.json").write_text(json.dumps(old))
    (var_dir / "agency-credentials.json").chmod(0o600)
    return old


def test_an_older_file_gains_the_agency_asked_for_and_keeps_its_entries(var_dir: Path) -> None:
    """On demand: the agency whose credentials are read gains its entry, nothing else moves."""
    old = _file_of_before(var_dir)
    cgd = load_agency_credentials("CGD")
    path = var_dir / "agency-credentials.json"
    stored = json.loads(path.read_text())
    assert sorted(stored) == sorted([*CODES[:7], "CGD"])
    assert {code: stored[code] for code in old} == old
    assert cgd.consumers == {stored["CGD"]["consumer_key"]: stored["CGD"]["consumer_secret"]}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_agency_credentials("CGD") == cgd  # extended once: read the same afterwards
    assert sorted(p.name for p in var_dir.iterdir()) == [
        "agency-credentials.json",
        "agency-credentials.json.lock",
    ]


def test_the_gateway_and_the_agencies_extend_an_older_file_alike(var_dir: Path) -> None:
    """Whichever side reads an older file first adds the missing agencies; the other reads
    the same entries (racing in threads, both sides, one entry per agency)."""
    _file_of_before(var_dir)
    settings = Settings(agency_credentials_file=var_dir / "agency-credentials.json")

    def nhso_pair(side: int) -> tuple[str, str]:
        if side % 2:
            return next(iter(load_agency_credentials("NHSO").consumers.items()))
        entry = load_gateway_credentials(settings)["NHSO"]
        return entry.consumer_key, entry.consumer_secret

    with ThreadPoolExecutor(8) as pool:
        pairs = set(pool.map(nhso_pair, range(16)))
    assert len(pairs) == 1
    assert sorted(load_gateway_credentials(settings)) == sorted(CODES)
