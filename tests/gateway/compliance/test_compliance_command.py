"""`citizen-gateway compliance`: the matrix written from a results file, and from a real run of
pytest on a tiny test tree of its own (the project's compliance suite is run for real by
`citizen-gateway compliance --run`, not here: it takes a minute or more)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from gateway.cli import main

RULES_MD = """\
# Rules

## Filing

- **R-1.1 First.** The first rule.
- **R-1.2** The second rule.

## Results

- **R-2.1** The third rule.
"""

TREE = """\
import pytest


@pytest.mark.rule("R-1.1")
def test_passes():
    assert 1 + 1 == 2


@pytest.mark.rule("R-1.1")
def test_skipped():
    pytest.skip("no outside tool here")


@pytest.mark.rule("R-1.2")
def test_fails():
    assert "approved" == "rejected"


def test_not_about_a_rule():
    assert True
"""


def _compliance(*args: str) -> Result:
    return CliRunner().invoke(main, ["compliance", *args], catch_exceptions=False)


def _rules(tmp_path: Path) -> Path:
    path = tmp_path / "RULES.md"
    path.write_text(RULES_MD, encoding="utf-8")
    return path


def _results(tmp_path: Path, tests: list[dict[str, Any]]) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"version": 1, "pytest_exit": 0, "tests": tests}), "utf-8")
    return path


def test_a_rule_with_no_test_is_uncovered_and_the_command_fails(tmp_path: Path) -> None:
    results = _results(
        tmp_path,
        [
            {"nodeid": "t.py::a", "rules": ["R-1.1"], "outcome": "passed"},
            {"nodeid": "t.py::b", "rules": ["R-1.2"], "outcome": "passed"},
        ],
    )
    out = tmp_path / "out"
    done = _compliance("--from", str(results), "--rules", str(_rules(tmp_path)), "--out", str(out))
    assert done.exit_code == 1
    assert "| R-2.1 | The third rule. | 0 | 0 | 0 | 0 | uncovered |" in done.stdout
    assert "3 rules: 2 covered-passing, 0 failing, 1 uncovered" in done.stdout
    body = json.loads((out / "matrix.json").read_text("utf-8"))
    assert [(r["id"], r["verdict"]) for r in body["rules"]] == [
        ("R-1.1", "covered-passing"),
        ("R-1.2", "covered-passing"),
        ("R-2.1", "uncovered"),
    ]
    assert "### R-2.1: uncovered" in (out / "matrix.md").read_text("utf-8")
    assert "No test checks this rule." in (out / "matrix.html").read_text("utf-8")


def test_every_rule_covered_and_passing_exits_0(tmp_path: Path) -> None:
    results = _results(
        tmp_path,
        [
            {"nodeid": "t.py::a", "rules": ["R-1.1", "R-1.2"], "outcome": "passed"},
            {"nodeid": "t.py::b", "rules": ["R-2.1"], "outcome": "passed"},
        ],
    )
    out = tmp_path / "out"
    done = _compliance("--from", str(results), "--rules", str(_rules(tmp_path)), "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "3 rules: 3 covered-passing, 0 failing, 0 uncovered" in done.stdout


def test_the_real_rule_list_is_the_default_and_each_id_is_in_the_matrix(tmp_path: Path) -> None:
    results = _results(tmp_path, [{"nodeid": "t.py::a", "rules": ["R-10.1"], "outcome": "passed"}])
    out = tmp_path / "out"
    done = _compliance("--from", str(results), "--out", str(out))
    assert done.exit_code == 1
    ids = [r["id"] for r in json.loads((out / "matrix.json").read_text("utf-8"))["rules"]]
    assert ids[0] == "R-10.1"
    assert "R-LFA.3" in ids
    assert "| R-LFA.3 | The result is notified within 7 days of the decision. |" in done.stdout


def test_it_runs_the_marked_tests_and_a_failing_test_marks_its_rule_failing(
    tmp_path: Path,
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "test_tiny.py").write_text(TREE, encoding="utf-8")
    out = tmp_path / "out"
    done = _compliance(
        "--run", "--tests", str(tree), "--rules", str(_rules(tmp_path)), "--out", str(out)
    )
    assert done.exit_code == 1, done.output
    assert "| R-1.1 | First | 2 | 1 | 0 | 1 | covered-passing |" in done.stdout
    assert "| R-1.2 | The second rule. | 1 | 0 | 1 | 0 | failing |" in done.stdout
    assert "| R-2.1 | The third rule. | 0 | 0 | 0 | 0 | uncovered |" in done.stdout
    assert "pytest: " in done.stderr

    recorded = json.loads((out / "results.json").read_text("utf-8"))
    assert recorded["pytest_exit"] == 1
    outcomes = {
        t["nodeid"].rsplit("::", 1)[1]: (t["rules"], t["outcome"]) for t in recorded["tests"]
    }
    assert outcomes == {  # the unmarked test is not run (-m rule), nor recorded
        "test_passes": (["R-1.1"], "passed"),
        "test_skipped": (["R-1.1"], "skipped"),
        "test_fails": (["R-1.2"], "failed"),
    }
    failing = next(t for t in recorded["tests"] if t["outcome"] == "failed")
    assert "approved" in failing["message"]
    cases = ET.parse(out / "junit.xml").getroot().iter("testcase")  # noqa: S314 - ours
    properties = {
        case.get("name"): [p.get("value") for p in case.iter("property") if p.get("name") == "rule"]
        for case in cases
    }
    assert properties == {
        "test_passes": ["R-1.1"],
        "test_skipped": ["R-1.1"],
        "test_fails": ["R-1.2"],
    }
    html = (out / "matrix.html").read_text("utf-8")
    assert "test_fails" in html
    assert "failing" in html

    # Without --run or --from: the last run's results, not a new run.
    (tree / "test_tiny.py").write_text(TREE.replace('"rejected"', '"approved"'))
    again = _compliance("--rules", str(_rules(tmp_path)), "--out", str(out))
    assert again.exit_code == 1
    assert "| R-1.2 | The second rule. | 1 | 0 | 1 | 0 | failing |" in again.stdout


def test_k_selects_what_runs(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "test_tiny.py").write_text(TREE, encoding="utf-8")
    out = tmp_path / "out"
    done = _compliance(
        "--run", "--tests", str(tree), "-k", "passes", "--rules", str(_rules(tmp_path)),
        "--out", str(out),
    )  # fmt: skip
    assert done.exit_code == 1
    assert "| R-1.1 | First | 1 | 1 | 0 | 0 | covered-passing |" in done.stdout
    assert "| R-1.2 | The second rule. | 0 | 0 | 0 | 0 | uncovered |" in done.stdout


def test_run_and_from_together_are_refused(tmp_path: Path) -> None:
    results = _results(tmp_path, [])
    done = CliRunner().invoke(main, ["compliance", "--run", "--from", str(results)])
    assert done.exit_code == 2
    assert "give --run or --from, not both" in done.output


def test_a_missing_or_broken_results_file_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _compliance("--from", str(tmp_path / "none.json"), "--out", str(out))
    assert done.exit_code == 2
    assert "no results file at" in done.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"tests": [{"nodeid": "x"}]}', encoding="utf-8")
    done = _compliance("--from", str(broken), "--out", str(out))
    assert done.exit_code == 2
    assert "cannot read the results" in done.stderr
    assert not (out / "matrix.md").exists()
