"""The compliance matrix's pure part: results → matrix → Markdown, HTML and JSON."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from gateway.compliance.matrix import (
    FAILING,
    PASSING,
    UNCOVERED,
    build,
    render_html,
    render_json,
    render_markdown,
    summary_markdown,
)
from gateway.compliance.results import OUTCOMES, Run, TestResult, parse_results
from gateway.compliance.rules import Rule

RULES = [
    Rule("R-1.1", "Filing", "First", "The first rule."),
    Rule("R-1.2", "Filing", "", "The second rule."),
    Rule("R-2.1", "Results", "", "The third rule, which no test checks."),
]


def _test(nodeid: str, outcome: str, *rules: str, message: str | None = None) -> TestResult:
    return TestResult(nodeid=nodeid, rules=rules, outcome=outcome, message=message)


def test_each_rule_gets_its_tests_and_a_verdict() -> None:
    run = Run(
        tests=(
            _test("t.py::a", "passed", "R-1.1"),
            _test("t.py::b", "skipped", "R-1.1"),
            _test("t.py::c", "passed", "R-1.2", "R-1.1"),
            _test("t.py::d", "failed", "R-1.2", message="E   assert 1 == 2"),
        )
    )
    matrix = build(RULES, run)
    assert [(r.rule.id, [t.nodeid for t in r.tests], r.verdict) for r in matrix.rows] == [
        ("R-1.1", ["t.py::a", "t.py::b", "t.py::c"], PASSING),
        ("R-1.2", ["t.py::c", "t.py::d"], FAILING),
        ("R-2.1", [], UNCOVERED),
    ]
    assert matrix.verdicts() == {PASSING: 1, FAILING: 1, UNCOVERED: 1}
    assert not matrix.ok


def test_only_every_rule_passing_is_ok() -> None:
    run = Run(tests=tuple(_test(f"t.py::{r.id}", "passed", r.id) for r in RULES))
    assert build(RULES, run).ok
    skipped = Run(tests=(*run.tests[:2], _test("t.py::x", "skipped", "R-2.1")))
    matrix = build(RULES, skipped)
    assert matrix.rows[2].verdict == UNCOVERED  # only skipped: nothing checked it
    assert not matrix.ok


def test_an_id_no_rule_has_is_listed_apart_and_is_not_ok() -> None:
    run = Run(
        tests=(
            *(_test(f"t.py::{r.id}", "passed", r.id) for r in RULES),
            _test("t.py::typo", "passed", "R-1.l"),
        )
    )
    matrix = build(RULES, run)
    assert list(matrix.unknown) == ["R-1.l"]
    assert not matrix.ok
    assert "unknown rule ids: R-1.l" in summary_markdown(matrix)
    assert "R-1.l" in render_markdown(matrix)
    assert json.loads(render_json(matrix))["unknown"]["R-1.l"][0]["nodeid"] == "t.py::typo"


def test_the_summary_table_has_a_line_per_rule() -> None:
    run = Run(tests=(_test("t.py::a", "passed", "R-1.1"), _test("t.py::d", "failed", "R-1.2")))
    lines = summary_markdown(build(RULES, run)).splitlines()
    assert lines[0] == "| rule | what | tests | passed | failed | skipped | verdict |"
    assert lines[2] == "| R-1.1 | First | 1 | 1 | 0 | 0 | covered-passing |"
    assert lines[3] == "| R-1.2 | The second rule. | 1 | 0 | 1 | 0 | failing |"
    assert (
        lines[4] == "| R-2.1 | The third rule, which no test checks. | 0 | 0 | 0 | 0 | uncovered |"
    )
    assert lines[-1] == "3 rules: 1 covered-passing, 1 failing, 1 uncovered"


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_page_is_self_contained_and_escapes_what_it_shows() -> None:
    hostile = 't.py::test[<script>alert("x")</script>]'
    rules = [Rule("R-1.1", "Filing <b>", "", "A & B <img src=x onerror=alert(1)>")]
    run = Run(tests=(_test(hostile, "failed", "R-1.1", message="E   <b>bold</b>"),))
    page = render_html(build(rules, run))
    parsed = _Texts()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert "b" not in parsed.tags
    text = "".join(parsed.text)
    assert hostile in text
    assert "A & B <img src=x onerror=alert(1)>" in text
    assert "<b>bold</b>" in text
    assert "http" not in page  # no outside resource: the page works offline, as a file


def test_the_json_has_every_rule_its_tests_and_verdict() -> None:
    run = Run(
        tests=(_test("t.py::a", "passed", "R-1.1"),),
        started_at="2026-12-06T10:00:00+00:00",
        finished_at="2026-12-06T10:01:00+00:00",
        pytest_exit=0,
    )
    body = json.loads(render_json(build(RULES, run)))
    assert body["ok"] is False
    assert [(r["id"], r["verdict"]) for r in body["rules"]] == [
        ("R-1.1", PASSING),
        ("R-1.2", UNCOVERED),
        ("R-2.1", UNCOVERED),
    ]
    assert body["rules"][0]["tests"] == [
        {"nodeid": "t.py::a", "outcome": "passed", "message": None}
    ]
    assert body["run"]["pytest_exit"] == 0


def test_markdown_cells_keep_pipes_from_breaking_the_table() -> None:
    rules = [Rule("R-1.1", "G", "", "a | b")]
    run = Run(tests=(_test("t.py::x[a|b]", "failed", "R-1.1", message="E  x | y"),))
    text = render_markdown(build(rules, run))
    assert "| R-1.1 | a \\| b |" in text
    assert "`t.py::x[a\\|b]` | failed (E x \\| y) |" in text


def test_a_results_file_is_read_back() -> None:
    run = parse_results(
        {
            "version": 1,
            "pytest_exit": 1,
            "tests": [{"nodeid": "t.py::a", "rules": ["R-1.1"], "outcome": "failed"}],
        }
    )
    assert run.tests == (TestResult("t.py::a", ("R-1.1",), "failed"),)
    assert run.pytest_exit == 1


outcomes = st.sampled_from(OUTCOMES)
rule_ids = st.sampled_from([r.id for r in RULES])
tests = st.lists(
    st.tuples(outcomes, st.lists(rule_ids, min_size=1, max_size=3, unique=True)), max_size=12
)


@given(tests)
def test_verdicts_follow_the_outcomes_of_each_rules_tests(
    drawn: list[tuple[str, list[str]]],
) -> None:
    run = Run(tests=tuple(_test(f"t.py::{n}", o, *ids) for n, (o, ids) in enumerate(drawn)))
    matrix = build(RULES, run)
    assert [row.rule for row in matrix.rows] == RULES
    for row in matrix.rows:
        mine = [o for o, ids in drawn if row.rule.id in ids]
        assert len(row.tests) == len(mine)
        if "failed" in mine:
            assert row.verdict == FAILING
        elif "passed" in mine:
            assert row.verdict == PASSING
        else:
            assert row.verdict == UNCOVERED
    assert matrix.ok == all(row.verdict == PASSING for row in matrix.rows)
