"""Scopes keep citizens, agencies and operators apart: operator endpoints take an access token
with the admin scope (client credentials) or the installation's operator token; nothing else."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from support import assert_problem

from identity.oidc import ClientKind

OPERATOR_SECRET = "operator-client-secret-0123456789abcdef"
AGENCY_SECRET = "agency-client-secret-0123456789abcdefgh"


async def _register(app: FastAPI) -> None:
    provider = app.state.oidc
    async with app.state.runtime.sessions() as session:
        await provider.ensure_client(
            session,
            client_id="dga-operator",
            name="DGA operations",
            kind=ClientKind.CONFIDENTIAL,
            scopes=["admin"],
            secret=OPERATOR_SECRET,
        )
        await provider.ensure_client(
            session,
            client_id="dlt-backend",
            name="DLT back end",
            kind=ClientKind.CONFIDENTIAL,
            scopes=["agency:DLT"],
            secret=AGENCY_SECRET,
        )
        await session.commit()


async def _token(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    r = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


async def test_an_operator_token_moves_the_clock(app: FastAPI, client: httpx.AsyncClient) -> None:
    await _register(app)
    token = await _token(client, "dga-operator", OPERATOR_SECRET)
    r = await client.post(
        "/v1/admin/clock", json={"advance": 60}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("who", ["agency", "garbage"])
async def test_other_tokens_are_refused_by_operator_endpoints(
    app: FastAPI, client: httpx.AsyncClient, who: str
) -> None:
    await _register(app)
    token = await _token(client, "dlt-backend", AGENCY_SECRET) if who == "agency" else "a.b.c"
    r = await client.post(
        "/v1/admin/clock", json={"advance": 60}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code in (401, 403)
    assert r.json()["code"] in {"insufficient_scope", "invalid_token"}


async def test_an_agency_token_cannot_read_citizen_data(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await _register(app)
    token = await _token(client, "dlt-backend", AGENCY_SECRET)
    r = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(r, 403, "insufficient_scope")
