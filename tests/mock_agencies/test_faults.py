"""The shared fault knobs every mock agency gets: outage, errors, malformed replies, latency."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mock_agencies.app import create_app


def _echo_agency() -> FastAPI:
    agency = FastAPI()

    @agency.get("/status")
    async def status() -> dict[str, str]:
        return {"status": "ok"}

    return agency


@pytest.fixture
async def host() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app({"ECHO": _echo_agency()}, seed=7)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        yield client


async def test_index_lists_agencies_and_their_paths(host: httpx.AsyncClient) -> None:
    body = (await host.get("/")).json()
    assert body["agencies"] == [{"code": "ECHO", "base_path": "/echo/"}]


async def test_agency_answers_normally_without_faults(host: httpx.AsyncClient) -> None:
    response = await host.get("/echo/status")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_outage_answers_503_until_reset(host: httpx.AsyncClient) -> None:
    assert (await host.put("/faults/ECHO", json={"outage": True})).status_code == 200
    assert (await host.get("/echo/status")).status_code == 503
    assert (await host.delete("/faults")).status_code == 204
    assert (await host.get("/echo/status")).status_code == 200


async def test_error_rate_one_always_fails_and_malformed_breaks_json(
    host: httpx.AsyncClient,
) -> None:
    await host.put("/faults/ECHO", json={"error_rate": 1.0})
    assert (await host.get("/echo/status")).status_code == 500
    await host.put("/faults/ECHO", json={"malformed_rate": 1.0})
    response = await host.get("/echo/status")
    assert response.status_code == 200
    with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
        response.json()


async def test_partial_error_rate_fails_some_calls_reproducibly() -> None:
    async def statuses() -> list[int]:
        app = create_app({"ECHO": _echo_agency()}, seed=42)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as client:
            await client.put("/faults/ECHO", json={"error_rate": 0.5})
            return [(await client.get("/echo/status")).status_code for _ in range(40)]

    first = await statuses()
    assert {200, 500} == set(first)
    assert first == await statuses()  # same seed, same faults


async def test_knobs_are_validated_and_agencies_must_exist(host: httpx.AsyncClient) -> None:
    assert (await host.put("/faults/ECHO", json={"error_rate": 1.5})).status_code == 422
    assert (await host.put("/faults/ECHO", json={"explode": True})).status_code == 422
    assert (await host.put("/faults/NOPE", json={"outage": True})).status_code == 404


async def test_faults_can_be_set_for_a_run_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOCK_AGENCIES_FAULTS", '{"ECHO": {"outage": true}}')
    app = create_app({"ECHO": _echo_agency()})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as client:
        assert (await client.get("/echo/status")).status_code == 503
