"""The PAdES B-LT signature on an issued PDF (documents.pades), read back by outside validators:
poppler's pdfsig and pyHanko's own validator (R-13.1)."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fpdf import FPDF
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel

from documents.pades import FIELD_NAME, sign_pdf
from documents.trust import AgencySigner, DocumentTrust
from gateway.receipts.tsa import TimestampAuthority
from kernel.clock import SimulatedClock, SystemClock

TEXT = b"Driving licence DLT2569-000123"


def _pdf() -> bytes:
    """A small valid PDF whose text is stored uncompressed, so a test can alter it in place."""
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=TEXT.decode())
    return bytes(pdf.output())


def _pdfsig(path: Path) -> str:
    binary = shutil.which("pdfsig")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have pdfsig (poppler-utils)")
        pytest.skip("PDFSIG NOT FOUND ON PATH: the signature is NOT being checked by poppler")
    result = subprocess.run(  # noqa: S603  (a fixed binary, a file the test made)
        [binary, str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    return result.stdout + result.stderr


@pytest.fixture
def tsa(tmp_path: Path) -> TimestampAuthority:
    return TimestampAuthority.load_or_create(
        tmp_path / "tsa", production=False, clock=SystemClock()
    )


@pytest.fixture
def trust(tmp_path: Path) -> DocumentTrust:
    return DocumentTrust.load_or_create(
        tmp_path / "documents", production=False, crl_url="https://gateway.example/crl"
    )


async def _sign(
    pdf: bytes, signer: AgencySigner, trust: DocumentTrust, tsa: TimestampAuthority
) -> bytes:
    return await sign_pdf(
        pdf,
        signer,
        timestamp=tsa.handle_request,
        tsa_roots=[tsa.ca_certificate],
        crls=[trust.crl_der()],
        signing_time=dt.datetime.now(dt.UTC),
        reason="Issued by the Department of Land Transport",
    )


async def test_pdfsig_says_valid_and_names_the_agency(
    tmp_path: Path, trust: DocumentTrust, tsa: TimestampAuthority
) -> None:
    """R-13.1: any PDF reader's validator finds an intact signature by the agency's certificate;
    one changed byte inside the signed range and it no longer does."""
    original = _pdf()
    signed = await _sign(original, trust.signer("DLT"), trust, tsa)
    assert signed.startswith(original)  # an incremental update: the document itself is kept
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)

    report = _pdfsig(path)
    assert "Signature is Valid" in report
    assert "DLT document signing" in report
    assert "Total document signed" in report

    at = signed.index(TEXT)
    tampered = bytearray(signed)
    tampered[at] = ord("d")  # "Driving" -> "driving", inside the first signed byte range
    path.write_bytes(bytes(tampered))
    report = _pdfsig(path)
    assert "Signature is Valid" not in report
    assert "Digest Mismatch" in report


async def test_pyhanko_validates_it_with_the_root_and_finds_the_crl_in_the_dss(
    trust: DocumentTrust, tsa: TimestampAuthority
) -> None:
    """R-13.1: intact, valid and trusted under the document root, time-stamped by the TSA, and
    long-term material (chain, CRL) embedded: validation needs nothing from the network."""
    crl = trust.crl_der()
    signed = await _sign(_pdf(), trust.signer("DLT"), trust, tsa)
    reader = PdfFileReader(io.BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    assert embedded.field_name == FIELD_NAME

    dss = DocumentSecurityStore.read_dss(reader)
    embedded_crls = [ref.get_object().data for ref in dss.crls]
    assert embedded_crls == [crl]
    certificates = {c.subject.human_friendly for c in dss.load_certs()}
    assert "Common Name: DLT document signing, Organization: DLT, Country: TH" in certificates
    assert len(certificates) == 4  # the agency, the document root, the TSA and the TSA's root

    context = dss.as_validation_context(
        {
            "trust_roots": [_asn1(trust.root), _asn1(tsa.ca_certificate)],
            "allow_fetching": False,
        }
    )
    status = await async_validate_pdf_signature(embedded, context)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.signing_cert.subject.native["common_name"] == "DLT document signing"
    assert status.timestamp_validity is not None
    stamp = status.timestamp_validity
    assert stamp.intact
    assert stamp.valid
    assert stamp.trusted
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE


async def test_a_signature_under_another_root_is_not_trusted(
    tmp_path: Path, trust: DocumentTrust, tsa: TimestampAuthority
) -> None:
    """The trust anchor matters: a validator trusting another document root does not trust it."""
    other = DocumentTrust.load_or_create(tmp_path / "other", production=False, crl_url=None)
    signed = await _sign(_pdf(), trust.signer("DLT"), trust, tsa)
    reader = PdfFileReader(io.BytesIO(signed))
    context = DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": [_asn1(other.root), _asn1(tsa.ca_certificate)], "allow_fetching": False}
    )
    status = await async_validate_pdf_signature(reader.embedded_signatures[0], context)
    assert status.intact
    assert status.valid
    assert not status.trusted


async def test_the_signing_time_is_the_callers_clock(tmp_path: Path) -> None:
    """A simulated clock signs at the simulated time (the signature dictionary's /M), with a
    CRL and a time-stamp cut at that time too."""
    moment = dt.datetime(2031, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    clock = SimulatedClock()
    clock.set(moment)
    trust = DocumentTrust.load_or_create(
        tmp_path / "d", production=False, crl_url=None, clock=clock
    )
    tsa = TimestampAuthority.load_or_create(tmp_path / "t", production=False, clock=clock)
    signed = await sign_pdf(
        _pdf(),
        trust.signer("DLT"),
        timestamp=tsa.handle_request,
        tsa_roots=[tsa.ca_certificate],
        crls=[trust.crl_der()],
        signing_time=moment,
        reason="Issued",
    )
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert embedded.self_reported_timestamp == moment


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
