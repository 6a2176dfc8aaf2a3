"""Signed status callbacks (agency → gateway), delivered in order per case and retried.

    POST <callback_url>   {"agency_ref", "application_number", "application_id", "seq", "at",
                           "status", "data"}
    X-Agency: DLT   X-Timestamp: <unix seconds>   X-Nonce: <22 url-safe chars>
    X-Signature: v1=<hex HMAC-SHA256(callback secret, "<timestamp>.<nonce>." + raw body)>

A callback is acknowledged by any 2xx. Otherwise it is tried again after a growing delay
(`RetryPolicy`, on the agency's clock) until the attempts are spent; then it is marked failed
and the next one of the case goes (the gateway fills gaps by polling the case's status).
Every attempt is signed afresh: a new timestamp and nonce, so a retry is never a replay.
Delivery failures are the outbox's business only: the agency's API never notices them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

log = logging.getLogger("mock_agencies.casework.callbacks")


def sign(secret: str, timestamp: int, nonce: str, body: bytes) -> str:
    """The X-Signature value: v1=hex HMAC-SHA256(secret, "<timestamp>.<nonce>." + body)."""
    message = f"{timestamp}.{nonce}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    agency: str, secret: str, body: bytes, timestamp: int, *, signature: bool = True
) -> dict[str, str]:
    """The callback's headers; `signature=False` leaves X-Signature out (the sloppy profile)."""
    nonce = secrets.token_urlsafe(16)
    headers = {
        "Content-Type": "application/json",
        "X-Agency": agency,
        "X-Timestamp": str(timestamp),
        "X-Nonce": nonce,
    }
    if signature:
        headers["X-Signature"] = sign(secret, timestamp, nonce, body)
    return headers


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 10
    first_delay: float = 1.0  # seconds on the agency's clock
    factor: float = 2.0
    max_delay: float = 300.0

    def delay(self, attempts_made: int) -> float:
        return min(self.max_delay, self.first_delay * self.factor ** (attempts_made - 1))


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass
class Delivery:
    agency_ref: str
    seq: int
    status: str
    url: str
    body: bytes
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_status: int | None = None
    last_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "agency_ref": self.agency_ref,
            "seq": self.seq,
            "status": self.status,
            "url": self.url,
            "state": self.state.value,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
        }


def callback_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class CallbackOutbox:
    """Callbacks waiting to go, one queue per case (a case's callbacks go in seq order)."""

    agency: str
    secret: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    history_size: int = 2000
    signed: bool = True  # False: callbacks go without X-Signature (the sloppy profile)
    queues: dict[str, deque[Delivery]] = field(default_factory=dict)
    finished: deque[Delivery] = field(init=False)

    def __post_init__(self) -> None:
        self.finished = deque(maxlen=self.history_size)

    def add(self, delivery: Delivery) -> None:
        self.queues.setdefault(delivery.agency_ref, deque()).append(delivery)

    @property
    def pending(self) -> bool:
        return bool(self.queues)

    def due(self, now: float) -> list[Delivery]:
        """The first waiting callback of each case whose time has come."""
        return [queue[0] for queue in self.queues.values() if queue[0].next_attempt_at <= now]

    def all(self) -> Iterator[Delivery]:
        yield from self.finished
        for queue in self.queues.values():
            yield from queue

    def _finish(self, delivery: Delivery, state: DeliveryState) -> None:
        delivery.state = state
        queue = self.queues[delivery.agency_ref]
        queue.popleft()
        if not queue:
            del self.queues[delivery.agency_ref]
        self.finished.append(delivery)

    async def attempt(
        self,
        client: httpx.AsyncClient,
        delivery: Delivery,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        """One try at `delivery`: acknowledged, or scheduled again, or given up."""
        delivery.attempts += 1
        headers = signed_headers(
            self.agency, self.secret, delivery.body, int(wall_clock()), signature=self.signed
        )
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=headers)
        except Exception as error:  # refused, reset, timed out, receiver crashed: try later
            delivery.last_status, delivery.last_error = None, f"{type(error).__name__}: {error}"
        else:
            delivery.last_status = response.status_code
            delivery.last_error = None if response.is_success else response.text[:500]
            if response.is_success:
                self._finish(delivery, DeliveryState.DELIVERED)
                return
        if delivery.attempts >= self.policy.max_attempts:
            log.warning(
                "callback given up",
                extra={"agency_ref": delivery.agency_ref, "seq": delivery.seq},
            )
            self._finish(delivery, DeliveryState.FAILED)
            return
        delivery.next_attempt_at = clock() + self.policy.delay(delivery.attempts)


class LateTransport(httpx.AsyncBaseTransport):
    """A transport whose target is set later: the agency app is built before the gateway app
    it should call back in-process (tests set `target` to `httpx.ASGITransport(gateway)`)."""

    def __init__(self, target: httpx.AsyncBaseTransport | None = None) -> None:
        self.target = target

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.target is None:
            raise httpx.ConnectError("no callback receiver connected yet", request=request)
        return await self.target.handle_async_request(request)
