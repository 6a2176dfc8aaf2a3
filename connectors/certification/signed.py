"""The signed summary of a certification run: what the onboarding pipeline stores as proof that
a connector passed (step 10, "test on the portal"), and what anyone can check against the
gateway's published certification keys (`GET /v1/trust/certification-keys`).

The summary is a compact JWS (ES256, header `typ` "certification+jws", `kid` the key's RFC 7638
thumbprint) over these claims:

    iss                 the gateway that certified (its PUBLIC_URL)
    sub, agency         the agency code
    connector           the connector's class; connector_version: its distribution's version
    base_url            the agency address certified
    verdict             "certified" or "not_certified"
    iat                 when (Unix seconds)
    report_sha256       SHA-256 (hex) of the full report (report.json) the summary stands for
    checks              {"pass", "fail", "error", "skip"}: counts
    findings            [{"id", "severity"}] every finding; blocking: the ids the policy blocked
    policy              the severities that block

The signature makes the verdict unforgeable; the digest ties it to the report with the evidence.
Signing is the gateway's (`gateway.receipts.signer.CertificationSigner`): this module builds
the claims and verifies a summary.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from connectors.certification.results import Certification, Outcome

SUMMARY_JWS_TYPE = "certification+jws"
CERTIFIED = "certified"
NOT_CERTIFIED = "not_certified"


class SummaryInvalid(ValueError):
    """Not a certification summary this key set signed (or not one at all)."""


@dataclass(frozen=True)
class SignedSummary:
    agency: str
    connector: str
    connector_version: str
    certified: bool
    issued_at: dt.datetime
    report_sha256: str
    claims: Mapping[str, Any]


def summary_claims(
    run: Certification,
    report_sha256: str,
    *,
    issuer: str,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The claims to sign for `run`, whose full report hashes to `report_sha256`."""
    moment = now or dt.datetime.now(dt.UTC)
    return {
        "iss": issuer,
        "sub": run.agency_code,
        "agency": run.agency_code,
        "connector": run.connector,
        "connector_version": run.connector_version,
        "base_url": run.base_url,
        "verdict": CERTIFIED if run.certified else NOT_CERTIFIED,
        "iat": int(moment.timestamp()),
        "report_sha256": report_sha256,
        "checks": {outcome.value: run.count(outcome) for outcome in Outcome},
        "findings": [
            {"id": finding.finding_id, "severity": finding.severity.value}
            for finding in run.findings
        ],
        "blocking": sorted({finding.finding_id for finding in run.blocking_findings}),
        "policy": sorted(severity.value for severity in run.policy.blocking),
    }


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise SummaryInvalid(f"the summary has no {name!r}")
    return value


def verify_summary(token: str, jwks: Mapping[str, Any]) -> SignedSummary:
    """The summary in `token` when a key of `jwks` signed it as a certification summary;
    SummaryInvalid otherwise (a bad signature, another type of JWS, missing claims)."""
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
        signed = jws.deserialize_compact(token.strip(), keys, algorithms=["ES256"])
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SummaryInvalid(f"the summary does not verify: {exc}") from exc
    if signed.headers().get("typ") != SUMMARY_JWS_TYPE:
        raise SummaryInvalid(f"not a {SUMMARY_JWS_TYPE}")
    try:
        claims = json.loads(signed.payload)
    except ValueError as exc:
        raise SummaryInvalid("the summary's payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise SummaryInvalid("the summary's payload is not a JSON object")
    verdict = _text(claims, "verdict")
    if verdict not in (CERTIFIED, NOT_CERTIFIED):
        raise SummaryInvalid(f"unknown verdict {verdict!r}")
    issued = claims.get("iat")
    if not isinstance(issued, int) or isinstance(issued, bool):
        raise SummaryInvalid("the summary has no 'iat'")
    return SignedSummary(
        agency=_text(claims, "agency"),
        connector=_text(claims, "connector"),
        connector_version=str(claims.get("connector_version") or ""),
        certified=verdict == CERTIFIED,
        issued_at=dt.datetime.fromtimestamp(issued, dt.UTC),
        report_sha256=_text(claims, "report_sha256"),
        claims=claims,
    )
