"""The gateway's signature on a receipt (R-10.4): a compact JWS, ES256, under a published key.

A receipt must verify for years, long after any access token has expired, so the receipt key is
not the OIDC key (identity.oidc.keys): it is never rotated out of publication. The directory
holds:

    receipt-es256.pem            the signing key, PKCS#8 PEM, mode 0600
    retired-es256-<kid>.pub.pem  public keys of earlier signing keys (SubjectPublicKeyInfo PEM)

`jwks()` publishes the signing key and every retired key. To replace the signing key an operator
writes the old key's public half as `retired-es256-<kid>.pub.pem` first and then replaces
`receipt-es256.pem`; receipts signed before keep verifying.

The JWS (RFC 7515 §7.1, compact serialization) is::

    BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(R || S)

with header `{"alg":"ES256","kid":<kid>,"typ":"receipt+jws"}` and payload the canonical JSON of
the claims (gateway.receipts.digest.canonical_json), both without padding; `kid` is the RFC 7638
thumbprint of the public key, and R, S are the 32-byte big-endian halves of the ECDSA P-256
signature over SHA-256 of `BASE64URL(header) "." BASE64URL(payload)` (RFC 7518 §3.4). Any JOSE
library verifies it with the public JWK.

In production nothing is generated: the signing key must be provisioned.

`CertificationSigner` is the same signer under another key and type: it signs the summary of a
connector's certification run (`connectors.certification.signed`, typ `certification+jws`,
key `certification-es256.pem` in its own directory, published at
`/v1/trust/certification-keys`). A certification, like a receipt, must verify long after it was
made, so its key is never rotated out of publication either.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Self

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from gateway.receipts.digest import canonical_json
from identity import b64url_encode, public_jwk_members, thumbprint, write_private_file

__all__ = [
    "CERTIFICATION_JWS_TYPE",
    "RECEIPT_JWS_TYPE",
    "CertificationSigner",
    "ReceiptSigner",
    "ReceiptSignerError",
]

RECEIPT_JWS_TYPE = "receipt+jws"
SIGNING_KEY_FILE = "receipt-es256.pem"
CERTIFICATION_JWS_TYPE = "certification+jws"
CERTIFICATION_KEY_FILE = "certification-es256.pem"
_RETIRED_KEY_FILE = re.compile(r"^retired-es256-([A-Za-z0-9_-]{43})\.pub\.pem$")
_ALGORITHM = "ES256"


class ReceiptSignerError(RuntimeError):
    """The receipt key directory cannot give the gateway a usable receipt key."""


def _p256(key: object, path: Path) -> None:
    curve = getattr(key, "curve", None)
    if not isinstance(curve, ec.SECP256R1):
        raise ReceiptSignerError(f"{path} does not hold a P-256 key")


def _jwk(public_key: ec.EllipticCurvePublicKey, kid: str) -> dict[str, str]:
    return {**public_jwk_members(public_key), "kid": kid, "use": "sig", "alg": _ALGORITHM}


class ReceiptSigner:
    """Signs receipt claims with the gateway's receipt key."""

    jws_type = RECEIPT_JWS_TYPE
    key_file = SIGNING_KEY_FILE
    what = "receipt"

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        *,
        retired: tuple[ec.EllipticCurvePublicKey, ...] = (),
    ) -> None:
        self._private_key = private_key
        self.kid = thumbprint(private_key.public_key())
        self.public_jwk = _jwk(private_key.public_key(), self.kid)
        self._retired = tuple(
            _jwk(key, kid) for key in retired if (kid := thumbprint(key)) != self.kid
        )
        header = {"alg": _ALGORITHM, "kid": self.kid, "typ": self.jws_type}
        self._encoded_header = b64url_encode(canonical_json(header))  # the same for every receipt

    @classmethod
    def load_or_create(cls, directory: Path, *, production: bool) -> Self:
        """The signer whose key lies in `directory`; in development a first key is made."""
        path = directory / cls.key_file
        if not path.exists():
            if production:
                raise ReceiptSignerError(
                    f"no {cls.what} signing key at {path}: production never generates keys; "
                    "provision a P-256 PKCS#8 PEM key there (mode 0600) first"
                )
            pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            # If another process wins the race, its key is the one everybody loads below.
            write_private_file(path, pem)
        try:
            private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ReceiptSignerError(f"no usable {cls.what} signing key at {path}") from exc
        _p256(private_key, path)
        assert isinstance(private_key, ec.EllipticCurvePrivateKey)
        return cls(private_key, retired=_load_retired(directory))

    def jwks(self) -> dict[str, Any]:
        """Every key a receipt may have been signed with: the signing key first, then retired
        ones. Nothing is ever dropped (R-10.4: receipts verify offline for years)."""
        return {"keys": [self.public_jwk, *self._retired]}

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS over the canonical JSON of `claims` (see the module docstring)."""
        signing_input = f"{self._encoded_header}.{b64url_encode(canonical_json(claims))}"
        der = self._private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        # RFC 7518 §3.4: the JWS signature is R || S, each 32 bytes, not the DER of X9.62.
        return f"{signing_input}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _load_retired(directory: Path) -> tuple[ec.EllipticCurvePublicKey, ...]:
    keys = []
    for path in sorted(directory.glob("retired-es256-*.pub.pem")):
        match = _RETIRED_KEY_FILE.match(path.name)
        if match is None:
            continue
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except ValueError as exc:
            raise ReceiptSignerError(f"{path} is not a PEM public key") from exc
        _p256(key, path)
        assert isinstance(key, ec.EllipticCurvePublicKey)
        if thumbprint(key) != match.group(1):
            raise ReceiptSignerError(f"{path}: the file name does not match the key's thumbprint")
        keys.append(key)
    return tuple(keys)


class CertificationSigner(ReceiptSigner):
    """Signs certification summaries (`connectors.certification.signed.summary_claims`)."""

    jws_type = CERTIFICATION_JWS_TYPE
    key_file = CERTIFICATION_KEY_FILE
    what = "certification"
