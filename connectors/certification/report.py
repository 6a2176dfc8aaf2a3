"""A certification run, written for CI (JUnit XML) and for people (plain text).

JUnit: one `<testsuite>` per agency (name = the agency code), one `<testcase>` per check
(`classname` certify.<CODE>, `name` the check id); a failed check carries `<failure>`, an erred
one `<error>`, a skipped one `<skipped>`, each with the detail as its message; a passed check's
detail is its `<system-out>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from connectors.certification.results import Certification, Outcome

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


def _counts(element: ET.Element, runs: Sequence[Certification]) -> None:
    element.set("tests", str(sum(len(run.results) for run in runs)))
    element.set("failures", str(sum(run.count(Outcome.FAIL) for run in runs)))
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
        for name, value in (("connector", run.connector), ("base_url", run.base_url)):
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
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def write_junit(path: Path, runs: Sequence[Certification]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(runs))


def summary(run: Certification) -> str:
    """One line: the counts and the verdict."""
    verdict = "CERTIFIED" if run.certified else "NOT CERTIFIED"
    return (
        f"{run.agency_code}: {run.count(Outcome.PASS)} passed, {run.count(Outcome.FAIL)} failed, "
        f"{run.count(Outcome.ERROR)} errors, {run.count(Outcome.SKIP)} skipped: {verdict}"
    )


def text_report(run: Certification) -> str:
    """The run for a reader: one line per check and what it saw, then the verdict."""
    width = max((len(result.check_id) for result in run.results), default=0)
    lines = [f"Certifying the {run.agency_code} connector ({run.connector}) at {run.base_url}", ""]
    for result in run.results:
        lines.append(
            f"  {_LABELS[result.outcome]:<5}  {result.check_id:<{width}}  {result.title}"
            f"  ({result.duration_seconds:.2f} s)"
        )
        lines.extend(f"  {'':<5}  {'':<{width}}  {part}" for part in result.detail.splitlines())
    lines += ["", summary(run)]
    return "\n".join(lines) + "\n"
