"""Certification: the conformance checks an agency's connector must pass before its e-services
go live (`citizen-gateway certify --agency CODE` runs them; `tests/contract/` runs them against
every registered connector's mock agency).

    from connectors.certification import (
        Subject, builtin_sample, certify, registered_connector, text_report, write_junit,
    )

    connector, factory = registered_connector(config)          # as the gateway builds it
    subject = Subject(connector, config, factory, builtin_sample("DLT"),
                      outages=FaultKnobs("http://127.0.0.1:8100/faults"),
                      callback_secret="…")                     # to verify callbacks' signatures
    run = await certify(subject)                               # a Certification
    print(text_report(run)); write_junit(DEFAULT_JUNIT_PATH, [run])
    write_reports(folder, run)                 # report.md, report.html, report.json, junit.xml
    run.certified              # no check failed or erred, no finding the policy blocks
    run.findings, run.notes    # what the checks and the traffic showed; what was not judged

The checks and what each expects are listed in `checks.py`; outcomes (pass, fail, skip, error)
and findings in `results.py` (the catalogue of findings in `findings.py`); the reports in
`report.py` (text, JUnit) and `formats.py` (Markdown, HTML, JSON); the `performance` check's
burst in `performance.py`; sample filings in `samples.py`; the optional test hooks (fault
knobs, a back office that moves a case on) in `hooks.py`.

Findings: `certify()` builds the connector again on a recording transport (`traffic.py`),
points the filings' callbacks at a loopback receiver (`callbacks.py`), gives a copy configured
for production an http:// address, and judges it all (`analysis.py`; ids and severities in
`findings.py`; evidence and what each check saw masked: national IDs as 1-2345-xxxxx-xx-3,
secrets as ***):

    secret-in-url             critical  a credential or token in a request URL
    personal-data-in-url      medium    a valid national ID in a request URL
    plain-http                high      an http:// agency (info: loopback or a .test host)
    tls-not-required          high      configured with require_tls, it still sent over http://
    server-error-for-refusal  high      a 5xx answer carrying a business reason code
    status-outside-vocabulary high      a status outside AgencyStatus (answers, callbacks)
    slower-than-declared      medium    an answer slower than the declared timeout (and the
                                        performance check's: a burst above its limits)
    not-idempotent            critical  one Idempotency-Key, two agency_refs
    callback-unsigned         critical  a callback without (or with a wrong) X-Signature
    callback-replayable       high      no X-Nonce, or a nonce and signature seen before
    callback-stale-timestamp  high      X-Timestamp missing or more than 300 s off

Critical and high block certification (`FindingPolicy`, `certify(policy=…)`).
`certify(findings=False)` runs the checks only (the findings they note, nothing of the
traffic).
"""

from connectors.certification.analysis import TlsProbe, analyse, slower_than_declared_finding
from connectors.certification.callbacks import CallbackReceiver, ReceivedCallback
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
from connectors.certification.findings import FINDINGS, finding
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
from connectors.certification.traffic import Exchange, Masker, TrafficRecorder

__all__ = [
    "CHECKS",
    "DEFAULT_JUNIT_PATH",
    "DEFAULT_POLICY",
    "DEMO_APPLICANT",
    "FINDINGS",
    "REPORT_FORMAT",
    "BackOffice",
    "Burst",
    "BurstInvalid",
    "CallbackReceiver",
    "Certification",
    "Check",
    "CheckBlocked",
    "CheckFailed",
    "CheckResult",
    "CheckSkipped",
    "Evidence",
    "Exchange",
    "FaultKnobs",
    "Finding",
    "FindingPolicy",
    "HookFailed",
    "Masker",
    "Outages",
    "Outcome",
    "ReceivedCallback",
    "ReportFiles",
    "Sample",
    "SampleError",
    "Severity",
    "StaffBackOffice",
    "Subject",
    "TlsProbe",
    "TrafficRecorder",
    "VariantUnavailable",
    "analyse",
    "builtin_sample",
    "builtin_sample_codes",
    "certify",
    "check_by_id",
    "connector_version",
    "finding",
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
    "slower_than_declared_finding",
    "summary",
    "text_report",
    "verdict_reasons",
    "write_junit",
    "write_reports",
]
