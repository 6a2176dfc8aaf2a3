"""Token revocation (RFC 7009): refresh tokens end the login, access tokens stop at once."""

from __future__ import annotations

import pytest

from identity.oidc import InvalidToken

from .oidc_harness import AGENCY, AGENCY_SECRET, OTHER_AGENCY, WEB, Harness, oauth_error


async def test_revoking_a_refresh_token_ends_the_login(oidc: Harness) -> None:
    tokens = await oidc.tokens()
    response = await oidc.revoke(tokens["refresh_token"], hint="refresh_token")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    oauth_error(await oidc.refresh(tokens["refresh_token"]), 400, "invalid_grant")
    # RFC 7009 §2.1: the access tokens of the same grant go too.
    with pytest.raises(InvalidToken, match="revoked"):
        await oidc.verify(tokens["access_token"])


async def test_revoking_an_access_token_refuses_it_but_keeps_the_login(oidc: Harness) -> None:
    tokens = await oidc.tokens()
    assert (await oidc.revoke(tokens["access_token"], hint="access_token")).status_code == 200
    with pytest.raises(InvalidToken, match="revoked"):
        await oidc.verify(tokens["access_token"])
    userinfo = await oidc.http.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401
    refreshed = await oidc.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200
    await oidc.verify(refreshed.json()["access_token"])


async def test_the_hint_is_only_a_hint(oidc: Harness) -> None:
    tokens = await oidc.tokens()
    assert (await oidc.revoke(tokens["access_token"], hint="refresh_token")).status_code == 200
    assert (await oidc.revoke(tokens["refresh_token"], hint="something_else")).status_code == 200
    with pytest.raises(InvalidToken):
        await oidc.verify(tokens["access_token"])
    oauth_error(await oidc.refresh(tokens["refresh_token"]), 400, "invalid_grant")


async def test_revoking_an_unknown_or_dead_token_is_not_an_error(oidc: Harness) -> None:
    assert (await oidc.revoke("not-a-token-we-issued")).status_code == 200
    tokens = await oidc.tokens()
    assert (await oidc.revoke(tokens["refresh_token"])).status_code == 200
    assert (await oidc.revoke(tokens["refresh_token"])).status_code == 200  # twice: still fine


async def test_a_client_cannot_revoke_another_clients_token(oidc: Harness) -> None:
    tokens = await oidc.tokens()
    oauth_error(await oidc.revoke(tokens["refresh_token"], client_id=WEB), 400, "invalid_grant")
    assert (await oidc.refresh(tokens["refresh_token"])).status_code == 200


async def test_revocation_needs_a_token_and_an_authenticated_client(oidc: Harness) -> None:
    oauth_error(await oidc.post_form("/oauth/revoke", {"client_id": WEB}), 400, "invalid_request")
    response = await oidc.revoke("x", auth=(AGENCY, "wrong-secret-0123456789-0123456789"))
    body = oauth_error(response, 401, "invalid_client")
    assert body["instance"] == "/oauth/revoke"
    assert response.headers["www-authenticate"].startswith("Basic ")
    # An unknown client without a secret: invalid_client too (400, RFC 6749 §5.2 allows it).
    oauth_error(await oidc.revoke("x", client_id="nobody"), 400, "invalid_client")


async def test_an_agency_revokes_its_own_access_token(oidc: Harness) -> None:
    token = (await oidc.client_credentials(AGENCY, AGENCY_SECRET)).json()["access_token"]
    await oidc.verify(token, "agency:DOPA")
    other = await oidc.revoke(token, auth=(OTHER_AGENCY, "dlt-secret-0123456789-abcdefghijklmnop"))
    oauth_error(other, 400, "invalid_grant")
    assert (await oidc.revoke(token, auth=(AGENCY, AGENCY_SECRET))).status_code == 200
    with pytest.raises(InvalidToken, match="revoked"):
        await oidc.verify(token)
