"""The bank's signed webhooks to the gateway, retried with backoff, and their fault knobs.

    POST <webhook url>   {"event_id", "type", "txn_id", "biller_id", "ref1", "ref2",
                          "amount_satang", "paid_at", "channel", "refund_id", "sent_at"}
    Content-Type: application/json   X-Bank-Key-Id: k1   X-Bank-Timestamp: <unix seconds>
    X-Bank-Signature: v1=<hex HMAC-SHA256(webhook secret, "<timestamp>." + raw body)>

Any 2xx acknowledges a delivery. Anything else (a refusal, a connection error, 10 s without an
answer) is tried again after `RetryPolicy.delay`, exponential with full jitter, on the bank's
clock; after the last attempt the delivery is parked as failed (the admin view shows it, and
the gateway finds the payment by the status API or the statement). A retry sends the same body
signed with a fresh timestamp, which is the bank's wall clock: the gateway checks it against
real time. A transaction's deliveries go in order (a refund's after its payment's) unless the
reorder knob says otherwise.

The sender is single-loop, like the casework engine. Its worker starts when there is something
to send and ends when nothing is left; `aclose()` (the app's lifespan) stops it. `flush()`
delivers everything due now and returns when those attempts are over, so tests never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from mock_agencies.bank.schemas import DeliveryState, WebhookFaults
from mock_agencies.casework.callbacks import LateTransport

log = logging.getLogger("mock_agencies.bank.webhooks")

#: Deliveries tried at once (one per transaction at most, unless reordering).
DELIVERY_CONCURRENCY = 32
HISTORY_SIZE = 10_000  # delivered and dropped deliveries kept for the admin view
TIMEOUT_SECONDS = 10.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """X-Bank-Signature: v1=hex HMAC-SHA256(secret, "<timestamp>." + body)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: the retry after the n-th failed attempt waits a
    uniformly drawn random(0, min(cap, base * 2**(n-1))) seconds."""

    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    max_attempts: int = 15

    def delay(self, failed_attempts: int, rng: random.Random) -> float:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (failed_attempts - 1))
        return rng.uniform(0, ceiling)


@dataclass(eq=False)
class Delivery:
    delivery_id: int
    event_id: str
    type: str
    txn_id: str
    body: bytes
    queued_at: float
    next_attempt_at: float
    state: DeliveryState = "queued"
    duplicate: bool = False  # the second copy the duplicate knob made
    attempts: int = 0
    in_flight: bool = False
    url: str | None = None  # where the last attempt went
    last_status: int | None = None
    last_error: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "event_id": self.event_id,
            "type": self.type,
            "txn_id": self.txn_id,
            "state": self.state,
            "duplicate": self.duplicate,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at if self.state == "queued" else None,
            "url": self.url,
            "last_status": self.last_status,
            "last_error": self.last_error,
        }


def event_body(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookSender:
    def __init__(
        self,
        *,
        url: str,
        secret: str,
        key_id: str,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        tick_seconds: float = 0.25,
    ) -> None:
        self.url = url
        self.secret = secret
        self.key_id = key_id
        self.clock = clock
        self.wall_clock = wall_clock
        # Wrapped: a client closes its transport when it ends; the caller's must stay open.
        self.transport = None if transport is None else LateTransport(transport)
        self.retry = retry or RetryPolicy()
        self.tick_seconds = tick_seconds
        self.faults = WebhookFaults()
        # Separate dice: how often a receiver fails must not change which events drop.
        self._fault_dice = random.Random(f"mockbank-faults|{seed}")  # noqa: S311 - simulation
        self._jitter = random.Random(f"mockbank-jitter|{seed}")  # noqa: S311 - simulation
        self.pending: dict[int, Delivery] = {}  # in the order queued
        self.parked: list[Delivery] = []  # failed after the last attempt: kept for the view
        self.finished: deque[Delivery] = deque(maxlen=HISTORY_SIZE)
        self._serial = 0
        self._in_flight: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()
        self._worker: asyncio.Task[None] | None = None
        self._worker_loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    # -- queueing --------------------------------------------------------------------------

    def send(self, event: dict[str, Any]) -> None:
        """Queue `event` (its `event_id`, `type` and `txn_id` set), as the knobs have it."""
        faults, now = self.faults, self.clock()
        copies = 1
        if faults.drop and self._fault_dice.random() < faults.drop:
            copies = 0
        elif faults.duplicate and self._fault_dice.random() < faults.duplicate:
            copies = 2
        body = event_body(event)
        for copy in range(max(copies, 1)):
            self._serial += 1
            delivery = Delivery(
                self._serial,
                event["event_id"],
                event["type"],
                event["txn_id"],
                body,
                queued_at=now,
                next_attempt_at=now + faults.delay_seconds,
                duplicate=copy > 0,
            )
            if copies == 0:  # pretend it went: the gateway must find the payment another way
                delivery.state = "dropped"
                self.finished.append(delivery)
            else:
                self.pending[delivery.delivery_id] = delivery
        if copies:
            self.kick()

    def set_faults(self, faults: WebhookFaults) -> WebhookFaults:
        self.faults = faults
        self.kick()  # released from hold, or reordered: what is due goes now
        return faults

    def due(self, now: float) -> list[Delivery]:
        """What may be tried now, in the order it goes: queued first first, one at a time per
        transaction; newest first, and regardless of transaction, when reordering."""
        if self.faults.hold:
            return []
        if self.faults.reorder:
            return [
                d
                for d in reversed(self.pending.values())
                if not d.in_flight and d.next_attempt_at <= now
            ]
        waiting: set[str] = set()
        due = []
        for delivery in self.pending.values():
            if delivery.txn_id in waiting:
                continue
            waiting.add(delivery.txn_id)
            if not delivery.in_flight and delivery.next_attempt_at <= now:
                due.append(delivery)
        return due

    def all(self) -> Iterator[Delivery]:
        yield from sorted(
            [*self.finished, *self.parked, *self.pending.values()],
            key=lambda delivery: delivery.delivery_id,
        )

    # -- attempts --------------------------------------------------------------------------

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        """One try: acknowledged, or scheduled again, or parked as failed."""
        delivery.attempts += 1
        delivery.url = url = self.url
        timestamp = int(self.wall_clock())
        headers = {
            "Content-Type": "application/json",
            "X-Bank-Key-Id": self.key_id,
            "X-Bank-Timestamp": str(timestamp),
            "X-Bank-Signature": sign(self.secret, timestamp, delivery.body),
        }
        try:
            response = await client.post(url, content=delivery.body, headers=headers)
        except Exception as error:  # refused, reset, timed out: try again later
            delivery.last_status, delivery.last_error = None, f"{type(error).__name__}: {error}"
            acknowledged = False
        else:
            acknowledged = response.is_success
            delivery.last_status = response.status_code
            delivery.last_error = None if acknowledged else response.text[:500]
        finally:
            delivery.in_flight = False
        if acknowledged:
            delivery.state = "delivered"
            self.finished.append(self.pending.pop(delivery.delivery_id))
        elif delivery.attempts >= self.retry.max_attempts:
            log.warning("webhook %s parked after %d attempts", delivery.event_id, delivery.attempts)
            delivery.state = "failed"
            self.parked.append(self.pending.pop(delivery.delivery_id))
        else:
            delivery.next_attempt_at = self.clock() + self.retry.delay(
                delivery.attempts, self._jitter
            )

    def _startable(self, delivery: Delivery) -> bool:
        """Still waiting and due: a list of due deliveries goes stale across an await (the
        worker and a flush deliver side by side)."""
        return (
            delivery.delivery_id in self.pending
            and not delivery.in_flight
            and not self.faults.hold
            and delivery.next_attempt_at <= self.clock()
        )

    def _start(self, client: httpx.AsyncClient, delivery: Delivery) -> asyncio.Task[None]:
        delivery.in_flight = True  # before any await: neither flush nor worker takes it twice
        task = asyncio.get_running_loop().create_task(self._attempt(client, delivery))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        return task

    async def _deliver(self, client: httpx.AsyncClient, due: list[Delivery]) -> None:
        if self.faults.reorder:
            # One at a time, and one deliverer at a time, so the receiver sees exactly this
            # order even when the worker and a flush both have work.
            async with self._one_at_a_time:
                for delivery in due:
                    if self._startable(delivery):
                        await self._start(client, delivery)
            return
        for start in range(0, len(due), DELIVERY_CONCURRENCY):
            batch = [d for d in due[start : start + DELIVERY_CONCURRENCY] if self._startable(d)]
            await asyncio.gather(*(self._start(client, delivery) for delivery in batch))

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=httpx.Timeout(TIMEOUT_SECONDS))

    async def flush(self) -> dict[str, int]:
        """Deliver everything due now (each at most once), and wait for attempts already under
        way; the counts of what this call tried and of what is left."""
        tried: set[int] = set()
        async with self._client() as client:
            while True:
                while self._in_flight:  # the worker's too: their outcome is this call's answer
                    await asyncio.wait(set(self._in_flight))
                due = [d for d in self.due(self.clock()) if d.delivery_id not in tried]
                if not due:
                    break
                tried.update(d.delivery_id for d in due)
                await self._deliver(client, due)
        return {"attempted": len(tried), "queued": len(self.pending), "failed": len(self.parked)}

    # -- the background worker -------------------------------------------------------------

    def kick(self) -> None:
        """Make sure the worker runs (started on the running loop when it is not)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): the next request starts it
            return
        if self._worker is None or self._worker_loop is not loop:
            self._wake = asyncio.Event()
            self._worker_loop = loop
            self._worker = loop.create_task(self._run(), name="mockbank-webhooks")
        assert self._wake is not None
        self._wake.set()

    def _has_work(self) -> bool:
        return bool(self.pending) and not self.faults.hold

    async def _run(self) -> None:
        me = asyncio.current_task()
        wake = self._wake
        assert wake is not None
        async with self._client() as client:
            while self._worker is me:  # aclose() or a newer worker on another loop: stop
                wake.clear()
                due = self.due(self.clock())
                if due:
                    await self._deliver(client, due)
                if not self._has_work():
                    if self._worker is me:  # decided with no await in between: a kick now
                        self._worker = None  # starts a fresh worker
                    return
                if due and self.due(self.clock()):
                    continue
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.tick_seconds):
                        await wake.wait()

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    async def aclose(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None or worker.done():
            return
        worker.cancel()
        if worker.get_loop() is asyncio.get_running_loop():
            with contextlib.suppress(asyncio.CancelledError):
                await worker
