"""The connectors an onboarding case can be certified for, and the signed summaries' check.

The summary is signed gateway-side (`gateway.certification_keys`) and verified against the
gateway's certification JWKS (`GET /v1/trust/certification-keys`) with
`connectors.certification.signed.verify_summary`."""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Callable, Mapping
from typing import Any

from connectors.certification.signed import SummaryInvalid, verify_summary
from connectors.registry import GROUP
from gateway.onboarding.pipeline import CertificationFacts
from gateway.onboarding.service import Connectors, SummaryVerifier, VerifiedSummary
from kernel.errors import ValidationFailed


@functools.cache
def registered_connectors() -> Connectors:
    """The agencies with a connector installed (entry points `citizen_gateway.connectors`),
    each with the version of the distribution that provides it (read once per process, as the
    connector registry loads them once)."""
    versions = {
        entry.name.upper(): (entry.dist.version if entry.dist is not None else None)
        for entry in importlib.metadata.entry_points(group=GROUP)
    }
    return Connectors(frozenset(versions), versions.get)


def summary_verifier(jwks: Callable[[], Mapping[str, Any]]) -> SummaryVerifier:
    """Verify a compact JWS summary against the certification JWKS; 422
    `certification_invalid` when it does not verify."""

    def verify(jws: str) -> VerifiedSummary:
        try:
            summary = verify_summary(jws, jwks())
        except SummaryInvalid as exc:
            raise ValidationFailed(
                f"The certification does not verify: {exc}",
                code="certification_invalid",
                detail_th="ลายมือชื่อของผลการรับรองตรวจสอบไม่ผ่าน",
            ) from exc
        blocking = summary.claims.get("blocking", [])
        return VerifiedSummary(
            facts=CertificationFacts(
                agency=summary.agency,
                connector_version=summary.connector_version,
                certified=summary.certified,
                issued_at=summary.issued_at,
                blocking=tuple(str(b) for b in blocking) if isinstance(blocking, list) else (),
            ),
            connector=summary.connector,
            report_sha256=summary.report_sha256,
            claims=summary.claims,
        )

    return verify
