"""The OpenID Connect provider the mobile app logs in with (Authlib underneath).

Public surface:

    OIDCSettings                              settings.py
    OIDCProvider                              provider.py: the Python API
      .start_authorization(session, params) -> AuthorizationRequest
      .issue_code(session, request, subject) -> IssuedCode
      .verify_access_token(session, token, required_scopes=()) -> AccessClaims
      .userinfo(session, token), .ensure_client(session, ...), .jwks(), .discovery(),
      .rotate_keys(), .purge_expired(session)
    Subject, birthdate_from_be                claims.py: who logged in, as the caller says
    ClientKind, agency_scope, scope names     scopes.py
    oidc_router                               endpoints.py: discovery, JWKS, token, revoke,
                                              userinfo (app.state.oidc, app.state.oidc_sessions)
    errors                                    errors.py: DomainError subclasses with stable codes
    TABLES                                    models.py: the tables a migration must create
"""

from identity.oidc.claims import Subject, birthdate_from_be
from identity.oidc.endpoints import oidc_router
from identity.oidc.errors import (
    AuthorizationRequestError,
    InsufficientScope,
    InvalidClient,
    InvalidClientMetadata,
    InvalidRedirectUri,
    InvalidScope,
    InvalidToken,
    MissingToken,
    UnsupportedChallengeMethod,
    UnsupportedResponseType,
)
from identity.oidc.keys import KeyStore, KeyStoreError, provision
from identity.oidc.models import TABLES
from identity.oidc.provider import AuthorizationRequest, ClientInfo, IssuedCode, OIDCProvider
from identity.oidc.scopes import (
    ADMIN,
    BIRTHDATE,
    CITIZEN,
    OPENID,
    PROFILE,
    ClientKind,
    agency_scope,
)
from identity.oidc.settings import OIDCSettings
from identity.oidc.tokens import AccessClaims

__all__ = [
    "ADMIN",
    "BIRTHDATE",
    "CITIZEN",
    "OPENID",
    "PROFILE",
    "TABLES",
    "AccessClaims",
    "AuthorizationRequest",
    "AuthorizationRequestError",
    "ClientInfo",
    "ClientKind",
    "InsufficientScope",
    "InvalidClient",
    "InvalidClientMetadata",
    "InvalidRedirectUri",
    "InvalidScope",
    "InvalidToken",
    "IssuedCode",
    "KeyStore",
    "KeyStoreError",
    "MissingToken",
    "OIDCProvider",
    "OIDCSettings",
    "Subject",
    "UnsupportedChallengeMethod",
    "UnsupportedResponseType",
    "agency_scope",
    "birthdate_from_be",
    "oidc_router",
    "provision",
]
