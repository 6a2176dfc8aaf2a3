"""The JWTs the provider signs, and the reading of its own access tokens.

Access tokens follow the JWT profile for OAuth 2.0 access tokens (RFC 9068): header
`typ: at+jwt`, claims iss, sub, aud, client_id, scope, jti, exp, iat and, for a citizen's
token, auth_time, acr, amr and `sid` (the login the token descends from, so revoking the login
revokes its access tokens too). ID tokens (OIDC Core §2) carry iss, sub, aud, exp, iat,
auth_time, nonce, acr, amr, at_hash, sid and the personal claims the scope releases.

Everything is signed ES256 with the provider's current key (keys.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from identity.oidc import jws
from identity.oidc.errors import InvalidToken
from identity.oidc.keys import KeyStore
from identity.oidc.scopes import format_scope
from identity.oidc.settings import OIDCSettings
from kernel.bounded import BoundedMap

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105  (a media type)
ID_TOKEN_TYPE = "JWT"  # noqa: S105


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def half_hash(value: str) -> str:
    """at_hash for ES256: the left half of SHA-256, base64url (OIDC Core §3.1.3.6)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return jws.b64url_encode(digest[: len(digest) // 2])


@dataclass(frozen=True)
class AccessClaims:
    """A verified access token: who (sub), through which client, with which scopes."""

    sub: str
    client_id: str
    scopes: tuple[str, ...]
    jti: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    acr: str | None = None
    amr: tuple[str, ...] = ()
    auth_time: dt.datetime | None = None
    sid: str | None = None  # the token family (login); None for client-credentials tokens

    @property
    def is_citizen(self) -> bool:
        return self.sid is not None

    def has_scopes(self, required: Sequence[str]) -> bool:
        return set(required) <= set(self.scopes)


@dataclass(frozen=True)
class Grant:
    """What a token is issued for: a citizen's login (`family_id` set) or a client itself."""

    client_id: str
    subject: str
    scopes: tuple[str, ...]
    acr: str | None = None
    amr: tuple[str, ...] = ()
    auth_time: dt.datetime | None = None
    family_id: str | None = None


class TokenSigner:
    def __init__(self, settings: OIDCSettings, keys: KeyStore) -> None:
        self.settings = settings
        self.keys = keys
        # Access tokens whose signature verified, as sent: their key id and claims.
        self._verified: BoundedMap[str, tuple[str | None, Mapping[str, Any]]] = BoundedMap(8192)

    def _user_claims(self, grant: Grant) -> dict[str, Any]:
        claims: dict[str, Any] = {}
        if grant.auth_time is not None:
            claims["auth_time"] = _epoch(grant.auth_time)
        if grant.acr is not None:
            claims["acr"] = grant.acr
        if grant.amr:
            claims["amr"] = list(grant.amr)
        if grant.family_id is not None:
            claims["sid"] = grant.family_id
        return claims

    def access_token(self, grant: Grant, *, jti: str, now: dt.datetime) -> str:
        claims = {
            "iss": self.settings.issuer,
            "sub": grant.subject,
            "aud": self.settings.token_audience,
            "client_id": grant.client_id,
            "scope": format_scope(grant.scopes),
            "jti": jti,
            "iat": _epoch(now),
            "exp": _epoch(now + self.settings.access_token_lifetime),
            **self._user_claims(grant),
        }
        key = self.keys.current()
        return jws.sign(claims, key.private_key, kid=key.kid, typ=ACCESS_TOKEN_TYPE)

    def id_token(
        self,
        grant: Grant,
        *,
        now: dt.datetime,
        nonce: str | None,
        access_token: str | None,
        person: Mapping[str, str],
    ) -> str:
        claims: dict[str, Any] = {
            **person,
            "iss": self.settings.issuer,
            "sub": grant.subject,
            "aud": grant.client_id,
            "iat": _epoch(now),
            "exp": _epoch(now + self.settings.access_token_lifetime),
            **self._user_claims(grant),
        }
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["at_hash"] = half_hash(access_token)
        key = self.keys.current()
        return jws.sign(claims, key.private_key, kid=key.kid, typ=ID_TOKEN_TYPE)

    def read_access_token(self, token: str, now: dt.datetime) -> AccessClaims:
        """The claims of an access token this provider signed and that is valid now.

        Checks: ES256 only, `typ` at+jwt, a published key (current or within its grace period),
        the signature, `iss`, `aud`, `exp` and `iat` within the leeway. Not revocation: that
        needs the database (see OIDCProvider.verify_access_token). InvalidToken otherwise.

        An app sends the same token with every call until it expires, so the outcome of the
        signature check (the costly part) is remembered per token, exactly as sent; the key must
        still be published and the claims are checked against `now` on every call.
        """
        claims: Mapping[str, Any]
        verified = self._verified.get(token)
        if verified is None:
            try:
                unverified = jws.parse(token, typ=ACCESS_TOKEN_TYPE)
            except jws.JWSError as exc:
                raise InvalidToken(f"The access token is malformed: {exc}.") from exc
            public_key = self.keys.verification_key(unverified.kid)
            if public_key is None:
                raise InvalidToken("The access token's signing key is not published (unknown kid).")
            try:
                claims = unverified.verify(public_key)
            except jws.JWSError as exc:
                raise InvalidToken("The access token's signature does not verify.") from exc
            self._verified.put(token, (unverified.kid, claims))
        else:
            kid, claims = verified
            if self.keys.verification_key(kid) is None:  # retired since
                raise InvalidToken("The access token's signing key is not published (unknown kid).")
        return self._check_claims(claims, now)

    def _check_claims(self, claims: Mapping[str, Any], now: dt.datetime) -> AccessClaims:
        leeway = self.settings.leeway.total_seconds()
        moment = now.timestamp()
        if claims.get("iss") != self.settings.issuer:
            raise InvalidToken("The access token was issued by someone else.")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.settings.token_audience not in audiences:
            raise InvalidToken("The access token is meant for another audience.")
        exp, iat = _number(claims, "exp"), _number(claims, "iat")
        if exp is None or iat is None:
            raise InvalidToken("The access token lacks exp or iat.")
        if moment >= exp + leeway:
            raise InvalidToken("The access token has expired.")
        if iat > moment + leeway:
            raise InvalidToken("The access token was issued in the future.")
        sub, client_id, jti = _text(claims, "sub"), _text(claims, "client_id"), _text(claims, "jti")
        scope = claims.get("scope")
        if not sub or not client_id or not jti or not isinstance(scope, str):
            raise InvalidToken("The access token lacks sub, client_id, jti or scope.")
        amr = claims.get("amr")
        auth_time = _number(claims, "auth_time")
        return AccessClaims(
            sub=sub,
            client_id=client_id,
            scopes=tuple(scope.split()),
            jti=jti,
            issued_at=dt.datetime.fromtimestamp(iat, dt.UTC),
            expires_at=dt.datetime.fromtimestamp(exp, dt.UTC),
            acr=_text(claims, "acr"),
            amr=tuple(str(m) for m in amr) if isinstance(amr, list) else (),
            auth_time=None if auth_time is None else dt.datetime.fromtimestamp(auth_time, dt.UTC),
            sid=_text(claims, "sid"),
        )


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _text(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value if isinstance(value, str) and value else None
