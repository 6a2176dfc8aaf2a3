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
    run.certified                                              # no check failed or erred

The checks and what each expects are listed in `checks.py`; outcomes (pass, fail, skip, error)
in `results.py`; sample filings in `samples.py`; the optional test hooks (fault knobs, a back
office that moves a case on) in `hooks.py`.
"""

from connectors.certification.checks import (
    CHECKS,
    Check,
    CheckBlocked,
    CheckFailed,
    CheckSkipped,
    certify,
    check_by_id,
    run_check,
)
from connectors.certification.hooks import (
    BackOffice,
    FaultKnobs,
    HookFailed,
    Outages,
    StaffBackOffice,
)
from connectors.certification.report import (
    DEFAULT_JUNIT_PATH,
    junit_xml,
    summary,
    text_report,
    write_junit,
)
from connectors.certification.results import Certification, CheckResult, Outcome
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
    "DEMO_APPLICANT",
    "BackOffice",
    "Certification",
    "Check",
    "CheckBlocked",
    "CheckFailed",
    "CheckResult",
    "CheckSkipped",
    "FaultKnobs",
    "HookFailed",
    "Outages",
    "Outcome",
    "Sample",
    "SampleError",
    "StaffBackOffice",
    "Subject",
    "VariantUnavailable",
    "builtin_sample",
    "builtin_sample_codes",
    "certify",
    "check_by_id",
    "junit_xml",
    "load_sample",
    "parse_sample",
    "registered_connector",
    "run_check",
    "summary",
    "text_report",
    "write_junit",
]
