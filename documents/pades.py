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
built once: the pyHanko signer per agency certificate, the TimeStamper per `timestamp` function,
the signature's reserved size per both (the dry run that measures it costs a whole signature),
and the validation context per certificates, CRLs and hour of signing time (its caches make the
pre-signing path validation cheap). What is left, ~25 ms of CPU, is mostly pyHanko assembling
the CMS object with asn1crypto.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning

# pyHanko imports DSA key types, which cryptography deprecates; nothing here uses DSA, and the
# warning would otherwise print on every command that loads the gateway.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

from documents.trust import AgencySigner

__all__ = ["FIELD_NAME", "sign_pdf"]

FIELD_NAME = "DocumentSignature"
_MD = "sha256"
_HASH = hashes.SHA256()
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
    """A TimeStamper that hands the DER request to a function instead of an HTTP server."""

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
_timestampers = _Lru()
_reserved = _Lru()
_contexts = _Lru()


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _pyhanko_signer(signer: AgencySigner) -> signers.SimpleSigner:
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
    timestamper = _timestampers.get_or_make(timestamp, lambda: _InProcessTimeStamper(timestamp))
    validation_context = _contexts.get_or_make(
        (fingerprint, *(c.fingerprint(_HASH) for c in tsa_roots), *crls, _hour(signing_time)),
        lambda: _validation_context(signer, tsa_roots, crls, signing_time),
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
    # clock (the session's system_time is what goes into signingTime).
    session = pdf_signer.init_signing_session(writer)
    session.system_time = signing_time
    validation = await session.perform_presign_validation(writer)
    # The CMS object's size depends on the certificates and the TSA, not on the document: the
    # estimate (a dry-run signature and time-stamp) is made once per signer and TSA.
    reserved = _reserved.get((fingerprint, timestamp))
    if reserved is None:
        tight = await session.estimate_signature_container_size(validation, tight=True)
        reserved = tight + _RESERVE_MARGIN
        _reserved.get_or_make((fingerprint, timestamp), lambda: reserved)
    tbs = session.prepare_tbs_document(validation_info=validation, bytes_reserved=reserved)
    output = io.BytesIO()
    digest, _ = tbs.digest_tbs_document(output=output)
    signed = await tbs.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(
            signing_time=signing_time,
            adobe_revinfo_attr=None,
            cades_signed_attrs=None,
        ),
    )
    await signed.post_signature_processing(output)
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
