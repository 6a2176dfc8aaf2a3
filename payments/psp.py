"""The portal's client of its bank / PSP (docs/mock-bank.md is the mock's side of the same
contract): the bank's final word on a transaction, refunds, transfers to citizens, and the
daily settlement statement.

Every call raises `BankUnavailable` when the bank cannot answer now (network, timeout, 5xx,
429), so callers retry later; `BankRefused` when it answered no (4xx) with its code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx


class BankError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class BankUnavailable(BankError):
    """The bank did not answer now; try again later."""


class BankRefused(BankError):
    """The bank answered, and said no."""


@dataclass(frozen=True)
class BankTxn:
    txn_id: str
    kind: str
    status: str  # succeeded | reversed
    biller_id: str
    ref1: str
    ref2: str | None
    amount_satang: int
    paid_at: dt.datetime
    channel: str
    refunded_satang: int

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> BankTxn:
        try:
            return cls(
                txn_id=str(body["txn_id"]),
                kind=str(body.get("kind", "payment")),
                status=str(body["status"]),
                biller_id=str(body["biller_id"]),
                ref1=str(body["ref1"]),
                ref2=None if body.get("ref2") in (None, "") else str(body["ref2"]),
                amount_satang=_whole(body["amount_satang"]),
                paid_at=_instant(body["paid_at"]),
                channel=str(body.get("channel", "mobile")),
                refunded_satang=_whole(body.get("refunded_satang", 0)),
            )
        except (KeyError, TypeError, ValueError) as broken:
            raise BankUnavailable(
                "bank_malformed", f"the bank's answer is malformed: {broken}"
            ) from broken


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    status: str  # credited | returned
    reason: str | None
    at: dt.datetime | None
    account_masked: str | None


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"not a whole number: {value!r}")
    return value


def _instant(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.utcoffset() is None:
        raise ValueError(f"a time without its offset: {value!r}")
    return parsed.astimezone(dt.UTC)


class BankClient:
    """One PSP's API. `transport` replaces the network (tests: httpx.ASGITransport)."""

    def __init__(
        self,
        psp: str,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.psp = psp
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            transport=transport,
            timeout=httpx.Timeout(timeout),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as failed:
            raise BankUnavailable(
                "bank_unreachable", f"{type(failed).__name__}: {failed}"
            ) from failed
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise BankUnavailable("bank_unavailable", f"the bank answered {response.status_code}")
        return response

    @staticmethod
    def _refusal(response: httpx.Response) -> BankRefused:
        try:
            body = response.json()
            code, message = str(body.get("code", "refused")), str(body.get("message", ""))
        except ValueError:
            code, message = "refused", response.text[:200]
        return BankRefused(code, message or f"the bank answered {response.status_code}")

    async def transaction(self, txn_id: str) -> BankTxn | None:
        """The bank's final word on a transaction; None when it has none by that id."""
        response = await self._call("GET", f"/api/v1/transactions/{txn_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._refusal(response)
        return BankTxn.of(response.json())

    async def find(self, biller_id: str, ref1: str, ref2: str | None) -> list[BankTxn]:
        """Every transaction to `biller_id` with these references, oldest first."""
        params = {"biller_id": biller_id, "ref1": ref1}
        if ref2:
            params["ref2"] = ref2
        response = await self._call("GET", "/api/v1/transactions", params=params)
        if response.status_code != 200:
            raise self._refusal(response)
        return [BankTxn.of(item) for item in response.json().get("items", [])]

    async def refund(self, refund_id: str, txn_id: str, amount_satang: int) -> dt.datetime:
        """Pay back `amount_satang` of a transaction (once per `refund_id`)."""
        response = await self._call(
            "POST",
            "/api/v1/refunds",
            json={"refund_id": refund_id, "txn_id": txn_id, "amount_satang": amount_satang},
        )
        if response.status_code not in (200, 201):
            raise self._refusal(response)
        body = response.json()
        try:
            return _instant(body["refunded_at"])
        except (KeyError, ValueError) as broken:
            raise BankUnavailable(
                "bank_malformed", f"the bank's answer is malformed: {broken}"
            ) from broken

    async def transfer(
        self, transfer_id: str, pid: str, amount_satang: int, payer: str, memo: str
    ) -> Transfer:
        """Credit a citizen's PromptPay-linked account (once per `transfer_id`)."""
        response = await self._call(
            "POST",
            "/api/v1/transfers",
            json={
                "transfer_id": transfer_id,
                "pid": pid,
                "amount_satang": amount_satang,
                "payer": payer,
                "memo": memo,
            },
        )
        if response.status_code not in (200, 201):
            raise self._refusal(response)
        body = response.json()
        at = body.get("credited_at") or body.get("returned_at")
        return Transfer(
            transfer_id=str(body["transfer_id"]),
            status=str(body["status"]),
            reason=body.get("reason"),
            at=_instant(at) if at else None,
            account_masked=body.get("account_masked"),
        )

    async def statement(self, day: dt.date) -> bytes:
        """The settlement statement (CSV) of a Bangkok calendar day."""
        response = await self._call("GET", f"/api/v1/statements/{day.isoformat()}")
        if response.status_code != 200:
            raise self._refusal(response)
        return response.content
