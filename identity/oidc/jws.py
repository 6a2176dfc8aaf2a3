"""Compact JWS signed with ES256 (ECDSA P-256 + SHA-256), and nothing else (RFC 7515, RFC 7518).

The provider signs and verifies its own tokens, with its own keys, under exactly one algorithm.
A verifier that accepts only ES256 cannot be talked into `alg: none` or into checking an HMAC
keyed with the public key: any other `alg`, any `crit` header, a malformed segment or a
duplicated JSON member is refused before a signature is looked at.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

ALGORITHM = "ES256"
_COORDINATE_BYTES = 32  # P-256
MAX_TOKEN_CHARS = 8192
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class JWSError(ValueError):
    """The token is not a well-formed ES256 compact JWS, or its signature does not verify."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise JWSError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JWSError("not base64url") from exc


def _canonical_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JWSError(f"duplicate member {key!r}")  # RFC 7515 §4: reject, never guess
        result[key] = value
    return result


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JWSError("not JSON") from exc
    if not isinstance(value, dict):
        raise JWSError("not a JSON object")
    return value


def sign(
    claims: Mapping[str, Any], private_key: ec.EllipticCurvePrivateKey, *, kid: str, typ: str
) -> str:
    header = {"alg": ALGORITHM, "typ": typ, "kid": kid}
    signing_input = (
        f"{b64url_encode(_canonical_json(header))}.{b64url_encode(_canonical_json(claims))}"
    )
    der = private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    # JWS carries R || S as fixed-size big-endian integers, not DER (RFC 7518 §3.4).
    raw = r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")
    return f"{signing_input}.{b64url_encode(raw)}"


@dataclass(frozen=True)
class UnverifiedJWS:
    """A parsed token whose signature has not been checked yet: read `kid` and nothing else."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    def verify(self, public_key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
        """The claims, if `public_key` made the signature; JWSError otherwise."""
        if len(self.signature) != 2 * _COORDINATE_BYTES:
            raise JWSError("an ES256 signature is 64 bytes")
        r = int.from_bytes(self.signature[:_COORDINATE_BYTES], "big")
        s = int.from_bytes(self.signature[_COORDINATE_BYTES:], "big")
        try:
            public_key.verify(
                encode_dss_signature(r, s), self.signing_input, ec.ECDSA(hashes.SHA256())
            )
        except InvalidSignature as exc:
            raise JWSError("the signature does not verify") from exc
        return self.claims


def parse(token: str, *, typ: str) -> UnverifiedJWS:
    """Split and decode a compact ES256 JWS whose header names `typ` (e.g. at+jwt, RFC 9068
    §4: an ID token presented as an access token fails here)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise JWSError("the token is too long")
    segments = token.split(".")
    if len(segments) != 3:
        raise JWSError("a compact JWS has three segments")
    header = _json_object(segments[0])
    if header.get("alg") != ALGORITHM:
        raise JWSError(f"only {ALGORITHM} is accepted")
    if "crit" in header:
        raise JWSError("no critical header extensions are understood")
    given = str(header.get("typ", "")).lower().removeprefix("application/")
    if given != typ.lower():
        raise JWSError(f"the token is not of type {typ}")
    claims = _json_object(segments[1])
    return UnverifiedJWS(
        header=header,
        claims=claims,
        signing_input=f"{segments[0]}.{segments[1]}".encode("ascii"),
        signature=b64url_decode(segments[2]),
    )
