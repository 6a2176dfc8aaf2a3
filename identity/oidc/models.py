"""Tables of the OpenID Connect provider (on the shared declarative base).

No secret is stored as given: client secrets as scrypt hashes, authorization codes and refresh
tokens as SHA-256 hashes (they are long random strings, so a fast hash suffices). The personal
claims handed in at login (names, birth date) are kept only sealed with AES-GCM under the
provider's claims key, bound to their token family (ARCHITECTURE.md "Trust").

    oidc_clients                the mobile app (public) and agency/operator clients (confidential)
    oidc_authorization_codes    one row per issued code; single use: `used_at` set on exchange
    oidc_token_families         one row per login: every refresh token descended from one code
    oidc_refresh_tokens         rotating refresh tokens of a family
    oidc_revoked_access_tokens  `jti`s of revoked access tokens, kept until the token expires
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, UTCDateTime


class OIDCClient(Base):
    __tablename__ = "oidc_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # ClientKind: public | confidential
    secret_hash: Mapped[str | None] = mapped_column(String(255))  # confidential clients only
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    grant_types: Mapped[list[str]] = mapped_column(JSON)
    scopes: Mapped[list[str]] = mapped_column(JSON)  # what the client may ever be granted
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OIDCAuthorizationCode(Base):
    __tablename__ = "oidc_authorization_codes"
    __table_args__ = (Index("ix_oidc_authorization_codes_client_nonce", "client_id", "nonce"),)

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_clients.client_id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000))
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(255))
    acr: Mapped[str] = mapped_column(String(32))
    amr: Mapped[list[str]] = mapped_column(JSON)
    auth_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claims_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # names, birthdate
    family_id: Mapped[str] = mapped_column(String(43))  # the family its tokens will belong to
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OIDCTokenFamily(Base):
    __tablename__ = "oidc_token_families"

    family_id: Mapped[str] = mapped_column(String(43), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_clients.client_id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255), index=True)
    auth_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claims_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Last moment any token of the family is usable (refresh tokens slide it forward).
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # Indexed: each process reads the recent revocations (revocations.py).
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    # refresh_token_reuse | code_reuse | revoked_by_client
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class OIDCRefreshToken(Base):
    __tablename__ = "oidc_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(
        ForeignKey("oidc_token_families.family_id", ondelete="CASCADE"), index=True
    )
    parent_hash: Mapped[str | None] = mapped_column(String(64))  # the token it replaced
    client_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(1000))
    acr: Mapped[str] = mapped_column(String(32))
    amr: Mapped[list[str]] = mapped_column(JSON)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OIDCRevokedAccessToken(Base):
    __tablename__ = "oidc_revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


TABLES = [
    OIDCClient.__table__,
    OIDCAuthorizationCode.__table__,
    OIDCTokenFamily.__table__,
    OIDCRefreshToken.__table__,
    OIDCRevokedAccessToken.__table__,
]
