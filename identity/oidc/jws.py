"""Compact JWS signed with ES256 (ECDSA P-256 + SHA-256), and nothing else (RFC 7515, RFC 7518).

Signing and signature checks are joserfc's (the JOSE library from Authlib's author). This module
only narrows what the provider accepts: exactly one algorithm, the expected `typ`, no `crit`
header, no duplicated JSON member, a bounded size. So a verifier cannot be talked into
`alg: none` or into checking an HMAC keyed with the public key, and an ID token presented as an
access token fails (RFC 9068 §4).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws as jose_jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

ALGORITHM = "ES256"
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


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JWSError(f"duplicate member {key!r}")  # RFC 7515 §4: reject, never guess
        result[key] = value
    return result


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw, object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JWSError("not JSON") from exc
    if not isinstance(value, dict):
        raise JWSError("not a JSON object")
    return value


def sign(
    claims: Mapping[str, Any], private_key: ec.EllipticCurvePrivateKey, *, kid: str, typ: str
) -> str:
    header = {"alg": ALGORITHM, "typ": typ, "kid": kid}
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    return jose_jws.serialize_compact(
        header, payload, ECKey.import_key(private_key), algorithms=[ALGORITHM]
    )


@dataclass(frozen=True)
class UnverifiedJWS:
    """A parsed token whose signature has not been checked yet: read `kid` and nothing else."""

    token: str
    header: dict[str, Any]
    claims: dict[str, Any]

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    def verify(self, public_key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
        """The claims, if `public_key` made the signature; JWSError otherwise."""
        try:
            jose_jws.deserialize_compact(
                self.token, ECKey.import_key(public_key), algorithms=[ALGORITHM]
            )
        except JoseError as exc:
            raise JWSError("the signature does not verify") from exc
        return self.claims


def parse(token: str, *, typ: str) -> UnverifiedJWS:
    """Decode a compact ES256 JWS whose header names `typ` (e.g. at+jwt), without yet trusting
    anything in it but the key id."""
    if len(token) > MAX_TOKEN_CHARS:
        raise JWSError("the token is too long")
    segments = token.split(".")
    if len(segments) != 3:
        raise JWSError("a compact JWS has three segments")
    header = _json_object(b64url_decode(segments[0]))
    if header.get("alg") != ALGORITHM:
        raise JWSError(f"only {ALGORITHM} is accepted")
    if "crit" in header:
        raise JWSError("no critical header extensions are understood")
    given = str(header.get("typ", "")).lower().removeprefix("application/")
    if given != typ.lower():
        raise JWSError(f"the token is not of type {typ}")
    b64url_decode(segments[2])  # a malformed signature is refused before any key is looked up
    return UnverifiedJWS(
        token=token, header=header, claims=_json_object(b64url_decode(segments[1]))
    )
