"""Helpers shared by the HTTP tests (importable as `support`: pytest puts tests/ on the path)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.config import Settings
from gateway.main import create_app
from identity.clients import MOBILE_APP_CLIENT_ID, MOBILE_APP_REDIRECT_URIS

PROBLEM_JSON = "application/problem+json"
PROBLEM_FIELDS = ("type", "title", "status", "detail", "code", "instance")


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """`r` is an RFC 9457 problem with this status and code, and every required field."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    for field in PROBLEM_FIELDS:
        assert body.get(field), f"problem without {field}: {body}"
    assert body["status"] == status
    assert body["code"] == code
    return body


@contextlib.asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another gateway built from `settings`, started (lifespan run), with a client for it."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield client


@dataclass
class Stack:
    """The gateway and the mock agencies, each with a client; they talk over ASGITransport."""

    gateway: httpx.AsyncClient
    agencies: httpx.AsyncClient


#: Demo citizen 1 (docs/demo-citizens.md), as typed from the card.
SOMCHAI = {
    "national_id": "1100100001014",
    "laser_code": "JT0123456701",
    "first_name_th": "สมชาย",
    "last_name_th": "ใจดี",
    "birth_date_be": "25300115",
}


async def face_answer(
    stack: Stack, started: dict[str, Any], pid: str = SOMCHAI["national_id"], **scan: Any
) -> dict[str, Any]:
    """What the phone sends for the face step: a scan answering the verification's challenge."""
    response = await stack.agencies.post(
        "/device/face-scan",
        json={
            "pid": pid,
            "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
            **scan,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {"template": body["template"], "liveness": body["liveness"]}


@dataclass
class Agencies:
    """The mock-agencies host alone: a client (faults, phone) and the transport connectors use."""

    app: httpx.AsyncClient
    transport: httpx.ASGITransport


# -- the app's login (OpenID Connect code flow + PKCE) ----------------------------------------

REDIRECT = MOBILE_APP_REDIRECT_URIS[0]


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization(challenge: str, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": MOBILE_APP_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid profile birthdate citizen",
        "state": "app-state-123",
        "nonce": secrets.token_urlsafe(16),  # fresh per login: a reused nonce is a replay
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **changes,
    }


async def login(stack: Stack, *, face: bool = True, nonce: str | None = None) -> dict[str, Any]:
    """Run the app's login; the token response."""
    verifier, challenge = pkce()
    request = authorization(challenge, **({"nonce": nonce} if nonce else {}))
    started = await stack.gateway.post(
        "/v1/identity/verifications", json={**SOMCHAI, "authorization": request}
    )
    assert started.status_code == 201, started.text
    body = started.json()
    if face:
        finished = await stack.gateway.post(body["face_url"], json=await face_answer(stack, body))
    else:
        finished = await stack.gateway.post(f"/v1/identity/verifications/{body['id']}/card-only")
    assert finished.status_code == 200, finished.text
    code = finished.json()["authorization"]
    assert code["state"] == "app-state-123"
    assert code["redirect_uri"] == REDIRECT
    token = await stack.gateway.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code["code"],
            "redirect_uri": REDIRECT,
            "client_id": MOBILE_APP_CLIENT_ID,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    tokens: dict[str, Any] = token.json()
    return tokens
