"""The document-signing trust chain (documents.trust): the root, the agencies' certificates, their
revocation, checked with OpenSSL where an outside tool can say it (R-13.1)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from documents.trust import (
    DEVELOPMENT_POLICY_OID,
    DOCUMENT_SIGNING_EKU,
    DocumentTrust,
    DocumentTrustError,
)

CRL_URL = "https://gateway.example/v1/documents/crl"


def _openssl() -> str:
    binary = shutil.which("openssl")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have openssl")
        pytest.skip("OPENSSL NOT FOUND ON PATH: the chain is NOT being checked by an outside tool")
    return binary


def _verify(tmp_path: Path, trust: DocumentTrust, certificate: x509.Certificate) -> str:
    (tmp_path / "ca.pem").write_text(trust.certificates_pem())
    crl = x509.load_der_x509_crl(trust.crl_der())
    (tmp_path / "crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "signer.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    result = subprocess.run(  # noqa: S603  (a fixed binary, files the test made)
        [
            _openssl(),
            "verify",
            "-crl_check",
            "-CAfile",
            str(tmp_path / "ca.pem"),
            "-CRLfile",
            str(tmp_path / "crl.pem"),
            str(tmp_path / "signer.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout + result.stderr


def test_openssl_accepts_a_signer_and_refuses_it_once_revoked(tmp_path: Path) -> None:
    """R-13.1: a relying party with the root and the CRL sees a good certificate, then a revoked
    one, with the reason; the next signer is a new certificate that verifies again."""
    trust = DocumentTrust.load_or_create(tmp_path / "keys", production=False, crl_url=CRL_URL)
    signer = trust.signer("DLT")
    assert f"{tmp_path / 'signer.pem'}: OK" in _verify(tmp_path, trust, signer.certificate)
    assert trust.status(signer.certificate.serial_number)[0] == "good"

    serial = trust.revoke("DLT", "keyCompromise")

    assert serial == signer.certificate.serial_number
    assert "certificate revoked" in _verify(tmp_path, trust, signer.certificate)
    status, detail = trust.status(serial)
    assert (status, detail["agency"], detail["reason"]) == ("revoked", "DLT", "keyCompromise")
    entry = x509.load_der_x509_crl(trust.crl_der()).get_revoked_certificate_by_serial_number(serial)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise

    renewed = trust.signer("DLT")
    assert renewed.certificate.serial_number != serial
    assert renewed.kid != signer.kid
    assert f"{tmp_path / 'signer.pem'}: OK" in _verify(tmp_path, trust, renewed.certificate)
    assert [s.certificate.serial_number for s in trust.signers()] == [
        renewed.certificate.serial_number
    ]


def test_a_signing_certificate_says_what_a_pdf_validator_asks(tmp_path: Path) -> None:
    trust = DocumentTrust.load_or_create(tmp_path, production=False, crl_url=CRL_URL)
    certificate = trust.signer("DOP").certificate
    extensions = certificate.extensions

    subject = certificate.subject.rfc4514_string()
    assert subject == "CN=DOP document signing,O=DOP,C=TH"
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    purposes = {
        oid.dotted_string for oid in extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    }
    assert purposes == {"1.3.6.1.5.5.7.3.4", DOCUMENT_SIGNING_EKU}
    points = extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [name.value for point in points for name in point.full_name or []] == [CRL_URL]
    policies = extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [DEVELOPMENT_POLICY_OID]
    crl = x509.load_der_x509_crl(trust.crl_der())
    root_key = trust.root.public_key()
    assert isinstance(root_key, ec.EllipticCurvePublicKey)
    assert crl.is_signature_valid(root_key)
    assert crl.next_update_utc is not None
    assert crl.next_update_utc - crl.last_update_utc == dt.timedelta(days=7)
    assert trust.certificates_pem().startswith("-----BEGIN CERTIFICATE-----")
    assert (tmp_path / "signers" / "DOP.key.pem").stat().st_mode & 0o777 == 0o600


def test_production_refuses_development_certificates_and_generates_nothing(tmp_path: Path) -> None:
    """Production never issues, and never trusts what development made."""
    with pytest.raises(DocumentTrustError):
        DocumentTrust.load_or_create(tmp_path / "empty", production=True, crl_url=None)
    assert not (tmp_path / "empty").exists()

    DocumentTrust.load_or_create(tmp_path / "dev", production=False, crl_url=None).signer("DLT")
    with pytest.raises(DocumentTrustError, match="development"):
        DocumentTrust.load_or_create(tmp_path / "dev", production=True, crl_url=None)


def test_production_refuses_a_development_signer_under_a_production_root(tmp_path: Path) -> None:
    """Even under a root without the marker, a signer certificate carrying it is refused (and a
    missing one is not issued)."""
    directory = tmp_path / "keys"
    DocumentTrust.load_or_create(directory, production=False, crl_url=None).signer("DLT")
    trust = DocumentTrust.load_or_create(directory, production=False, crl_url=None)
    production = DocumentTrust(
        directory,
        root=trust.root,
        root_key=None,
        production=True,
        crl_url=None,
        clock=trust.clock,
    )
    with pytest.raises(DocumentTrustError, match="development certificate"):
        production.signer("DLT")
    with pytest.raises(DocumentTrustError, match="no signing certificate"):
        production.signer("DOE")
    assert not (directory / "signers" / "DOE.pem").exists()


def test_threads_creating_the_directory_at_once_agree(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    barrier = threading.Barrier(6)
    seen: list[tuple[bytes, int]] = []

    def start() -> None:
        barrier.wait()
        trust = DocumentTrust.load_or_create(directory, production=False, crl_url=None)
        serial = trust.signer("DLT").certificate.serial_number
        seen.append((trust.root.fingerprint(hashes.SHA256()), serial))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 6
    assert len(set(seen)) == 1


def test_processes_creating_the_directory_at_once_agree(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    script = (
        "import sys, pathlib;"
        "from documents.trust import DocumentTrust;"
        "t = DocumentTrust.load_or_create("
        "pathlib.Path(sys.argv[1]), production=False, crl_url=None);"
        "print(t.root.serial_number, t.signer('DLT').certificate.serial_number)"
    )
    root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    processes = [
        subprocess.Popen(  # noqa: S603  (this interpreter, a fixed script)
            [sys.executable, "-c", script, str(directory)],
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(4)
    ]
    outputs = {process.communicate(timeout=120)[0] for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(outputs) == 1


def test_unknown_reasons_and_agency_codes_are_refused(tmp_path: Path) -> None:
    trust = DocumentTrust.load_or_create(tmp_path, production=False, crl_url=None)
    trust.signer("DLT")
    with pytest.raises(ValueError, match="reason"):
        trust.revoke("DLT", "certificateHold")
    with pytest.raises(DocumentTrustError):
        trust.signer("../etc")
    with pytest.raises(DocumentTrustError):
        trust.revoke("DOE", "superseded")
    assert trust.status(12345) == ("unknown", {})


def test_without_the_ca_key_the_provisioned_crl_is_served_while_current(tmp_path: Path) -> None:
    """Production keeps the CA key elsewhere: the gateway serves (and embeds) the CRL the
    operator provisions, and refuses one that is missing, another CA's, or stale."""
    from kernel.clock import SimulatedClock

    issuing = DocumentTrust.load_or_create(tmp_path / "ca", production=False, crl_url=None)
    issuing.signer("DLT")
    crl = issuing.crl_der()
    other = DocumentTrust.load_or_create(tmp_path / "other", production=False, crl_url=None)

    (tmp_path / "ca" / "ca.key.pem").unlink()
    clock = SimulatedClock()
    keyless = DocumentTrust.load_or_create(
        tmp_path / "ca", production=False, crl_url=None, clock=clock
    )
    with pytest.raises(DocumentTrustError, match=r"crl\.der"):
        keyless.crl_der()
    (tmp_path / "ca" / "crl.der").write_bytes(other.crl_der())
    with pytest.raises(DocumentTrustError, match="not signed by"):
        keyless.crl_der()
    (tmp_path / "ca" / "crl.der").write_bytes(crl)
    assert keyless.crl_der() == crl
    clock.set(
        dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    )  # past the CRL's nextUpdate (seven days)
    with pytest.raises(DocumentTrustError, match="nextUpdate"):
        keyless.crl_der()
