"""A citizen's token check consults the recent revocations each process holds in memory
(identity/oidc/revocations.py): a revocation made through this process stops the token at once;
one made through another process stops it once this process's copy is older than the refresh
interval; revocations older than a token's lifetime are not held at all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from support import Stack, bearer, login

from identity.clients import MOBILE_APP_CLIENT_ID
from identity.oidc.models import OIDCTokenFamily
from identity.oidc.revocations import RecentRevocations


async def test_revoking_through_this_process_stops_the_token_at_the_next_call(
    stack: Stack,
) -> None:
    tokens = await login(stack)
    assert (await stack.gateway.get("/v1/notifications", headers=bearer(tokens))).status_code == 200
    r = await stack.gateway.post(
        "/oauth/revoke",
        data={"token": tokens["refresh_token"], "client_id": MOBILE_APP_CLIENT_ID},
    )
    assert r.status_code == 200, r.text
    refused = await stack.gateway.get("/v1/notifications", headers=bearer(tokens))
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


async def test_a_revocation_made_elsewhere_is_seen_once_the_copy_is_older_than_the_interval(
    stack: Stack,
) -> None:
    assert stack.app is not None
    tokens = await login(stack)
    headers = bearer(tokens)
    provider = stack.app.state.oidc
    ticks = Ticks()
    # This process's copy, read now and kept for 1 s of its monotonic clock.
    provider.revocations = RecentRevocations(
        dt.timedelta(minutes=11), 1.0, provider.clock.now, monotonic=ticks
    )
    assert (await stack.gateway.get("/v1/notifications", headers=headers)).status_code == 200

    # Another gateway process revokes the login (here: straight in the database).
    sessions = stack.app.state.runtime.sessions
    async with sessions() as session:
        await session.execute(
            update(OIDCTokenFamily).values(revoked_at=provider.clock.now(), revoked_reason="test")
        )
        await session.commit()

    ticks.value += 0.5  # within the interval: this process has not read it yet
    assert (await stack.gateway.get("/v1/notifications", headers=headers)).status_code == 200
    ticks.value += 0.6  # older than the interval: read again before answering
    refused = await stack.gateway.get("/v1/notifications", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"


async def test_only_revocations_a_token_could_still_outlive_are_held(stack: Stack) -> None:
    assert stack.app is not None
    await login(stack)
    provider = stack.app.state.oidc
    now = provider.clock.now()
    span = dt.timedelta(minutes=10, seconds=30)
    sessions = stack.app.state.runtime.sessions
    async with sessions() as session:
        families = (await session.scalars(OIDCTokenFamily.__table__.select())).all()
        assert families
        old, recent = now - span - dt.timedelta(seconds=1), now - span + dt.timedelta(seconds=1)
        await session.execute(update(OIDCTokenFamily).values(revoked_at=old, revoked_reason="t"))
        await session.commit()
    window = await RecentRevocations(span, 0, lambda: now).window(sessions)
    assert window.logins == frozenset()

    async with sessions() as session:
        await session.execute(update(OIDCTokenFamily).values(revoked_at=recent))
        await session.commit()
    window = await RecentRevocations(span, 0, lambda: now).window(sessions)
    assert window.logins
    assert window.stops("any-jti", next(iter(window.logins)))
