"""Helpers shared by the HTTP tests (importable as `support`: pytest puts tests/ on the path)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.config import Settings
from gateway.main import create_app

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
