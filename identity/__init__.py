"""Identity: proving who a citizen is (ID card + laser code + face, against the civil
registry, R-8.1/R-9.1) and the OpenID Connect provider the mobile app logs in with.

This module is identity's public surface: the gateway imports identity only from here
(import-linter checks it), never its tables, its vault or its inner modules.

    CitizenDep, CitizenLogin, CitizenRef      the citizen a bearer token speaks for (no PII)
    CitizenDirectory, VerifiedCitizen          a citizen's verified profile, for one use
    require_assurance                          a route dependency: the login's IAL at least
    OIDCProvider, OIDCSettings, AccessClaims   the provider, its settings, a token's claims
    oidc_router, me_router, verification_router, connect
    IdentityRuntime, VerificationSettings, PER_ID, PER_CLIENT, CosineMatcher
    RecordReads, RegistryRead                  the port a login tells its registry reads to
    ADMIN, CITIZEN, ClientKind, agency_scope   scopes and client kinds
    birthdate_from_be                          a Buddhist-Era birth date as ISO 8601
    InsufficientScope, MissingToken            the bearer-token errors other routers raise
    ensure_standard_clients, provision, purge_abandoned     set-up and housekeeping
    FaceMatcher, ErrorRates, error_rates       the face matcher's error-rate report
    b64url_encode, public_jwk_members, thumbprint, write_private_file   JOSE key helpers
    TABLES                                     identity's tables, for the migrations
"""

from identity.assurance import require_assurance
from identity.clients import ensure_standard_clients
from identity.directory import CitizenDirectory, CitizenRef, VerifiedCitizen
from identity.login import CitizenDep, CitizenLogin, connect
from identity.login import router as me_router
from identity.oidc import (
    ADMIN,
    CITIZEN,
    AccessClaims,
    ClientKind,
    InsufficientScope,
    MissingToken,
    OIDCProvider,
    OIDCSettings,
    agency_scope,
    birthdate_from_be,
    oidc_router,
    provision,
)
from identity.oidc.jws import b64url_encode
from identity.oidc.keys import public_jwk_members, thumbprint, write_private_file
from identity.oidc.models import TABLES as OIDC_TABLES
from identity.verification.endpoints import IdentityRuntime
from identity.verification.endpoints import router as verification_router
from identity.verification.face import CosineMatcher, ErrorRates, FaceMatcher, error_rates
from identity.verification.models import AttemptCounter, Citizen, IdentityVerification
from identity.verification.service import (
    PER_CLIENT,
    PER_ID,
    RecordReads,
    RegistryRead,
    VerificationSettings,
    purge_abandoned,
)

#: Every table of identity, parents first (for the migrations' metadata and test clean-ups).
TABLES = (Citizen, IdentityVerification, AttemptCounter, *OIDC_TABLES)

__all__ = [
    "ADMIN",
    "CITIZEN",
    "PER_CLIENT",
    "PER_ID",
    "TABLES",
    "AccessClaims",
    "CitizenDep",
    "CitizenDirectory",
    "CitizenLogin",
    "CitizenRef",
    "ClientKind",
    "CosineMatcher",
    "ErrorRates",
    "FaceMatcher",
    "IdentityRuntime",
    "InsufficientScope",
    "MissingToken",
    "OIDCProvider",
    "OIDCSettings",
    "RecordReads",
    "RegistryRead",
    "VerificationSettings",
    "VerifiedCitizen",
    "agency_scope",
    "b64url_encode",
    "birthdate_from_be",
    "connect",
    "ensure_standard_clients",
    "error_rates",
    "me_router",
    "oidc_router",
    "provision",
    "public_jwk_members",
    "purge_abandoned",
    "require_assurance",
    "thumbprint",
    "verification_router",
    "write_private_file",
]
