"""A pytest plugin that records, for each test, the rule ids its `@pytest.mark.rule` marks name
and how it ended, into a JSON file the compliance matrix reads:

    python -m pytest -p gateway.compliance.plugin --rule-results=var/compliance/results.json -m rule

The ids also go into each test's JUnit properties (`<property name="rule" value="R-10.1"/>`)
when `--junitxml` is given. Only tests that carry a rule mark are recorded.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from gateway.compliance.results import RESULTS_VERSION

_KEY = pytest.StashKey["RuleRecorder"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--rule-results",
        default=None,
        metavar="FILE",
        help="write each rule-marked test's rule ids and outcome to FILE (JSON)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*ids): the RULES.md rule ids a test checks")
    path = config.getoption("--rule-results")
    if path:
        recorder = RuleRecorder(Path(path))
        config.stash[_KEY] = recorder
        config.pluginmanager.register(recorder, "rule-recorder")


def rule_ids(item: pytest.Item) -> list[str]:
    """The ids of every rule mark on the test, its class and its module, in order, once."""
    ids: list[str] = []
    for mark in item.iter_markers("rule"):
        for arg in mark.args:
            if str(arg) not in ids:
                ids.append(str(arg))
    return ids


class RuleRecorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.started_at = dt.datetime.now(dt.UTC)
        self.tests: dict[str, dict[str, Any]] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            for rule in rule_ids(item):
                item.user_properties.append(("rule", rule))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            ids = rule_ids(item)
            if ids:
                self.tests[item.nodeid] = {
                    "nodeid": item.nodeid,
                    "rules": ids,
                    "outcome": "not run",
                    "duration": 0.0,
                    "message": None,
                }

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        test = self.tests.get(report.nodeid)
        if test is None:
            return
        test["duration"] = round(test["duration"] + report.duration, 3)
        if report.failed:
            test["outcome"] = "failed"
            test["message"] = _short(report)
        elif report.skipped and test["outcome"] != "failed":
            test["outcome"] = "skipped"
            test["message"] = _short(report)
        elif report.when == "call" and report.passed and test["outcome"] == "not run":
            test["outcome"] = "passed"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "version": RESULTS_VERSION,
            "started_at": self.started_at.isoformat(),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(),
            "pytest_exit": int(exitstatus),
            "tests": list(self.tests.values()),
        }
        self.path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def _short(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])[:500]
    text = report.longreprtext.strip().splitlines()
    errors = [line for line in text if line.startswith("E ")]
    return (errors[-1] if errors else (text[-1] if text else report.outcome))[:500]
