"""A per-client request budget for public, unauthenticated pages (document verification,
shared links): a token bucket per client address, in this process's memory. It slows down
whoever walks verification codes; it is not an accounting system (each server process keeps
its own buckets, and a restart refills them)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from kernel.errors import TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`per_minute` requests a minute per client, in bursts of up to `burst`."""

    def __init__(
        self,
        per_minute: int,
        *,
        burst: int | None = None,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float | None:
        """Spend one request of `client`'s budget: None when allowed, else the seconds until
        the next request would be."""
        now = self.clock()
        bucket = self._buckets.pop(client, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[client] = bucket  # the most recently seen last
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self.rate

    def check(self, request: Request) -> None:
        """Refuse (429, `Retry-After`) a client that spent its budget."""
        client = request.client.host if request.client else "unknown"
        wait = self.take(client)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                "Too many requests from this address; try again shortly.",
                code="too_many_requests",
                headers={"Retry-After": str(seconds)},
            )
