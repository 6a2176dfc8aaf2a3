"""The reports of a certification run (`connectors.certification.report` and `.formats`): what a
team reads (text, Markdown, HTML), what CI reads (JUnit) and what machines read (JSON), for a
run with failed, erred and skipped checks and findings of every kind of severity."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from connectors.certification import (
    REPORT_FORMAT,
    Certification,
    CheckResult,
    Evidence,
    FindingPolicy,
    Outcome,
    Severity,
    html_report,
    junit_xml,
    markdown_report,
    report_json,
    text_report,
    write_reports,
)
from connectors.certification.findings import finding

STARTED = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)
SECRET_URL = "GET http://127.0.0.1:8100/dlt/gdx/auth/validate?ConsumerSecret=***"


def run_with(
    *,
    results: tuple[CheckResult, ...] | None = None,
    policy: FindingPolicy | None = None,
    detail: str = "a secret in the query string of every token request",
) -> Certification:
    checks = results or (
        CheckResult("health", "says it is healthy", Outcome.PASS, "health() ok", 0.01),
        CheckResult(
            "idempotent-submit",
            "files a case once per idempotency key",
            Outcome.FAIL,
            "the same key sent twice filed two cases",
            0.2,
        ),
        CheckResult("cancel", "withdraws a case", Outcome.SKIP, "no Cancels", 0.0),
        CheckResult("outage", "reports an outage", Outcome.ERROR, "the agency was down", 1.5),
    )
    return Certification(
        agency_code="DLT",
        connector="DltConnector",
        base_url="http://127.0.0.1:8100/dlt",
        started_at=STARTED,
        results=checks,
        findings=(
            finding(
                "personal-data-in-url",
                "a national ID in the status URL",
                [Evidence("GET http://127.0.0.1:8100/dlt/cases?pid=1-1007-*****-**-4")],
            ),
            finding(
                "secret-in-url",
                detail,
                [Evidence(SECRET_URL, '200 {"token": "***"}', "the consumer secret")],
            ),
        ),
        policy=policy or FindingPolicy(),
        connector_version="1.4.2",
    )


PASSING = (CheckResult("health", "says it is healthy", Outcome.PASS, "health() ok", 0.01),)


def test_the_text_report_lists_findings_worst_first_with_evidence_and_says_why() -> None:
    text = text_report(run_with())
    assert "Certifying the DLT connector (DltConnector 1.4.2) at http://127.0.0.1:8100/dlt" in (
        text
    )
    findings = text.index("Findings (the policy blocks: critical, high):")
    critical = text.index("CRITICAL  secret-in-url  A credential or token travels in a URL")
    medium = text.index("MEDIUM    personal-data-in-url")
    assert findings < critical < medium
    assert "[blocks]" in text[critical:medium]
    assert "[blocks]" not in text[medium:]
    assert f"> {SECRET_URL}" in text
    assert '< 200 {"token": "***"}' in text
    assert "(the consumer secret)" in text
    assert text.endswith(
        "DLT: 1 passed, 1 failed, 1 errors, 1 skipped, 2 findings (1 blocking): NOT CERTIFIED\n"
        "  check idempotent-submit failed\n"
        "  check outage could not be carried out (error)\n"
        "  finding secret-in-url (critical) blocks under the policy (blocking: critical, high)\n"
    )


def test_a_run_whose_only_findings_do_not_block_is_certified_and_says_so() -> None:
    run = run_with(results=PASSING, policy=FindingPolicy(frozenset()))  # nothing blocks
    assert run.certified
    text = text_report(run)
    assert "2 findings (0 blocking): CERTIFIED" in text
    assert text.endswith(
        "  every check passed or was skipped, and no finding blocks under the policy "
        "(blocking: none)\n"
    )


def test_a_stricter_policy_makes_a_medium_finding_block() -> None:
    run = run_with(
        results=PASSING,
        policy=FindingPolicy.at_least(Severity.MEDIUM),
        detail="seen once",
    )
    assert not run.certified
    assert (
        "finding personal-data-in-url (medium) blocks under the policy (blocking: critical, "
        "high, medium)"
    ) in text_report(run)


def test_junit_has_a_case_per_finding_failing_when_it_blocks() -> None:
    root = ET.fromstring(junit_xml([run_with()]))  # noqa: S314 - our own output
    suite = root.find("testsuite")
    assert suite is not None
    # 4 checks and 2 findings; failures: a check and the blocking finding.
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "2", "1")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["connector_version"] == "1.4.2"
    assert properties["policy"] == "critical, high"
    cases = {
        case.get("name"): case
        for case in suite.findall("testcase")
        if case.get("classname") == "certify.DLT.findings"
    }
    assert list(cases) == ["secret-in-url", "personal-data-in-url"]
    failure = cases["secret-in-url"].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "critical: A credential or token travels in a URL (logged by every proxy and server)"
    )
    assert SECRET_URL in (failure.text or "")
    medium = cases["personal-data-in-url"]
    assert medium.find("failure") is None
    out = medium.find("system-out")
    assert out is not None
    assert (out.text or "").startswith("medium (not blocking): A national ID travels in a URL")


def test_the_json_report_holds_every_check_and_finding() -> None:
    data = json.loads(report_json(run_with()))
    assert data["format"] == REPORT_FORMAT
    assert (data["agency"], data["connector"], data["connector_version"]) == (
        "DLT",
        "DltConnector",
        "1.4.2",
    )
    assert data["base_url"] == "http://127.0.0.1:8100/dlt"
    assert data["started_at"] == "2026-12-06T09:30:00+00:00"
    assert data["verdict"] == "not_certified"
    assert data["policy"] == {"blocking": ["critical", "high"]}
    assert data["counts"] == {"pass": 1, "fail": 1, "skip": 1, "error": 1}
    assert [c["id"] for c in data["checks"]] == ["health", "idempotent-submit", "cancel", "outage"]
    assert data["checks"][1] == {
        "id": "idempotent-submit",
        "title": "files a case once per idempotency key",
        "outcome": "fail",
        "duration_seconds": 0.2,
        "detail": "the same key sent twice filed two cases",
    }
    secret = data["findings"][0]
    assert (secret["id"], secret["severity"], secret["blocking"]) == (
        "secret-in-url",
        "critical",
        True,
    )
    assert secret["evidence"] == [
        {"request": SECRET_URL, "response": '200 {"token": "***"}', "note": "the consumer secret"}
    ]
    assert data["findings"][1]["blocking"] is False
    assert "finding secret-in-url (critical) blocks under the policy" in " ".join(data["reasons"])


def test_the_markdown_report_has_the_verdict_checks_and_findings() -> None:
    text = markdown_report(run_with())
    assert text.startswith("# Certification of the DLT connector: NOT CERTIFIED\n")
    assert "| connector | DltConnector 1.4.2 |" in text
    assert "| idempotent-submit | FAIL | 0.20 s | files a case once per idempotency key |" in text
    assert "### outage: ERROR" in text
    assert "```\nthe agency was down\n```" in text
    assert "### secret-in-url: critical (blocks)" in text
    assert f'```\n> {SECRET_URL}\n< 200 {{"token": "***"}}\n```' in text
    assert "### personal-data-in-url: medium\n" in text


def test_markdown_punctuation_in_what_was_seen_stays_text() -> None:
    run = run_with(detail="- a *starred* [link](http://x) | <b>")
    assert "\\- a \\*starred\\* \\[link\\](http://x) \\| \\<b\\>" in markdown_report(run)


def test_a_detail_with_backticks_cannot_close_its_markdown_block() -> None:
    run = run_with(detail="x", results=(CheckResult("health", "t", Outcome.FAIL, "a ``` b", 0),))
    assert "````\na ``` b\n````" in markdown_report(run)


class _Page(HTMLParser):
    """What a browser would load or run from the page, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[tuple[str, str | None]] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.fetches += [(name, value) for name, value in attrs if name in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_report_is_self_contained_and_escapes_what_it_shows() -> None:
    hostile = '<script>alert("x")</script><img src="http://evil.test/x.png">'
    page = html_report(run_with(detail=hostile))
    parsed = _Page()
    parsed.feed(page)
    assert parsed.fetches == []
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    text = "".join(parsed.text)
    assert hostile in text  # shown as text
    assert "NOT CERTIFIED" in text
    assert "DltConnector 1.4.2" in text
    assert "http://127.0.0.1:8100/dlt" in text
    assert "the same key sent twice filed two cases" in text
    assert f"> {SECRET_URL}" in text
    assert "check outage could not be carried out (error)" in text


@given(st.text(max_size=200))
def test_any_text_in_the_html_report_stays_text(detail: str) -> None:
    parsed = _Page()
    parsed.feed(html_report(run_with(detail=detail)))
    parsed.close()
    assert parsed.fetches == []
    assert not {"script", "img", "iframe", "a", "link"} & set(parsed.tags)
    shown = "".join(parsed.text)
    assert all(part in shown for part in detail.replace("\r", "\n").split("\n"))


def test_write_reports_writes_the_four_files(tmp_path: Path) -> None:
    run = run_with()
    files = write_reports(tmp_path / "DLT-run", run)
    assert sorted(p.name for p in (tmp_path / "DLT-run").iterdir()) == [
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert files.json.read_bytes() == files.json_bytes == report_json(run)
    assert files.markdown.read_text(encoding="utf-8") == markdown_report(run)
    assert files.html.read_text(encoding="utf-8") == html_report(run)
    assert files.junit.read_bytes() == junit_xml([run])
