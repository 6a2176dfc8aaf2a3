"""The PAdES signature on an issued PDF: baseline B-LT, with pyHanko (R-13.1).

`sign_pdf` adds one invisible approval signature (sub-filter ETSI.CAdES.detached) made with the
agency's key (`documents.trust`), a signature time-stamp from the gateway's own TSA (R-10.4's
`TimestampAuthority.handle_request`, called in-process: no HTTP), and a DSS holding what a
validator needs years later without asking anyone: the agency's certificate chain, the CA's
CRL and the TSA's chain. No network fetching ever happens. The DSS is written into the signed
revision itself (no VRI, which PAdES no longer needs), so the signature covers the whole file
and the signature adds one incremental update, about 12 KB.

Revocation is checked in soft-fail mode: a certificate whose CRL is at hand must not be
revoked, and one without revocation information passes. That is deliberate: the TSA's
development CA publishes no CRL (its key is thrown away, `gateway.receipts.tsa`), so hard-fail
would refuse every time-stamp. The agency's certificate is covered all the same: its CRL is
always passed in, and `DocumentTrust.signer` never hands out a revoked certificate.

The signing time is the caller's (the gateway clock, possibly simulated): it is the signature
dictionary's /M (PAdES forbids the CMS signingTime attribute; the time-stamp is the proof) and
the moment the certificates are validated at. The CRLs passed in must be fresh at that moment
(`DocumentTrust.crl_der` cuts them with the same clock): a stale CRL fails even in soft-fail.

Speed: a document is signed on every approval, so what does not change between signatures is
built once. The CMS SignedData is written here directly in DER (`_CmsSigner`), as
`gateway.receipts.tsa` writes its tokens: the certificate set, the signer identifier, the
algorithm identifiers and the ESS signing-certificate-v2 attribute (made by pyHanko's own
`as_signing_certificate_v2`) are encoded once per agency certificate, and a signature is the
messageDigest attribute, one ECDSA signature, the time-stamp request and the concatenations
around them. pyHanko's generic assembly with asn1crypto cost ~20 ms of CPU per signature;
this costs well under one. pyHanko still does the PDF side: the signature dictionary, the byte
range and its digest, the DSS, through its documented external-signing path
(`PdfTBSDocument.digest_tbs_document`, then `async_finish_signing` with the DER). Also built
once: the pyHanko signer and TimeStamper per agency certificate and TSA, the reserved size
(one real signature of a dummy digest), and per certificates, CRLs and hour of signing time,
the validation context with the pre-signing validation it gives (the signer's and the TSA's
paths, what the DSS is made of): the context validates at a fixed moment, so the result
cannot differ between the signatures that share it, and a new CRL (a revocation) is a new key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from asn1crypto import algos, cms, pem, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.utils import CryptographyDeprecationWarning

# pyHanko imports DSA key types, which cryptography deprecates; nothing here uses DSA, and the
# warning would otherwise print on every command that loads the gateway.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.sign.general import as_signing_certificate_v2
    from pyhanko.sign.signers.pdf_signer import (
        DSSContentSettings,
        PdfTBSDocument,
        PreSignValidationStatus,
        SigDSSPlacementPreference,
    )
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

from documents.trust import AgencySigner

__all__ = ["FIELD_NAME", "sign_pdf"]

FIELD_NAME = "DocumentSignature"
_MD = "sha256"
_HASH = hashes.SHA256()
_SHA256_LENGTH = 32
_CACHE_SIZE = 64
# Hex digits kept free beyond the dry run's exact size: the DER of two ECDSA signatures (ours and
# the TSA's), the TSA's serial, genTime fraction and the nonce vary by a few bytes each.
_RESERVE_MARGIN = 256
_V = TypeVar("_V")


class _NoFetchingNotice(logging.Filter):
    """pyHanko warns on every signature that fetching is off; here that is the design."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchingNotice())


class _InProcessTimeStamper(timestamps.TimeStamper):
    """A TimeStamper that hands the DER request to a function instead of an HTTP server. pyHanko
    uses it before signing only: one dummy time-stamp names the TSA's certificates, whose
    validation paths go into the DSS."""

    def __init__(self, timestamp: Callable[[bytes], bytes]) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        self._timestamp = timestamp

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self._timestamp(req.dump()))


class _Lru(OrderedDict[Hashable, Any]):
    def get_or_make(self, key: Hashable, make: Callable[[], _V]) -> _V:
        try:
            value: _V = self[key]
        except KeyError:
            value = make()
            self[key] = value
            if len(self) > _CACHE_SIZE:
                self.popitem(last=False)
            return value
        self.move_to_end(key)
        return value


_signers = _Lru()
_cms_signers = _Lru()
_timestampers = _Lru()
_reserved = _Lru()
_contexts = _Lru()
_validations = _Lru()


# --- DER, for the per-signature CMS (X.690 §8, §10) -----------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    size = (length.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + length.to_bytes(size, "big") + content


def _der_integer(value: int) -> bytes:
    # Two's complement in the fewest octets (X.690 §8.3.2).
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


_SEQUENCE, _SET, _OCTET_STRING, _CONTEXT_0, _CONTEXT_1 = 0x30, 0x31, 0x04, 0xA0, 0xA1
_BOOLEAN_TRUE = b"\x01\x01\xff"
_V1 = _der_integer(1)
# sha256 with NULL parameters, as asn1crypto (hence pyHanko) writes it.
_SHA256_ID = algos.DigestAlgorithm({"algorithm": _MD}).dump()
_ECDSA_SHA256_ID = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}).dump()
_ID_DATA = cms.ContentType("data").dump()
_ID_SIGNED_DATA = cms.ContentType("signed_data").dump()
_ID_SIGNATURE_TIME_STAMP_TOKEN = cms.CMSAttributeType("signature_time_stamp_token").dump()
_CONTENT_TYPE_ATTRIBUTE = cms.CMSAttribute({"type": "content_type", "values": ["data"]}).dump()
_MESSAGE_DIGEST_ATTRIBUTE_PREFIX = cms.CMSAttribute(
    {"type": "message_digest", "values": [bytes(_SHA256_LENGTH)]}
).dump()[:-_SHA256_LENGTH]


class _CmsSigner:
    """One agency certificate's CMS SignedData (RFC 5652 §5; ETSI EN 319 122-1 CAdES-B-T, as
    PAdES wants it): detached, signed attributes contentType, messageDigest and ESS
    signing-certificate-v2 (no signingTime: PAdES forbids it), the time-stamp over the signature
    value as the unsigned signature-time-stamp attribute, the certificate and its chain in the
    certificate set. What pyHanko's `Signer.async_sign` builds, in DER from parts encoded once."""

    def __init__(self, signer: AgencySigner) -> None:
        self._key = signer.private_key
        self._ecdsa = ec.ECDSA(hashes.SHA256())
        certificate = _asn1(signer.certificate)
        self._ess_attribute = cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [as_signing_certificate_v2(certificate, _MD)],
            }
        ).dump()
        sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": certificate.issuer, "serial_number": certificate.serial_number},
        ).dump()
        self._signer_info_head = _V1 + sid + _SHA256_ID
        certificates = {
            c.public_bytes(serialization.Encoding.DER) for c in (signer.certificate, *signer.chain)
        }
        # DER orders a SET OF by the encodings (X.690 §11.6). CertificateSet is [0] IMPLICIT.
        self._signed_data_head = (
            _V1
            + _tlv(_SET, _SHA256_ID)
            + _tlv(_SEQUENCE, _ID_DATA)  # detached: eContentType id-data, no eContent
            + _tlv(_CONTEXT_0, b"".join(sorted(certificates)))
        )

    def sign(self, document_digest: bytes, timestamp: Callable[[bytes], bytes]) -> bytes:
        """The DER ContentInfo over a document whose SHA-256 is `document_digest`."""
        message_digest = _MESSAGE_DIGEST_ATTRIBUTE_PREFIX + document_digest
        attributes = b"".join(
            sorted((_CONTENT_TYPE_ATTRIBUTE, message_digest, self._ess_attribute))
        )
        signature = self._key.sign(_tlv(_SET, attributes), self._ecdsa)  # RFC 5652 §5.4
        token = _time_stamp_token(hashlib.sha256(signature).digest(), timestamp)
        unsigned = _tlv(_SEQUENCE, _ID_SIGNATURE_TIME_STAMP_TOKEN + _tlv(_SET, token))
        signer_info = _tlv(
            _SEQUENCE,
            self._signer_info_head
            + _tlv(_CONTEXT_0, attributes)  # signedAttrs [0] IMPLICIT
            + _ECDSA_SHA256_ID
            + _tlv(_OCTET_STRING, signature)
            + _tlv(_CONTEXT_1, unsigned),  # unsignedAttrs [1] IMPLICIT
        )
        signed_data = _tlv(_SEQUENCE, self._signed_data_head + _tlv(_SET, signer_info))
        return _tlv(_SEQUENCE, _ID_SIGNED_DATA + _tlv(_CONTEXT_0, signed_data))


def _time_stamp_token(imprint: bytes, timestamp: Callable[[bytes], bytes]) -> bytes:
    """The TSA's TimeStampToken (DER ContentInfo) over the SHA-256 `imprint` (RFC 3161 §2.4),
    asked for with a nonce and certReq, as pyHanko's TimeStamper asks; refused, or answered with
    another nonce or imprint, it raises TimestampRequestError, as pyHanko's does."""
    # 64 random bits with a fixed first octet, as pyHanko's get_nonce makes them: a positive
    # INTEGER of one fixed width.
    nonce = int.from_bytes(b"\x01" + os.urandom(7), "big")
    message_imprint = _tlv(_SEQUENCE, _SHA256_ID + _tlv(_OCTET_STRING, imprint))
    request = _tlv(_SEQUENCE, _V1 + message_imprint + _der_integer(nonce) + _BOOLEAN_TRUE)
    response = tsp.TimeStampResp.load(timestamp(request))
    status = response["status"]
    if status["status"].native != "granted":
        raise TimestampRequestError(
            f"the TSA refused the time-stamp: {status['status_string'].native} "
            f"{status['fail_info'].native}"
        )
    token = response["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    if info["nonce"].native != nonce:
        raise TimestampRequestError("the TSA answered with another nonce")
    if info["message_imprint"].dump() != message_imprint:
        raise TimestampRequestError("the TSA stamped another message imprint")
    der: bytes = token.dump()
    return der


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _pyhanko_signer(signer: AgencySigner) -> signers.SimpleSigner:
    # pyHanko signs nothing with it: the session reads the certificate and its chain from it
    # for the pre-signing validation and the DSS.
    key_der = signer.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=_asn1(signer.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [_asn1(c) for c in signer.chain]
        ),
    )


def _validation_context(
    signer: AgencySigner,
    tsa_roots: Sequence[x509.Certificate],
    crls: Sequence[bytes],
    moment: dt.datetime,
) -> ValidationContext:
    # retroactive_revinfo: a CRL cut a moment after the signing time (the clock may be
    # simulated, and the context serves an hour of signatures) still speaks for it.
    return ValidationContext(
        trust_roots=[_asn1(signer.chain[-1]), *(_asn1(c) for c in tsa_roots)],
        crls=list(crls),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
        retroactive_revinfo=True,
    )


def _hour(instant: dt.datetime) -> int:
    return int(instant.timestamp()) // 3600


async def sign_pdf(
    pdf: bytes,
    signer: AgencySigner,
    *,
    timestamp: Callable[[bytes], bytes],
    tsa_roots: Sequence[x509.Certificate],
    crls: Sequence[bytes],
    signing_time: dt.datetime,
    reason: str,
    location: str = "Thailand",
) -> bytes:
    """`pdf` with the agency's PAdES B-LT signature appended as an incremental update.

    `timestamp(der TimeStampReq) -> der TimeStampResp`; `tsa_roots` anchor the TSA's chain and
    `crls` (DER) are the document CA's current CRL(s), embedded in the DSS."""
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must carry a timezone")
    fingerprint = signer.certificate.fingerprint(_HASH)
    pyhanko_signer = _signers.get_or_make(fingerprint, lambda: _pyhanko_signer(signer))
    cms_signer = _cms_signers.get_or_make(fingerprint, lambda: _CmsSigner(signer))
    timestamper = _timestampers.get_or_make(timestamp, lambda: _InProcessTimeStamper(timestamp))
    context_key = (
        fingerprint,
        *(c.fingerprint(_HASH) for c in tsa_roots),
        *crls,
        _hour(signing_time),
    )
    validation_context = _contexts.get_or_make(
        context_key, lambda: _validation_context(signer, tsa_roots, crls, signing_time)
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm=_MD,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        use_pades_lta=False,
        validation_context=validation_context,
        signer_key_usage={"digital_signature", "non_repudiation"},
        # The DSS goes into the signed revision itself: one incremental update instead of two,
        # and the signature covers the whole file. That needs the (deprecated) VRI left out.
        dss_settings=DSSContentSettings(
            include_vri=False,
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
        ),
    )
    pdf_signer = signers.PdfSigner(metadata, signer=pyhanko_signer, timestamper=timestamper)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # PdfSigner.async_sign_pdf step by step, to sign at `signing_time` rather than the host's
    # clock (the session's system_time is what goes into /M), with our own CMS.
    session = pdf_signer.init_signing_session(writer)
    session.system_time = signing_time
    validation: PreSignValidationStatus | None = _validations.get(context_key)
    if validation is None:
        validation = await session.perform_presign_validation(writer)
        _validations.get_or_make(context_key, lambda: validation)
    # The CMS object's size depends on the certificates and the TSA, not on the document: it is
    # measured once per signer and TSA, on a real signature of a dummy digest.
    reserved = _reserved.get_or_make(
        (fingerprint, timestamp),
        lambda: len(cms_signer.sign(bytes(_SHA256_LENGTH), timestamp)) * 2 + _RESERVE_MARGIN,
    )
    tbs = session.prepare_tbs_document(validation_info=validation, bytes_reserved=reserved)
    output = io.BytesIO()
    prepared, _ = tbs.digest_tbs_document(output=output)
    signature_cms = cms_signer.sign(prepared.document_digest, timestamp)
    await PdfTBSDocument.async_finish_signing(
        output,
        prepared,
        signature_cms,
        post_sign_instr=tbs.post_sign_instructions,
        validation_context=validation_context,
    )
    result: bytes = output.getvalue()
    return result


@dataclass(frozen=True)
class SignatureCheck:
    """What a validator trusting `roots` says of a signed document's signature."""

    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature over them is mathematically right
    trusted: bool  # the signer's certificate chains to a trusted root
    signer: str  # the signing certificate's common name
    signed_at: dt.datetime | None  # the signing time the signer states
    timestamped_at: dt.datetime | None  # the RFC 3161 token's time, when trusted
    covers_whole_file: bool  # nothing was appended after signing

    @property
    def good(self) -> bool:
        return self.intact and self.valid and self.trusted and self.timestamped_at is not None


async def check_signature(pdf: bytes, roots_pem: str) -> SignatureCheck:
    """Validate the document's one signature offline with what it carries (its DSS: the chain
    and the CRL) and the given trust roots (the document root CA and the TSA's CA, PEM)."""
    roots = [
        asn1_x509.Certificate.load(der)
        for _, _, der in pem.unarmor(roots_pem.encode(), multiple=True)
    ]
    reader = PdfFileReader(io.BytesIO(pdf))
    signatures = reader.embedded_signatures
    if len(signatures) != 1:
        raise ValueError(f"expected one signature, found {len(signatures)}")
    [signature] = signatures
    dss = DocumentSecurityStore.read_dss(reader)
    context = dss.as_validation_context({"trust_roots": roots, "allow_fetching": False})
    status = await async_validate_pdf_signature(signature, context)
    stamp = status.timestamp_validity
    stamped = stamp.timestamp if stamp is not None and stamp.trusted and stamp.intact else None
    coverage = getattr(status, "coverage", None)
    return SignatureCheck(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer=str(status.signing_cert.subject.native.get("common_name", "")),
        signed_at=status.signer_reported_dt,
        timestamped_at=stamped,
        covers_whole_file=getattr(coverage, "name", "") == "ENTIRE_FILE",
    )
