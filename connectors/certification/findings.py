"""The findings a certification run can report: security and convention weaknesses of an
agency's API (and of the connector that speaks to it), each with a stable id that reports, CI
history and the onboarding pipeline follow, and the severity it is reported at.

    id                        severity  what was seen
    secret-in-url             critical  a credential or token in a URL (query string or path)
    personal-data-in-url      medium    a national ID in a URL (URLs end up in access logs)
    plain-http                high      the agency reached over plain HTTP (info on loopback
                                        or a .test host: a local test agency)
    tls-not-required          high      the connector, configured for production, still
                                        accepts an http:// agency address
    server-error-for-refusal  high      a business refusal (a reason code) answered as HTTP 5xx,
                                        which the gateway must retry as an outage
    callback-unsigned         critical  a status callback without a valid signature
    callback-replayable       high      a callback that can be replayed: no nonce, or the same
                                        nonce and signature sent again
    callback-stale-timestamp  high      a callback signed with a timestamp outside the 300 s
                                        window the gateway accepts
    not-idempotent            critical  a repeated filing (the same idempotency key) made a
                                        second case
    status-outside-vocabulary high      a status the portal's vocabulary does not have
    slower-than-declared      medium    answers slower than the connector's declared timeout,
                                        or a burst's p95 above its declared limit

`FINDINGS[id]` gives the severity and title every report uses; `finding(id, detail, evidence)`
builds one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connectors.certification.results import Evidence, Finding, Severity


@dataclass(frozen=True)
class FindingKind:
    finding_id: str
    severity: Severity
    title: str


_KINDS = (
    FindingKind(
        "secret-in-url",
        Severity.CRITICAL,
        "A credential or token travels in a URL (logged by every proxy and server)",
    ),
    FindingKind(
        "personal-data-in-url",
        Severity.MEDIUM,
        "A national ID travels in a URL (access logs keep it)",
    ),
    FindingKind("plain-http", Severity.HIGH, "The agency is reached over plain HTTP"),
    FindingKind(
        "tls-not-required",
        Severity.HIGH,
        "The production configuration does not require TLS to the agency",
    ),
    FindingKind(
        "server-error-for-refusal",
        Severity.HIGH,
        "A business refusal is answered as an HTTP 5xx server error",
    ),
    FindingKind(
        "callback-unsigned",
        Severity.CRITICAL,
        "A status callback arrives without a valid signature",
    ),
    FindingKind("callback-replayable", Severity.HIGH, "A status callback can be replayed"),
    FindingKind(
        "callback-stale-timestamp",
        Severity.HIGH,
        "A status callback is signed with a timestamp outside the accepted window",
    ),
    FindingKind(
        "not-idempotent",
        Severity.CRITICAL,
        "A repeated filing with the same idempotency key creates a second case",
    ),
    FindingKind(
        "status-outside-vocabulary",
        Severity.HIGH,
        "The agency reports a status outside the portal's vocabulary",
    ),
    FindingKind(
        "slower-than-declared",
        Severity.MEDIUM,
        "Answers are slower than the connector's declared limits",
    ),
)

FINDINGS: dict[str, FindingKind] = {kind.finding_id: kind for kind in _KINDS}


def finding(
    finding_id: str,
    detail: str,
    evidence: Iterable[Evidence] = (),
    *,
    severity: Severity | None = None,
) -> Finding:
    """A finding of the catalogued kind `finding_id` (KeyError for an unknown id); `severity`
    overrides the catalogued one where the kind says so (plain HTTP on loopback: info)."""
    kind = FINDINGS[finding_id]
    return Finding(
        finding_id=finding_id,
        severity=severity or kind.severity,
        title=kind.title,
        detail=detail,
        evidence=tuple(evidence),
    )
