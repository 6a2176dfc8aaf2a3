"""Shared pieces of the mock bank's tests (importable as `bank_support`): clocks the test
moves, a webhook receiver that answers what it is told, a Thai QR builder written apart from
the bank's parser (its CRC is the standard library's), an independent signature check, and the
agencies host serving the bank with a client that knows its API key."""

from __future__ import annotations

import binascii
import contextlib
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mock_agencies import bank
from mock_agencies.app import create_app as create_host

API_KEY = "bank-api-key-under-test-0123456789abcdef0123"
WEBHOOK_SECRET = "bank-webhook-secret-under-test-0123456789ab"
CREDENTIALS = bank.BankCredentials(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
WEBHOOK_PATH = "/v1/payments/webhooks/mockbank"
WEBHOOK_URL = f"http://gateway.test{WEBHOOK_PATH}"
#: 2026-12-06 10:00:00 in Bangkok (03:00 UTC).
MORNING = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC).timestamp()
REAL_NOW = 1_796_526_245.0  # the wall clock webhooks are stamped with (moved by the tests)

SOMCHAI = "1100100001014"  # demo citizen 1: always PromptPay-linked
BOONMEE = "3500100002021"  # demo citizen 2
BILLER = "099400016550100"  # FACTS.md's bill payment vector's biller
OTHER_BILLER = "010555012345601"
BILL_PAYMENT_AID = "A000000677010112"


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def national_id(first12: str) -> str:
    """`first12` and its check digit (RULES.md, Identity facts), computed here on its own."""
    total = sum(int(digit) * (13 - index) for index, digit in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """`body` (ending in 6304) and its CRC-16/CCITT-FALSE, by binascii (init 0xFFFF)."""
    return body + f"{binascii.crc_hqx(body.encode('ascii'), 0xFFFF):04X}"


def bill_qr(
    ref1: str,
    ref2: str | None = None,
    amount_satang: int | None = None,
    *,
    biller_id: str = BILLER,
    ref3: str | None = None,
) -> str:
    """A tag-30 bill payment payload as a biller would print it (FACTS.md, Thai QR)."""
    bill = tlv("00", BILL_PAYMENT_AID) + tlv("01", biller_id) + tlv("02", ref1)
    if ref2 is not None:
        bill += tlv("03", ref2)
    body = tlv("00", "01") + tlv("01", "11" if amount_satang is None else "12") + tlv("30", bill)
    body += tlv("53", "764")
    if amount_satang is not None:
        body += tlv("54", f"{amount_satang // 100}.{amount_satang % 100:02d}")
    body += tlv("58", "TH")
    if ref3 is not None:
        body += tlv("62", tlv("07", ref3))
    return with_crc(body + "6304")


def verified(headers: dict[str, str], body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, Any]:
    """The webhook's JSON, after checking its signature as the contract states it, without the
    bank's own code: v1=hex HMAC-SHA256(secret, "<timestamp>." + raw body)."""
    assert headers["x-bank-key-id"] == "k1"
    timestamp = headers["x-bank-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(headers["x-bank-signature"], "v1=" + expected.hexdigest())
    payload: dict[str, Any] = json.loads(body)
    return payload


@dataclass
class Receiver:
    """The gateway's webhook endpoint, stood in for: it records every request (with its path)
    and answers the next status of `answers` (the last one once the list is used up)."""

    answers: list[int] = field(default_factory=lambda: [200])
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.requests)

    def app(self) -> Starlette:
        async def webhook(request: Request) -> JSONResponse:
            status = self.answers[min(self.calls, len(self.answers) - 1)]
            self.requests.append((request.url.path, dict(request.headers), await request.body()))
            return JSONResponse({"ok": status < 300}, status)

        return Starlette(routes=[Route("/{path:path}", webhook, methods=["POST"])])

    def events(self) -> list[dict[str, Any]]:
        """Every request's verified body, in the order received."""
        return [verified(headers, body) for _, headers, body in self.requests]


@dataclass
class Served:
    client: httpx.AsyncClient
    clock: Clock
    wall_clock: Clock
    receiver: Receiver
    bank: bank.Bank

    psp: ClassVar[dict[str, str]] = {"Authorization": f"Bearer {API_KEY}"}

    async def pay(
        self, payload: str, pid: str = SOMCHAI, amount_satang: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"pid": pid, "payload": payload}
        if amount_satang is not None:
            body["amount_satang"] = amount_satang
        response = await self.client.post("/bank/app/scan-pay", json=body)
        assert response.status_code == 201, response.text
        txn: dict[str, Any] = response.json()
        return txn

    async def at_counter(
        self, ref1: str, amount_satang: int, channel: str = "7-eleven", **extra: Any
    ) -> dict[str, Any]:
        body = {"biller_id": BILLER, "ref1": ref1, "amount_satang": amount_satang,
                "channel": channel, **extra}  # fmt: skip
        response = await self.client.post("/bank/counter/payments", json=body)
        assert response.status_code == 201, response.text
        txn: dict[str, Any] = response.json()
        return txn

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, f"/bank/api/v1{path}", headers=self.psp, **kwargs)

    async def balance(self, pid: str = SOMCHAI) -> int:
        balance: int = (await self.client.get(f"/bank/app/accounts/{pid}")).json()["balance_satang"]
        return balance

    async def statement(self, date: str, **params: str) -> list[dict[str, str]]:
        response = await self.api("GET", f"/statements/{date}", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        return list(csv.DictReader(io.StringIO(response.text)))

    async def flush(self) -> dict[str, int]:
        response = await self.client.post("/bank/admin/webhooks/flush")
        assert response.status_code == 200, response.text
        flushed: dict[str, int] = response.json()
        return flushed

    async def deliveries(self, **params: str) -> list[dict[str, Any]]:
        response = await self.client.get("/bank/admin/webhooks", params=params)
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()["deliveries"]
        return listed

    async def faults(self, **knobs: Any) -> None:
        response = await self.client.put("/bank/admin/webhook-faults", json=knobs)
        assert response.status_code == 200, response.text


@contextlib.asynccontextmanager
async def serving(
    receiver: Receiver | None = None, *, at: float = MORNING, **options: Any
) -> AsyncIterator[Served]:
    """The agencies host serving the bank alone (its fault knobs, its lifespan), the bank's
    webhooks routed in-process to `receiver`."""
    clock, wall_clock = Clock(at), Clock(REAL_NOW)
    receiver = receiver or Receiver()
    bank_app = bank.create_app(
        clock=clock,
        wall_clock=wall_clock,
        webhook_url=WEBHOOK_URL,
        webhook_transport=httpx.ASGITransport(app=receiver.app()),
        credentials=CREDENTIALS,
        seed=0,
        tick_seconds=0.001,
        **options,
    )
    host = create_host({"BANK": bank_app}, seed=1)
    async with (
        host.router.lifespan_context(host),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=host), base_url="http://agencies.test"
        ) as client,
    ):
        yield Served(client, clock, wall_clock, receiver, bank_app.state.bank)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["message"]
    return body
