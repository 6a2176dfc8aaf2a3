"""The mobile app's whole login over HTTP: verification (card + face) -> authorization code ->
token exchange with PKCE -> /v1/me. Tokens are checked independently with PyJWT against the
published JWKS."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support import (
    SOMCHAI,
    Stack,
    assert_problem,
    authorization,
    login,
    pkce,
)

from identity.clients import MOBILE_APP_CLIENT_ID

ISSUER = "http://127.0.0.1:8000"  # the test settings' PUBLIC_URL


async def published_keys(stack: Stack) -> dict[str, jwt.PyJWK]:
    config = (await stack.gateway.get("/.well-known/openid-configuration")).json()
    jwks_path = httpx.URL(config["jwks_uri"]).path
    jwks = (await stack.gateway.get(jwks_path)).json()
    return {key["kid"]: jwt.PyJWK(key) for key in jwks["keys"]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.rule("R-8.1")
async def test_the_app_logs_in_and_the_id_token_verifies_against_the_jwks(stack: Stack) -> None:
    tokens = await login(stack, nonce="app-nonce-456")
    keys = await published_keys(stack)
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "ES256"
    claims = jwt.decode(
        tokens["id_token"],
        keys[header["kid"]].key,
        algorithms=["ES256"],
        audience=MOBILE_APP_CLIENT_ID,
        issuer=ISSUER,
    )
    assert claims["acr"] == "IAL2.3"
    assert claims["amr"] == ["card", "face", "liveness"]
    assert claims["nonce"] == "app-nonce-456"
    assert claims["given_name"] == "สมชาย"
    assert claims["birthdate"] == "1987-01-15"
    assert SOMCHAI["national_id"] not in json.dumps(claims)  # sub is never the national ID
    access = jwt.decode(
        tokens["access_token"],
        keys[jwt.get_unverified_header(tokens["access_token"])["kid"]].key,
        algorithms=["ES256"],
        audience=ISSUER,
    )
    assert access["sub"] == claims["sub"]

    me = await stack.gateway.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    profile = me.json()
    assert profile["subject"] == claims["sub"]
    assert (profile["first_name_th"], profile["last_name_en"]) == ("สมชาย", "Jaidee")
    assert profile["login_assurance"] == "IAL2.3"
    assert SOMCHAI["national_id"] not in me.text


async def test_me_without_a_token_is_401(stack: Stack) -> None:
    r = await stack.gateway.get("/v1/me")
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")


def _forge(claims: dict[str, Any], header: dict[str, Any], key: Any) -> str:
    return jwt.encode(claims, key, algorithm=header["alg"], headers=header)


async def test_a_token_signed_by_another_key_is_refused(stack: Stack) -> None:
    tokens = await login(stack)
    real = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    header = jwt.get_unverified_header(tokens["access_token"])
    forged = _forge(real, header, ec.generate_private_key(ec.SECP256R1()))
    r = await stack.gateway.get("/v1/me", headers=bearer(forged))
    assert_problem(r, 401, "invalid_token")


async def test_a_token_with_alg_none_is_refused(stack: Stack) -> None:
    tokens = await login(stack)
    real = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    header = {**jwt.get_unverified_header(tokens["access_token"]), "alg": "none"}

    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    unsigned = f"{part(header)}.{part(real)}."
    r = await stack.gateway.get("/v1/me", headers=bearer(unsigned))
    assert_problem(r, 401, "invalid_token")


async def test_an_expired_token_is_refused(stack: Stack, admin_headers: dict[str, str]) -> None:
    tokens = await login(stack)
    assert (await stack.gateway.get("/v1/me", headers=bearer(tokens["access_token"]))).is_success
    lifetime = int(tokens["expires_in"])
    moved = await stack.gateway.post(
        "/v1/admin/clock", json={"advance": lifetime + 120}, headers=admin_headers
    )
    assert moved.status_code == 200
    r = await stack.gateway.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert_problem(r, 401, "invalid_token")


async def test_a_card_only_login_must_step_up_for_a_face_level_service(stack: Stack) -> None:
    tokens = await login(stack, face=False)
    access = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert access["acr"] == "IAL1.3"
    # The older persons' allowance needs IAL2.3 (the seed): step up.
    r = await stack.gateway.get(
        "/v1/services/dop-older-persons-allowance-registration/access",
        headers=bearer(tokens["access_token"]),
    )
    body = assert_problem(r, 401, "insufficient_user_authentication")
    assert body["required_acr"] == "IAL2.3"
    challenge = r.headers["www-authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge
    assert 'acr_values="IAL2.3"' in challenge


async def test_a_face_login_may_use_the_service(stack: Stack) -> None:
    tokens = await login(stack)
    r = await stack.gateway.get(
        "/v1/services/dop-older-persons-allowance-registration/access",
        headers=bearer(tokens["access_token"]),
    )
    assert r.status_code == 200
    assert r.json() == {
        "service_id": "dop-older-persons-allowance-registration",
        "required_assurance": "IAL2.3",
        "login_assurance": "IAL2.3",
        "allowed": True,
    }


async def test_a_bad_client_fails_before_the_card_is_checked(stack: Stack) -> None:
    await stack.agencies.put("/faults/DOPA", json={"outage": True})  # registry would say 503
    _, challenge = pkce()
    r = await stack.gateway.post(
        "/v1/identity/verifications",
        json={**SOMCHAI, "authorization": authorization(challenge, client_id="no-such-app")},
    )
    assert_problem(r, 400, "invalid_client")
    r = await stack.gateway.post(
        "/v1/identity/verifications",
        json={
            **SOMCHAI,
            "authorization": authorization(challenge, redirect_uri="https://evil.example/cb"),
        },
    )
    assert r.status_code == 400
    assert r.json()["code"] in {"invalid_redirect_uri", "invalid_request"}


async def test_a_plain_pkce_challenge_is_refused(stack: Stack) -> None:
    r = await stack.gateway.post(
        "/v1/identity/verifications",
        json={
            **SOMCHAI,
            "authorization": authorization(
                "plain-challenge-" + "x" * 40, code_challenge_method="plain"
            ),
        },
    )
    assert_problem(r, 400, "unsupported_challenge_method")


async def test_the_refresh_token_rotates(stack: Stack) -> None:
    tokens = await login(stack)
    refreshed = await stack.gateway.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": MOBILE_APP_CLIENT_ID,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != tokens["refresh_token"]
    reused = await stack.gateway.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": MOBILE_APP_CLIENT_ID,
        },
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # Reuse revoked the whole login, so even the new access token stops working.
    new_access = refreshed.json()["access_token"]
    assert (await stack.gateway.get("/v1/me", headers=bearer(new_access))).status_code == 401
