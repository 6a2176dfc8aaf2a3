"""A certification run, written for CI (JUnit XML) and for people (plain text); the Markdown,
HTML and JSON reports are in `formats.py`.

JUnit: one `<testsuite>` per agency (name = the agency code), one `<testcase>` per check
(`classname` certify.<CODE>, `name` the check id); a failed check carries `<failure>`, an erred
one `<error>`, a skipped one `<skipped>`, each with the detail as its message; a passed check's
detail is its `<system-out>`. Then one `<testcase>` per finding (`classname`
certify.<CODE>.findings, `name` the finding id): a `<failure>` when the run's policy blocks its
severity, else its detail and evidence as `<system-out>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from connectors.certification.results import Certification, Evidence, Finding, Outcome, Severity

#: Where a run's JUnit XML goes when no file is named (`citizen-gateway certify --junit`):
#: under var/, which git ignores, so a report never ends up committed by accident.
DEFAULT_JUNIT_PATH = Path("var/certification/junit.xml")

_LABELS = {
    Outcome.PASS: "PASS",
    Outcome.FAIL: "FAIL",
    Outcome.SKIP: "SKIP",
    Outcome.ERROR: "ERROR",
}


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def ordered_findings(run: Certification) -> list[Finding]:
    """The run's findings, the worst first (in the order found within a severity)."""
    return sorted(run.findings, key=lambda found: found.severity.rank)


def policy_text(run: Certification) -> str:
    """The severities the run's policy blocks, the worst first, e.g. "critical, high"."""
    blocking = sorted(run.policy.blocking, key=lambda severity: severity.rank)
    return ", ".join(severity.value for severity in blocking) or "none"


def verdict_reasons(run: Certification) -> list[str]:
    """Why the run is (not) certified: each failed or erred check and each blocking finding,
    or, when certified, that none is."""
    reasons = [
        f"check {result.check_id} failed"
        if result.outcome is Outcome.FAIL
        else f"check {result.check_id} could not be carried out (error)"
        for result in run.results
        if result.outcome in (Outcome.FAIL, Outcome.ERROR)
    ]
    reasons += [
        f"finding {found.finding_id} ({found.severity.value}) blocks under the policy "
        f"(blocking: {policy_text(run)})"
        for found in ordered_findings(run)
        if run.policy.blocks(found)
    ]
    if not reasons:
        return [
            "every check passed or was skipped, and no finding blocks under the policy "
            f"(blocking: {policy_text(run)})"
        ]
    return reasons


def evidence_lines(evidence: Evidence) -> list[str]:
    """One exchange, as the text and JUnit reports show it."""
    lines = [f"> {evidence.request}"]
    if evidence.response:
        lines += [f"< {line}" for line in evidence.response.splitlines() or [""]]
    if evidence.note:
        lines.append(f"  ({evidence.note})")
    return lines


def _finding_text(found: Finding) -> str:
    lines = [f"{found.title}: {found.detail}"]
    for evidence in found.evidence:
        lines += evidence_lines(evidence)
    return "\n".join(lines)


def _tests(run: Certification) -> int:
    return len(run.results) + len(run.findings)


def _failures(run: Certification) -> int:
    return run.count(Outcome.FAIL) + len(run.blocking_findings)


def _counts(element: ET.Element, runs: Sequence[Certification]) -> None:
    element.set("tests", str(sum(_tests(run) for run in runs)))
    element.set("failures", str(sum(_failures(run) for run in runs)))
    element.set("errors", str(sum(run.count(Outcome.ERROR) for run in runs)))
    element.set("skipped", str(sum(run.count(Outcome.SKIP) for run in runs)))
    element.set("time", _seconds(sum(run.duration_seconds for run in runs)))


def junit_xml(runs: Sequence[Certification]) -> bytes:
    """The runs as a JUnit XML document (UTF-8, with its declaration)."""
    root = ET.Element("testsuites", name="citizen-gateway certify")
    _counts(root, runs)
    for run in runs:
        suite = ET.SubElement(root, "testsuite", name=run.agency_code)
        _counts(suite, [run])
        suite.set("timestamp", run.started_at.isoformat(timespec="seconds"))
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("connector", run.connector),
            ("connector_version", run.connector_version),
            ("base_url", run.base_url),
            ("policy", policy_text(run)),
        ):
            ET.SubElement(properties, "property", name=name, value=value)
        for result in run.results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"certify.{run.agency_code}",
                name=result.check_id,
                time=_seconds(result.duration_seconds),
            )
            case_properties = ET.SubElement(case, "properties")
            ET.SubElement(case_properties, "property", name="title", value=result.title)
            if result.outcome is Outcome.PASS:
                ET.SubElement(case, "system-out").text = result.detail
            elif result.outcome is Outcome.SKIP:
                ET.SubElement(case, "skipped", message=result.detail)
            else:
                tag = "failure" if result.outcome is Outcome.FAIL else "error"
                problem = ET.SubElement(case, tag, message=result.detail, type=result.check_id)
                problem.text = f"{result.title}: {result.detail}"
        for found in ordered_findings(run):
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"certify.{run.agency_code}.findings",
                name=found.finding_id,
                time=_seconds(0),
            )
            case_properties = ET.SubElement(case, "properties")
            for name, value in (("title", found.title), ("severity", found.severity.value)):
                ET.SubElement(case_properties, "property", name=name, value=value)
            if run.policy.blocks(found):
                problem = ET.SubElement(
                    case,
                    "failure",
                    message=f"{found.severity.value}: {found.title}",
                    type=found.finding_id,
                )
                problem.text = _finding_text(found)
            else:
                ET.SubElement(
                    case, "system-out"
                ).text = f"{found.severity.value} (not blocking): {_finding_text(found)}"
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def write_junit(path: Path, runs: Sequence[Certification]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(runs))


def summary(run: Certification) -> str:
    """One line: the counts and the verdict."""
    verdict = "CERTIFIED" if run.certified else "NOT CERTIFIED"
    found = ""
    if run.findings:
        plural = "" if len(run.findings) == 1 else "s"
        found = f", {len(run.findings)} finding{plural} ({len(run.blocking_findings)} blocking)"
    return (
        f"{run.agency_code}: {run.count(Outcome.PASS)} passed, {run.count(Outcome.FAIL)} failed, "
        f"{run.count(Outcome.ERROR)} errors, {run.count(Outcome.SKIP)} skipped{found}: {verdict}"
    )


def text_report(run: Certification) -> str:
    """The run for a reader: one line per check and what it saw, the findings with their
    evidence (the worst first), then the verdict and why."""
    width = max((len(result.check_id) for result in run.results), default=0)
    version = f" {run.connector_version}" if run.connector_version else ""
    lines = [
        f"Certifying the {run.agency_code} connector ({run.connector}{version}) at {run.base_url}",
        "",
    ]
    for result in run.results:
        lines.append(
            f"  {_LABELS[result.outcome]:<5}  {result.check_id:<{width}}  {result.title}"
            f"  ({result.duration_seconds:.2f} s)"
        )
        lines.extend(f"  {'':<5}  {'':<{width}}  {part}" for part in result.detail.splitlines())
    if run.findings:
        lines += ["", f"Findings (the policy blocks: {policy_text(run)}):"]
        label_width = max(len(severity.value) for severity in Severity)
        for found in ordered_findings(run):
            blocks = "  [blocks]" if run.policy.blocks(found) else ""
            lines.append(
                f"  {found.severity.value.upper():<{label_width}}  {found.finding_id}  "
                f"{found.title}{blocks}"
            )
            indent = f"  {'':<{label_width}}  "
            lines.extend(f"{indent}{part}" for part in found.detail.splitlines())
            for evidence in found.evidence:
                lines.extend(f"{indent}{part}" for part in evidence_lines(evidence))
    if run.notes:
        lines += ["", "Not judged:"] + [f"  {note}" for note in run.notes]
    lines += ["", summary(run)]
    lines += [f"  {reason}" for reason in verdict_reasons(run)]
    return "\n".join(lines) + "\n"
