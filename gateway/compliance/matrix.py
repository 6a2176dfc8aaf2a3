"""The compliance matrix: every rule id → the tests that check it → each test's result, and the
id's verdict; rendered as Markdown, a self-contained HTML page and JSON. Pure: no I/O.

A rule is `covered-passing` when at least one of its tests passed and none failed, `failing`
when any failed, and `uncovered` when none passed (no test names it, or all were skipped or
never ran). A rule id that a test names but the rule list does not know is listed apart
(`unknown`): usually a typo, which leaves the meant rule uncovered.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.compliance.results import Run, TestResult
from gateway.compliance.rules import Rule

PASSING = "covered-passing"
FAILING = "failing"
UNCOVERED = "uncovered"
VERDICTS = (PASSING, FAILING, UNCOVERED)


@dataclass(frozen=True)
class Row:
    rule: Rule
    tests: tuple[TestResult, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for t in self.tests if t.outcome == outcome)

    @property
    def verdict(self) -> str:
        if self.count("failed"):
            return FAILING
        if self.count("passed"):
            return PASSING
        return UNCOVERED


@dataclass(frozen=True)
class Matrix:
    rows: tuple[Row, ...]
    unknown: dict[str, tuple[TestResult, ...]] = field(default_factory=dict)
    run: Run | None = None

    def verdicts(self) -> dict[str, int]:
        counted = dict.fromkeys(VERDICTS, 0)
        for row in self.rows:
            counted[row.verdict] += 1
        return counted

    @property
    def ok(self) -> bool:
        """Every rule covered and passing, and no test naming a rule that is not listed."""
        return all(row.verdict == PASSING for row in self.rows) and not self.unknown


def build(rules: Sequence[Rule], run: Run) -> Matrix:
    known = {rule.id for rule in rules}
    by_rule: dict[str, list[TestResult]] = {}
    for test in run.tests:
        for rule_id in test.rules:
            by_rule.setdefault(rule_id, []).append(test)
    rows = tuple(Row(rule, tuple(by_rule.get(rule.id, ()))) for rule in rules)
    unknown = {rid: tuple(tests) for rid, tests in sorted(by_rule.items()) if rid not in known}
    return Matrix(rows=rows, unknown=unknown, run=run)


# --- Markdown -------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def _label(rule: Rule, width: int = 60) -> str:
    text = rule.title or rule.text
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def summary_markdown(matrix: Matrix) -> str:
    """The summary table (one line per rule) and the totals: what the command prints."""
    lines = [
        "| rule | what | tests | passed | failed | skipped | verdict |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for row in matrix.rows:
        skipped = row.count("skipped") + row.count("not run")
        lines.append(
            f"| {row.rule.id} | {_md(_label(row.rule))} | {len(row.tests)} | "
            f"{row.count('passed')} | {row.count('failed')} | {skipped} | {row.verdict} |"
        )
    counted = matrix.verdicts()
    lines.append("")
    lines.append(
        f"{len(matrix.rows)} rules: {counted[PASSING]} covered-passing, "
        f"{counted[FAILING]} failing, {counted[UNCOVERED]} uncovered"
        + (f"; tests name unknown rule ids: {', '.join(matrix.unknown)}" if matrix.unknown else "")
    )
    return "\n".join(lines) + "\n"


def render_markdown(matrix: Matrix) -> str:
    out = ["# Compliance matrix", ""]
    if matrix.run is not None and matrix.run.finished_at:
        out += [f"Tests run {matrix.run.started_at} – {matrix.run.finished_at}.", ""]
    out += [summary_markdown(matrix), "## Rules and their tests", ""]
    for row in matrix.rows:
        title = f" {row.rule.title}" if row.rule.title else ""
        out.append(f"### {row.rule.id}{_md(title)}: {row.verdict}")
        out.append("")
        out.append(f"_{_md(row.rule.group)}_. {_md(row.rule.text)}")
        out.append("")
        out += _md_tests(row.tests) if row.tests else ["No test checks this rule.", ""]
    if matrix.unknown:
        out += ["## Rule ids not in the rule list", ""]
        for rule_id, tests in matrix.unknown.items():
            out += [f"### {_md(rule_id)}", "", *_md_tests(tests)]
    return "\n".join(out)


def _md_tests(tests: Sequence[TestResult]) -> list[str]:
    lines = ["| test | result |", "|---|---|"]
    for test in tests:
        note = f" ({_md(test.message)})" if test.message and test.outcome != "passed" else ""
        nodeid = _md(test.nodeid).replace("`", "'")
        lines.append(f"| `{nodeid}` | {test.outcome}{note} |")
    return [*lines, ""]


# --- HTML -----------------------------------------------------------------------------------

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; }
.covered-passing, .passed { background: #e3f4e3; }
.failing, .failed { background: #fbe0e0; }
.uncovered, .skipped, .not-run { background: #fff3cd; }
code { font-size: 90%; }
"""


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(matrix: Matrix) -> str:
    """One self-contained page (no scripts, no outside resources), every text escaped."""
    counted = matrix.verdicts()
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Compliance matrix</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Compliance matrix</h1>",
        f"<p>{len(matrix.rows)} rules: {counted[PASSING]} covered-passing, "
        f"{counted[FAILING]} failing, {counted[UNCOVERED]} uncovered.</p>",
    ]
    if matrix.run is not None and matrix.run.finished_at:
        parts.append(
            f"<p>Tests run {_h(matrix.run.started_at)} – {_h(matrix.run.finished_at)}.</p>"
        )
    parts.append(
        "<table><thead><tr><th>rule</th><th>what</th><th>tests</th><th>passed</th>"
        "<th>failed</th><th>skipped</th><th>verdict</th></tr></thead><tbody>"
    )
    for row in matrix.rows:
        skipped = row.count("skipped") + row.count("not run")
        parts.append(
            f'<tr class="{row.verdict}"><td><a href="#{_h(row.rule.id)}">{_h(row.rule.id)}</a>'
            f"</td><td>{_h(_label(row.rule))}</td><td class=n>{len(row.tests)}</td>"
            f"<td class=n>{row.count('passed')}</td><td class=n>{row.count('failed')}</td>"
            f"<td class=n>{skipped}</td><td>{row.verdict}</td></tr>"
        )
    parts.append("</tbody></table>")
    for row in matrix.rows:
        title = f" {row.rule.title}" if row.rule.title else ""
        parts.append(
            f'<h2 id="{_h(row.rule.id)}">{_h(row.rule.id + title)}: '
            f'<span class="{row.verdict}">{row.verdict}</span></h2>'
        )
        parts.append(f"<p><em>{_h(row.rule.group)}</em>. {_h(row.rule.text)}</p>")
        parts.append(_html_tests(row.tests) if row.tests else "<p>No test checks this rule.</p>")
    if matrix.unknown:
        parts.append("<h2>Rule ids not in the rule list</h2>")
        for rule_id, tests in matrix.unknown.items():
            parts.append(f"<h3>{_h(rule_id)}</h3>{_html_tests(tests)}")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_tests(tests: Sequence[TestResult]) -> str:
    rows = "".join(
        f'<tr class="{test.outcome.replace(" ", "-")}"><td><code>{_h(test.nodeid)}</code></td>'
        f"<td>{_h(test.outcome)}</td><td>{_h(test.message or '')}</td></tr>"
        for test in tests
    )
    return (
        "<table><thead><tr><th>test</th><th>result</th><th>note</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


# --- JSON -----------------------------------------------------------------------------------


def _test_json(test: TestResult) -> dict[str, object]:
    return {"nodeid": test.nodeid, "outcome": test.outcome, "message": test.message}


def render_json(matrix: Matrix) -> str:
    body = {
        "ok": matrix.ok,
        "verdicts": matrix.verdicts(),
        "run": None
        if matrix.run is None
        else {
            "started_at": matrix.run.started_at,
            "finished_at": matrix.run.finished_at,
            "pytest_exit": matrix.run.pytest_exit,
        },
        "rules": [
            {
                "id": row.rule.id,
                "group": row.rule.group,
                "title": row.rule.title,
                "text": row.rule.text,
                "verdict": row.verdict,
                "tests": [_test_json(t) for t in row.tests],
            }
            for row in matrix.rows
        ],
        "unknown": {
            rule_id: [_test_json(t) for t in tests] for rule_id, tests in matrix.unknown.items()
        },
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
