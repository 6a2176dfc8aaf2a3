"""The mocks host serves the registered mock agencies (entry points, no list in code); one whose
app fails to import or build is left out, logged and listed as broken, the rest served."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint
from pathlib import Path

import httpx
import pytest

from mock_agencies.app import create_app
from mock_agencies.deferred import Deferred
from mock_agencies.registry import (
    AGENCIES_GROUP,
    SERVICES_GROUP,
    build,
    credential_codes,
    registered,
)


def test_the_registry_reads_both_groups_and_only_agencies_hold_credentials() -> None:
    found = [
        EntryPoint("doex", "mock_agencies.pwa.app:create_default_app", AGENCIES_GROUP),
        EntryPoint("ZZ", "mock_agencies.bank:create_default_app", SERVICES_GROUP),
    ]
    mocks = registered(found)
    assert sorted(mocks) == ["DOEX", "ZZ"]
    assert credential_codes(found) == ("DOEX",)


def test_a_factory_that_is_not_callable_is_an_error() -> None:
    (mock,) = registered(
        [EntryPoint("X1", "mock_agencies.registry:AGENCIES_GROUP", AGENCIES_GROUP)]
    ).values()
    with pytest.raises(TypeError, match="not a factory"):
        build(mock)


async def test_a_broken_mock_is_left_out_and_listed_and_the_others_are_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path))
    (bad,) = registered([EntryPoint("BAD", "no_such_module_here:create", AGENCIES_GROUP)]).values()
    (pwa,) = registered(
        [EntryPoint("PWA", "mock_agencies.pwa.app:create_default_app", AGENCIES_GROUP)]
    ).values()
    agencies = {"BAD": Deferred(lambda: build(bad)), "PWA": Deferred(lambda: build(pwa))}
    with caplog.at_level(logging.ERROR, logger="mock_agencies"):
        host = create_app(agencies, device_app=None)
    assert any("BAD" in record.getMessage() for record in caplog.records)
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        index = (await client.get("/")).json()
        assert [agency["code"] for agency in index["agencies"]] == ["PWA"]
        (broken,) = index["broken"]
        assert broken["code"] == "BAD"
        assert "no_such_module_here" in broken["reason"]
        assert (await client.get("/pwa/api/v1/health")).status_code == 200
        assert (await client.get("/bad/")).status_code == 404
        assert (await client.get("/faults/BAD")).status_code == 404
