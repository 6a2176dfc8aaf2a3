"""Where the registry's consumer credentials come from, and how the host starts the registry."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest
from dopa_support import AGENT_ID, SOMCHAI, rest_body
from fastapi import FastAPI

from mock_agencies.app import create_app, registered_agencies
from mock_agencies.deferred import Deferred
from mock_agencies.dopa import app as dopa
from mock_agencies.dopa.credentials import load_consumers


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MOCK_DOPA_CONSUMERS", raising=False)
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path / "agencies"))
    return tmp_path / "agencies"


def test_consumers_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, var_dir: Path
) -> None:
    monkeypatch.setenv("MOCK_DOPA_CONSUMERS", '{"gateway": "s3cret", "ops": "other"}')
    assert load_consumers() == {"gateway": "s3cret", "ops": "other"}
    assert not var_dir.exists()  # nothing generated when consumers are configured


@pytest.mark.parametrize("raw", ["not json", "[]", "{}", '{"key": ""}', '{"key": 1}', '{"": "x"}'])
def test_bad_consumer_configuration_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, var_dir: Path, raw: str
) -> None:
    monkeypatch.setenv("MOCK_DOPA_CONSUMERS", raw)
    with pytest.raises(ValueError, match="MOCK_DOPA_CONSUMERS"):
        load_consumers()


def test_a_development_pair_is_generated_once_private_and_reused(var_dir: Path) -> None:
    first = load_consumers()
    path = var_dir / "dopa-consumer.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == first
    ((key, secret),) = first.items()
    assert len(secret) >= 32
    assert key != secret
    assert load_consumers() == first  # a later start reuses it


def test_two_var_dirs_get_different_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOCK_DOPA_CONSUMERS", raising=False)
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path / "a"))
    first = load_consumers()
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path / "b"))
    assert load_consumers() != first  # generated, never a constant in code


async def test_default_registry_serves_the_generated_consumer(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_DOPA_POPULATION", "40")
    registry = dopa.create_default_app()
    ((key, secret),) = json.loads((var_dir / "dopa-consumer.json").read_text()).items()
    transport = httpx.ASGITransport(app=registry)
    async with httpx.AsyncClient(transport=transport, base_url="http://dopa.test") as client:
        validated = await client.get(
            "/gdx/auth/validate",
            params={"ConsumerSecret": secret, "AgentID": AGENT_ID},
            headers={"Consumer-Key": key},
        )
        headers = {"Consumer-Key": key, "Token": validated.json()["Result"]}
        check = await client.post(
            "/gdx/linkage/check-card-by-laser", json=rest_body(SOMCHAI), headers=headers
        )
        assert check.json()["code"] == 0


def test_the_host_serves_dopa_built_at_start_not_at_import() -> None:
    assert isinstance(registered_agencies()["DOPA"], Deferred)


async def test_deferred_builds_once_on_start_or_first_request() -> None:
    built: list[int] = []

    def factory() -> FastAPI:
        built.append(1)
        app = FastAPI()

        @app.get("/ping")
        async def ping() -> dict[str, bool]:
            return {"pong": True}

        return app

    lazy = Deferred(factory)
    host = create_app({"LAZY": lazy}, seed=1)
    assert built == [1]  # the host built it when it started
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as client:
        assert (await client.get("/lazy/ping")).json() == {"pong": True}
        assert (await client.get("/lazy/ping")).status_code == 200
    assert built == [1]
    untouched = Deferred(factory)
    transport = httpx.ASGITransport(app=untouched)
    async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as client:
        assert built == [1]
        assert (await client.get("/ping")).status_code == 200  # built on the first request
    assert built == [1, 1]
