"""SQL of the OpenID Connect provider, on a synchronous `Session`.

Authlib's grant callbacks are synchronous, so the provider runs them inside
`AsyncSession.run_sync`, which hands this module a `Session` bound to the same connection and
transaction. Rows that decide single use (a code, a refresh token) are read `FOR UPDATE` on
PostgreSQL and consumed with a conditional UPDATE, so two concurrent requests cannot both spend
them. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Table,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from identity.oidc.models import (
    OIDCAuthorizationCode,
    OIDCClient,
    OIDCRefreshToken,
    OIDCRevokedAccessToken,
    OIDCTokenFamily,
)
from persistence import Base, UTCDateTime

_UPSERT: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _insert(db: Session, row: Base) -> None:
    """INSERT one new row, built as a (transient) model instance, without the unit of work:
    nothing reads these rows back in the transaction that writes them, and a Core INSERT
    costs a fraction of a flush. Every login writes three (code, family, refresh token)."""
    table = cast(Table, row.__table__)
    db.execute(insert(table), {column.key: getattr(row, column.key) for column in table.columns})


def token_hash(value: str) -> str:
    """How codes and refresh tokens are stored: high-entropy strings, so plain SHA-256."""
    return hashlib.sha256(value.encode()).hexdigest()


def _changed(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


# -- clients -------------------------------------------------------------------------------------


def get_client(db: Session, client_id: str) -> OIDCClient | None:
    return db.get(OIDCClient, client_id)


def add_client(db: Session, client: OIDCClient) -> None:
    db.add(client)
    db.flush()


# -- authorization codes -------------------------------------------------------------------------


def add_code(db: Session, code: OIDCAuthorizationCode) -> None:
    _insert(db, code)


def find_code(db: Session, code: str) -> OIDCAuthorizationCode | None:
    query = (
        select(OIDCAuthorizationCode)
        .where(OIDCAuthorizationCode.code_hash == token_hash(code))
        .with_for_update()
    )
    return db.scalars(query).first()


_CODES = cast(Table, OIDCAuthorizationCode.__table__)
_CONSUME_CODE = (
    update(_CODES)
    .where(_CODES.c.code_hash == bindparam("hashed"), _CODES.c.used_at.is_(None))
    .values(used_at=bindparam("now", type_=UTCDateTime()))
)


def consume_code(db: Session, code_hash: str, now: dt.datetime) -> bool:
    """Mark a code used; False if another request used it first (a Core UPDATE, built once:
    the ORM-enabled form cost twice the CPU)."""
    return _changed(db.execute(_CONSUME_CODE, {"hashed": code_hash, "now": now})) == 1


def nonce_seen(db: Session, client_id: str, nonce: str) -> bool:
    """Whether a live code of this client already carries this nonce (OIDC Core §3.1.2.1)."""
    query = select(
        exists().where(
            OIDCAuthorizationCode.client_id == client_id, OIDCAuthorizationCode.nonce == nonce
        )
    )
    return bool(db.scalar(query))


# -- families and refresh tokens -----------------------------------------------------------------


def get_family(db: Session, family_id: str) -> OIDCTokenFamily | None:
    return db.get(OIDCTokenFamily, family_id)


def add_family(db: Session, family: OIDCTokenFamily) -> None:
    _insert(db, family)


def extend_family(db: Session, family_id: str, expires_at: dt.datetime) -> None:
    db.execute(
        update(OIDCTokenFamily)
        .where(OIDCTokenFamily.family_id == family_id)
        .where(OIDCTokenFamily.expires_at < expires_at)
        .values(expires_at=expires_at)
    )


def revoke_family(db: Session, family_id: str, now: dt.datetime, reason: str) -> None:
    """Revoke a login: its family and every refresh token in it (access tokens of the family
    fail verification through their `sid`)."""
    db.execute(
        update(OIDCTokenFamily)
        .where(OIDCTokenFamily.family_id == family_id)
        .where(OIDCTokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    db.execute(
        update(OIDCRefreshToken)
        .where(OIDCRefreshToken.family_id == family_id)
        .where(OIDCRefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def add_refresh_token(db: Session, token: OIDCRefreshToken) -> None:
    _insert(db, token)


def find_refresh_token(db: Session, token: str) -> OIDCRefreshToken | None:
    query = (
        select(OIDCRefreshToken)
        .where(OIDCRefreshToken.token_hash == token_hash(token))
        .with_for_update()
    )
    return db.scalars(query).first()


def rotate_refresh_token(db: Session, hashed: str, now: dt.datetime) -> bool:
    """Mark a refresh token replaced; False if it was already replaced or revoked."""
    result = db.execute(
        update(OIDCRefreshToken)
        .where(OIDCRefreshToken.token_hash == hashed)
        .where(OIDCRefreshToken.rotated_at.is_(None))
        .where(OIDCRefreshToken.revoked_at.is_(None))
        .values(rotated_at=now)
    )
    return _changed(result) == 1


# -- access tokens -------------------------------------------------------------------------------


def revoke_access_token(
    db: Session, jti: str, client_id: str, expires_at: dt.datetime, now: dt.datetime
) -> None:
    """Remember a revoked `jti` until the token would have expired anyway (idempotent, also
    when two requests revoke the same token at once)."""
    values = {"jti": jti, "client_id": client_id, "expires_at": expires_at, "revoked_at": now}
    dialect = db.get_bind().dialect.name
    if dialect in _UPSERT:
        insert = _UPSERT[dialect](OIDCRevokedAccessToken).values(**values)
        db.execute(insert.on_conflict_do_nothing(index_elements=["jti"]))
    elif db.get(OIDCRevokedAccessToken, jti) is None:
        db.add(OIDCRevokedAccessToken(**values))
        db.flush()


def revoked(jti: str, family_id: str | None) -> ColumnElement[bool]:
    """Whether an access token, or the login (family) it descends from, has been revoked: one
    expression of two primary-key lookups, to be selected alone or beside other columns, so a
    token check is one statement. A family that is gone (expired and purged) counts as revoked.
    """
    token_revoked = exists().where(OIDCRevokedAccessToken.jti == jti)
    if family_id is None:
        return token_revoked
    family_alive = exists().where(
        OIDCTokenFamily.family_id == family_id, OIDCTokenFamily.revoked_at.is_(None)
    )
    return or_(token_revoked, ~family_alive)


# -- housekeeping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purged:
    codes: int
    refresh_tokens: int
    families: int
    revoked_access_tokens: int


def purge_expired(db: Session, now: dt.datetime) -> Purged:
    """Delete what can no longer be used or matter: expired codes, refresh tokens, families
    (with their tokens) and revoked-jti entries of tokens that have expired anyway."""
    codes = db.execute(delete(OIDCAuthorizationCode).where(OIDCAuthorizationCode.expires_at < now))
    tokens = db.execute(delete(OIDCRefreshToken).where(OIDCRefreshToken.expires_at < now))
    expired_families = select(OIDCTokenFamily.family_id).where(OIDCTokenFamily.expires_at < now)
    family_tokens = db.execute(
        delete(OIDCRefreshToken).where(OIDCRefreshToken.family_id.in_(expired_families))
    )
    families = db.execute(delete(OIDCTokenFamily).where(OIDCTokenFamily.expires_at < now))
    jtis = db.execute(delete(OIDCRevokedAccessToken).where(OIDCRevokedAccessToken.expires_at < now))
    return Purged(
        codes=_changed(codes),
        refresh_tokens=_changed(tokens) + _changed(family_tokens),
        families=_changed(families),
        revoked_access_tokens=_changed(jtis),
    )
