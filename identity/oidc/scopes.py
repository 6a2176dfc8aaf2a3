"""Scopes, and who may hold which (pure rules, no I/O).

Three kinds of scope never mix in one client:

    citizen   openid profile birthdate citizen   the public mobile/web app, for a citizen
    agency    agency:<CODE>                       an agency's confidential back end
    admin     admin                               the portal operator's confidential client

A public client may only ever hold citizen scopes; a confidential client never holds one.
`profile` releases the names and `birthdate` the birth date (kept apart from `profile`, which
in OIDC Core would include it, so an app can ask for the least it needs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

OPENID = "openid"
PROFILE = "profile"
BIRTHDATE = "birthdate"
CITIZEN = "citizen"
ADMIN = "admin"
CITIZEN_SCOPES = (OPENID, PROFILE, BIRTHDATE, CITIZEN)
_AGENCY = re.compile(r"^agency:[A-Z0-9_]{2,32}$")
# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")
MAX_SCOPES = 20


class ClientKind(StrEnum):
    PUBLIC = "public"  # cannot keep a secret: the app; code + PKCE, refresh tokens
    CONFIDENTIAL = "confidential"  # a server with a secret: client credentials


class ScopeClass(StrEnum):
    CITIZEN = "citizen"
    AGENCY = "agency"
    ADMIN = "admin"


GRANT_TYPES_BY_KIND = {
    ClientKind.PUBLIC: frozenset({"authorization_code", "refresh_token"}),
    ClientKind.CONFIDENTIAL: frozenset({"client_credentials"}),
}


def scope_class(scope: str) -> ScopeClass | None:
    """The class of a scope the provider knows; None for one it does not."""
    if scope in CITIZEN_SCOPES:
        return ScopeClass.CITIZEN
    if scope == ADMIN:
        return ScopeClass.ADMIN
    if _AGENCY.match(scope):
        return ScopeClass.AGENCY
    return None


def agency_scope(agency_code: str) -> str:
    scope = f"agency:{agency_code}"
    if not _AGENCY.match(scope):
        raise ValueError("an agency code is 2 to 32 upper-case letters, digits or underscores")
    return scope


def parse_scope(text: str | None) -> tuple[str, ...]:
    """The scopes of a space-delimited `scope` parameter, in order, without repeats.

    ValueError when a token is malformed or unknown, or there are too many.
    """
    tokens = (text or "").split(" ")
    scopes: list[str] = []
    for token in tokens:
        if not token:
            continue
        if not _SCOPE_TOKEN.match(token) or scope_class(token) is None:
            raise ValueError(f"unknown scope {token[:40]!r}")
        if token not in scopes:
            scopes.append(token)
    if len(scopes) > MAX_SCOPES:
        raise ValueError("too many scopes")
    return tuple(scopes)


def format_scope(scopes: Iterable[str]) -> str:
    return " ".join(scopes)


def allowed_for(kind: ClientKind, scopes: Iterable[str]) -> bool:
    """Whether a client of this kind may ever hold all of `scopes`."""
    classes = {scope_class(s) for s in scopes}
    if None in classes:
        return False
    if kind is ClientKind.PUBLIC:
        return classes <= {ScopeClass.CITIZEN}
    return ScopeClass.CITIZEN not in classes
