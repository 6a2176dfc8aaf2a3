"""Shared pieces of the API-kind mock agency tests (importable as `casework_support`): a fake
clock, a callback receiver that checks nothing (the tests verify signatures themselves), and a
host serving one agency with a client that knows its credentials."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx
from dopa_support import FakeClock
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mock_agencies.app import create_app as create_host
from mock_agencies.casework import Casework, RetryPolicy

KEY, SECRET = "gateway-under-test", "consumer-secret-under-test"
OTHER_KEY, OTHER_SECRET = "another-consumer", "another-consumer-secret"
CALLBACK_SECRET = "callback-secret-under-test-0123456789"
AGENT_ID = "3100100000014"  # a valid ID: the portal's officer at the agency
CALLBACK_URL = "http://gateway.test/v1/agency/callbacks/{code}"
WALL_TIME = 1_750_000_000.0  # the real-time clock X-Timestamp is read from, fixed for tests

SOMCHAI = "1100100001014"  # demo citizen 1, Bangkok
BOONMEE = "3500100002021"  # demo citizen 2, Chiang Mai
MALEE = "3400100003037"  # demo citizen 3, Khon Kaen
NATTHIDA = "1120100008086"  # demo citizen 8, Nonthaburi
BANGKOK_ADDRESS = "99/1 แขวงลุมพินี เขตปทุมวัน กรุงเทพมหานคร 10330"
CHIANG_MAI_ADDRESS = "45 หมู่ 3 ตำบลหางดง อำเภอหางดง จังหวัดเชียงใหม่ 50230"
PHUKET_ADDRESS = "12 ตำบลตลาดใหญ่ อำเภอเมืองภูเก็ต จังหวัดภูเก็ต 83000"
CHON_BURI_ADDRESS = "88/12 หมู่ 2 ตำบลสุรศักดิ์ อำเภอศรีราชา จังหวัดชลบุรี 20110"

_numbers = itertools.count(1)


@dataclass
class Receiver:
    """The gateway's callback endpoint, stood in for: it records every request and answers
    the next status of `answers` (the last one once the list is used up)."""

    answers: list[int] = field(default_factory=lambda: [200])
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    calls: int = 0

    def app(self) -> Starlette:
        async def callback(request: Request) -> JSONResponse:
            body = await request.body()
            self.requests.append((dict(request.headers), body))
            status = self.answers[min(self.calls, len(self.answers) - 1)]
            self.calls += 1
            return JSONResponse({"result": "applied" if status < 300 else "refused"}, status)

        return Starlette(routes=[Route("/v1/agency/callbacks/{code}", callback, methods=["POST"])])

    def acknowledged(self) -> list[tuple[dict[str, str], bytes]]:
        """The requests answered 2xx, in order."""
        answered = [self.answers[min(i, len(self.answers) - 1)] for i in range(self.calls)]
        return [r for r, status in zip(self.requests, answered, strict=True) if status < 300]


@dataclass
class Served:
    client: httpx.AsyncClient
    clock: FakeClock
    code: str
    agency_app: FastAPI
    receiver: Receiver

    @property
    def base(self) -> str:
        return f"/{self.code.lower()}"

    @property
    def casework(self) -> Casework:
        casework: Casework = self.agency_app.state.casework
        return casework

    async def token(self, key: str = KEY, secret: str = SECRET) -> str:
        response = await self.client.get(
            f"{self.base}/gdx/auth/validate",
            params={"ConsumerSecret": secret, "AgentID": AGENT_ID},
            headers={"Consumer-Key": key},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["Result"]
        return token

    async def headers(self, key: str = KEY, secret: str = SECRET) -> dict[str, str]:
        return {"Consumer-Key": key, "Token": await self.token(key, secret)}

    async def submit(
        self,
        body: dict[str, Any],
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {**(headers or await self.headers())}
        sent["Idempotency-Key"] = key or f"app-{next(_numbers)}:submit"
        return await self.client.post(f"{self.base}/api/v1/applications", json=body, headers=sent)

    async def filed(self, body: dict[str, Any]) -> str:
        response = await self.submit(body)
        assert response.status_code == 201, response.text
        ref: str = response.json()["agency_ref"]
        return ref

    async def staff(self, ref: str, action: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/staff/applications/{ref}/{action}", json=body or None
        )

    async def pay(
        self,
        ref: str,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **changes: Any,
    ) -> httpx.Response:
        """The gateway's report that the citizen paid case `ref`'s fees in full (as the
        agency states them), with `changes` to the body."""
        body = payment(await self.case(ref), key, **changes)
        sent = {**(headers or await self.headers())}
        sent["Idempotency-Key"] = key or body["idempotency_key"]
        return await self.client.post(
            f"{self.base}/api/v1/applications/{ref}/payments", json=body, headers=sent
        )

    async def case(self, ref: str) -> dict[str, Any]:
        response = await self.client.get(f"{self.base}/staff/applications/{ref}")
        assert response.status_code == 200, response.text
        case: dict[str, Any] = response.json()
        return case


def filing(
    service_id: str,
    pid: str = SOMCHAI,
    *,
    unit_code: str | None = None,
    address: str | None = BANGKOK_ADDRESS,
    form: dict[str, Any] | None = None,
    code: str = "DLT",
    callback: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A filing as the gateway sends it (docs/agency-integration.md)."""
    number = next(_numbers)
    return {
        "application_number": f"APP-2568-{number:06d}",
        "application_id": f"00000000-0000-4000-8000-{number:012d}",
        "service_id": service_id,
        "unit_code": unit_code,
        "applicant": {
            "pid": pid,
            "first_name_th": "สมชาย",
            "last_name_th": "ใจดี",
            "birth_date": "1987-01-15",
            "address_th": address,
        },
        "form": form or {},
        "attachments": [],
        "arrived_at": "2025-10-09T02:00:00+00:00",
        "deemed_received_at": "2025-10-09T02:00:00+00:00",
        "callback_url": CALLBACK_URL.format(code=code) if callback else None,
        **extra,
    }


def payment(case: dict[str, Any], key: str | None = None, **changes: Any) -> dict[str, Any]:
    """A payment report as the gateway sends it (docs/agency-integration.md, "Fees and
    payments"): the case's fees in full, paid on the app."""
    number = next(_numbers)
    fees = [{"label": fee["label"], "amount_satang": fee["amount_satang"]} for fee in case["fees"]]
    return {
        "idempotency_key": key or f"payment-{number}:agency",
        "reference": case["application_number"],
        "payment_id": f"PAY-{number:08d}",
        "receipt_number": f"RC-{case['agency_ref'].split('-')[0]}-{number:06d}",
        "amount_satang": sum(fee["amount_satang"] for fee in fees),
        "fees": fees,
        "paid_at": "2025-10-09T03:00:00+00:00",
        "channel": "mobile",
        **changes,
    }


@contextlib.asynccontextmanager
async def serving(
    module: ModuleType,
    code: str,
    receiver: Receiver | None = None,
    retry: RetryPolicy | None = None,
    **options: Any,
) -> AsyncIterator[Served]:
    """The mock-agencies host serving agency `code` (built by `module.create_app`), its
    callbacks routed in-process to `receiver`."""
    clock = FakeClock()
    receiver = receiver or Receiver()
    agency_app = module.create_app(
        clock=clock,
        consumers={KEY: SECRET, OTHER_KEY: OTHER_SECRET},
        callback_transport=httpx.ASGITransport(app=receiver.app()),
        seed=0,
        callback_secret=CALLBACK_SECRET,
        retry=retry or RetryPolicy(max_attempts=5, first_delay=10.0),
        tick_seconds=0.001,
        wall_clock=lambda: WALL_TIME,
        **options,
    )
    host = create_host({code: agency_app}, seed=1)
    transport = httpx.ASGITransport(app=host)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as c:
            yield Served(c, clock, code, agency_app, receiver)
    finally:
        await agency_app.state.casework.aclose()


async def eventually(condition: Callable[[], bool], attempts: int = 30_000) -> None:
    """Let the agency's background worker run until `condition` holds (bounded, about 30 s
    or more: it fails rather than hangs). Asserts on the outcome only, never on how long it
    took."""
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the background work never reached the expected state")


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code, body
    assert body["message"]
    return body


def verified(headers: dict[str, str], body: bytes, secret: str = CALLBACK_SECRET) -> dict[str, Any]:
    """The callback's JSON, after checking its signature the way the contract states it,
    without the agency's own code."""
    timestamp, nonce = headers["x-timestamp"], headers["x-nonce"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["x-signature"], f"v1={expected}")
    payload: dict[str, Any] = json.loads(body)
    return payload
