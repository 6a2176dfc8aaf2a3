"""What a certification run found: one `CheckResult` per check, gathered in a `Certification`.

    PASS   the connector did what the gateway relies on
    FAIL   it did not (a wrong answer, the wrong error, an exception outside connectors.errors)
    SKIP   the check does not apply (an optional capability it does not offer) or cannot be
           arranged here (no fault knobs to take the agency down); never a failure
    ERROR  the check could not be carried out (the agency refused or was down where an answer
           was needed, a test hook failed, it ran out of time): nothing is known either way

A run certifies the connector when no check failed or erred; skips are allowed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
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


@dataclass(frozen=True)
class Certification:
    agency_code: str
    connector: str  # the connector's class, e.g. "DltConnector"
    base_url: str
    started_at: dt.datetime
    results: tuple[CheckResult, ...]

    def count(self, outcome: Outcome) -> int:
        return Counter(result.outcome for result in self.results)[outcome]

    @property
    def certified(self) -> bool:
        """Every check passed or was skipped."""
        return all(result.outcome in (Outcome.PASS, Outcome.SKIP) for result in self.results)

    @property
    def duration_seconds(self) -> float:
        return sum(result.duration_seconds for result in self.results)

    def result(self, check_id: str) -> CheckResult:
        """The result of check `check_id` (KeyError when it did not run)."""
        for result in self.results:
            if result.check_id == check_id:
                return result
        raise KeyError(check_id)
