"""The gateway's own time-stamp authority (RFC 3161): the trusted time on a receipt (R-10.4).

A receipt says when the submission arrived. The gateway's JWS alone proves only that the gateway
said so; an RFC 3161 token binds the receipt's digest to a time under a separate certificate
that any standard tool checks offline, e.g.::

    openssl ts -verify -digest <sha256 hex> -in receipt.tsr -CAfile ca.pem -untrusted tsa.pem

The clock is the gateway's (`kernel.clock.Clock`): in simulation mode the token carries the
simulated time, which is the point of a simulator, and why the certificates are valid from
2000-01-01 to 2099-12-31. A real deployment would use a qualified TSA instead.

Keys and certificates (one directory, e.g. var/keys/tsa/)::

    ca.pem        the development root CA (EC P-256, self-signed, CA:true); the trust anchor
    tsa.pem       the TSA certificate (EC P-256), issued by that CA: keyUsage digitalSignature,
                  extendedKeyUsage timeStamping marked critical (RFC 3161 §2.3)
    tsa.key.pem   the TSA private key, PKCS#8 PEM, mode 0600

In development the three are generated the first time, into a private temporary directory that
is then renamed into place, so processes starting together on a fresh var/ agree on one TSA. The
CA's private key is thrown away once the TSA certificate is signed: nothing else can ever be
issued under the development root. In production nothing is generated: the files must exist.

The policy (TSTInfo.policy, RFC 3161 §2.4.2) is `POLICY_OID`, under the project's own arc
2.25.41653481315406793301505507021994683651: the ITU-T X.667 OID of the UUID
1f562b2f-9e04-48c3-9381-8a22c9a96d03, which needs no registration. `.3161.1` names "citizen
gateway simulator TSA policy 1: the time is the gateway's clock, possibly simulated; no
accuracy is promised; serial numbers are 128-bit random".

The token (RFC 3161 §2.4.2, RFC 5652 §5) is CMS SignedData (version 3) over a TSTInfo (version
1, messageImprint SHA-256, genTime in UTC to the microsecond, the request's nonce, the TSA's
name), signed with ecdsa-with-SHA256 under signed attributes contentType (id-ct-TSTInfo),
messageDigest and ESS signing-certificate-v2 (RFC 5035, naming the TSA certificate by SHA-256
and issuer/serial; RFC 3161 §2.4.1 asks for it and OpenSSL insists). The TSA certificate is
included when the request asks for it (certReq).

Speed: tokens are cut on every submission, so the per-token work is a handful of byte
concatenations around one ECDSA signature. Every constant part (algorithm identifiers, the
signer identifier, the ESS attribute, the certificate) is encoded once, with asn1crypto, when
the authority is loaded; only TSTInfo, the messageDigest attribute and the signature are new
per token, written directly in DER. The tests parse the result back with asn1crypto (and check
that re-encoding it gives the same bytes, i.e. that it is DER) and verify it with OpenSSL.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Literal

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from identity import write_private_file
from kernel.clock import Clock

__all__ = [
    "POLICY_OID",
    "FailureReason",
    "KeyType",
    "TimestampAuthority",
    "TimestampAuthorityError",
    "TokenInfo",
    "generate_development_authority",
    "rejection",
    "token_from_response",
    "token_info",
]

POLICY_OID = "2.25.41653481315406793301505507021994683651.3161.1"
CA_FILE = "ca.pem"
TSA_CERT_FILE = "tsa.pem"
TSA_KEY_FILE = "tsa.key.pem"
VALID_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
VALID_UNTIL = dt.datetime(2099, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
SHA256_LENGTH = 32
_SERIAL_BYTES = 16  # RFC 3161 §2.4.2 allows up to 160 bits; 128 random bits never collide

KeyType = Literal["ec-p256", "rsa-2048"]


class TimestampAuthorityError(RuntimeError):
    """The TSA cannot be loaded, or cannot stamp now (e.g. the clock is outside its validity)."""


class FailureReason(Enum):
    """PKIFailureInfo bits a rejection carries (RFC 3161 §2.4.2), with asn1crypto's names."""

    BAD_ALG = "bad_alg"
    BAD_REQUEST = "bad_request"
    BAD_DATA_FORMAT = "bad_data_format"
    TIME_NOT_AVAILABLE = "time_not_available"
    UNACCEPTED_POLICY = "unaccepted_policy"
    UNACCEPTED_EXTENSION = "unaccepted_extensions"


class _TimeStampResp(tsp.TimeStampResp):  # type: ignore[misc]
    """RFC 3161 §2.4.2: the token is OPTIONAL (absent on rejection); asn1crypto requires it."""

    _fields = [  # noqa: RUF012  (asn1crypto's own declaration style)
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


# --- DER, for the per-token hot path (X.690 §8, §10) -----------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    size = (length.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + length.to_bytes(size, "big") + content


def _der_integer(value: int) -> bytes:
    # Two's complement in the fewest octets (X.690 §8.3.2).
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _der_generalized_time(instant: dt.datetime) -> bytes:
    # RFC 3161 §2.4.2 / X.690 §11.7: UTC, "Z", fraction without trailing zeros, no empty dot.
    utc = instant.astimezone(dt.UTC)
    text = f"{utc:%Y%m%d%H%M%S}"
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return _tlv(0x18, (text + "Z").encode("ascii"))


_SEQUENCE, _SET, _OCTET_STRING, _CONTEXT_0 = 0x30, 0x31, 0x04, 0xA0
_BOOLEAN_TRUE = b"\x01\x01\xff"
_V1, _V3 = _der_integer(1), _der_integer(3)
_GRANTED = _tlv(_SEQUENCE, _der_integer(0))  # PKIStatusInfo {status granted}
# sha256 with NULL parameters, as asn1crypto and OpenSSL write it; RFC 5754 §2 has verifiers
# accept NULL and absent alike.
_SHA256_ID = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
_POLICY = core.ObjectIdentifier(POLICY_OID).dump()
_ID_CT_TST_INFO = cms.ContentType("tst_info").dump()
_ID_SIGNED_DATA = cms.ContentType("signed_data").dump()
_CONTENT_TYPE_ATTRIBUTE = cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}).dump()
_MESSAGE_DIGEST_ATTRIBUTE_PREFIX = cms.CMSAttribute(
    {"type": "message_digest", "values": [bytes(SHA256_LENGTH)]}
).dump()[:-SHA256_LENGTH]


def _message_imprint(hashed_message: bytes) -> bytes:
    return _tlv(_SEQUENCE, _SHA256_ID + _tlv(_OCTET_STRING, hashed_message))


# --- key material --------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Citizen Gateway Simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_private_key(key_type: KeyType) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if key_type == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _pem_private(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def generate_development_authority(directory: Path, *, key_type: KeyType = "ec-p256") -> None:
    """Make a development root CA and a TSA certificate under it, into `directory` (which must
    not exist or be empty). The CA key is not kept. `rsa-2048` exists for comparison (bench)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Citizen Gateway Development Root CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = _new_private_key(key_type)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Citizen Gateway Development TSA"))
        .issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # RFC 3161 §2.3: exactly timeStamping, and the extension MUST be critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_private_file(directory / TSA_KEY_FILE, _pem_private(tsa_key))
    write_private_file(directory / TSA_CERT_FILE, tsa_cert.public_bytes(serialization.Encoding.PEM))
    write_private_file(directory / CA_FILE, ca_cert.public_bytes(serialization.Encoding.PEM))


def _provision(directory: Path, key_type: KeyType) -> None:
    """Generate into a private sibling directory, then rename it into place: rename(2) succeeds
    only onto a missing or empty directory, so of several racing processes exactly one wins
    and the others load what it made."""
    directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = directory.with_name(f".{directory.name}.{os.getpid()}.{secrets.token_hex(4)}")
    staging.mkdir(mode=0o700)
    try:
        generate_development_authority(staging, key_type=key_type)
        try:
            staging.rename(directory)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TimestampAuthorityError(
            f"cannot read {path}: the TSA needs {CA_FILE}, {TSA_CERT_FILE} and {TSA_KEY_FILE} "
            f"in {path.parent} (production never generates them)"
        ) from exc


# --- the authority -------------------------------------------------------------------------


class TimestampAuthority:
    """Cuts RFC 3161 time-stamp tokens with the gateway clock."""

    def __init__(
        self,
        *,
        private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
        certificate: x509.Certificate,
        ca_certificate: x509.Certificate,
        clock: Clock,
    ) -> None:
        _check_certificates(private_key, certificate, ca_certificate)
        self.clock = clock
        self.certificate = certificate
        self.ca_certificate = ca_certificate
        self.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        self.ca_certificate_pem = ca_certificate.public_bytes(serialization.Encoding.PEM).decode()
        self._not_before = certificate.not_valid_before_utc
        self._not_after = certificate.not_valid_after_utc
        self._sign, signature_algorithm = _signing_function(private_key)

        # Everything that is the same in every token, encoded once (see the module docstring).
        tsa_der = certificate.public_bytes(serialization.Encoding.DER)
        parsed = asn1_x509.Certificate.load(tsa_der)
        ess = cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [
                    {
                        "certs": [
                            {
                                # hashAlgorithm is left out: SHA-256 is its DEFAULT (RFC 5035).
                                "cert_hash": hashlib.sha256(tsa_der).digest(),
                                "issuer_serial": {
                                    "issuer": [
                                        asn1_x509.GeneralName(
                                            name="directory_name", value=parsed.issuer
                                        )
                                    ],
                                    "serial_number": parsed.serial_number,
                                },
                            }
                        ]
                    }
                ],
            }
        )
        self._ess_attribute = ess.dump()
        self._tsa_name = _tlv(
            _CONTEXT_0,
            asn1_x509.GeneralName(name="directory_name", value=parsed.subject).dump(),
        )
        sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": parsed.issuer, "serial_number": parsed.serial_number},
        ).dump()
        self._signer_info_head = _V1 + sid + _SHA256_ID
        self._signature_algorithm = signature_algorithm
        self._signed_data_head = _V3 + _tlv(_SET, _SHA256_ID)
        self._certificates = _tlv(_CONTEXT_0, tsa_der)  # [0] IMPLICIT CertificateSet

    @classmethod
    def load_or_create(
        cls, directory: Path, *, production: bool, clock: Clock, key_type: KeyType = "ec-p256"
    ) -> TimestampAuthority:
        """The TSA whose files lie in `directory`; in development they are made if missing."""
        have = [(directory / name).exists() for name in (CA_FILE, TSA_CERT_FILE, TSA_KEY_FILE)]
        if not production and not any(have):
            _provision(directory, key_type)
        private_key = serialization.load_pem_private_key(
            _read(directory / TSA_KEY_FILE), password=None
        )
        if not isinstance(private_key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise TimestampAuthorityError(f"{directory / TSA_KEY_FILE}: not an EC or RSA key")
        try:
            certificate = x509.load_pem_x509_certificate(_read(directory / TSA_CERT_FILE))
            ca_certificate = x509.load_pem_x509_certificate(_read(directory / CA_FILE))
        except ValueError as exc:
            raise TimestampAuthorityError(f"{directory}: a certificate is not PEM") from exc
        return cls(
            private_key=private_key,
            certificate=certificate,
            ca_certificate=ca_certificate,
            clock=clock,
        )

    @property
    def certificate_chain_pem(self) -> str:
        """The TSA certificate, then the CA certificate (leaf first, as RFC 8555 §9.1 orders)."""
        return self.certificate_pem + self.ca_certificate_pem

    def timestamp(
        self, message_digest: bytes, *, nonce: int | None = None, cert_req: bool = True
    ) -> bytes:
        """A granted TimeStampResp (DER) over a SHA-256 `message_digest` (RFC 3161 §2.4.2)."""
        if len(message_digest) != SHA256_LENGTH:
            raise ValueError("the message digest must be the 32 bytes of a SHA-256")
        return self._grant(_message_imprint(message_digest), nonce, cert_req)

    def handle_request(self, der_query: bytes) -> bytes:
        """Answer a DER TimeStampReq (RFC 3161 §2.4.1) with a TimeStampResp: a token, or a
        rejection naming the reason. Never raises on what a client sends."""
        request = _parse_request(der_query)
        if isinstance(request, FailureReason):
            return rejection(request)
        imprint, nonce, cert_req = request
        try:
            return self._grant(imprint, nonce, cert_req)
        except TimestampAuthorityError:
            return rejection(FailureReason.TIME_NOT_AVAILABLE)

    def _grant(self, imprint: bytes, nonce: int | None, cert_req: bool) -> bytes:
        now = self.clock.now()
        if not self._not_before <= now <= self._not_after:
            raise TimestampAuthorityError(
                f"the clock ({now:%Y-%m-%dT%H:%M:%SZ}) lies outside the TSA certificate's validity"
            )
        serial = int.from_bytes(os.urandom(_SERIAL_BYTES), "big")
        tst_info = _tlv(
            _SEQUENCE,
            _V1
            + _POLICY
            + imprint
            + _der_integer(serial)
            + _der_generalized_time(now)
            + (b"" if nonce is None else _der_integer(nonce))
            + self._tsa_name,
        )
        message_digest = (
            _MESSAGE_DIGEST_ATTRIBUTE_PREFIX + hashlib.sha256(tst_info).digest()
        )  # RFC 5652 §11.2: the digest of the eContent octets
        # DER orders a SET OF by the encodings (X.690 §11.6); the signature is over the SET.
        attributes = b"".join(
            sorted((_CONTENT_TYPE_ATTRIBUTE, message_digest, self._ess_attribute))
        )
        signature = self._sign(_tlv(_SET, attributes))  # RFC 5652 §5.4
        signer_info = _tlv(
            _SEQUENCE,
            self._signer_info_head
            + _tlv(_CONTEXT_0, attributes)  # signedAttrs [0] IMPLICIT
            + self._signature_algorithm
            + _tlv(_OCTET_STRING, signature),
        )
        encapsulated = _tlv(
            _SEQUENCE, _ID_CT_TST_INFO + _tlv(_CONTEXT_0, _tlv(_OCTET_STRING, tst_info))
        )
        signed_data = _tlv(
            _SEQUENCE,
            self._signed_data_head
            + encapsulated
            + (self._certificates if cert_req else b"")
            + _tlv(_SET, signer_info),
        )
        token = _tlv(_SEQUENCE, _ID_SIGNED_DATA + _tlv(_CONTEXT_0, signed_data))
        return _tlv(_SEQUENCE, _GRANTED + token)


def _check_certificates(
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    ca_certificate: x509.Certificate,
) -> None:
    """Refuse at start-up what a verifier would refuse on every token."""
    if certificate.public_key() != private_key.public_key():
        raise TimestampAuthorityError("the TSA key does not belong to the TSA certificate")
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise TimestampAuthorityError("the TSA certificate was not issued by the CA") from exc
    try:
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound as exc:
        raise TimestampAuthorityError("the TSA certificate has no extendedKeyUsage") from exc
    if not eku.critical or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        # RFC 3161 §2.3: the one purpose timeStamping, in a critical extension.
        raise TimestampAuthorityError("the TSA certificate's extendedKeyUsage is not RFC 3161's")


def _signing_function(
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
) -> tuple[Callable[[bytes], bytes], bytes]:
    """The signing function and the DER SignatureAlgorithmIdentifier to name it."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        ecdsa = ec.ECDSA(hashes.SHA256())

        def sign_ec(data: bytes) -> bytes:
            return private_key.sign(data, ecdsa)  # DER Ecdsa-Sig-Value, as CMS wants

        # RFC 5758 §3.2: ecdsa-with-SHA256 with the parameters absent.
        return sign_ec, algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}).dump()

    pkcs1 = padding.PKCS1v15()
    sha256 = hashes.SHA256()

    def sign_rsa(data: bytes) -> bytes:
        return private_key.sign(data, pkcs1, sha256)

    return sign_rsa, algos.SignedDigestAlgorithm(
        {"algorithm": "sha256_rsa", "parameters": core.Null()}
    ).dump()


def _parse_request(der_query: bytes) -> tuple[bytes, int | None, bool] | FailureReason:
    """(the messageImprint DER to echo, nonce, certReq), or why the request is refused."""
    try:
        request = tsp.TimeStampReq.load(der_query, strict=True)
        version = request["version"].native
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]
        algorithm_name = algorithm["algorithm"].native
        parameters = algorithm["parameters"]
        hashed_message = imprint["hashed_message"].native
        policy = request["req_policy"].native
        nonce = request["nonce"].native
        cert_req = bool(request["cert_req"].native)
        extensions = request["extensions"].native
        imprint_der = imprint.dump(force=True)
    except Exception:  # asn1crypto raises many types on bad input; to a client all mean one thing
        return FailureReason.BAD_DATA_FORMAT
    refusals = (
        (version != "v1", FailureReason.BAD_REQUEST),
        # SHA-256 only, its parameters absent or NULL (RFC 5754 §2).
        (
            algorithm_name != "sha256" or not isinstance(parameters, (core.Void, core.Null)),
            FailureReason.BAD_ALG,
        ),
        (
            not isinstance(hashed_message, bytes) or len(hashed_message) != SHA256_LENGTH,
            FailureReason.BAD_DATA_FORMAT,
        ),
        (policy is not None and policy != POLICY_OID, FailureReason.UNACCEPTED_POLICY),
        (bool(extensions), FailureReason.UNACCEPTED_EXTENSION),  # none are understood
    )
    for refused, reason in refusals:
        if refused:
            return reason
    # RFC 3161 §2.4.2: the token's messageImprint has the same value as the request's.
    return imprint_der, nonce, cert_req


_REJECTION_TEXT = {
    FailureReason.BAD_ALG: "only SHA-256 message imprints are accepted",
    FailureReason.BAD_REQUEST: "the request is not a version 1 TimeStampReq",
    FailureReason.BAD_DATA_FORMAT: "the request is not a well-formed DER TimeStampReq",
    FailureReason.TIME_NOT_AVAILABLE: "the TSA cannot stamp the current time",
    FailureReason.UNACCEPTED_POLICY: f"the only policy is {POLICY_OID}",
    FailureReason.UNACCEPTED_EXTENSION: "no request extensions are supported",
}


def rejection(reason: FailureReason) -> bytes:
    """A TimeStampResp with status rejection and the failure bit (RFC 3161 §2.4.2)."""
    status = tsp.PKIStatusInfo(
        {
            "status": "rejection",
            "status_string": [_REJECTION_TEXT[reason]],
            "fail_info": {reason.value},
        }
    )
    result: bytes = _TimeStampResp({"status": status}).dump()
    return result


# --- reading tokens back -------------------------------------------------------------------


@dataclass(frozen=True)
class TokenInfo:
    """What a token says, for display. Reading it checks no signature: use `openssl ts -verify`
    (or any RFC 3161 verifier) for that."""

    gen_time: dt.datetime
    serial: int
    message_digest_hex: str
    policy: str
    nonce: int | None = None


def _granted_token(resp_der: bytes) -> cms.ContentInfo:
    response = _TimeStampResp.load(resp_der, strict=True)
    status = response["status"]["status"].native
    if status not in ("granted", "granted_with_mods"):
        reason = response["status"]["fail_info"].native
        raise ValueError(f"the time-stamp request was refused ({status}, {reason})")
    token: cms.ContentInfo = response["time_stamp_token"]
    return token


def token_from_response(resp_der: bytes) -> bytes:
    """The TimeStampToken (a CMS ContentInfo, DER) inside a granted TimeStampResp: the part a
    receipt keeps (`openssl ts -verify -token_in` reads it)."""
    token: bytes = _granted_token(resp_der).dump()
    return token


def token_info(resp_der: bytes) -> TokenInfo:
    """The TSTInfo fields of a granted TimeStampResp; ValueError for anything else."""
    token = _granted_token(resp_der)
    if token["content_type"].native != "signed_data":
        raise ValueError("the token is not CMS SignedData")
    encapsulated = token["content"]["encap_content_info"]
    if encapsulated["content_type"].native != "tst_info":
        raise ValueError("the token does not hold a TSTInfo")
    info = encapsulated["content"].parsed
    return TokenInfo(
        gen_time=info["gen_time"].native,
        serial=info["serial_number"].native,
        message_digest_hex=info["message_imprint"]["hashed_message"].native.hex(),
        policy=info["policy"].dotted,
        nonce=info["nonce"].native,
    )
