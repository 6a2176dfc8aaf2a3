"""Token endpoint errors: RFC 6749 §5.2 bodies that also carry the gateway's problem members."""

from __future__ import annotations

import pytest

from .oidc_harness import APP, Harness, oauth_error


async def test_an_unknown_grant_type_is_refused(oidc: Harness) -> None:
    for grant_type in ("password", "implicit", 'we"ird\\'):
        response = await oidc.post_form(
            "/oauth/token", {"grant_type": grant_type, "client_id": APP}
        )
        oauth_error(response, 400, "unsupported_grant_type")


async def test_a_json_body_is_refused(oidc: Harness) -> None:
    response = await oidc.http.post("/oauth/token", json={"grant_type": "client_credentials"})
    body = oauth_error(response, 400, "invalid_request")
    assert "x-www-form-urlencoded" in body["error_description"]


async def test_a_repeated_parameter_is_refused(oidc: Harness) -> None:
    response = await oidc.http.post(
        "/oauth/token",
        content=b"grant_type=authorization_code&code=a&code=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize("missing", ["code", "redirect_uri"])
async def test_a_code_exchange_missing_a_part_is_refused(oidc: Harness, missing: str) -> None:
    login = await oidc.login()
    response = await oidc.exchange(login, **{missing: None})
    oauth_error(response, 400, "invalid_request" if missing == "code" else "invalid_grant")


async def test_an_invented_code_is_an_invalid_grant(oidc: Harness) -> None:
    login = await oidc.login()
    response = await oidc.exchange(login, code="A" * 48)
    body = oauth_error(response, 400, "invalid_grant")
    assert body["instance"] == "/oauth/token"


async def test_the_token_endpoint_takes_only_post(oidc: Harness) -> None:
    response = await oidc.http.get("/oauth/token")
    assert response.status_code == 405
