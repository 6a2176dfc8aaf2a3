"""Signed messages to the portal that must arrive: retried with backoff until 2xx or the budget.

Each message keeps its body; every attempt is signed afresh (new timestamp and nonce). Messages
with the same key (one case) go out in order: a later one waits while an earlier one is pending,
so the gateway sees seq 1 before seq 2. A message that spends its attempts is `dead` and stays
visible (`GET /deliveries`).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from mock_agencies.bma.portal import PortalClient, canonical_json

log = logging.getLogger("mock_agencies.delivery")
KEEP_DELIVERED = 1000


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass
class Delivery:
    id: int
    kind: str  # "callback" | "notification"
    path: str
    body: bytes
    key: str
    created_at: float
    next_attempt_at: float
    attempts: int = 0
    state: DeliveryState = DeliveryState.PENDING
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "path": self.path,
            "key": self.key,
            "state": self.state.value,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "next_attempt_at": self.next_attempt_at,
            "delivered_at": self.delivered_at,
        }


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    max_attempts: int = 12

    def delay(self, attempts: int, draw: float) -> float:
        """Exponential backoff with jitter: half to all of base·2^(attempts−1), capped."""
        ceiling = min(self.max_seconds, self.base_seconds * 2.0 ** (attempts - 1))
        return ceiling * (0.5 + draw / 2)


class Outbox:
    def __init__(
        self,
        portal: PortalClient,
        clock: Callable[[], float],
        policy: RetryPolicy | None = None,
        seed: int | None = None,
    ) -> None:
        self.portal = portal
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.random = random.Random(seed)  # noqa: S311 - jitter, not cryptography
        self._next_id = 1
        self._messages: list[Delivery] = []

    def add(self, kind: str, path: str, payload: Mapping[str, Any], key: str) -> Delivery:
        now = self.clock()
        delivery = Delivery(self._next_id, kind, path, canonical_json(payload), key, now, now)
        self._next_id += 1
        self._messages.append(delivery)
        return delivery

    def messages(self) -> list[Delivery]:
        return list(self._messages)

    def pending(self) -> list[Delivery]:
        return [m for m in self._messages if m.state is DeliveryState.PENDING]

    def due(self, now: float) -> list[Delivery]:
        """Pending messages whose time has come and that no earlier pending message of the
        same key holds back."""
        blocked: set[str] = set()
        ready = []
        for message in self.pending():
            if message.key in blocked:
                continue
            blocked.add(message.key)
            if message.next_attempt_at <= now:
                ready.append(message)
        return ready

    async def deliver_due(self) -> int:
        """Attempt every due message once; the number delivered."""
        delivered = 0
        for message in self.due(self.clock()):
            delivered += await self._attempt(message)
        self._forget_old()
        return delivered

    async def _attempt(self, message: Delivery) -> int:
        message.attempts += 1
        try:
            response = await self.portal.post_signed(message.path, message.body, self.clock())
            message.last_status, message.last_error = response.status_code, None
            if response.is_success:
                message.state, message.delivered_at = DeliveryState.DELIVERED, self.clock()
                return 1
            message.last_error = response.text[:300]
        except httpx.HTTPError as error:
            message.last_status, message.last_error = None, repr(error)[:300]
        if message.attempts >= self.policy.max_attempts:
            message.state = DeliveryState.DEAD
            log.warning(
                "gave up on %s %s after %d attempts", message.kind, message.key, message.attempts
            )
        else:
            delay = self.policy.delay(message.attempts, self.random.random())
            message.next_attempt_at = self.clock() + delay
        return 0

    def _forget_old(self) -> None:
        done = [m for m in self._messages if m.state is DeliveryState.DELIVERED]
        if len(done) > KEEP_DELIVERED:
            drop = {m.id for m in done[: len(done) - KEEP_DELIVERED]}
            self._messages = [m for m in self._messages if m.id not in drop]
