"""Fault knobs shared by every mock agency: latency, error rate, outage, malformed replies.

Integration and chaos suites turn these per agency and per run, over HTTP
(`PUT /faults/{agency}`) or at start-up (MOCK_AGENCIES_FAULTS='{"DOPA": {"outage": true}}').
Random faults draw from a seeded generator (MOCK_AGENCIES_SEED) so a run can be repeated.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send


class FaultKnobs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: Annotated[int, Field(ge=0, le=60_000)] = 0
    error_rate: Annotated[float, Field(ge=0, le=1)] = 0.0  # share of calls answered 500
    outage: bool = False  # every call answered 503
    malformed_rate: Annotated[float, Field(ge=0, le=1)] = 0.0  # share answered with broken JSON


class FaultBoard:
    """The knobs of every agency, and the seeded dice they roll."""

    def __init__(self, agencies: list[str], seed: int = 0) -> None:
        self.knobs = {code: FaultKnobs() for code in agencies}
        self.random = random.Random(seed)  # noqa: S311 - simulation, not cryptography

    def load(self, raw: str) -> None:
        for code, knobs in json.loads(raw).items():
            if code not in self.knobs:
                raise ValueError(f"unknown agency {code!r} in MOCK_AGENCIES_FAULTS")
            self.knobs[code] = FaultKnobs.model_validate(knobs)

    def reset(self) -> None:
        self.knobs = {code: FaultKnobs() for code in self.knobs}


async def _answer(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class FaultInjector:
    """Wraps one agency's app and applies its knobs before (or instead of) calling it."""

    def __init__(self, app: ASGIApp, board: FaultBoard, agency: str) -> None:
        self.app = app
        self.board = board
        self.agency = agency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        knobs = self.board.knobs[self.agency]
        if knobs.latency_ms:
            await asyncio.sleep(knobs.latency_ms / 1000)
        if knobs.outage:
            await _answer(
                send, 503, b'{"error":"agency unavailable (simulated outage)"}', b"application/json"
            )
            return
        roll = self.board.random.random()
        if roll < knobs.error_rate:
            await _answer(send, 500, b'{"error":"simulated internal error"}', b"application/json")
            return
        if roll < knobs.error_rate + knobs.malformed_rate:
            await _answer(send, 200, b'{"status": "ok", "resu', b"application/json")
            return
        await self.app(scope, receive, send)
