"""Settings from CITIZEN_GATEWAY_* environment variables, and the development secrets."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.config import ClockMode, Environment, Settings
from gateway.keys import load_secrets

PREFIX = "CITIZEN_GATEWAY_"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No CITIZEN_GATEWAY_* variable from the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    return monkeypatch


def _settings() -> Settings:
    return Settings(_env_file=None)


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(PREFIX + name.upper(), value)


PRODUCTION_SECRETS = {
    "secret_key": "s" * 32,
    "admin_token": "t" * 32,
    "pii_encryption_key": "e" * 32,
    "pii_index_key": "i" * 32,
    "dopa_consumer_key": "portal-consumer",
    "dopa_consumer_secret": "c" * 32,
}


def _production(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, env="production", **PRODUCTION_SECRETS)


def test_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(
        monkeypatch,
        database_url="postgresql+asyncpg://gw:pw@db.example/gateway",
        var_dir=str(tmp_path),
        max_body_bytes="2048",
        log_json="false",
        clock_start="2026-04-10T17:05:00+07:00",
    )
    settings = _settings()
    assert settings.database_url == "postgresql+asyncpg://gw:pw@db.example/gateway"
    assert not settings.is_sqlite
    assert settings.var_dir == tmp_path
    assert settings.max_body_bytes == 2048
    assert settings.log_json is False
    assert settings.clock_start == dt.datetime(
        2026, 4, 10, 10, 5, tzinfo=dt.UTC
    )  # the same instant


def test_defaults_are_development_on_sqlite_with_simulated_time() -> None:
    settings = _settings()
    assert settings.env is Environment.DEVELOPMENT
    assert settings.is_sqlite
    assert settings.clock_mode is ClockMode.SIMULATED
    assert settings.secret_key is None
    assert settings.admin_token is None


def test_development_may_choose_the_system_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, clock="system")
    assert _settings().clock_mode is ClockMode.SYSTEM


def test_production_uses_the_system_clock_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _production(monkeypatch)
    settings = _settings()
    assert settings.env is Environment.PRODUCTION
    assert settings.clock_mode is ClockMode.SYSTEM


def test_secrets_are_not_shown_when_settings_are_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    _production(monkeypatch)
    shown = repr(_settings())
    assert "s" * 32 not in shown
    assert "t" * 32 not in shown


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("secret_key", ["CITIZEN_GATEWAY_SECRET_KEY"]),
        ("admin_token", ["CITIZEN_GATEWAY_ADMIN_TOKEN"]),
        ("both", ["CITIZEN_GATEWAY_SECRET_KEY", "CITIZEN_GATEWAY_ADMIN_TOKEN"]),
        ("pii_encryption_key", ["CITIZEN_GATEWAY_PII_ENCRYPTION_KEY"]),
        ("pii_index_key", ["CITIZEN_GATEWAY_PII_INDEX_KEY"]),
        ("dopa_consumer_secret", ["CITIZEN_GATEWAY_DOPA_CONSUMER_SECRET"]),
    ],
)
def test_production_refuses_to_start_without_configured_secrets(
    monkeypatch: pytest.MonkeyPatch, missing: str, named: list[str]
) -> None:
    _production(monkeypatch)
    for name in ("secret_key", "admin_token") if missing == "both" else (missing,):
        monkeypatch.delenv(PREFIX + name.upper())
    with pytest.raises(ValidationError, match="production needs configured secrets") as caught:
        _settings()
    for variable in named:
        assert variable in str(caught.value)


@pytest.mark.parametrize(
    "simulated",
    [
        pytest.param({"clock": "simulated"}, id="simulated-clock"),
        pytest.param({"clock_start": "2026-04-10T17:05:00+07:00"}, id="clock-start"),
    ],
)
def test_production_refuses_simulated_time(
    monkeypatch: pytest.MonkeyPatch, simulated: dict[str, str]
) -> None:
    _production(monkeypatch)
    _env(monkeypatch, **simulated)
    with pytest.raises(ValidationError, match="simulated time is refused"):
        _settings()


def test_a_clock_start_without_timezone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, clock_start="2026-04-10T17:05:00")
    with pytest.raises(ValidationError, match="CITIZEN_GATEWAY_CLOCK_START needs a timezone"):
        _settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [("env", "staging"), ("clock", "fast"), ("max_body_bytes", "0"), ("db_pool_size", "-1")],
)
def test_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    _env(monkeypatch, **{name: value})
    with pytest.raises(ValidationError, match=name):
        _settings()


# ---- secrets ----------------------------------------------------------------------------------


def test_development_generates_private_secrets_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(monkeypatch, var_dir=str(tmp_path / "var"))
    first = load_secrets(_settings())

    keys = tmp_path / "var" / "keys"
    for name in ("secret-key", "admin-token"):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600, name
    assert (keys / "secret-key").read_text(encoding="ascii").strip().encode() == first.secret_key
    assert (keys / "admin-token").read_text(encoding="ascii").strip() == first.admin_token
    assert len(first.secret_key) >= 32
    assert len(first.admin_token) >= 32
    assert first.secret_key != first.admin_token.encode()

    # A second start (a restart, another worker) reuses them: cursors and tokens stay valid.
    assert load_secrets(_settings()) == first


def test_configured_secrets_are_used_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(
        monkeypatch,
        var_dir=str(tmp_path / "var"),
        secret_key="configured-secret-key-0123456789abcdef",
        admin_token="configured-admin-token-0123456789abcdef",
        pii_encryption_key="configured-pii-encryption-key-0123456789",
        pii_index_key="configured-pii-index-key-0123456789abcdef",
    )
    secrets = load_secrets(_settings())
    assert secrets.secret_key == b"configured-secret-key-0123456789abcdef"
    assert secrets.admin_token == "configured-admin-token-0123456789abcdef"
    assert not (tmp_path / "var" / "keys").exists()


def test_production_uses_its_configured_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _production(monkeypatch)
    _env(monkeypatch, var_dir=str(tmp_path / "var"))
    secrets = load_secrets(_settings())
    assert secrets.secret_key == b"s" * 32
    assert secrets.admin_token == "t" * 32
    assert not (tmp_path / "var" / "keys").exists()


def test_one_configured_secret_and_one_generated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(
        monkeypatch,
        var_dir=str(tmp_path / "var"),
        admin_token="configured-admin-token-0123456789abcdef",
    )
    secrets = load_secrets(_settings())
    assert secrets.admin_token == "configured-admin-token-0123456789abcdef"
    keys = tmp_path / "var" / "keys"
    assert (keys / "secret-key").read_text(encoding="ascii").strip().encode() == secrets.secret_key
    assert not (keys / "admin-token").exists()


def test_an_empty_or_short_generated_secret_is_refused_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = tmp_path / "var" / "keys"
    keys.mkdir(parents=True)
    (keys / "admin-token").write_text("\n")
    _env(monkeypatch, var_dir=str(tmp_path / "var"))
    with pytest.raises(RuntimeError, match="no usable secret"):
        load_secrets(_settings())
    (keys / "admin-token").write_text("short\n")
    with pytest.raises(RuntimeError, match="no usable secret"):
        load_secrets(_settings())


def test_workers_generating_secrets_at_once_all_get_the_same_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(monkeypatch, var_dir=str(tmp_path / "var"))
    settings = _settings()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: load_secrets(settings), range(16)))
    assert len({r.admin_token for r in results}) == 1
    assert len({r.secret_key for r in results}) == 1
    assert sorted(p.name for p in (tmp_path / "var" / "keys").iterdir()) == [
        "admin-token",
        "pii-encryption-key",
        "pii-index-key",
        "secret-key",
    ]


@pytest.mark.parametrize("name", ["secret_key", "admin_token"])
def test_configured_secrets_shorter_than_32_characters_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _env(monkeypatch, **{name: "x" * 31})
    with pytest.raises(ValidationError, match="at least 32 characters"):
        _settings()


@pytest.mark.parametrize(
    "levels",
    [
        {"assurance_card_only": "IAL2.3"},
        {"assurance_card_only": "IAL2.1"},
        {"assurance_card_only": "IAL1.3", "assurance_card_face_liveness": "IAL1.2"},
    ],
)
def test_a_card_check_alone_can_never_reach_face_level(
    monkeypatch: pytest.MonkeyPatch, levels: dict[str, str]
) -> None:
    _env(monkeypatch, **levels)
    with pytest.raises(ValidationError, match="ASSURANCE_CARD_ONLY"):
        _settings()


@pytest.mark.parametrize(("env", "required"), [("production", True), ("development", False)])
def test_connectors_require_tls_to_agencies_in_production(
    monkeypatch: pytest.MonkeyPatch, env: str, required: bool
) -> None:
    """In production each agency's connector is told to refuse an http:// address (the
    shipped ones do: AgencyMisconfigured, the connector is not loaded)."""
    from gateway.credentials import AgencyCredentials
    from gateway.main import connector_configs

    _env(monkeypatch, env=env, **PRODUCTION_SECRETS)
    credentials = {"DLT": AgencyCredentials("dlt-key", "d" * 32, "c" * 32)}
    configs = connector_configs(Settings(_env_file=None), credentials)
    assert configs["DLT"].require_tls is required
