"""The trust chain that signs e-documents: a root CA, one signing certificate per agency, and the
CRL that says which of them were revoked (R-13.1).

Every issued PDF is signed (PAdES, `documents.pades`) with its agency's key. An outside
validator (Adobe Reader, pdfsig, pyHanko) trusts the root (`certificates_pem()`), finds the
agency's certificate in the signature and the CRL in the document's DSS, and checks the
signature offline, e.g.::

    openssl verify -crl_check -CAfile ca.pem -CRLfile crl.pem signers/DLT.pem

Files (one directory, e.g. var/keys/documents/)::

    ca.pem               the root CA (EC P-256, self-signed, CA:true, keyCertSign + cRLSign)
    ca.key.pem           its private key (PKCS#8 PEM, 0600); development only: in production
                         the CRL is signed where the CA key lives
    crl.der              production: that CRL, provisioned and kept current by the operator;
                         `crl_der()` serves it (refused when stale or not the root's)
    signers/<CODE>.pem   the agency's current signing certificate, issued by the root
    signers/<CODE>.key.pem  its private key (PKCS#8 PEM, 0600)
    revoked.json         {"<serial>": {"agency", "reason", "revoked_at"}}: every revocation

A signing certificate is EC P-256 with keyUsage digitalSignature + nonRepudiation (critical),
extendedKeyUsage emailProtection (what NSS, hence pdfsig, asks of a document signer) and
documentSigning (RFC 9336), the CRL distribution point when one is configured, and subject
C=TH, O=<CODE>, CN="<CODE> document signing".

Development: the root is generated the first time, into a private temporary directory that is
then renamed into place (as `gateway.receipts.tsa` does), so processes starting together on a
fresh var/ agree on one root. An agency's certificate is issued the first time it is asked for,
and again after `revoke()`; issuing and revoking hold an exclusive `flock` on `.lock`, and
files are replaced by rename, so readers never lock and never see half a file. Development
certificates carry the certificate policy `DEVELOPMENT_POLICY_OID` (under the project's arc
2.25.41653481315406793301505507021994683651, the UUID OID `gateway.receipts.tsa` explains;
`.13.1` = "development only: issued by a simulator, proves nothing"), and production refuses
every certificate that carries it, the root included.

Validity: development certificates are valid from 2000-01-01 to 2099-12-31, the TSA's window.
The simulated clock may be set anywhere from 1970 to 2200 and documents are signed at that
time; a realistic three-year validity would make signing fail as soon as an operator moves the
clock a few years, while buying nothing in a simulator: keys are replaced by `revoke()`. A
signature outside 2000-2099 cannot be time-stamped anyway.

Production: nothing is generated. ca.pem and the agencies' files must exist, none may carry the
development policy, and a revoked or missing certificate is an error, not a reason to issue.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from kernel.clock import Clock, SystemClock

__all__ = [
    "DEVELOPMENT_POLICY_OID",
    "DOCUMENT_SIGNING_EKU",
    "AgencySigner",
    "DocumentTrust",
    "DocumentTrustError",
    "is_development_certificate",
    "thumbprint",
]

DEVELOPMENT_POLICY_OID = "2.25.41653481315406793301505507021994683651.13.1"
DOCUMENT_SIGNING_EKU = "1.3.6.1.5.5.7.3.36"  # id-kp-documentSigning, RFC 9336
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca.key.pem"
SIGNERS_DIR = "signers"
REVOKED_FILE = "revoked.json"
CRL_FILE = "crl.der"  # production: the operator's CA's current CRL
LOCK_FILE = ".lock"
VALID_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
VALID_UNTIL = dt.datetime(2099, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
CRL_VALIDITY = dt.timedelta(days=7)
# A CRL is cut again when the revocations change or it is this old: thisUpdate stays close to
# the (possibly simulated) time, and a busy gateway does not sign one per request.
_CRL_REFRESH = dt.timedelta(hours=1)
_AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
# RFC 5280 §5.3.1 reasons a revocation here may give. certificateHold is left out (a revocation
# is final) and removeFromCRL too (it belongs to delta CRLs only).
_REASONS = {
    flag.value: flag
    for flag in x509.ReasonFlags
    if flag not in (x509.ReasonFlags.certificate_hold, x509.ReasonFlags.remove_from_crl)
}
_DEVELOPMENT_POLICY = x509.CertificatePolicies(
    [x509.PolicyInformation(ObjectIdentifier(DEVELOPMENT_POLICY_OID), None)]
)


class DocumentTrustError(RuntimeError):
    """The trust directory cannot give a usable signer, CA or CRL."""


@dataclass(frozen=True)
class AgencySigner:
    """An agency's signing key and certificate, with the issuers up to and including the root."""

    agency_code: str
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    kid: str  # RFC 7638 thumbprint of the public key: the credential's JWS names it


def thumbprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638: SHA-256 over the required JWK members, sorted, without spaces; base64url."""
    numbers = public_key.public_numbers()
    members = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- files ---------------------------------------------------------------------------------


def _write_private_file(path: Path, data: bytes, *, replace: bool) -> bool:
    """Write `data` whole to `path` (mode 0600) through a private temporary file. With
    `replace`, rename over what is there; without, link into place unless `path` exists (True
    if this call created it). Like `identity.write_private_file`, which this layer cannot
    import."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            temporary.rename(path)
            return True
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)


def _pem_private(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_private_key(data: bytes, path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise DocumentTrustError(f"{path} is not a PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise DocumentTrustError(f"{path} is not an EC private key")
    return key


def _load_certificate(data: bytes, path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise DocumentTrustError(f"{path} is not a PEM certificate") from exc


def is_development_certificate(certificate: x509.Certificate) -> bool:
    """True if the certificate carries the development-only policy."""
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies)
    except x509.ExtensionNotFound:
        return False
    return any(p.policy_identifier.dotted_string == DEVELOPMENT_POLICY_OID for p in policies.value)


# --- certificates ----------------------------------------------------------------------------


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=signer,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def _generate_root(directory: Path) -> None:
    """A development root CA, its key kept (it signs agencies' certificates and the CRL)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Citizen Gateway Simulator"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, "Citizen Gateway Development Document Signing CA"
            ),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_DEVELOPMENT_POLICY, critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private_file(directory / CA_KEY_FILE, _pem_private(key), replace=False)
    _write_private_file(
        directory / CA_FILE, certificate.public_bytes(serialization.Encoding.PEM), replace=False
    )
    (directory / SIGNERS_DIR).mkdir(mode=0o700)


def _provision(directory: Path) -> None:
    """Generate into a private sibling directory, then rename it into place: rename(2) succeeds
    only onto a missing or empty directory, so of several racing processes exactly one wins."""
    directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = directory.with_name(f".{directory.name}.{os.getpid()}.{secrets.token_hex(4)}")
    staging.mkdir(mode=0o700)
    try:
        _generate_root(staging)
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
        raise DocumentTrustError(f"cannot read {path}") from exc


# --- the trust store -------------------------------------------------------------------------


class DocumentTrust:
    """The document-signing CA, the agencies' signers and the revocations, kept in one
    directory that several processes may share."""

    def __init__(
        self,
        directory: Path,
        *,
        root: x509.Certificate,
        root_key: ec.EllipticCurvePrivateKey | None,
        production: bool,
        crl_url: str | None,
        clock: Clock,
    ) -> None:
        self.directory = directory
        self.root = root
        self._root_key = root_key
        self.production = production
        self.crl_url = crl_url
        self.clock = clock
        self._signers: dict[str, AgencySigner] = {}
        self._revoked: dict[int, dict[str, str]] = {}
        self._revoked_stamp: tuple[int, int, int] | None = None
        self._crl: tuple[dt.datetime, dict[int, dict[str, str]], bytes] | None = None
        self._crl_number = 0
        self._mutex = threading.Lock()  # the CRL cache; flock serialises the files

    @classmethod
    def load_or_create(
        cls,
        directory: Path,
        *,
        production: bool,
        crl_url: str | None,
        clock: Clock | None = None,
    ) -> DocumentTrust:
        """Load the trust directory; in development, create the root CA first if it is missing.
        `clock` dates revocations and CRLs (the gateway's, possibly simulated; real time by
        default)."""
        if not production and not (directory / CA_FILE).exists():
            _provision(directory)
        root = _load_certificate(_read(directory / CA_FILE), directory / CA_FILE)
        key_path = directory / CA_KEY_FILE
        root_key = _load_private_key(key_path.read_bytes(), key_path) if key_path.exists() else None
        if production and is_development_certificate(root):
            raise DocumentTrustError(
                f"{directory / CA_FILE} is a development CA: production refuses it"
            )
        if root_key is not None and root_key.public_key() != root.public_key():
            raise DocumentTrustError(f"{key_path} does not belong to {directory / CA_FILE}")
        try:
            root.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise DocumentTrustError(f"{directory / CA_FILE} is not a self-signed root") from exc
        return cls(
            directory,
            root=root,
            root_key=root_key,
            production=production,
            crl_url=crl_url,
            clock=clock or SystemClock(),
        )

    # --- signers ---

    def signer(self, agency_code: str) -> AgencySigner:
        """The agency's current signer. In development one is issued when there is none or the
        current one was revoked; in production that is an error."""
        if not _AGENCY_CODE.match(agency_code):
            raise DocumentTrustError(f"{agency_code!r} is not an agency code")
        revoked = self._current_revocations()
        cached = self._signers.get(agency_code)
        if cached is not None and cached.certificate.serial_number not in revoked:
            return cached
        try:
            found = self._read_signer(agency_code)
        except DocumentTrustError:
            # Half-replaced by another process (a new key beside the old certificate), or
            # damaged: under the lock the files are whole, or the error is real.
            found = None
        if found is None or found.certificate.serial_number in revoked:
            if self.production:
                found = self._read_signer(agency_code)
                if found is None:
                    raise DocumentTrustError(
                        f"no signing certificate for {agency_code} in {self._signers_dir}"
                    )
                raise DocumentTrustError(
                    f"the signing certificate of {agency_code} "
                    f"(serial {found.certificate.serial_number}) was revoked"
                )
            found = self._issue(agency_code)
        self._signers[agency_code] = found
        return found

    def signers(self) -> list[AgencySigner]:
        """Every agency's current, unrevoked signer on disk (what the JWKS publishes)."""
        revoked = self._current_revocations()
        found = []
        for path in sorted(self._signers_dir.glob("*.pem")):
            code = path.name.removesuffix(".pem")
            if code.endswith(".key") or not _AGENCY_CODE.match(code):
                continue
            try:
                signer = self._read_signer(code)
            except DocumentTrustError:
                continue
            if signer is not None and signer.certificate.serial_number not in revoked:
                found.append(signer)
        return found

    @property
    def _signers_dir(self) -> Path:
        return self.directory / SIGNERS_DIR

    def _read_signer(self, code: str) -> AgencySigner | None:
        """The signer on disk, checked; None if the agency has none."""
        cert_path = self._signers_dir / f"{code}.pem"
        key_path = self._signers_dir / f"{code}.key.pem"
        try:
            cert_pem = cert_path.read_bytes()
            key_pem = key_path.read_bytes()
        except FileNotFoundError:
            return None
        certificate = _load_certificate(cert_pem, cert_path)
        private_key = _load_private_key(key_pem, key_path)
        if private_key.public_key() != certificate.public_key():
            raise DocumentTrustError(f"{key_path} does not belong to {cert_path}")
        if self.production and is_development_certificate(certificate):
            raise DocumentTrustError(f"{cert_path} is a development certificate")
        try:
            certificate.verify_directly_issued_by(self.root)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise DocumentTrustError(f"{cert_path} was not issued by {CA_FILE}") from exc
        return AgencySigner(
            agency_code=code,
            private_key=private_key,
            certificate=certificate,
            chain=(self.root,),
            kid=thumbprint(private_key.public_key()),
        )

    def _issue(self, code: str) -> AgencySigner:
        """Under the lock: the current signer if another process just made one, else a new
        one."""
        with self._locked():
            revoked = self._current_revocations(force=True)
            existing = self._read_signer(code)
            if existing is not None and existing.certificate.serial_number not in revoked:
                return existing
            if self._root_key is None:
                raise DocumentTrustError(f"no {CA_KEY_FILE}: cannot issue a certificate")
            key = ec.generate_private_key(ec.SECP256R1())
            certificate = self._certificate_for(code, key.public_key(), self._root_key)
            # Key first, then certificate: a reader that finds the certificate finds its key
            # (or a newer one, which it notices and retries under the lock).
            _write_private_file(
                self._signers_dir / f"{code}.key.pem", _pem_private(key), replace=True
            )
            _write_private_file(
                self._signers_dir / f"{code}.pem",
                certificate.public_bytes(serialization.Encoding.PEM),
                replace=True,
            )
            return AgencySigner(
                agency_code=code,
                private_key=key,
                certificate=certificate,
                chain=(self.root,),
                kid=thumbprint(key.public_key()),
            )

    def _certificate_for(
        self, code: str, public_key: ec.EllipticCurvePublicKey, ca_key: ec.EllipticCurvePrivateKey
    ) -> x509.Certificate:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, code),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{code} document signing"),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(VALID_FROM)
            .not_valid_after(VALID_UNTIL)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signer=True), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.EMAIL_PROTECTION, ObjectIdentifier(DOCUMENT_SIGNING_EKU)]
                ),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .add_extension(_DEVELOPMENT_POLICY, critical=False)
        )
        if self.crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
        return builder.sign(ca_key, hashes.SHA256())

    # --- revocation ---

    def revoke(self, agency_code: str, reason: str) -> int:
        """Revoke the agency's current signing certificate for `reason` (an RFC 5280 reason
        name: keyCompromise, cessationOfOperation, superseded...); its serial. In development
        the next `signer()` issues a new one."""
        if reason not in _REASONS:
            raise ValueError(f"unknown revocation reason {reason!r}: one of {sorted(_REASONS)}")
        if not _AGENCY_CODE.match(agency_code):
            raise DocumentTrustError(f"{agency_code!r} is not an agency code")
        with self._locked():
            revoked = dict(self._current_revocations(force=True))
            current = self._read_signer(agency_code)
            if current is None or current.certificate.serial_number in revoked:
                raise DocumentTrustError(f"{agency_code} has no current signing certificate")
            serial = current.certificate.serial_number
            revoked[serial] = {
                "agency": agency_code,
                "reason": reason,
                "revoked_at": self.clock.now().astimezone(dt.UTC).isoformat(),
            }
            body = json.dumps({str(k): v for k, v in revoked.items()}, indent=1, sort_keys=True)
            _write_private_file(self.directory / REVOKED_FILE, body.encode(), replace=True)
            self._signers.pop(agency_code, None)
            self._current_revocations(force=True)
            return serial

    def status(self, serial: int) -> tuple[str, dict[str, Any]]:
        """("good" | "revoked" | "unknown", detail) of a signing certificate this CA issued:
        "good" while it is an agency's current certificate; a replaced certificate that was
        never revoked (production, by hand) is "unknown"."""
        revoked = self._current_revocations()
        entry = revoked.get(serial)
        if entry is not None:
            return "revoked", dict(entry)
        for path in sorted(self._signers_dir.glob("*.pem")):
            if path.name.endswith(".key.pem"):
                continue
            try:
                certificate = x509.load_pem_x509_certificate(path.read_bytes())
            except (OSError, ValueError):
                continue
            if certificate.serial_number == serial:
                return "good", {
                    "agency": path.name.removesuffix(".pem"),
                    "not_after": certificate.not_valid_after_utc.isoformat(),
                }
        return "unknown", {}

    def crl_der(self) -> bytes:
        """The CA's CRL v2 (DER): thisUpdate now, nextUpdate seven days on, one entry per
        revocation with its reason. Cut again when revocations change or it is an hour old."""
        if self._root_key is None:
            return self._provisioned_crl()
        revoked = self._current_revocations()
        now = self.clock.now().astimezone(dt.UTC)
        with self._mutex:
            if self._crl is not None:
                this_update, listed, der = self._crl
                if listed == revoked and this_update <= now < this_update + _CRL_REFRESH:
                    return der
            der = self._sign_crl(now, revoked, self._root_key)
            self._crl = (now, revoked, der)
            return der

    def _provisioned_crl(self) -> bytes:
        """Production: the CRL the operator's CA publishes, kept current in `crl.der` (DER);
        refused when missing, not the root's, or past its nextUpdate (a validator would refuse
        a signature whose embedded revocation information is stale)."""
        path = self.directory / CRL_FILE
        try:
            der = path.read_bytes()
            crl = x509.load_der_x509_crl(der)
        except (OSError, ValueError) as exc:
            raise DocumentTrustError(
                f"no usable {path}: without {CA_KEY_FILE} the CA's current CRL must be "
                "provisioned there (DER)"
            ) from exc
        if not crl.is_signature_valid(self.root.public_key()):  # type: ignore[arg-type]
            raise DocumentTrustError(f"{path} is not signed by {CA_FILE}")
        next_update = crl.next_update_utc
        if next_update is not None and next_update <= self.clock.now():
            raise DocumentTrustError(f"{path} is past its nextUpdate: provision a current CRL")
        return der

    def _sign_crl(
        self, now: dt.datetime, revoked: dict[int, dict[str, str]], key: ec.EllipticCurvePrivateKey
    ) -> bytes:
        # RFC 5280 §5.2.3: a CRL number that grows; milliseconds of thisUpdate, or one more.
        self._crl_number = max(self._crl_number + 1, int(now.timestamp() * 1000))
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(now)
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(self._crl_number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                critical=False,
            )
        )
        for serial, entry in sorted(revoked.items()):
            revoked_at = dt.datetime.fromisoformat(entry["revoked_at"])
            entry_builder = (
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
            )
            flag = _REASONS[entry["reason"]]
            if flag is not x509.ReasonFlags.unspecified:  # RFC 5280 §5.3.1: then leave it out
                entry_builder = entry_builder.add_extension(x509.CRLReason(flag), critical=False)
            builder = builder.add_revoked_certificate(entry_builder.build())
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def certificates_pem(self) -> str:
        """The root CA certificate (PEM): what outside validators trust."""
        return self.root.public_bytes(serialization.Encoding.PEM).decode()

    # --- shared state ---

    def _current_revocations(self, *, force: bool = False) -> dict[int, dict[str, str]]:
        """revoked.json, read again only when it was replaced (one stat per call)."""
        path = self.directory / REVOKED_FILE
        try:
            info = path.stat()
        except FileNotFoundError:
            self._revoked, self._revoked_stamp = {}, None
            return self._revoked
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if force or stamp != self._revoked_stamp:
            try:
                loaded = json.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise DocumentTrustError(f"cannot read {path}") from exc
            self._revoked = {int(serial): entry for serial, entry in loaded.items()}
            self._revoked_stamp = stamp
        return self._revoked

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive flock on .lock: between processes, and between threads too (each call
        opens its own file description)."""
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
