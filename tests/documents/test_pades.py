"""The PAdES B-LT signature on an issued PDF (documents.pades), read back by outside validators:
poppler's pdfsig and pyHanko's own validator (R-13.1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms, parser, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.registry import SimpleCertificateStore
from support import Tool

from documents.pades import FIELD_NAME, sign_pdf
from documents.trust import AgencySigner, DocumentTrust
from gateway.receipts.tsa import TimestampAuthority
from kernel.clock import SimulatedClock, SystemClock

TEXT = b"Driving licence DLT2569-000123"


def _pdf() -> bytes:
    """A small valid PDF whose text is stored uncompressed, so a test can alter it in place
    (written out here, objects and cross-reference table, so nothing but the bytes matter)."""
    stream = b"BT /F1 12 Tf 72 720 Td (" + TEXT + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


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
    long-term material (chain, CRL) embedded: validation needs nothing from the network. The
    document checked is the signer's second, made from what the first left cached."""
    crl = trust.crl_der()
    await _sign(_pdf(), trust.signer("DLT"), trust, tsa)
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


def _signed_parts(signed: bytes) -> tuple[bytes, bytes]:
    """(the bytes the signature covers, the DER CMS object), read from the file as any
    validator does: the /ByteRange's two ranges, and the hex /Contents between them minus the
    zero padding that fills the space reserved for it."""
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    start1, length1, start2, length2 = embedded.byte_range
    covered = signed[start1 : start1 + length1] + signed[start2 : start2 + length2]
    reserved = bytes.fromhex(signed[start1 + length1 + 1 : start2 - 1].decode("ascii"))
    _, _, _, header, contents, _ = parser.parse(reserved)
    length = len(header) + len(contents)
    assert reserved[length:] == bytes(len(reserved) - length)
    return covered, reserved[:length]


async def test_openssl_verifies_the_cms_over_the_signed_bytes_and_its_time_stamp(
    tmp_path: Path, trust: DocumentTrust, tsa: TimestampAuthority, openssl: Tool
) -> None:
    """R-13.1: the CMS object is standard: OpenSSL checks the detached signature over the byte
    range under the document root (and the ESS signing-certificate-v2 attribute against the
    signer's certificate), and the time-stamp token in it over the signature value under the
    TSA's root. A changed byte and the signature no longer verifies."""
    covered, der = _signed_parts(await _sign(_pdf(), trust.signer("DLT"), trust, tsa))
    (tmp_path / "cms.der").write_bytes(der)
    (tmp_path / "covered.bin").write_bytes(covered)
    (tmp_path / "root.pem").write_bytes(trust.root.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "tsa-root.pem").write_text(tsa.ca_certificate_pem)
    verify = ("cms", "-verify", "-inform", "DER", "-in", tmp_path / "cms.der", "-binary")
    trusted = ("-CAfile", tmp_path / "root.pem", "-purpose", "any", "-out", tmp_path / "out")

    result = openssl(*verify, "-content", tmp_path / "covered.bin", *trusted)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr

    tampered = bytearray(covered)
    tampered[covered.index(TEXT)] = ord("d")
    (tmp_path / "tampered.bin").write_bytes(bytes(tampered))
    result = openssl(*verify, "-content", tmp_path / "tampered.bin", *trusted)
    assert result.returncode != 0
    assert "Verification successful" not in result.stderr

    signer_info = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    (attribute,) = signer_info["unsigned_attrs"]
    assert attribute["type"].native == "signature_time_stamp_token"
    (tmp_path / "token.der").write_bytes(attribute["values"][0].dump())
    imprint = hashlib.sha256(signer_info["signature"].native).hexdigest()
    result = openssl(
        "ts", "-verify", "-digest", imprint, "-token_in", "-in", tmp_path / "token.der",
        "-CAfile", tmp_path / "tsa-root.pem",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout


async def test_the_cms_is_der_and_signs_what_pyhanko_itself_would(
    trust: DocumentTrust, tsa: TimestampAuthority
) -> None:
    """The CMS object is DER (asn1crypto re-encodes it to the same bytes) and carries what
    pyHanko's own PAdES signer would put in it: the same signed attributes for the document's
    digest (contentType, messageDigest, signingCertificateV2; no signingTime), the agency's
    certificate and its chain, SHA-256 with ECDSA, one signature time-stamp."""
    signer = trust.signer("DLT")
    covered, der = _signed_parts(await _sign(_pdf(), signer, trust, tsa))
    assert _reencoded(der) == der
    info = cms.ContentInfo.load(der, strict=True)
    signed_data = info["content"]
    for name in ("version", "digest_algorithms", "encap_content_info", "certificates"):
        again = cms.ContentInfo.load(der)["content"][name]  # a fresh parse: force re-encodes
        assert again.dump(force=True) == signed_data[name].dump()
    (signer_info,) = signed_data["signer_infos"]
    for name in ("version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm"):
        again = cms.ContentInfo.load(der)["content"]["signer_infos"][0][name]
        assert again.dump(force=True) == signer_info[name].dump()

    assert info["content_type"].native == "signed_data"
    assert signed_data["encap_content_info"].native == {"content_type": "data", "content": None}
    assert [a["algorithm"].native for a in signed_data["digest_algorithms"]] == ["sha256"]
    expected_certificates = {
        c.public_bytes(serialization.Encoding.DER) for c in (signer.certificate, *signer.chain)
    }
    assert {c.chosen.dump() for c in signed_data["certificates"]} == expected_certificates
    assert signer_info["sid"].chosen["serial_number"].native == signer.certificate.serial_number
    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    assert signer_info["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"

    key_der = signer.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    reference = signers.SimpleSigner(
        signing_cert=_asn1(signer.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore(),
    )
    expected = await reference.signed_attrs(
        hashlib.sha256(covered).digest(),
        "sha256",
        attr_settings=PdfCMSSignedAttributes(),
        use_pades=True,
    )
    assert sorted(a.dump() for a in signer_info["signed_attrs"]) == sorted(
        a.dump() for a in expected
    )

    (attribute,) = signer_info["unsigned_attrs"]
    token = attribute["values"][0]
    stamped = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    assert stamped["hashed_message"].native == (
        hashlib.sha256(signer_info["signature"].native).digest()
    )


async def test_a_replayed_time_stamp_is_refused(
    trust: DocumentTrust, tsa: TimestampAuthority
) -> None:
    """A TSA answer that is not for this request (another nonce: here, a replay of the first
    answer) is not embedded: signing fails, as pyHanko's own time-stamp client fails."""
    answers: list[bytes] = []

    def replaying(request: bytes) -> bytes:
        if not answers:
            answers.append(tsa.handle_request(request))
        return answers[0]

    with pytest.raises(TimestampRequestError):
        await sign_pdf(
            _pdf(),
            trust.signer("DLT"),
            timestamp=replaying,
            tsa_roots=[tsa.ca_certificate],
            crls=[trust.crl_der()],
            signing_time=dt.datetime.now(dt.UTC),
            reason="Issued",
        )
    assert tsp.TimeStampResp.load(answers[0])["status"]["status"].native == "granted"


def _reencoded(der: bytes) -> bytes:
    """`der` taken apart TLV by TLV and written again with asn1crypto's DER emitter: the same
    bytes back means every tag and length is in its one DER form (X.690 §10.1). asn1crypto's
    own `dump(force=True)` checks the values too, but takes seconds on an object this deep, so
    the test applies it to the parts built here (the time-stamp token is the TSA's, whose tests
    check it)."""
    out = b""
    while der:
        class_, method, tag, header, contents, trailer = parser.parse(der, strict=False)
        assert trailer == b""  # definite lengths only
        der = der[len(header) + len(contents) :]
        out += parser.emit(class_, method, tag, _reencoded(contents) if method else contents)
    return out


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
