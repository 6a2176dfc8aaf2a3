"""Client credentials for agency and operator clients; scopes never cross citizen/agency/admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from identity.oidc import ClientKind, InvalidClientMetadata
from identity.oidc.models import OIDCClient

from .oidc_harness import (
    AGENCY,
    AGENCY_SECRET,
    APP,
    APP_REDIRECT,
    ISSUER,
    OPERATOR,
    OPERATOR_SECRET,
    Harness,
    independently_verified,
    oauth_error,
)


@pytest.mark.parametrize("method", ["basic", "post"])
async def test_an_agency_gets_an_access_token_with_its_secret(oidc: Harness, method: str) -> None:
    response = await oidc.client_credentials(AGENCY, AGENCY_SECRET, method=method)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "agency:DOPA"
    assert "refresh_token" not in body
    assert "id_token" not in body
    claims = independently_verified(
        body["access_token"], await oidc.jwks(), audience=ISSUER, typ="at+jwt"
    )
    assert claims["sub"] == AGENCY  # RFC 9068 §2.2: the client is the subject
    assert claims["client_id"] == AGENCY
    assert claims["scope"] == "agency:DOPA"
    assert "acr" not in claims
    assert "sid" not in claims
    verified = await oidc.verify(body["access_token"], "agency:DOPA")
    assert not verified.is_citizen


async def test_the_operator_gets_the_admin_scope(oidc: Harness) -> None:
    response = await oidc.client_credentials(OPERATOR, OPERATOR_SECRET, scope="admin")
    assert response.status_code == 200, response.text
    await oidc.verify(response.json()["access_token"], "admin")


@pytest.mark.parametrize("method", ["basic", "post"])
async def test_a_wrong_secret_is_refused(oidc: Harness, method: str) -> None:
    response = await oidc.client_credentials(AGENCY, "wrong-" + AGENCY_SECRET, method=method)
    body = oauth_error(response, 401, "invalid_client")
    assert body["instance"] == "/oauth/token"
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert response.headers["pragma"] == "no-cache"


async def test_a_public_client_cannot_use_client_credentials(oidc: Harness) -> None:
    response = await oidc.post_form(
        "/oauth/token", {"grant_type": "client_credentials", "client_id": APP}
    )
    oauth_error(response, 401, "invalid_client")
    response = await oidc.client_credentials(APP, "any-secret-at-all-0123456789-abcdef")
    oauth_error(response, 401, "invalid_client")


@pytest.mark.parametrize(
    ("client_id", "secret", "scope"),
    [
        (AGENCY, AGENCY_SECRET, "openid"),
        (AGENCY, AGENCY_SECRET, "citizen"),
        (AGENCY, AGENCY_SECRET, "agency:DLT"),
        (AGENCY, AGENCY_SECRET, "admin"),
        (AGENCY, AGENCY_SECRET, "agency:DOPA nonsense"),
        (OPERATOR, OPERATOR_SECRET, "agency:DOPA"),
        (OPERATOR, OPERATOR_SECRET, "profile"),
    ],
)
async def test_a_confidential_client_gets_only_its_own_scopes(
    oidc: Harness, client_id: str, secret: str, scope: str
) -> None:
    response = await oidc.client_credentials(client_id, secret, scope=scope)
    oauth_error(response, 400, "invalid_scope")


async def test_an_agency_cannot_redeem_citizen_grants(oidc: Harness) -> None:
    login = await oidc.login()
    form = {
        "grant_type": "authorization_code",
        "code": login.issued.code,
        "redirect_uri": login.issued.redirect_uri,
        "code_verifier": login.verifier,
    }
    response = await oidc.post_form("/oauth/token", form, auth=(AGENCY, AGENCY_SECRET))
    oauth_error(response, 400, "unauthorized_client")


@pytest.mark.parametrize(
    "registration",
    [
        {"kind": ClientKind.PUBLIC, "scopes": ["openid", "agency:DOPA"]},
        {"kind": ClientKind.PUBLIC, "scopes": ["openid", "admin"]},
        {"kind": ClientKind.PUBLIC, "scopes": ["openid"], "secret": "s" * 40},
        {"kind": ClientKind.PUBLIC, "scopes": ["openid"], "redirect_uris": ["http://evil.example/"]},
        {"kind": ClientKind.PUBLIC, "scopes": ["openid"], "grant_types": ["client_credentials"]},
        {"kind": ClientKind.CONFIDENTIAL, "scopes": ["citizen"], "secret": "s" * 40},
        {"kind": ClientKind.CONFIDENTIAL, "scopes": ["agency:DOPA", "openid"], "secret": "s" * 40},
        {"kind": ClientKind.CONFIDENTIAL, "scopes": ["agency:DOPA"], "secret": "short"},
        {"kind": ClientKind.CONFIDENTIAL, "scopes": ["agency:DOPA"]},
        {"kind": ClientKind.CONFIDENTIAL, "scopes": ["agency:DOPA"], "secret": "s" * 40,
         "grant_types": ["authorization_code"]},
    ],
)  # fmt: skip
async def test_a_client_that_would_cross_the_scope_lines_is_not_registered(
    oidc: Harness, registration: dict[str, object]
) -> None:
    values: dict[str, object] = {"redirect_uris": [APP_REDIRECT], **registration}
    if values["kind"] is ClientKind.CONFIDENTIAL and "redirect_uris" not in registration:
        values["redirect_uris"] = []
    async with oidc.sessions() as session:
        with pytest.raises(InvalidClientMetadata):
            await oidc.provider.ensure_client(
                session,
                client_id="new-client",
                name="New",
                **values,  # type: ignore[arg-type]
            )


async def test_ensure_client_is_idempotent_and_keeps_only_a_hash_of_the_secret(
    oidc: Harness,
) -> None:
    async with oidc.sessions() as session:
        before = await session.get(OIDCClient, AGENCY)
        assert before is not None
        stored_hash = before.secret_hash
    assert stored_hash is not None
    assert stored_hash.startswith("scrypt$")
    assert AGENCY_SECRET not in stored_hash

    async with oidc.sessions() as session:
        for _ in range(2):
            info = await oidc.provider.ensure_client(
                session,
                client_id=AGENCY,
                name=AGENCY,
                kind=ClientKind.CONFIDENTIAL,
                scopes=["agency:DOPA"],
                secret=AGENCY_SECRET,
            )
        await session.commit()
    assert info.scopes == ("agency:DOPA",)
    async with oidc.sessions() as session:
        rows = (await session.scalars(select(OIDCClient))).all()
        after = await session.get(OIDCClient, AGENCY)
    assert len(rows) == 5
    assert after is not None
    assert after.secret_hash == stored_hash  # same secret: not hashed again

    new_secret = "rotated-secret-0123456789-abcdefghijkl"
    async with oidc.sessions() as session:
        await oidc.provider.ensure_client(
            session,
            client_id=AGENCY,
            name=AGENCY,
            kind=ClientKind.CONFIDENTIAL,
            scopes=["agency:DOPA"],
            secret=new_secret,
        )
        await session.commit()
    oauth_error(await oidc.client_credentials(AGENCY, AGENCY_SECRET), 401, "invalid_client")
    assert (await oidc.client_credentials(AGENCY, new_secret)).status_code == 200
