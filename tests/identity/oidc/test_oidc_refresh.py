"""Refresh tokens rotate on every use; a replaced one coming back revokes the whole login."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from identity.oidc import InvalidToken
from identity.oidc.models import OIDCRefreshToken, OIDCTokenFamily

from .oidc_harness import APP, ISSUER, WEB, Harness, independently_verified, oauth_error


async def test_refreshing_rotates_the_token_and_the_old_one_stops_working(oidc: Harness) -> None:
    first = await oidc.tokens()
    response = await oidc.refresh(first["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert "id_token" not in second  # the ID token belongs to the login, not to a refresh
    access = independently_verified(
        second["access_token"], await oidc.jwks(), audience=ISSUER, typ="at+jwt"
    )
    original = await oidc.verify(first["access_token"])
    # The same login: subject, assurance and session carry over.
    assert access["sub"] == original.sub
    assert access["acr"] == "IAL2.3"
    assert access["sid"] == original.sid
    assert access["auth_time"] == int(original.auth_time.timestamp()) if original.auth_time else 0

    third = await oidc.refresh(second["refresh_token"])
    assert third.status_code == 200, third.text


async def test_reusing_a_replaced_refresh_token_revokes_every_token_of_the_login(
    oidc: Harness,
) -> None:
    bystander = await oidc.tokens()  # another login of the same client: untouched
    first = await oidc.tokens()
    second = (await oidc.refresh(first["refresh_token"])).json()
    third = (await oidc.refresh(second["refresh_token"])).json()

    # The first token comes back (stolen, or replayed): refused, and the family is revoked.
    oauth_error(await oidc.refresh(first["refresh_token"]), 400, "invalid_grant")
    oauth_error(await oidc.refresh(third["refresh_token"]), 400, "invalid_grant")
    for token in (first["access_token"], second["access_token"], third["access_token"]):
        with pytest.raises(InvalidToken, match="revoked"):
            await oidc.verify(token)

    async with oidc.sessions() as session:
        family = (await session.scalars(select(OIDCTokenFamily).where(
            OIDCTokenFamily.subject == (await oidc.verify(bystander["access_token"])).sub
        ))).one()  # fmt: skip
        assert family.revoked_at is None
        revoked = (await session.scalars(select(OIDCTokenFamily).where(
            OIDCTokenFamily.revoked_at.is_not(None)))).one()  # fmt: skip
        assert revoked.revoked_reason == "refresh_token_reuse"
    assert (await oidc.refresh(bystander["refresh_token"])).status_code == 200


async def test_refresh_may_narrow_the_scope_but_never_widen_it(oidc: Harness) -> None:
    first = await oidc.tokens(scope="openid profile")
    narrowed = await oidc.refresh(first["refresh_token"], scope="openid")
    assert narrowed.status_code == 200, narrowed.text
    body = narrowed.json()
    assert body["scope"] == "openid"
    assert (await oidc.verify(body["access_token"])).scopes == ("openid",)
    # RFC 6749 §6: the new refresh token keeps the scope originally granted.
    again = await oidc.refresh(body["refresh_token"])
    assert again.json()["scope"] == "openid profile"

    widened = await oidc.refresh(again.json()["refresh_token"], scope="openid profile citizen")
    oauth_error(widened, 400, "invalid_scope")


async def test_a_refresh_token_expires_after_its_lifetime(oidc: Harness) -> None:
    first = await oidc.tokens()
    oidc.clock.advance(days=30)
    oauth_error(await oidc.refresh(first["refresh_token"]), 400, "invalid_grant")


async def test_each_rotation_starts_a_new_lifetime(oidc: Harness) -> None:
    token = (await oidc.tokens())["refresh_token"]
    for _ in range(3):
        oidc.clock.advance(days=20)
        response = await oidc.refresh(token)
        assert response.status_code == 200, response.text
        token = response.json()["refresh_token"]


async def test_another_client_cannot_use_a_refresh_token(oidc: Harness) -> None:
    first = await oidc.tokens()
    oauth_error(await oidc.refresh(first["refresh_token"], client_id=WEB), 400, "invalid_grant")
    assert (await oidc.refresh(first["refresh_token"], client_id=APP)).status_code == 200


async def test_refresh_tokens_are_stored_hashed_in_one_family(oidc: Harness) -> None:
    first = await oidc.tokens()
    second = (await oidc.refresh(first["refresh_token"])).json()
    async with oidc.sessions() as session:
        rows = (await session.scalars(select(OIDCRefreshToken))).all()
    assert len(rows) == 2
    assert len({row.family_id for row in rows}) == 1
    stored = {row.token_hash for row in rows}
    assert first["refresh_token"] not in stored
    assert second["refresh_token"] not in stored
    old = next(row for row in rows if row.parent_hash is None)
    assert old.rotated_at is not None


async def test_two_concurrent_refreshes_with_one_token_cannot_both_succeed(oidc: Harness) -> None:
    first = await oidc.tokens()
    answers = await asyncio.gather(*(oidc.refresh(first["refresh_token"]) for _ in range(2)))
    statuses = sorted(r.status_code for r in answers)
    # One wins; the other is a reuse of a replaced token, which ends the login for both.
    assert statuses == [200, 400], [r.text for r in answers]
    winner = next(r for r in answers if r.status_code == 200).json()
    oauth_error(await oidc.refresh(winner["refresh_token"]), 400, "invalid_grant")


async def test_purging_removes_what_can_no_longer_be_used(oidc: Harness) -> None:
    live = await oidc.tokens()
    oidc.clock.advance(days=31)
    fresh = await oidc.tokens()
    async with oidc.sessions() as session:
        purged = await oidc.provider.purge_expired(session)
        await session.commit()
    assert purged.families == 1
    assert purged.refresh_tokens == 1
    assert purged.codes == 1
    oauth_error(await oidc.refresh(live["refresh_token"]), 400, "invalid_grant")
    assert (await oidc.refresh(fresh["refresh_token"])).status_code == 200
