"""The `performance` check (a bounded burst through the connector) and the run's other new
facts: the outage check that proves nothing when the agency was already down, and the
connector's version. Against the mock agencies in-process, slowed or broken with their fault
knobs; no assertion on how fast anything was, only on what the check reports."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import math

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.certification import (
    Burst,
    BurstInvalid,
    FindingPolicy,
    Outcome,
    Severity,
    certify,
    check_by_id,
    connector_version,
    parse_sample,
    text_report,
)
from connectors.certification.performance import BurstResult, Limits, percentile
from connectors.certification.subject import Subject
from tests.connectors.test_certification import PlainDlt, against_mock

PERFORMANCE = [check_by_id("performance")]


async def knob(subject: Subject, **knobs: object) -> None:
    async with httpx.AsyncClient(
        transport=subject.transport, base_url="http://agencies.test"
    ) as client:
        found = (await client.get(f"/faults/{subject.agency_code}")).json()
        answer = await client.put(f"/faults/{subject.agency_code}", json={**found, **knobs})
        assert answer.status_code == 200, answer.text


def declaring(subject: Subject, **options: str) -> Subject:
    return dataclasses.replace(
        subject, config=subject.config.model_copy(update={"options": options})
    )


async def test_an_agency_slower_than_its_declared_p95_is_a_finding_with_the_numbers() -> None:
    async with against_mock("DLT") as mock:
        await knob(mock, latency_ms=300)
        subject = declaring(mock, declared_p95_ms="20")
        run = await certify(subject, PERFORMANCE, findings=False)
    result = run.result("performance")
    assert result.outcome is Outcome.PASS, result.detail  # measured; the finding judges
    assert result.detail.startswith("3 submit calls at 50/s: p50 ")
    assert "declared p95 20 ms" in result.detail
    assert "errors 0/3 (0.0%)" in result.detail
    assert "is above the limit of 20 ms" in result.detail
    [found] = run.findings
    assert (found.finding_id, found.severity) == ("slower-than-declared", Severity.MEDIUM)
    assert "is above the limit of 20 ms" in found.detail
    assert 'options["declared_p95_ms"]' in found.detail
    [evidence] = found.evidence
    assert evidence.request == "3 × submit to http://agencies.test/dlt at 50/s"
    assert "p95 " in evidence.response
    # Medium: reported, not blocking by default; a stricter policy blocks it.
    assert run.certified
    assert "MEDIUM    slower-than-declared" in text_report(run)
    async with against_mock("DLT") as mock:
        await knob(mock, latency_ms=300)
        strict = await certify(
            declaring(mock, declared_p95_ms="20"),
            PERFORMANCE,
            policy=FindingPolicy.at_least(Severity.MEDIUM),
            findings=False,
        )
    assert strict.finding_ids() == {"slower-than-declared"}
    assert not strict.certified


async def test_without_a_declared_p95_the_burst_is_held_to_the_timeout() -> None:
    async with against_mock("DLT") as subject:
        run = await certify(subject, PERFORMANCE, findings=False)
    detail = run.result("performance").detail
    assert run.result("performance").outcome is Outcome.PASS
    assert "no declared p95" in detail
    assert "p95 limit 10000 ms, timeout 10000 ms, attempt timeout 30000 ms" in detail
    assert not run.findings


async def test_an_agency_that_fails_every_call_of_the_burst_errs() -> None:
    async with against_mock("DLT") as subject:
        await knob(subject, error_rate=1.0)
        run = await certify(subject, PERFORMANCE, findings=False)
    result = run.result("performance")
    assert result.outcome is Outcome.ERROR
    assert result.detail.startswith("no call of the burst answered: 3 submit calls")
    assert "errors 3/3 (100.0%)" in result.detail
    assert "AgencyUnavailable" in result.detail


async def test_the_burst_is_skipped_without_one_and_for_a_sample_with_nothing_to_repeat() -> None:
    async with against_mock("DLT", burst=None) as subject:
        run = await certify(subject, PERFORMANCE, findings=False)
    assert run.result("performance").outcome is Outcome.SKIP
    assert "--no-burst" in run.result("performance").detail
    nothing = parse_sample('{"service_id": null, "form": {}}')
    plain = lambda cfg, t=None: PlainDlt(cfg, t)  # noqa: E731 - no bills, once-only, citizen data
    async with against_mock("DLT", plain, sample=nothing) as subject:
        run = await certify(subject, PERFORMANCE, findings=False)
    assert run.result("performance").outcome is Outcome.SKIP
    assert "names no read to repeat" in run.result("performance").detail
    async with against_mock("DLT", sample=nothing) as subject:  # holds citizen data: read
        run = await certify(subject, PERFORMANCE, findings=False)
    assert run.result("performance").detail.startswith("3 citizen_data calls at 50/s: p50 ")


async def test_a_declared_p95_that_is_no_number_errs() -> None:
    async with against_mock("DLT") as mock:
        run = await certify(declaring(mock, declared_p95_ms="fast"), PERFORMANCE)
    assert run.result("performance").outcome is Outcome.ERROR
    assert "'fast', not a positive number of ms" in run.result("performance").detail


def burst_of(latencies: list[float], errors: int, declared: float | None = None) -> BurstResult:
    return BurstResult(
        what="submit",
        burst=Burst(count=max(1, len(latencies) + errors), rate_per_second=50),
        limits=Limits(timeout_ms=10_000, attempt_timeout_ms=30_000, declared_p95_ms=declared),
        latencies_ms=tuple(latencies),
        errors=tuple(f"AgencyUnavailable: {i}" for i in range(errors)),
    )


def test_more_than_one_percent_of_errors_is_slower_than_declared() -> None:
    assert not burst_of([10.0] * 99, 1).slower_than_declared  # 1 %: the limit itself
    two = burst_of([10.0] * 98, 2)
    assert two.slower_than_declared
    assert two.why_slow() == ("2 of 100 calls failed, above 1% (first: AgencyUnavailable: 0)")


def test_a_p95_above_the_declared_one_is_slower_than_declared() -> None:
    calls = [10.0] * 95 + [500.0] * 5
    assert not burst_of(calls, 0, declared=10).slower_than_declared  # the 95th is 10 ms
    slow = burst_of([10.0] * 94 + [500.0] * 6, 0, declared=10)
    assert slow.slower_than_declared
    assert slow.why_slow() == "p95 500 ms is above the limit of 10 ms"


@pytest.mark.parametrize(
    ("count", "rate", "message"),
    [
        (0, 10, "1 to 300 calls"),
        (301, 50, "1 to 300 calls"),
        (10, 0, "above 0 and at most 50 per second"),
        (10, 51, "above 0 and at most 50 per second"),
        (10, math.inf, "above 0 and at most 50 per second"),
        (300, 5, "take 59.8 s to send; at most 30 s"),
    ],
)
def test_a_burst_is_capped(count: int, rate: float, message: str) -> None:
    with pytest.raises(BurstInvalid, match=message):
        Burst(count, rate)


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=200),
    st.floats(min_value=0.01, max_value=1.0),
)
def test_the_percentile_is_the_nearest_rank(values: list[float], share: float) -> None:
    found = percentile(values, share)
    assert found in values
    at_or_below = sum(value <= found for value in values)
    below = sum(value < found for value in values)
    assert at_or_below >= share * len(values)  # at least that share at or below it
    assert below < share * len(values)  # and it is the smallest such value


async def test_the_outage_check_errs_when_the_agency_was_down_before_the_outage() -> None:
    async with against_mock("DLT") as subject:
        await knob(subject, outage=True)
        run = await certify(subject, [check_by_id("outage")])
    outage = run.result("outage")
    assert outage.outcome is Outcome.ERROR
    assert outage.detail.startswith("the agency was not reachable before the outage")
    assert "nothing is proven" in outage.detail
    assert not run.certified


async def test_the_run_names_the_connectors_distribution_version() -> None:
    async with against_mock("DLT", burst=None) as subject:
        run = await certify(subject, [check_by_id("health")])
    assert run.connector_version == importlib.metadata.version("citizen-gateway")
    nowhere = type("Nowhere", (), {"__module__": "certify_no_such_distribution.connector"})
    assert connector_version(nowhere) == "unknown"
