"""Timeouts, retries and a circuit breaker around calls to one agency.

    policy = AgencyPolicy.from_config(config)           # or registry.policy_for("DLT")
    result = await policy.call(lambda: connector.submit(submission))

Only `AgencyUnavailable` is retried (and a per-attempt timeout becomes one). A refusal or a
misconfiguration is raised at once: asking again would get the same answer. Backoff is
exponential with full jitter (delay drawn uniformly from [0, min(max_delay, base · 2ⁿ⁻¹)]),
so callers that failed together do not come back together; an agency's `Retry-After` is
honoured up to `max_delay`.

The breaker counts consecutive unavailable calls. After `threshold` of them it opens: calls
fail at once with `CircuitOpen` (no request reaches the agency) until `reset_seconds` have
passed; then one trial call is let through (half-open). Its success closes the breaker, its
failure opens it again. Any answer from the agency, a refusal included, counts as a success:
the breaker tracks whether the agency is reachable, not whether it agrees.

Everything with a notion of time takes it injected (clock, sleep, rng), so the rules are
testable without waiting.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from connectors.config import ConnectorConfig, PolicyConfig
from connectors.errors import AgencyUnavailable, CircuitOpen, ConnectorError

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[object]]
Rng = Callable[[], float]  # uniform in [0, 1)
Clock = Callable[[], float]  # monotonic seconds

_system_random = random.SystemRandom()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.5  # seconds
    max_delay: float = 30.0
    attempt_timeout: float | None = 30.0  # seconds per attempt; None: no limit

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not (0 <= self.base_delay < math.inf and 0 <= self.max_delay < math.inf):
            raise ValueError("delays must be finite and not negative")
        if self.attempt_timeout is not None and not 0 < self.attempt_timeout < math.inf:
            raise ValueError("attempt_timeout must be positive and finite")

    def delay(
        self, attempt: int, rng: Rng = _system_random.random, *, retry_after: float | None = None
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): full jitter,
        at least the agency's `retry_after`, never more than `max_delay`."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(max(attempt - 1, 0), 64))
        wait = ceiling * min(max(rng(), 0.0), 1.0)
        if retry_after is not None and retry_after > wait:
            wait = retry_after
        return min(wait, self.max_delay)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    """One agency's breaker. Not thread-safe; safe among the tasks of one event loop."""

    agency: str
    threshold: int = 5
    reset_seconds: float = 30.0
    clock: Clock = time.monotonic
    state: BreakerState = field(default=BreakerState.CLOSED, init=False)
    failures: int = field(default=0, init=False)  # consecutive, while closed
    opened_at: float = field(default=0.0, init=False)
    _trial_in_flight: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("threshold must be at least 1")
        if self.reset_seconds < 0:
            raise ValueError("reset_seconds must not be negative")

    @property
    def retry_at(self) -> float:
        """When an open breaker lets a trial call through (clock seconds)."""
        return self.opened_at + self.reset_seconds

    def allow(self) -> bool:
        """Whether a call may go out now. In half-open state only one trial at a time."""
        if self.state is BreakerState.OPEN:
            if self.clock() < self.retry_at:
                return False
            self.state = BreakerState.HALF_OPEN
        if self.state is BreakerState.HALF_OPEN:
            if self._trial_in_flight:
                return False
            self._trial_in_flight = True
        return True

    def record_success(self) -> None:
        self.state = BreakerState.CLOSED
        self.failures = 0
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._trial_in_flight = False
        if self.state is BreakerState.HALF_OPEN:
            self._open()
            return
        self.failures += 1
        if self.state is BreakerState.CLOSED and self.failures >= self.threshold:
            self._open()

    def release(self) -> None:
        """The call ended without telling anything about the agency (cancelled, a bug)."""
        self._trial_in_flight = False

    def _open(self) -> None:
        self.state = BreakerState.OPEN
        self.opened_at = self.clock()
        self.failures = 0


async def call_with_policy(
    fn: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    breaker: CircuitBreaker | None = None,
    agency: str | None = None,
    sleep: Sleep = asyncio.sleep,
    rng: Rng = _system_random.random,
) -> T:
    """`await fn()` under the policy: retry only AgencyUnavailable, at most
    `policy.max_attempts` calls in all; CircuitOpen (no call) while the breaker is open."""
    name = agency or (breaker.agency if breaker is not None else "agency")
    attempt = 0
    while True:
        attempt += 1
        if breaker is not None and not breaker.allow():
            raise CircuitOpen(name, retry_at=breaker.retry_at)
        try:
            result = await _attempt(fn, policy.attempt_timeout, name)
        except AgencyUnavailable as exc:
            if breaker is not None:
                breaker.record_failure()
            if attempt >= policy.max_attempts:
                raise
            retry_after = exc.retry_after
        except ConnectorError:
            if breaker is not None:
                breaker.record_success()  # the agency answered (and refused)
            raise
        except BaseException:
            if breaker is not None:
                breaker.release()
            raise
        else:
            if breaker is not None:
                breaker.record_success()
            return result
        await sleep(policy.delay(attempt, rng, retry_after=retry_after))


async def _attempt(fn: Callable[[], Awaitable[T]], limit: float | None, agency: str) -> T:
    """One call, its timeout reported as AgencyUnavailable."""
    try:
        async with asyncio.timeout(limit):
            return await fn()
    except TimeoutError as exc:
        raise AgencyUnavailable(agency, f"no answer within {limit}s") from exc


@dataclass(frozen=True)
class AgencyPolicy:
    """The retry policy and the breaker of one agency, ready to wrap its calls."""

    retry: RetryPolicy
    breaker: CircuitBreaker

    @classmethod
    def from_config(
        cls,
        config: ConnectorConfig | PolicyConfig,
        *,
        agency: str | None = None,
        clock: Clock = time.monotonic,
    ) -> AgencyPolicy:
        if isinstance(config, ConnectorConfig):
            agency, settings = config.agency_code, config.policy
        else:
            settings = config
        return cls(
            retry=RetryPolicy(
                max_attempts=settings.max_attempts,
                base_delay=settings.base_delay_seconds,
                max_delay=settings.max_delay_seconds,
                attempt_timeout=settings.attempt_timeout_seconds,
            ),
            breaker=CircuitBreaker(
                agency=agency or "agency",
                threshold=settings.breaker_threshold,
                reset_seconds=settings.breaker_reset_seconds,
                clock=clock,
            ),
        )

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        sleep: Sleep = asyncio.sleep,
        rng: Rng = _system_random.random,
    ) -> T:
        return await call_with_policy(
            fn, policy=self.retry, breaker=self.breaker, sleep=sleep, rng=rng
        )
