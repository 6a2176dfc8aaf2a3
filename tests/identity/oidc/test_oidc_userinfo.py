"""Userinfo (OIDC Core §5.3): `sub` always, names with `profile`, birth date with `birthdate`."""

from __future__ import annotations

import pytest
from support import assert_problem

from .oidc_harness import AGENCY, AGENCY_SECRET, Harness


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_userinfo_with_profile_gives_the_names_in_thai_and_english(
    oidc: Harness, method: str
) -> None:
    login = await oidc.login(scope="openid profile")
    tokens = (await oidc.exchange(login)).json()
    response = await oidc.http.request(
        method, "/oauth/userinfo", headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "sub": login.subject.sub,
        "given_name": "สมชาย",
        "family_name": "ใจดี",
        "name": "สมชาย ใจดี",
        "given_name#en": "Somchai",
        "family_name#en": "Jaidee",
        "name#en": "Somchai Jaidee",
    }


async def test_userinfo_without_profile_gives_only_the_subject(oidc: Harness) -> None:
    login = await oidc.login(scope="openid citizen")
    tokens = (await oidc.exchange(login)).json()
    response = await oidc.http.get("/oauth/userinfo", headers=bearer(tokens["access_token"]))
    assert response.json() == {"sub": login.subject.sub}


async def test_userinfo_with_birthdate_gives_the_birth_date_alone(oidc: Harness) -> None:
    tokens = await oidc.tokens(scope="openid birthdate")
    response = await oidc.http.get("/oauth/userinfo", headers=bearer(tokens["access_token"]))
    assert set(response.json()) == {"sub", "birthdate"}
    assert response.json()["birthdate"] == "1987-03"


async def test_userinfo_after_a_refresh_still_knows_the_citizen(oidc: Harness) -> None:
    tokens = await oidc.tokens(scope="openid profile")
    refreshed = (await oidc.refresh(tokens["refresh_token"])).json()
    response = await oidc.http.get("/oauth/userinfo", headers=bearer(refreshed["access_token"]))
    assert response.json()["name"] == "สมชาย ใจดี"


async def test_userinfo_without_a_token_asks_for_one(oidc: Harness) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        response = await oidc.http.get("/oauth/userinfo", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == 'Bearer realm="citizen-gateway"'


async def test_userinfo_with_a_bad_token_says_invalid_token(oidc: Harness) -> None:
    response = await oidc.http.get("/oauth/userinfo", headers=bearer("not.a.token"))
    assert_problem(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_userinfo_refuses_an_agency_token(oidc: Harness) -> None:
    token = (await oidc.client_credentials(AGENCY, AGENCY_SECRET)).json()["access_token"]
    response = await oidc.http.get("/oauth/userinfo", headers=bearer(token))
    assert_problem(response, 403, "insufficient_scope")
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert 'scope="openid"' in response.headers["www-authenticate"]
