"""verify_access_token: only the provider's own ES256 signatures, valid now, not revoked.

Forged tokens are made with PyJWT or by hand, the way an attacker would make them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from identity.oidc import InsufficientScope, InvalidToken

from .oidc_harness import ISSUER, Harness


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    return header, claims


def sign_es256(claims: dict[str, Any], key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return jwt.encode(claims, pem, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"})


def own_key(oidc: Harness) -> tuple[ec.EllipticCurvePrivateKey, str]:
    current = oidc.provider.keys.current()
    return current.private_key, current.kid


async def fresh_token(oidc: Harness) -> str:
    token: str = (await oidc.tokens())["access_token"]
    return token


async def test_a_valid_token_gives_its_claims(oidc: Harness) -> None:
    token = await fresh_token(oidc)
    claims = await oidc.verify(token, "openid", "citizen")
    assert claims.client_id == "citizen-app"
    assert claims.scopes == ("openid", "profile", "birthdate", "citizen")
    assert claims.amr == ("card", "face", "liveness")
    assert claims.is_citizen


async def test_a_token_signed_by_another_key_is_refused(oidc: Harness) -> None:
    header, claims = unverified(await fresh_token(oidc))
    stranger = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(InvalidToken, match="signature"):  # our kid, someone else's key
        await oidc.verify(sign_es256(claims, stranger, header["kid"]))
    with pytest.raises(InvalidToken, match="not published"):
        await oidc.verify(sign_es256(claims, stranger, "someone-elses-kid"))


async def test_an_expired_token_is_refused(oidc: Harness) -> None:
    token = await fresh_token(oidc)
    oidc.clock.advance(minutes=10)  # the lifetime, but still within the 30 s leeway
    await oidc.verify(token)
    oidc.clock.advance(seconds=30)
    with pytest.raises(InvalidToken, match="expired") as caught:
        await oidc.verify(token)
    assert caught.value.status == 401
    challenge = caught.value.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="citizen-gateway", error="invalid_token"')


async def test_a_token_from_the_future_is_refused(oidc: Harness) -> None:
    _, claims = unverified(await fresh_token(oidc))
    key, kid = own_key(oidc)
    claims.update(iat=claims["iat"] + 300, exp=claims["exp"] + 300)
    with pytest.raises(InvalidToken, match="future"):
        await oidc.verify(sign_es256(claims, key, kid))


async def test_alg_none_is_refused(oidc: Harness) -> None:
    header, claims = unverified(await fresh_token(oidc))
    for alg in ("none", "None", "NONE"):
        forged_header = {**header, "alg": alg}
        token = f"{b64(json.dumps(forged_header).encode())}.{b64(json.dumps(claims).encode())}."
        with pytest.raises(InvalidToken, match="ES256"):
            await oidc.verify(token)


async def test_hs256_keyed_with_the_public_key_is_refused(oidc: Harness) -> None:
    header, claims = unverified(await fresh_token(oidc))
    jwks = await oidc.jwks()
    public = jwt.PyJWK(jwks["keys"][0]).key
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{b64(json.dumps({**header, 'alg': 'HS256'}).encode())}.{b64(json.dumps(claims).encode())}"
    )
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken, match="ES256"):
        await oidc.verify(f"{signing_input}.{b64(mac)}")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"iss": "https://evil.example"}, "issued by someone else"),
        ({"iss": ISSUER + "/"}, "issued by someone else"),
        ({"aud": "https://agency.example"}, "audience"),
        ({"jti": None}, "lacks"),
        ({"exp": None}, "lacks exp"),
        ({"exp": "never"}, "lacks exp"),
    ],
)
async def test_wrong_claims_under_a_good_signature_are_refused(
    oidc: Harness, change: dict[str, Any], reason: str
) -> None:
    _, claims = unverified(await fresh_token(oidc))
    key, kid = own_key(oidc)
    claims.update(change)
    claims = {k: v for k, v in claims.items() if v is not None}
    with pytest.raises(InvalidToken, match=reason):
        await oidc.verify(sign_es256(claims, key, kid))


async def test_a_tampered_token_is_refused(oidc: Harness) -> None:
    token = await fresh_token(oidc)
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] += " admin"
    with pytest.raises(InvalidToken, match="signature"):
        await oidc.verify(f"{head}.{b64(json.dumps(claims).encode())}.{signature}")


async def test_an_id_token_is_not_an_access_token(oidc: Harness) -> None:
    tokens = await oidc.tokens()
    with pytest.raises(InvalidToken, match="at\\+jwt"):  # RFC 9068 §4: typ tells them apart
        await oidc.verify(tokens["id_token"])


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "e30.e30.", "!!.??.**", "x" * 9000])
async def test_garbage_is_refused(oidc: Harness, token: str) -> None:
    with pytest.raises(InvalidToken):
        await oidc.verify(token)


async def test_a_revoked_jti_is_refused(oidc: Harness) -> None:
    token = await fresh_token(oidc)
    assert (await oidc.revoke(token)).status_code == 200
    with pytest.raises(InvalidToken, match="revoked"):
        await oidc.verify(token)


async def test_a_missing_scope_is_forbidden_not_unauthorized(oidc: Harness) -> None:
    token = (await oidc.tokens(scope="openid profile"))["access_token"]
    with pytest.raises(InsufficientScope) as caught:
        await oidc.verify(token, "citizen")
    assert caught.value.status == 403
    assert caught.value.code == "insufficient_scope"
    assert 'scope="citizen"' in caught.value.headers["WWW-Authenticate"]
