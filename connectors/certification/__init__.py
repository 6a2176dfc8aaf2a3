"""Certification: the conformance checks an agency's connector must pass before its e-services
go live (`citizen-gateway certify --agency CODE` runs them; `tests/contract/` runs them against
every registered connector's mock agency).

    from connectors.certification import (
        Subject, builtin_sample, certify, registered_connector, text_report, write_junit,
    )

    connector, factory = registered_connector(config)          # as the gateway builds it
    subject = Subject(connector, config, factory, builtin_sample("DLT"),
                      outages=FaultKnobs("http://127.0.0.1:8100/faults"))
    run = await certify(subject)                               # a Certification
    print(text_report(run)); write_junit(DEFAULT_JUNIT_PATH, [run])
    write_reports(folder, run)                 # report.md, report.html, report.json, junit.xml
    run.certified              # no check failed or erred, no finding the policy blocks

The checks and what each expects are listed in `checks.py`; outcomes (pass, fail, skip, error)
and findings in `results.py` (the catalogue of findings in `findings.py`); the reports in
`report.py` (text, JUnit) and `formats.py` (Markdown, HTML, JSON); the `performance` check's
burst in `performance.py`; sample filings in `samples.py`; the optional test hooks (fault
knobs, a back office that moves a case on) in `hooks.py`.
"""

from connectors.certification.checks import (
    CHECKS,
    Check,
    CheckBlocked,
    CheckFailed,
    CheckSkipped,
    certify,
    check_by_id,
    connector_version,
    note_finding,
    run_check,
)
from connectors.certification.formats import (
    REPORT_FORMAT,
    ReportFiles,
    html_report,
    markdown_report,
    report_data,
    report_json,
    write_reports,
)
from connectors.certification.hooks import (
    BackOffice,
    FaultKnobs,
    HookFailed,
    Outages,
    StaffBackOffice,
)
from connectors.certification.performance import Burst, BurstInvalid
from connectors.certification.report import (
    DEFAULT_JUNIT_PATH,
    junit_xml,
    summary,
    text_report,
    verdict_reasons,
    write_junit,
)
from connectors.certification.results import (
    DEFAULT_POLICY,
    Certification,
    CheckResult,
    Evidence,
    Finding,
    FindingPolicy,
    Outcome,
    Severity,
)
from connectors.certification.samples import (
    DEMO_APPLICANT,
    Sample,
    SampleError,
    builtin_sample,
    builtin_sample_codes,
    load_sample,
    parse_sample,
)
from connectors.certification.subject import Subject, VariantUnavailable, registered_connector

__all__ = [
    "CHECKS",
    "DEFAULT_JUNIT_PATH",
    "DEFAULT_POLICY",
    "DEMO_APPLICANT",
    "REPORT_FORMAT",
    "BackOffice",
    "Burst",
    "BurstInvalid",
    "Certification",
    "Check",
    "CheckBlocked",
    "CheckFailed",
    "CheckResult",
    "CheckSkipped",
    "Evidence",
    "FaultKnobs",
    "Finding",
    "FindingPolicy",
    "HookFailed",
    "Outages",
    "Outcome",
    "ReportFiles",
    "Sample",
    "SampleError",
    "Severity",
    "StaffBackOffice",
    "Subject",
    "VariantUnavailable",
    "builtin_sample",
    "builtin_sample_codes",
    "certify",
    "check_by_id",
    "connector_version",
    "html_report",
    "junit_xml",
    "load_sample",
    "markdown_report",
    "note_finding",
    "parse_sample",
    "registered_connector",
    "report_data",
    "report_json",
    "run_check",
    "summary",
    "text_report",
    "verdict_reasons",
    "write_junit",
    "write_reports",
]
