"""Every identity answer that carries personal data, a liveness challenge, an authorization code
or tokens tells caches not to keep it (`Cache-Control: no-store`; RFC 6749 §5.1 also asks the
token endpoint for `Pragma: no-cache`), so no shared or browser cache holds a citizen's data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support import (
    MOBILE_APP_CLIENT_ID,
    REDIRECT,
    SOMCHAI,
    Stack,
    authorization,
    bearer,
    face_answer,
    login,
    pkce,
)

START = "/v1/identity/verifications"


def assert_not_cached(response: httpx.Response) -> None:
    assert response.is_success, response.text
    assert response.headers.get("cache-control") == "no-store"


async def test_the_profile_is_not_cached(stack: Stack) -> None:
    tokens = await login(stack)
    assert_not_cached(await stack.gateway.get("/v1/me", headers=bearer(tokens)))


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_userinfo_is_not_cached(stack: Stack, method: str) -> None:
    tokens = await login(stack)
    response = await stack.gateway.request(method, "/oauth/userinfo", headers=bearer(tokens))
    assert_not_cached(response)
    assert response.json()["given_name"] == SOMCHAI["first_name_th"]


async def test_the_challenge_is_not_cached(stack: Stack) -> None:
    assert_not_cached(await stack.gateway.post(START, json=SOMCHAI))


async def _started(stack: Stack, verifier_challenge: str) -> dict[str, Any]:
    body = {**SOMCHAI, "authorization": authorization(verifier_challenge)}
    started = await stack.gateway.post(START, json=body)
    assert started.status_code == 201, started.text
    result: dict[str, Any] = started.json()
    return result


async def test_the_face_result_and_its_code_are_not_cached(stack: Stack) -> None:
    verifier, challenge = pkce()
    started = await _started(stack, challenge)
    finished = await stack.gateway.post(started["face_url"], json=await face_answer(stack, started))
    assert_not_cached(finished)
    assert finished.json()["authorization"]["code"]

    token = await stack.gateway.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": finished.json()["authorization"]["code"],
            "redirect_uri": REDIRECT,
            "client_id": MOBILE_APP_CLIENT_ID,
            "code_verifier": verifier,
        },
    )
    assert_not_cached(token)
    assert token.headers["pragma"] == "no-cache"


async def test_the_card_only_result_is_not_cached(stack: Stack) -> None:
    _, challenge = pkce()
    started = await _started(stack, challenge)
    finished = await stack.gateway.post(f"{START}/{started['id']}/card-only")
    assert_not_cached(finished)
    assert finished.json()["authorization"]["code"]


async def test_a_revocation_answer_is_not_cached(stack: Stack) -> None:
    tokens = await login(stack)
    revoked = await stack.gateway.post(
        "/oauth/revoke",
        data={"token": tokens["refresh_token"], "client_id": MOBILE_APP_CLIENT_ID},
    )
    assert_not_cached(revoked)
    assert revoked.headers["pragma"] == "no-cache"
