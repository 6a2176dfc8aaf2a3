"""Retry, per-attempt timeout and circuit breaker: properties over injected clock, sleep, rng."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import (
    AgencyMisconfigured,
    AgencyPolicy,
    AgencyRejected,
    AgencyUnavailable,
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    ConnectorError,
    NotOurCase,
    PolicyConfig,
    RetryPolicy,
    call_with_policy,
)

T = TypeVar("T")

delays = st.floats(min_value=0, max_value=600, allow_nan=False)
unit = st.floats(min_value=0, max_value=1, exclude_max=True)
policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(min_value=1, max_value=12),
    base_delay=delays,
    max_delay=delays,
    attempt_timeout=st.none(),
)


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Agency:
    """A callable that fails with the given errors in turn, then answers "ok"."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def down(n: int, retry_after: float | None = None) -> list[BaseException]:
    return [AgencyUnavailable("DLT", "503", retry_after=retry_after) for _ in range(n)]


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


# -- the backoff ----------------------------------------------------------------------------


@given(
    policies,
    st.integers(min_value=1, max_value=10_000),
    unit,
    st.none() | st.floats(min_value=0, max_value=1e6),
)
def test_a_delay_never_exceeds_max_delay_nor_goes_negative(
    policy: RetryPolicy, attempt: int, draw: float, retry_after: float | None
) -> None:
    delay = policy.delay(attempt, lambda: draw, retry_after=retry_after)
    assert 0 <= delay <= policy.max_delay


@given(policies, st.integers(min_value=1, max_value=60), unit)
def test_the_delay_is_full_jitter_under_the_exponential_ceiling(
    policy: RetryPolicy, attempt: int, draw: float
) -> None:
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    assert policy.delay(attempt, lambda: draw) == pytest.approx(ceiling * draw)


def test_retry_after_is_honoured_up_to_max_delay() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=30)
    assert policy.delay(1, lambda: 0.0, retry_after=12) == 12
    assert policy.delay(1, lambda: 0.0, retry_after=3600) == 30


# -- retries --------------------------------------------------------------------------------


@given(policies, st.integers(min_value=0, max_value=20), unit)
def test_attempts_never_exceed_max_attempts_and_delays_never_exceed_max_delay(
    policy: RetryPolicy, failures: int, draw: float
) -> None:
    agency, sleeps = Agency(*down(failures, retry_after=draw * 1000)), Sleeps()

    try:
        result = run(call_with_policy(agency, policy=policy, sleep=sleeps, rng=lambda: draw))
    except AgencyUnavailable:
        assert failures >= policy.max_attempts
        assert agency.calls == policy.max_attempts
    else:
        assert result == "ok"
        assert agency.calls == failures + 1 <= policy.max_attempts
    assert len(sleeps) == agency.calls - 1  # no sleep after the last attempt
    assert all(0 <= s <= policy.max_delay for s in sleeps)


refusals = st.sampled_from(
    [
        AgencyRejected("DLT", "invalid form", code="invalid_form"),
        NotOurCase("DLT", "not ours", responsible_agency="SSO"),
        AgencyMisconfigured("DLT", "a freshly validated token was refused"),
    ]
)


@given(policies, st.integers(min_value=0, max_value=5), refusals)
def test_a_refusal_or_misconfiguration_is_raised_after_exactly_one_attempt_of_its_own(
    policy: RetryPolicy, unavailable_first: int, refusal: ConnectorError
) -> None:
    unavailable_first = min(unavailable_first, policy.max_attempts - 1)
    agency, sleeps = Agency(*down(unavailable_first), refusal), Sleeps()

    with pytest.raises(type(refusal)) as caught:
        run(call_with_policy(agency, policy=policy, sleep=sleeps, rng=lambda: 0.5))

    assert caught.value is refusal
    assert agency.calls == unavailable_first + 1  # the refusal ended it at once
    assert len(sleeps) == unavailable_first


def test_other_exceptions_pass_through_untouched() -> None:
    agency = Agency(KeyError("bug"))
    with pytest.raises(KeyError):
        run(call_with_policy(agency, policy=RetryPolicy(max_attempts=5), sleep=Sleeps()))
    assert agency.calls == 1


def test_a_slow_attempt_times_out_as_unavailable_and_is_retried() -> None:
    calls = 0

    async def hangs_once() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.Event().wait()  # never answers
        return "ok"

    policy = RetryPolicy(max_attempts=2, attempt_timeout=0.01)
    sleeps = Sleeps()
    assert run(call_with_policy(hangs_once, policy=policy, sleep=sleeps, agency="DLT")) == "ok"
    assert calls == 2

    breaker = CircuitBreaker("DLT", threshold=1)
    with pytest.raises(AgencyUnavailable, match=r"no answer within 0\.01s"):
        run(
            call_with_policy(
                lambda: asyncio.Event().wait(),
                policy=RetryPolicy(max_attempts=1, attempt_timeout=0.01),
                breaker=breaker,
            )
        )
    assert breaker.state is BreakerState.OPEN  # a timeout counts as the agency being down


# -- the circuit breaker --------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=20), st.floats(min_value=0.001, max_value=3600))
def test_an_open_breaker_makes_no_call(threshold: int, reset: float) -> None:
    clock = Clock()
    breaker = CircuitBreaker("DLT", threshold=threshold, reset_seconds=reset, clock=clock)
    policy = RetryPolicy(max_attempts=1)
    for _ in range(threshold):
        with pytest.raises(AgencyUnavailable):
            run(call_with_policy(Agency(*down(1)), policy=policy, breaker=breaker))
    assert breaker.state is BreakerState.OPEN

    agency = Agency()
    clock.now += reset * 0.999
    with pytest.raises(CircuitOpen) as caught:
        run(call_with_policy(agency, policy=policy, breaker=breaker))

    assert agency.calls == 0
    assert isinstance(caught.value, AgencyUnavailable)
    assert caught.value.retry_at == pytest.approx(1000.0 + reset)


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=2, max_value=12))
def test_the_breaker_opening_mid_retry_stops_the_calls(threshold: int, attempts: int) -> None:
    breaker = CircuitBreaker("DLT", threshold=threshold, clock=Clock())
    agency = Agency(*down(100))

    with pytest.raises(AgencyUnavailable):
        run(
            call_with_policy(
                agency, policy=RetryPolicy(max_attempts=attempts), breaker=breaker, sleep=Sleeps()
            )
        )
    assert agency.calls == min(threshold, attempts)


@given(st.lists(st.booleans(), max_size=60), st.integers(min_value=1, max_value=6))
def test_the_breaker_opens_exactly_after_threshold_consecutive_failures(
    outcomes: list[bool], threshold: int
) -> None:
    breaker = CircuitBreaker("DLT", threshold=threshold, reset_seconds=10, clock=Clock())
    consecutive = 0
    for ok in outcomes:
        assert breaker.allow()
        if ok:
            breaker.record_success()
            consecutive = 0
        else:
            breaker.record_failure()
            consecutive += 1
        if consecutive == threshold:
            assert breaker.state is BreakerState.OPEN
            assert not breaker.allow()
            return
        assert breaker.state is BreakerState.CLOSED


def test_half_open_lets_one_trial_through_then_closes_or_opens_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker("DLT", threshold=2, reset_seconds=30, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    assert not breaker.allow()

    clock.now += 30
    assert breaker.allow()  # the trial
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # only one trial at a time
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()  # a new reset period from the failed trial

    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()
    assert breaker.allow()


def test_a_refusal_counts_as_the_agency_answering() -> None:
    clock = Clock()
    breaker = CircuitBreaker("DLT", threshold=1, reset_seconds=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    with pytest.raises(AgencyRejected):
        run(
            call_with_policy(
                Agency(AgencyRejected("DLT", "no")), policy=RetryPolicy(), breaker=breaker
            )
        )
    assert breaker.state is BreakerState.CLOSED


def test_a_cancelled_trial_frees_the_half_open_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker("DLT", threshold=1, reset_seconds=5, clock=clock)
    breaker.record_failure()
    clock.now += 5

    async def cancelled() -> Any:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        run(call_with_policy(cancelled, policy=RetryPolicy(), breaker=breaker))
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()


def test_agency_policy_from_config() -> None:
    clock = Clock()
    policy = AgencyPolicy.from_config(
        PolicyConfig(max_attempts=4, breaker_threshold=1, breaker_reset_seconds=60),
        agency="SSO",
        clock=clock,
    )
    agency = Agency(*down(1))
    with pytest.raises(AgencyUnavailable):
        run(policy.call(agency, sleep=Sleeps()))
    assert agency.calls == 1  # the breaker (threshold 1) opened after the first failure
    assert policy.breaker.state is BreakerState.OPEN
    assert policy.retry.max_attempts == 4


@pytest.mark.parametrize(
    "bad",
    [
        {"max_attempts": 0},
        {"base_delay": -1},
        {"max_delay": float("inf")},
        {"attempt_timeout": 0},
    ],
)
def test_nonsense_policies_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**bad)
