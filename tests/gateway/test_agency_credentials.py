"""The gateway's agency credentials in development: made on demand for every agency it is
configured with (a registered connector or mock agency), the environment's entries merged over
the shared file (they win, agency by agency), and an unusable file named with what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from gateway.config import Environment, Settings
from gateway.credentials import configured_agencies, load_agency_credentials
from gateway.main import connector_configs


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(agency_credentials_file=tmp_path / "agency-credentials.json", **values)  # type: ignore[arg-type]


def test_an_entry_is_made_for_any_configured_agency_and_kept(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = load_agency_credentials(settings, ["DLT"])
    assert sorted(first) == ["DLT"]
    grown = load_agency_credentials(settings, ["DLT", "DOEX"])  # an agency that joined later
    assert sorted(grown) == ["DLT", "DOEX"]
    assert grown["DLT"] == first["DLT"]
    stored = json.loads(settings.agency_credentials_file.read_text())
    assert stored["DOEX"]["consumer_key"] == grown["DOEX"].consumer_key
    assert stored["DOEX"]["consumer_key"].startswith("doex-")


def test_by_default_every_registered_connector_and_mock_agency_has_an_entry(
    tmp_path: Path,
) -> None:
    codes = configured_agencies()
    assert {"DLT", "SSO", "RD", "PEA", "PWA", "CGD", "NHSO", "DOP", "BMA"} <= set(codes)
    assert "BANK" not in codes  # served by the host, no entry
    assert "DOPA" not in codes
    assert set(load_agency_credentials(_settings(tmp_path))) == set(codes)


def test_the_environment_is_merged_over_the_file_its_entries_win(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    from_file = load_agency_credentials(settings, ["DLT", "SSO"])
    mine = {"consumer_key": "k", "consumer_secret": "s", "callback_secret": "c"}
    merged = load_agency_credentials(
        _settings(tmp_path, agency_credentials=SecretStr(json.dumps({"SSO": mine, "X1": mine}))),
        ["DLT", "SSO"],
    )
    assert merged["DLT"] == from_file["DLT"]
    assert (merged["SSO"].consumer_key, merged["X1"].callback_secret) == ("k", "c")
    assert "X1" not in json.loads(settings.agency_credentials_file.read_text())


def test_in_production_only_the_environment_counts(tmp_path: Path) -> None:
    mine = {"consumer_key": "k", "consumer_secret": "s", "callback_secret": "c"}
    settings = _settings(
        tmp_path, agency_credentials=SecretStr(json.dumps({"DLT": mine}))
    ).model_copy(update={"env": Environment.PRODUCTION})
    assert sorted(load_agency_credentials(settings, ["DLT", "SSO"])) == ["DLT"]
    assert not settings.agency_credentials_file.exists()


def test_a_broken_file_is_named_with_what_is_wrong_and_how_to_fix_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.agency_credentials_file.write_text('{"DLT": {"consumer_key": "k"}}')
    with pytest.raises(RuntimeError) as raised:
        load_agency_credentials(settings, ["DLT"])
    message = str(raised.value)
    assert str(settings.agency_credentials_file) in message
    assert "callback_secret" in message  # what is wrong
    assert f"rm {settings.agency_credentials_file}" in message
    assert "make run" in message
    assert "CITIZEN_GATEWAY_AGENCY_CREDENTIALS" in message


def test_connector_options_from_the_environment_reach_the_agency_s_connector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "CITIZEN_GATEWAY_CONNECTOR_OPTIONS", '{"dlt": {"once_only.x": "/api/v1/x/{pid}"}}'
    )
    settings = _settings(tmp_path)
    configs = connector_configs(settings, load_agency_credentials(settings, ["DLT", "SSO"]))
    assert configs["DLT"].options == {"once_only.x": "/api/v1/x/{pid}"}
    assert configs["SSO"].options == {}
