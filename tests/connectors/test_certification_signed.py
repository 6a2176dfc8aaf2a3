"""The signed certification summary: what the onboarding pipeline stores as proof that a
connector passed, checked against the published certification keys by anyone."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import httpx
import jwt
import pytest

from connectors.certification.findings import finding
from connectors.certification.results import Certification, CheckResult, Outcome
from connectors.certification.signed import (
    SUMMARY_JWS_TYPE,
    SummaryInvalid,
    summary_claims,
    verify_summary,
)
from gateway.receipts.signer import CertificationSigner, ReceiptSigner

NOW = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)


def _run(*outcomes: Outcome, findings: tuple[str, ...] = ()) -> Certification:
    return Certification(
        agency_code="DOEX",
        connector="CaseworkConnector",
        base_url="https://doex.example.go.th",
        started_at=NOW,
        results=tuple(
            CheckResult(f"check-{n}", "a check", outcome, "seen", 0.1)
            for n, outcome in enumerate(outcomes)
        ),
        findings=tuple(finding(f, "seen") for f in findings),
        connector_version="1.4.0",
    )


@pytest.fixture
def signer(tmp_path: Path) -> CertificationSigner:
    return CertificationSigner.load_or_create(tmp_path / "certification", production=False)


def test_a_passing_run_signs_as_certified_and_any_jose_library_verifies_it(
    signer: CertificationSigner,
) -> None:
    report = b'{"agency": "DOEX"}'
    digest = hashlib.sha256(report).hexdigest()
    claims = summary_claims(
        _run(Outcome.PASS, Outcome.SKIP, findings=("personal-data-in-url",)),
        digest,
        issuer="https://portal.example",
        now=NOW,
    )
    token = signer.sign(claims)

    summary = verify_summary(token, signer.jwks())
    assert summary.certified
    assert (summary.agency, summary.connector, summary.connector_version) == (
        "DOEX",
        "CaseworkConnector",
        "1.4.0",
    )
    assert summary.issued_at == NOW
    assert summary.report_sha256 == digest
    assert summary.claims["checks"] == {"pass": 1, "fail": 0, "skip": 1, "error": 0}
    assert summary.claims["findings"] == [{"id": "personal-data-in-url", "severity": "medium"}]
    assert summary.claims["blocking"] == []

    # An independent verifier (PyJWT) with the published key agrees.
    header = jwt.get_unverified_header(token)
    assert header["typ"] == SUMMARY_JWS_TYPE
    (key,) = [k for k in signer.jwks()["keys"] if k["kid"] == header["kid"]]
    assert jwt.decode(token, jwt.PyJWK(key), algorithms=["ES256"])["verdict"] == "certified"


def test_a_blocking_finding_or_a_failed_check_signs_as_not_certified(
    signer: CertificationSigner,
) -> None:
    for run in (_run(Outcome.PASS, findings=("secret-in-url",)), _run(Outcome.FAIL)):
        token = signer.sign(summary_claims(run, "0" * 64, issuer="https://portal.example"))
        summary = verify_summary(token, signer.jwks())
        assert not summary.certified
        assert summary.claims["verdict"] == "not_certified"
    assert summary.claims["policy"] == ["critical", "high"]


def test_a_forged_or_foreign_summary_is_refused(
    signer: CertificationSigner, tmp_path: Path
) -> None:
    claims = summary_claims(_run(Outcome.PASS), "0" * 64, issuer="https://portal.example")
    token = signer.sign(claims)
    head, payload, signature = token.split(".")

    # The verdict changed after signing.
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"certified"', b'"certifie_"')
    ).decode()
    with pytest.raises(SummaryInvalid):
        verify_summary(f"{head}.{forged_payload}.{signature}", signer.jwks())

    # Signed by somebody else's key.
    other = CertificationSigner.load_or_create(tmp_path / "other", production=False)
    with pytest.raises(SummaryInvalid):
        verify_summary(other.sign(claims), signer.jwks())

    # A receipt signed under the gateway's receipt key is not a certification.
    receipts = ReceiptSigner.load_or_create(tmp_path / "receipts", production=False)
    with pytest.raises(SummaryInvalid, match="certification"):
        verify_summary(receipts.sign(claims), receipts.jwks())

    with pytest.raises(SummaryInvalid):
        verify_summary("not a jws", signer.jwks())


async def test_the_gateway_publishes_the_key_the_certify_command_signs_with(
    client: httpx.AsyncClient, settings: object
) -> None:
    from gateway.certification_keys import certification_signer

    response = await client.get("/v1/trust/certification-keys")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    published = response.json()
    assert all("d" not in key for key in published["keys"])

    signer = certification_signer(settings)  # type: ignore[arg-type]
    token = signer.sign(summary_claims(_run(Outcome.PASS), "0" * 64, issuer="http://test"))
    assert verify_summary(token, published).certified
