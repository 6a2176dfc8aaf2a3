"""The `performance` check's burst: a short, bounded run of calls through the connector at a
steady rate, and what its latencies say against the limits the connector declares.

    Burst(count=50, rate_per_second=10)        # the default of `citizen-gateway certify`

Each call starts on its own schedule (call i at i / rate seconds), whether or not the earlier
ones have answered, as the gateway's worker would send them; each filing carries a new
idempotency key. A burst is capped (`MAX_COUNT` calls, `MAX_RATE` per second, `MAX_SECONDS`
of sending) so a certification never turns into a load test of someone's back end.

The limits (`Limits.of(config)`): the connector's per-request `timeout_seconds`, its policy's
`attempt_timeout_seconds`, and a declared p95 when `options["declared_p95_ms"]` carries one
(else the tighter of the two timeouts stands for it). A p95 above it, or more than
`MAX_ERROR_RATE` of the calls failing, is the finding `slower-than-declared`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.config import ConnectorConfig

MAX_COUNT = 300
MAX_RATE = 50.0
MAX_SECONDS = 30.0
#: More calls failing than this share of the burst is a finding.
MAX_ERROR_RATE = 0.01
DECLARED_P95_OPTION = "declared_p95_ms"


class BurstInvalid(ValueError):
    """A burst outside the caps (the message says which)."""


@dataclass(frozen=True)
class Burst:
    count: int = 50
    rate_per_second: float = 10.0

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_COUNT:
            raise BurstInvalid(f"a burst is 1 to {MAX_COUNT} calls, not {self.count}")
        if not (0 < self.rate_per_second <= MAX_RATE and math.isfinite(self.rate_per_second)):
            raise BurstInvalid(
                f"a burst's rate is above 0 and at most {MAX_RATE:g} per second, "
                f"not {self.rate_per_second:g}"
            )
        if self.sending_seconds > MAX_SECONDS:
            raise BurstInvalid(
                f"{self.count} calls at {self.rate_per_second:g}/s take "
                f"{self.sending_seconds:g} s to send; at most {MAX_SECONDS:g} s"
            )

    @property
    def sending_seconds(self) -> float:
        """When the last call starts, counted from the first."""
        return (self.count - 1) / self.rate_per_second

    def offsets(self) -> list[float]:
        """When each call starts, in seconds from the first."""
        return [i / self.rate_per_second for i in range(self.count)]


@dataclass(frozen=True)
class Limits:
    timeout_ms: float  # the connector's per-request timeout
    attempt_timeout_ms: float  # its policy's per-attempt timeout
    declared_p95_ms: float | None  # declared by the connector's options, if at all

    @property
    def p95_limit_ms(self) -> float:
        """The p95 a burst must stay within: the declared one, else the tighter timeout."""
        if self.declared_p95_ms is not None:
            return self.declared_p95_ms
        return min(self.timeout_ms, self.attempt_timeout_ms)

    @classmethod
    def of(cls, config: ConnectorConfig) -> Limits:
        """The limits `config` declares; BurstInvalid for a declared p95 that is no number."""
        raw = config.options.get(DECLARED_P95_OPTION)
        declared: float | None = None
        if raw is not None:
            try:
                declared = float(raw)
            except ValueError:
                declared = math.nan
            if not (math.isfinite(declared) and declared > 0):
                raise BurstInvalid(
                    f'options["{DECLARED_P95_OPTION}"] is {raw!r}, not a positive number of ms'
                )
        return cls(
            timeout_ms=config.timeout_seconds * 1000,
            attempt_timeout_ms=config.policy.attempt_timeout_seconds * 1000,
            declared_p95_ms=declared,
        )


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in (0, 1]) of `values` (not empty): the smallest
    value with at least `share` of the values at or below it."""
    if not values:
        raise ValueError("no values")
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    ordered = sorted(values)
    rank = math.ceil(share * len(ordered))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True)
class BurstResult:
    what: str  # the call, e.g. "submit" or "bills"
    burst: Burst
    limits: Limits
    latencies_ms: tuple[float, ...]  # of the calls that answered
    errors: tuple[str, ...]  # one line per call that raised a connector error

    @property
    def calls(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    @property
    def error_rate(self) -> float:
        return len(self.errors) / self.calls if self.calls else 0.0

    def p(self, share: float) -> float | None:
        return percentile(self.latencies_ms, share) if self.latencies_ms else None

    @property
    def too_slow(self) -> bool:
        p95 = self.p(0.95)
        return p95 is not None and p95 > self.limits.p95_limit_ms

    @property
    def too_many_errors(self) -> bool:
        return self.error_rate > MAX_ERROR_RATE

    @property
    def slower_than_declared(self) -> bool:
        return self.too_slow or self.too_many_errors

    def numbers(self) -> str:
        """What the burst measured and the limits it is held to, in a line a reader follows."""

        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.0f} ms"

        declared = self.limits.declared_p95_ms
        limit = (
            f"declared p95 {ms(declared)}"
            if declared is not None
            else f"no declared p95 (options[{DECLARED_P95_OPTION!r}]): held to the timeout"
        )
        return (
            f"{self.calls} {self.what} calls at {self.burst.rate_per_second:g}/s: "
            f"p50 {ms(self.p(0.5))}, p95 {ms(self.p(0.95))}, "
            f"max {ms(max(self.latencies_ms, default=None))}, "
            f"errors {len(self.errors)}/{self.calls} ({self.error_rate:.1%}); "
            f"limits: {limit}, p95 limit {ms(self.limits.p95_limit_ms)}, "
            f"timeout {ms(self.limits.timeout_ms)}, "
            f"attempt timeout {ms(self.limits.attempt_timeout_ms)}, "
            f"error rate at most {MAX_ERROR_RATE:.0%}"
        )

    def why_slow(self) -> str:
        """Why the burst is `slower-than-declared` (empty when it is not)."""
        reasons = []
        if self.too_slow:
            reasons.append(
                f"p95 {self.p(0.95):.0f} ms is above the limit of {self.limits.p95_limit_ms:.0f} ms"
            )
        if self.too_many_errors:
            first = f" (first: {self.errors[0]})" if self.errors else ""
            reasons.append(
                f"{len(self.errors)} of {self.calls} calls failed, above "
                f"{MAX_ERROR_RATE:.0%}{first}"
            )
        return "; ".join(reasons)
