"""Errors of the OpenID Connect provider, as domain errors with stable codes.

    BadRequest (400)
    ├── AuthorizationRequestError     invalid_request, login_required, request_not_supported, ...
    │   ├── InvalidClient             invalid_client
    │   ├── InvalidRedirectUri        invalid_redirect_uri
    │   ├── UnsupportedResponseType   unsupported_response_type
    │   ├── UnsupportedChallengeMethod unsupported_challenge_method
    │   └── InvalidScope              invalid_scope
    └── InvalidClientMetadata         invalid_client_metadata (ensure_client)
    Unauthorized (401)
    └── InvalidToken                  invalid_token, with WWW-Authenticate: Bearer
    Forbidden (403)
    └── InsufficientScope             insufficient_scope, with WWW-Authenticate: Bearer

The token and revocation endpoints answer in RFC 6749 §5.2 form instead (see endpoints.py).
"""

from __future__ import annotations

from kernel.errors import BadRequest, FieldError, Forbidden, Unauthorized

REALM = "citizen-gateway"

# What the authorization request (sent inside a verification start) can be refused with: the
# provider's own codes and the OIDC ones Authlib raises (others are mapped to invalid_request).
AUTHORIZATION_REQUEST_CODES = (
    "invalid_request",
    "invalid_client",
    "invalid_redirect_uri",
    "unsupported_response_type",
    "unsupported_challenge_method",
    "invalid_scope",
    "unauthorized_client",
    "access_denied",
    "login_required",
    "consent_required",
    "interaction_required",
    "account_selection_required",
    "request_not_supported",
    "request_uri_not_supported",
    "registration_not_supported",
    "invalid_request_object",
    "invalid_request_uri",
)


class AuthorizationRequestError(BadRequest):
    status, code = 400, "invalid_request"

    def __init__(self, detail: str, *, parameter: str | None = None, code: str | None = None):
        errors = [FieldError(f"/{parameter}", code or self.code, detail)] if parameter else None
        super().__init__(detail, errors=errors, code=code)


class InvalidClient(AuthorizationRequestError):
    status, code = 400, "invalid_client"


class InvalidRedirectUri(AuthorizationRequestError):
    status, code = 400, "invalid_redirect_uri"


class UnsupportedResponseType(AuthorizationRequestError):
    status, code = 400, "unsupported_response_type"


class UnsupportedChallengeMethod(AuthorizationRequestError):
    status, code = 400, "unsupported_challenge_method"


class InvalidScope(AuthorizationRequestError):
    status, code = 400, "invalid_scope"


class InvalidClientMetadata(BadRequest):
    status, code = 400, "invalid_client_metadata"


def _quoted(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")


class InvalidToken(Unauthorized):
    """A missing, malformed, expired, revoked or foreign access token (RFC 6750 §3.1)."""

    status, code = 401, "invalid_token"

    def __init__(self, detail: str) -> None:
        challenge = (
            f'Bearer realm="{REALM}", error="invalid_token", error_description="{_quoted(detail)}"'
        )
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class MissingToken(Unauthorized):
    """No bearer token at all: the challenge carries no error code (RFC 6750 §3.1)."""

    status, code = 401, "unauthorized"

    def __init__(self, detail: str = "Send an access token: 'Authorization: Bearer <token>'."):
        super().__init__(detail, headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'})


class InsufficientScope(Forbidden):
    status, code = 403, "insufficient_scope"

    def __init__(self, required: tuple[str, ...]) -> None:
        needed = " ".join(required)
        challenge = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{needed}"'
        super().__init__(
            f"This needs the scope(s): {needed}.", headers={"WWW-Authenticate": challenge}
        )
