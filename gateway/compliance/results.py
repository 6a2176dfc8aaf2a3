"""One run of the rule-marked tests, as the pytest plugin (`gateway.compliance.plugin`) writes
it: each test's node id, the rule ids it checks and its outcome."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS_VERSION = 1
OUTCOMES = ("passed", "failed", "skipped", "not run")


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, whatever its name

    nodeid: str
    rules: tuple[str, ...]
    outcome: str  # one of OUTCOMES
    duration: float = 0.0
    message: str | None = None


@dataclass(frozen=True)
class Run:
    tests: tuple[TestResult, ...]
    started_at: str | None = None
    finished_at: str | None = None
    pytest_exit: int | None = None


class ResultsUnreadable(ValueError):
    pass


def parse_results(raw: Any) -> Run:
    """A run from the plugin's JSON; ResultsUnreadable naming what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("tests"), list):
        raise ResultsUnreadable("not a results file: no list of tests")
    tests = []
    for n, item in enumerate(raw["tests"]):
        try:
            outcome = str(item["outcome"])
            if outcome not in OUTCOMES:
                raise ResultsUnreadable(f"test {n}: unknown outcome {outcome!r}")
            tests.append(
                TestResult(
                    nodeid=str(item["nodeid"]),
                    rules=tuple(str(r) for r in item["rules"]),
                    outcome=outcome,
                    duration=float(item.get("duration") or 0.0),
                    message=item.get("message"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ResultsUnreadable):
                raise
            raise ResultsUnreadable(f"test {n}: {exc!r}") from exc
    exit_code = raw.get("pytest_exit")
    return Run(
        tests=tuple(tests),
        started_at=raw.get("started_at"),
        finished_at=raw.get("finished_at"),
        pytest_exit=int(exit_code) if exit_code is not None else None,
    )


def load_results(path: Path) -> Run:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsUnreadable(f"{path}: not JSON ({exc})") from exc
    return parse_results(raw)
