"""What a certification run found: one `CheckResult` per check, gathered in a `Certification`.

    PASS   the connector did what the gateway relies on
    FAIL   it did not (a wrong answer, the wrong error, an exception outside connectors.errors)
    SKIP   the check does not apply (an optional capability it does not offer) or cannot be
           arranged here (no fault knobs to take the agency down); never a failure
    ERROR  the check could not be carried out (the agency refused or was down where an answer
           was needed, a test hook failed, it ran out of time): nothing is known either way

Beside the checks, a run gathers `Finding`s: security and convention weaknesses seen in the
traffic between the connector and the agency (a secret in a URL, a business refusal sent as HTTP
500, an unsigned callback, …), each with a stable id (`findings.FINDINGS`), a `Severity` and
the evidence (request and response excerpts, personal data masked). A `FindingPolicy` decides
which severities block certification (by default: critical and high).

A run certifies the connector when no check failed or erred (skips are allowed) and no finding
is of a blocking severity.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True)
class CheckResult:
    check_id: str  # stable, e.g. "idempotent-submit": CI history follows it
    title: str  # what the check expects, in a sentence a reader can follow
    outcome: Outcome
    detail: str  # what was seen (on a pass too), why it failed, or why it was skipped
    duration_seconds: float


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical … 4 for info (sorting: the worst first)."""
        return list(Severity).index(self)


@dataclass(frozen=True)
class Evidence:
    """One exchange that shows a finding, as a reader of the report sees it: personal data
    (national IDs) and secrets already masked, bodies cut to an excerpt."""

    request: str  # e.g. "GET http://127.0.0.1:8100/dlt/gdx/auth/validate?ConsumerSecret=***"
    response: str = ""  # e.g. '500 {"error": "not_our_case", …}' ("" when there was none)
    note: str = ""  # what in it is the problem, when not obvious


@dataclass(frozen=True)
class Finding:
    finding_id: str  # stable, e.g. "secret-in-url" (findings.FINDINGS)
    severity: Severity
    title: str  # what is wrong, in a sentence
    detail: str  # what was seen, how often, and what to do about it
    evidence: tuple[Evidence, ...] = ()


def merge_findings(found: Iterable[Finding]) -> tuple[Finding, ...]:
    """One finding per id, in the order the ids were first found: a weakness seen by two
    judges (an exchange over the declared timeout, and the burst's p95 over it) is reported
    once, at its worst severity, with both details and all the evidence."""
    by_id: dict[str, list[Finding]] = {}
    for finding in found:
        by_id.setdefault(finding.finding_id, []).append(finding)
    merged = []
    for same in by_id.values():
        first = same[0]
        if len(same) == 1:
            merged.append(first)
            continue
        details = list(dict.fromkeys(f.detail for f in same))
        evidence = tuple(dict.fromkeys(e for f in same for e in f.evidence))
        merged.append(
            Finding(
                first.finding_id,
                min((f.severity for f in same), key=lambda s: s.rank),
                first.title,
                "\n".join(details),
                evidence,
            )
        )
    return tuple(merged)


@dataclass(frozen=True)
class FindingPolicy:
    """Which severities block certification."""

    blocking: frozenset[Severity] = frozenset({Severity.CRITICAL, Severity.HIGH})

    def blocks(self, finding: Finding) -> bool:
        return finding.severity in self.blocking

    @classmethod
    def at_least(cls, severity: Severity) -> FindingPolicy:
        """Block `severity` and everything worse (e.g. `at_least(Severity.MEDIUM)`)."""
        return cls(frozenset(s for s in Severity if s.rank <= severity.rank))


DEFAULT_POLICY = FindingPolicy()


@dataclass(frozen=True)
class Certification:
    agency_code: str
    connector: str  # the connector's class, e.g. "DltConnector"
    base_url: str
    started_at: dt.datetime
    results: tuple[CheckResult, ...]
    findings: tuple[Finding, ...] = ()
    policy: FindingPolicy = DEFAULT_POLICY
    connector_version: str = ""  # the distribution's version that provides the connector
    # What the run could not judge and why (e.g. no callback secret: callback signatures not
    # verified; no callbacks arrived), for the report to say
    notes: tuple[str, ...] = ()

    def count(self, outcome: Outcome) -> int:
        return Counter(result.outcome for result in self.results)[outcome]

    @property
    def checks_passed(self) -> bool:
        """Every check passed or was skipped."""
        return all(result.outcome in (Outcome.PASS, Outcome.SKIP) for result in self.results)

    @property
    def blocking_findings(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if self.policy.blocks(finding))

    @property
    def certified(self) -> bool:
        """Every check passed or was skipped, and no finding blocks under the policy."""
        return self.checks_passed and not self.blocking_findings

    def finding_ids(self) -> frozenset[str]:
        return frozenset(finding.finding_id for finding in self.findings)

    @property
    def duration_seconds(self) -> float:
        return sum(result.duration_seconds for result in self.results)

    def result(self, check_id: str) -> CheckResult:
        """The result of check `check_id` (KeyError when it did not run)."""
        for result in self.results:
            if result.check_id == check_id:
                return result
        raise KeyError(check_id)
