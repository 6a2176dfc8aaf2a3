"""A host serving the agencies the portal reads for the citizen's own view (know), with a
client that holds a token at each (importable as `know_support`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from casework_support import AGENT_ID, KEY, SECRET
from dopa_support import FakeClock
from fastapi import FastAPI

from mock_agencies.app import create_app as create_host
from mock_agencies.bma.portal import AgencyCredentials
from mock_agencies.cgd import app as cgd
from mock_agencies.dop import app as dop
from mock_agencies.dopa.population import Population, build_population
from mock_agencies.nhso import app as nhso

POPULATION = build_population(seed=2565, size=1500)
#: 1 December 2026, 12:00 in Bangkok.
NOON = 1_796_101_200.0


@dataclass
class Know:
    client: httpx.AsyncClient
    clock: FakeClock
    population: Population
    agencies: dict[str, FastAPI]

    async def headers(self, code: str) -> dict[str, str]:
        validated = await self.client.get(
            f"/{code.lower()}/gdx/auth/validate",
            params={"ConsumerSecret": SECRET, "AgentID": AGENT_ID},
            headers={"Consumer-Key": KEY},
        )
        assert validated.status_code == 200, validated.text
        return {"Consumer-Key": KEY, "Token": validated.json()["Result"]}

    async def read(self, code: str, path: str) -> httpx.Response:
        return await self.client.get(f"/{code.lower()}{path}", headers=await self.headers(code))


@contextlib.asynccontextmanager
async def serving(seed: int = 0) -> AsyncIterator[Know]:
    clock = FakeClock(NOON)
    consumers = {KEY: SECRET}
    agencies = {
        "CGD": cgd.create_app(population=POPULATION, seed=seed, clock=clock, consumers=consumers),
        "NHSO": nhso.create_app(population=POPULATION, seed=seed, clock=clock, consumers=consumers),
        "DOP": dop.create_app(
            AgencyCredentials(KEY, SECRET, "callback-secret"),
            "http://gateway.invalid",
            clock=clock,
            population=POPULATION,
            seed=seed,
        ),
    }
    host = create_host(agencies, seed=1, device_app=None)
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        yield Know(client, clock, POPULATION, agencies)
