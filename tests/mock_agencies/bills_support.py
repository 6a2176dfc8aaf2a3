"""Shared pieces of the billers' tests (importable as `bills_support`): a client of one
biller's Bills API on the mock-agencies host, and payment notices as the gateway sends them."""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from casework_support import AGENT_ID, KEY, SECRET
from dopa_support import FakeClock

from mock_agencies.app import create_app as create_host
from mock_agencies.dopa.population import national_id_check_digit
from mock_agencies.pwa import app as pwa

_keys = itertools.count(1)
REF1 = re.compile(r"[A-Z0-9]{1,20}")


def pid(serial: int, prefix: str = "31000") -> str:
    """A valid national ID (not a demo citizen's)."""
    first12 = f"{prefix}{serial:0{12 - len(prefix)}d}"
    return first12 + national_id_check_digit(first12)


@dataclass
class Biller:
    client: httpx.AsyncClient
    code: str
    clock: FakeClock

    @property
    def base(self) -> str:
        return f"/{self.code.lower()}"

    async def headers(self) -> dict[str, str]:
        validated = await self.client.get(
            f"{self.base}/gdx/auth/validate",
            params={"ConsumerSecret": SECRET, "AgentID": AGENT_ID},
            headers={"Consumer-Key": KEY},
        )
        assert validated.status_code == 200, validated.text
        return {"Consumer-Key": KEY, "Token": validated.json()["Result"]}

    async def listing(self, pid: str) -> httpx.Response:
        return await self.client.get(
            f"{self.base}/api/v1/bills", params={"pid": pid}, headers=await self.headers()
        )

    async def bills(self, pid: str) -> list[dict[str, Any]]:
        response = await self.listing(pid)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pid"] == pid
        bills: list[dict[str, Any]] = body["bills"]
        return bills

    async def pay(
        self,
        bill_id: str,
        body: dict[str, Any],
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {**(headers if headers is not None else await self.headers())}
        key = key or body.get("idempotency_key")
        if key:
            sent["Idempotency-Key"] = key
        return await self.client.post(
            f"{self.base}/api/v1/bills/{bill_id}/payments", json=body, headers=sent
        )

    async def payments(self) -> list[dict[str, Any]]:
        response = await self.client.get(f"{self.base}/staff/bill-payments")
        assert response.status_code == 200, response.text
        payments: list[dict[str, Any]] = response.json()["payments"]
        return payments


def notice(bill: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A payment notice for `bill` as the gateway sends it (connectors.base.PaymentNotice)."""
    number = next(_keys)
    amount = changes.pop("amount_satang", bill["amount_satang"])
    return {
        "idempotency_key": f"payment-{number}:bill",
        "reference": bill["bill_id"],
        "payment_id": f"PAY{number:08d}",
        "receipt_number": f"{bill['bill_id'][:3]}-2569-{number:06d}",
        "amount_satang": amount,
        "fees": [{"label": bill["title_th"], "amount_satang": amount}],
        "paid_at": "2025-10-09T03:00:00+00:00",
        "channel": "mobile",
        **changes,
    }


def assert_bill_shape(bill: dict[str, Any], kind: str) -> None:
    """What every listed bill must be: a Ref1 number, a positive amount in satang, dates."""
    assert REF1.fullmatch(bill["bill_id"]), bill
    assert bill["kind"] == kind
    assert isinstance(bill["amount_satang"], int)
    assert bill["amount_satang"] > 0
    assert bill["title_th"]
    assert bill["title_en"]
    assert bill["account_ref"]
    assert bill["issued_on"] < bill["due_on"]


@contextlib.asynccontextmanager
async def serving_pwa(seed: int = 0) -> AsyncIterator[Biller]:
    """The mock-agencies host serving PWA (its own app: no casework), on a fake clock."""
    clock = FakeClock()
    agency = pwa.create_app(seed=seed, clock=clock, consumers={KEY: SECRET})
    transport = httpx.ASGITransport(app=create_host({"PWA": agency}, seed=1, device_app=None))
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        yield Biller(client, "PWA", clock)
