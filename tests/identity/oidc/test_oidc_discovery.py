"""Discovery (OIDC Discovery §3) and the JWKS it points to."""

from __future__ import annotations

import jwt

from .oidc_harness import ISSUER, Harness


async def test_the_discovery_document_describes_this_provider(oidc: Harness) -> None:
    response = await oidc.http.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    meta = response.json()
    assert meta["issuer"] == ISSUER
    assert meta["authorization_endpoint"] == f"{ISSUER}/v1/identity/verifications"
    assert meta["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert meta["jwks_uri"] == f"{ISSUER}/oauth/jwks"
    assert meta["revocation_endpoint"] == f"{ISSUER}/oauth/revoke"
    assert meta["userinfo_endpoint"] == f"{ISSUER}/oauth/userinfo"
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["ES256"]
    assert set(meta["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "none",
        "client_secret_basic",
        "client_secret_post",
    }
    assert {"openid", "profile", "birthdate", "citizen", "admin"} <= set(meta["scopes_supported"])
    assert {"sub", "acr", "amr", "auth_time", "nonce", "name", "given_name#en", "birthdate"} <= set(
        meta["claims_supported"]
    )
    assert "IAL2.3" in meta["acr_values_supported"]
    assert meta["subject_types_supported"] == ["public"]
    assert meta["request_uri_parameter_supported"] is False


async def test_the_jwks_publishes_public_es256_keys_only(oidc: Harness) -> None:
    response = await oidc.http.get("/oauth/jwks")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC"
    assert key["crv"] == "P-256"
    assert key["alg"] == "ES256"
    assert not {"d", "p", "q", "k"} & key.keys()
    assert jwt.PyJWK(key).key_type == "EC"
