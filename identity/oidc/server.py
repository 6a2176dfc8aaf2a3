"""Authlib's authorization server, driven synchronously inside `AsyncSession.run_sync`.

The only module that touches Authlib (which is untyped: its `Any` stays here). Authlib does
the protocol work for real: request validation, client authentication (none, client_secret_basic,
client_secret_post), the authorization-code grant with PKCE (S256 only) and the OpenID Connect
code flow, refresh and client-credentials grants, RFC 7009 revocation, and RFC 6749 errors.
This module supplies storage (repository.py), tokens (tokens.py) and the rules Authlib leaves
open:

- PKCE is required, with S256: a missing challenge or `plain` is refused at the authorization
  request, before anyone proves who they are.
- `openid` and a `nonce` are required: this provider is for logging in.
- Refresh tokens rotate; presenting a replaced one revokes its whole family (the login), as does
  presenting a spent authorization code (RFC 6749 §4.1.2, RFC 9700 §4.14).
- Scopes never cross the citizen / agency / admin line (scopes.py).

Authlib's callbacks find the synchronous `Session` and the request's single `now` in a context
variable that `bound()` sets for the duration of one call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    JsonPayload,
    JsonRequest,
    OAuth2Error,
    OAuth2Payload,
    RefreshTokenGrant,
    TokenMixin,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode
from sqlalchemy.orm import Session

from identity.oidc import repository
from identity.oidc.claims import ClaimsSealer, released_claims
from identity.oidc.errors import (
    AuthorizationRequestError,
    InvalidClient,
    InvalidRedirectUri,
    InvalidScope,
    InvalidToken,
    UnsupportedChallengeMethod,
    UnsupportedResponseType,
)
from identity.oidc.models import (
    OIDCAuthorizationCode,
    OIDCClient,
    OIDCRefreshToken,
    OIDCTokenFamily,
)
from identity.oidc.scopes import (
    GRANT_TYPES_BY_KIND,
    OPENID,
    ClientKind,
    allowed_for,
    format_scope,
    parse_scope,
)
from identity.oidc.secret_hash import verify_secret
from identity.oidc.settings import AUTHORIZATION_PATH, OIDCSettings
from identity.oidc.tokens import AccessClaims, Grant, TokenSigner
from kernel.problems import PROBLEMS

log = logging.getLogger("identity.oidc")

S256 = "S256"


# -- the request's database session and time ----------------------------------------------------


@dataclass(frozen=True)
class _Bound:
    db: Session
    now: dt.datetime


_bound: ContextVar[_Bound] = ContextVar("identity_oidc_bound")


@contextlib.contextmanager
def bound(db: Session, now: dt.datetime) -> Iterator[None]:
    """Give Authlib's callbacks this session and this instant while the block runs."""
    token = _bound.set(_Bound(db, now))
    try:
        yield
    finally:
        _bound.reset(token)


def _ctx() -> _Bound:
    return _bound.get()


# -- framework glue: what an endpoint read from HTTP, and what goes back ------------------------


@dataclass(frozen=True)
class FormRequest:
    """A token or revocation request, read from HTTP before the synchronous part runs.

    `headers` must look up names case-insensitively (Starlette's `Headers` does).
    """

    method: str
    path: str
    headers: Mapping[str, str]
    form: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class JsonBodyRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]


@dataclass(frozen=True)
class OAuthResponse:
    """What Authlib answered: an RFC 6749 §5.1 token, §5.2 error, or an RFC 7009 result."""

    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        error = self.body.get("error")
        return error if isinstance(error, str) else None


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(
        self, method: str, uri: str, headers: Mapping[str, str], pairs: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = _Payload(pairs)

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

    @property
    def args(self) -> dict[str, str]:
        return {}


class _JsonPayload(JsonPayload):  # type: ignore[misc]
    def __init__(self, body: Mapping[str, Any]) -> None:
        self._body = dict(body)

    @property
    def data(self) -> dict[str, Any]:
        return self._body


# -- what Authlib sees of our rows ---------------------------------------------------------------


class _Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: OIDCClient) -> None:
        self.row = row
        self.kind = ClientKind(row.kind)

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the redirect_uri is always required (OIDC Core §3.1.2.1)

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """All the requested scopes, if this client may hold every one; None otherwise (the
        request is refused rather than silently narrowed)."""
        try:
            scopes = parse_scope(scope)
        except ValueError:
            return None
        if not scopes or not set(scopes) <= set(self.row.scopes):
            return None
        if not allowed_for(self.kind, scopes):
            return None
        return format_scope(scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris  # exact match (RFC 9700 §2.1)

    def check_client_secret(self, client_secret: str) -> bool:
        if self.kind is not ClientKind.CONFIDENTIAL:
            return False
        return verify_secret(client_secret, self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.kind is ClientKind.PUBLIC:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.check_grant_type("authorization_code")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types and grant_type in GRANT_TYPES_BY_KIND[self.kind]


@dataclass(frozen=True)
class _Login:
    """Authlib's "user": the citizen of one login, and the family their tokens belong to."""

    subject: str
    acr: str
    amr: tuple[str, ...]
    auth_time: dt.datetime
    family_id: str
    claims_sealed: bytes | None

    def get_user_id(self) -> str:
        return self.subject


class _Code(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: OIDCAuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.row.acr

    def get_amr(self) -> list[str]:
        return list(self.row.amr)


class _RefreshToken(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: OIDCRefreshToken, family: OIDCTokenFamily) -> None:
        self.row = row
        self.family = family

    def check_client(self, client: _Client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or self.family.revoked_at is not None

    def is_expired(self) -> bool:
        return _ctx().now >= self.row.expires_at


class _AccessToken(TokenMixin):  # type: ignore[misc]
    def __init__(self, claims: AccessClaims) -> None:
        self.claims = claims

    def check_client(self, client: _Client) -> bool:
        return self.claims.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return format_scope(self.claims.scopes)


# -- errors for the authorization request, with the provider's own codes ------------------------


class _PKCEError(InvalidRequestError):  # type: ignore[misc]
    """RFC 7636 §4.4.1 answers invalid_request; the provider's code says which part failed."""

    def __init__(self, description: str, *, domain_code: str, parameter: str) -> None:
        super().__init__(description)
        self.domain_code = domain_code
        self.parameter = parameter


class _RedirectUriError(InvalidRequestError):  # type: ignore[misc]
    domain_code = "invalid_redirect_uri"
    parameter = "redirect_uri"


_DOMAIN_ERRORS: dict[str, type[AuthorizationRequestError]] = {
    "invalid_client": InvalidClient,
    "invalid_redirect_uri": InvalidRedirectUri,
    "unsupported_response_type": UnsupportedResponseType,
    "unsupported_challenge_method": UnsupportedChallengeMethod,
    "invalid_scope": InvalidScope,
}
_PARAMETER_OF = {
    "invalid_client": "client_id",
    "unauthorized_client": "client_id",
    "unsupported_response_type": "response_type",
    "invalid_scope": "scope",
}


def _domain_error(error: Any) -> AuthorizationRequestError:
    code = str(getattr(error, "domain_code", None) or error.error)
    detail = str(error.get_error_description() or error.description or code)
    parameter = getattr(error, "parameter", None) or _PARAMETER_OF.get(code)
    cls = _DOMAIN_ERRORS.get(code)
    if cls is not None:
        return cls(detail, parameter=parameter)
    if code not in PROBLEMS:  # an Authlib error the registry does not list: still a 400
        code = "invalid_request"
    return AuthorizationRequestError(detail, parameter=parameter, code=code)


# -- grants --------------------------------------------------------------------------------------


class _S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE, required, with S256 and nothing else (the mobile app is a public client)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = [S256]  # noqa: RUF012  (Authlib's class attribute)
    DEFAULT_CODE_CHALLENGE_METHOD = S256

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        method = data.get("code_challenge_method")
        if method != S256:
            shown = "missing (which means plain)" if not method else "not supported"
            raise _PKCEError(
                f"code_challenge_method is {shown}: use S256.",
                domain_code="unsupported_challenge_method",
                parameter="code_challenge_method",
            )
        if not data.get("code_challenge"):
            raise _PKCEError(
                "code_challenge is required (PKCE, RFC 7636).",
                domain_code="invalid_request",
                parameter="code_challenge",
            )
        super().validate_code_challenge(grant, redirect_uri)


class _OpenIDCode(OpenIDCode):  # type: ignore[misc]
    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return repository.nonce_seen(_ctx().db, request.payload.client_id, nonce)

    def process_token(self, grant: Any, response: Any) -> Any:
        _, token, _ = response
        if OPENID in parse_scope(token.get("scope")):
            token["id_token"] = grant.server.id_token_for(token, grant.request)
        return token


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    AUTHORIZATION_CODE_LENGTH = 48  # about 285 bits

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: _Client) -> str:
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri:
            raise _RedirectUriError("redirect_uri is required.")
        if not client.check_redirect_uri(redirect_uri):
            raise _RedirectUriError("redirect_uri is not registered for this client.")
        return str(redirect_uri)

    def validate_authorization_request(self) -> str:
        data = self.request.payload.data
        for name in ("request", "request_uri"):  # OIDC Core §6: not supported here
            if name in data:
                raise InvalidRequestError(f"The '{name}' parameter is not supported.")
        return str(super().validate_authorization_request())

    def validate_requested_scope(self) -> None:
        super().validate_requested_scope()
        if OPENID not in parse_scope(self.request.payload.scope):
            raise InvalidScopeError("The scope must include 'openid'.")

    def save_authorization_code(self, code: str, request: Any) -> None:
        self.server.save_code(code, request)

    def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
        return self.server.find_code(code, client)  # type: ignore[no-any-return]

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        """Nothing left to do: save_token spent the code (kept, marked used, so a replay is
        recognised and revokes what the code gave)."""

    def authenticate_user(self, authorization_code: _Code) -> _Login:
        row = authorization_code.row
        return _Login(
            row.subject, row.acr, tuple(row.amr), row.auth_time, row.family_id, row.claims_sealed
        )


class _RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every use returns a new refresh token

    def authenticate_refresh_token(self, refresh_token: str) -> _RefreshToken | None:
        return self.server.find_refresh_token(refresh_token)  # type: ignore[no-any-return]

    def authenticate_user(self, refresh_token: _RefreshToken) -> _Login:
        row, family = refresh_token.row, refresh_token.family
        return _Login(
            row.subject,
            row.acr,
            tuple(row.amr),
            family.auth_time,
            row.family_id,
            family.claims_sealed,
        )

    def revoke_old_credential(self, refresh_token: _RefreshToken) -> None:
        self.server.retire_refresh_token(refresh_token)


class _ClientCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def validate_requested_scope(self) -> None:
        """The requested scopes, all of which the client must hold; all it holds if none."""
        client: _Client = self.request.client
        try:
            scopes = parse_scope(self.request.payload.scope)
        except ValueError as exc:
            raise InvalidScopeError(str(exc).replace('"', "'")) from exc
        scopes = scopes or tuple(client.row.scopes)
        if not set(scopes) <= set(client.row.scopes) or not allowed_for(client.kind, scopes):
            raise InvalidScopeError("The client may not hold the requested scope.")
        self.request.scope = format_scope(scopes)

    def create_token_response(self) -> tuple[int, Any, Any]:
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def check_params(self, request: Any, client: Any) -> None:
        if not request.form.get("token"):
            raise InvalidRequestError("Missing 'token'.")
        # An unknown token_type_hint is ignored and every type searched (RFC 7009 §2.1).

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        finders = [self.server.find_any_refresh_token, self.server.read_access_token]
        if token_type_hint == "access_token":  # noqa: S105  (a hint name, not a secret)
            finders.reverse()
        for find in finders:
            found = find(token_string)
            if found is not None:
                return found
        return None

    def revoke_token(self, token: Any, request: Any) -> None:
        self.server.revoke(token)


def _describe(error: OAuth2Error, request: Any) -> str:
    """What to tell the client when Authlib raised an error without a description."""
    grant_type = getattr(getattr(request, "payload", None), "grant_type", None)
    if error.error == "unsupported_grant_type":
        return (
            "grant_type must be authorization_code, refresh_token or client_credentials."
            if grant_type
            else "grant_type is required: authorization_code, refresh_token or client_credentials."
        )
    if error.error == "invalid_grant" and grant_type == "refresh_token":
        return "The refresh token is unknown, expired, revoked or was issued to another client."
    if error.error == "invalid_grant" and grant_type is None:  # RFC 7009 §2.1: revocation
        return "The token was issued to another client: only that client may revoke it."
    return _FALLBACK_DESCRIPTIONS.get(error.error, "The request was refused.")


_FALLBACK_DESCRIPTIONS = {
    "invalid_request": "The request is missing a parameter or has a malformed one.",
    "invalid_grant": "The grant is invalid, expired, revoked or was issued to another client.",
    "invalid_client": "Client authentication failed.",
    "unauthorized_client": "This client may not use this grant type.",
    "invalid_scope": "The requested scope is invalid, unknown or not allowed for this client.",
    "unsupported_token_type": "This type of token cannot be revoked.",
}


# -- the server ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidatedAuthorization:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str
    code_challenge: str
    code_challenge_method: str
    acr_values: tuple[str, ...]


class OIDCServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's AuthorizationServer with the provider's storage and tokens.

    Every public method must run inside `bound(db, now)`.
    """

    def __init__(self, settings: OIDCSettings, signer: TokenSigner, sealer: ClaimsSealer) -> None:
        super().__init__()
        self.settings = settings
        self.signer = signer
        self.sealer = sealer
        self.register_token_generator("default", self._generate_token)
        self.register_grant(_CodeGrant, [_S256Only(required=True), _OpenIDCode(require_nonce=True)])
        self.register_grant(_RefreshGrant)
        self.register_grant(_ClientCredentialsGrant)
        self.register_endpoint(_Revocation)

    # Framework integration (Authlib's abstract methods).

    def create_oauth2_request(self, request: Any) -> Any:
        if isinstance(request, OAuth2Request):
            return request
        if isinstance(request, FormRequest):
            uri = self.settings.url(request.path)
            return _Request(request.method, uri, request.headers, request.form)
        raise TypeError(f"not a request the provider understands: {type(request).__name__}")

    def create_json_request(self, request: Any) -> Any:
        if not isinstance(request, JsonBodyRequest):
            raise TypeError(f"not a JSON request: {type(request).__name__}")
        json_request = JsonRequest(request.method, self.settings.url(request.path), request.headers)
        json_request.payload = _JsonPayload(request.body)
        return json_request

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuthResponse:
        return OAuthResponse(
            status=int(status),
            body=dict(body) if isinstance(body, Mapping) else {},
            headers=[(str(k), str(v)) for k, v in headers],
        )

    def handle_error_response(self, request: Any, error: OAuth2Error) -> OAuthResponse:
        # Authlib leaves `error_description` out of some errors (an unknown grant type, an
        # unknown refresh token, revoking another client's token); docs/api.md promises it on
        # every token and revocation error (RFC 6749 §5.2).
        if not error.description:
            error.description = _describe(error, request)
        response: OAuthResponse = super().handle_error_response(request, error)
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        log.debug("oauth signal %s", name)

    def query_client(self, client_id: str) -> _Client | None:
        row = repository.get_client(_ctx().db, client_id)
        return _Client(row) if row is not None else None

    def validate_requested_scope(self, scope: str | None) -> None:
        try:
            parse_scope(scope)
        except ValueError as exc:
            raise InvalidScopeError(str(exc).replace('"', "'")) from exc

    # The authorization endpoint, as a Python API.

    def _authorization_request(self, params: Mapping[str, str]) -> Any:
        return _Request("GET", self.settings.url(AUTHORIZATION_PATH), {}, list(params.items()))

    def validate_authorization(self, params: Mapping[str, str]) -> ValidatedAuthorization:
        if params.get("response_type") != "code":
            # Before Authlib: it would quote an arbitrary response_type in its description.
            raise UnsupportedResponseType(
                "Only response_type=code is supported.", parameter="response_type"
            )
        request = self._authorization_request(params)
        try:
            grant = self.get_consent_grant(request, end_user=None)
        except OAuth2Error as error:
            raise _domain_error(error) from error
        data = request.payload.data
        acr_values = tuple(
            v
            for v in (data.get("acr_values") or "").split()
            if v in self.settings.acr_values_supported
        )
        return ValidatedAuthorization(
            client_id=data["client_id"],
            redirect_uri=grant.redirect_uri,
            scope=request.scope,
            state=data.get("state"),
            nonce=data["nonce"],
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            acr_values=acr_values,
        )

    def issue_code(self, params: Mapping[str, str], login: _Login) -> tuple[str, str]:
        """Validate the request again (the client may have changed) and issue a code: the code
        and the redirect URL carrying it."""
        request = self._authorization_request(params)
        try:
            grant = self.get_consent_grant(request, end_user=login)
            _, _, headers = grant.create_authorization_response(grant.redirect_uri, login)
        except OAuth2Error as error:
            raise _domain_error(error) from error
        location = str(dict(headers)["Location"])
        code = parse_qs(urlsplit(location).query)["code"][-1]
        return code, location

    # Storage callbacks of the grants.

    def save_code(self, code: str, request: Any) -> None:
        ctx, login = _ctx(), request.user
        data = request.payload.data
        row = OIDCAuthorizationCode(
            code_hash=repository.token_hash(code),
            client_id=request.client.get_client_id(),
            redirect_uri=data["redirect_uri"],
            scope=request.scope,
            nonce=data.get("nonce"),
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            subject=login.subject,
            acr=login.acr,
            amr=list(login.amr),
            auth_time=login.auth_time,
            claims_sealed=login.claims_sealed,
            family_id=login.family_id,
            issued_at=ctx.now,
            expires_at=ctx.now + self.settings.code_lifetime,
        )
        repository.add_code(ctx.db, row)

    def find_code(self, code: str, client: _Client) -> _Code | None:
        ctx = _ctx()
        row = repository.find_code(ctx.db, code)
        if row is None or row.client_id != client.get_client_id():
            return None
        if row.used_at is not None:
            # A spent code again: someone else may hold it. Revoke what it gave (RFC 6749 §4.1.2).
            log.warning("authorization code reused", extra={"client_id": row.client_id})
            repository.revoke_family(ctx.db, row.family_id, ctx.now, "code_reuse")
            return None
        if ctx.now >= row.expires_at:
            return None
        return _Code(row)

    def spend_code(self, code: _Code) -> None:
        ctx = _ctx()
        if not repository.consume_code(ctx.db, code.row.code_hash, ctx.now):
            repository.revoke_family(ctx.db, code.row.family_id, ctx.now, "code_reuse")
            raise InvalidGrantError("The code was used by another request.")

    def _live_refresh_token(self, token: str) -> tuple[OIDCRefreshToken, OIDCTokenFamily] | None:
        ctx = _ctx()
        row = repository.find_refresh_token(ctx.db, token)
        if row is None:
            return None
        family = repository.get_family(ctx.db, row.family_id)
        if family is None:
            return None
        return row, family

    def find_refresh_token(self, token: str) -> _RefreshToken | None:
        ctx = _ctx()
        found = self._live_refresh_token(token)
        if found is None:
            return None
        row, family = found
        if row.revoked_at is not None or family.revoked_at is not None:
            return None
        if row.rotated_at is not None:
            # A replaced token came back: the family has leaked. End the whole login.
            log.warning("refresh token reused", extra={"client_id": row.client_id})
            repository.revoke_family(ctx.db, row.family_id, ctx.now, "refresh_token_reuse")
            return None
        if ctx.now >= row.expires_at:
            return None
        return _RefreshToken(row, family)

    def find_any_refresh_token(self, token: str) -> _RefreshToken | None:
        found = self._live_refresh_token(token)
        return _RefreshToken(*found) if found is not None else None

    def read_access_token(self, token: str) -> _AccessToken | None:
        try:
            return _AccessToken(self.signer.read_access_token(token, _ctx().now))
        except InvalidToken:
            return None  # expired, foreign or malformed: nothing to revoke (RFC 7009 §2.2)

    def retire_refresh_token(self, token: _RefreshToken) -> None:
        ctx = _ctx()
        if not repository.rotate_refresh_token(ctx.db, token.row.token_hash, ctx.now):
            repository.revoke_family(ctx.db, token.row.family_id, ctx.now, "refresh_token_reuse")
            raise InvalidGrantError("The refresh token was used by another request.")

    def revoke(self, token: _RefreshToken | _AccessToken) -> None:
        ctx = _ctx()
        if isinstance(token, _RefreshToken):
            repository.revoke_family(ctx.db, token.row.family_id, ctx.now, "revoked_by_client")
        else:
            claims = token.claims
            repository.revoke_access_token(
                ctx.db, claims.jti, claims.client_id, claims.expires_at, ctx.now
            )

    # Tokens.

    def _generate_token(
        self,
        grant_type: str,
        client: _Client,
        user: _Login | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        scopes = parse_scope(scope)
        # The last guard: whatever the grant, never a scope across the citizen/agency/admin line
        # or beyond what the client holds today.
        if not set(scopes) <= set(client.row.scopes) or not allowed_for(client.kind, scopes):
            raise InvalidScopeError("The client may not hold the requested scope.")
        grant = Grant(
            client_id=client.get_client_id(),
            subject=user.subject if user else client.get_client_id(),
            scopes=scopes,
            acr=user.acr if user else None,
            amr=user.amr if user else (),
            auth_time=user.auth_time if user else None,
            family_id=user.family_id if user else None,
        )
        now = _ctx().now
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": self.signer.access_token(grant, jti=secrets.token_urlsafe(16), now=now),
            "expires_in": int(self.settings.access_token_lifetime.total_seconds()),
            "scope": format_scope(scopes),
        }
        if include_refresh_token and user is not None:
            token["refresh_token"] = secrets.token_urlsafe(32)
        return token

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Record the login (token family) at the code exchange, and every refresh token.

        Access tokens are self-contained JWTs: nothing is stored for them (client-credentials
        grants store nothing at all)."""
        ctx, login = _ctx(), request.user
        if login is None:
            return
        refresh = token.get("refresh_token")
        lifetime = (
            self.settings.refresh_token_lifetime if refresh else self.settings.access_token_lifetime
        )
        expires_at = ctx.now + lifetime
        parent: str | None = None
        if request.payload.grant_type == "refresh_token":
            old: _RefreshToken = request.refresh_token
            scope, parent = old.row.scope, old.row.token_hash  # RFC 6749 §6: the same scope
            repository.extend_family(ctx.db, login.family_id, expires_at)
        else:
            # Spend the code before anything is stored for it: of two concurrent exchanges,
            # the second finds it spent here (SQLite has no row locks to stop it earlier).
            self.spend_code(request.authorization_code)
            scope = token["scope"]
            family = OIDCTokenFamily(
                family_id=login.family_id,
                client_id=request.client.get_client_id(),
                subject=login.subject,
                auth_time=login.auth_time,
                claims_sealed=login.claims_sealed,
                created_at=ctx.now,
                expires_at=expires_at,
            )
            repository.add_family(ctx.db, family)
        if not refresh:
            return
        repository.add_refresh_token(
            ctx.db,
            OIDCRefreshToken(
                token_hash=repository.token_hash(refresh),
                family_id=login.family_id,
                parent_hash=parent,
                client_id=request.client.get_client_id(),
                subject=login.subject,
                scope=scope,
                acr=login.acr,
                amr=list(login.amr),
                issued_at=ctx.now,
                expires_at=expires_at,
            ),
        )

    def id_token_for(self, token: Mapping[str, Any], request: Any) -> str:
        login: _Login = request.user
        code: _Code = request.authorization_code
        scopes = parse_scope(token.get("scope"))
        person = self.sealer.unseal(login.claims_sealed, login.family_id)
        grant = Grant(
            client_id=request.client.get_client_id(),
            subject=login.subject,
            scopes=scopes,
            acr=login.acr,
            amr=login.amr,
            auth_time=login.auth_time,
            family_id=login.family_id,
        )
        return self.signer.id_token(
            grant,
            now=_ctx().now,
            nonce=code.row.nonce,
            access_token=token.get("access_token"),
            person=released_claims(person, scopes),
        )

    # Endpoints.

    def token_response(self, request: FormRequest) -> OAuthResponse:
        response: OAuthResponse = self.create_token_response(request)
        return response

    def revocation_response(self, request: FormRequest) -> OAuthResponse:
        response: OAuthResponse = self.create_endpoint_response(_Revocation.ENDPOINT_NAME, request)
        return response


def new_login(
    *,
    subject: str,
    acr: str,
    amr: Sequence[str],
    auth_time: dt.datetime,
    person: Mapping[str, str],
    sealer: ClaimsSealer,
) -> _Login:
    family_id = secrets.token_urlsafe(32)
    return _Login(subject, acr, tuple(amr), auth_time, family_id, sealer.seal(person, family_id))


__all__ = [
    "FormRequest",
    "JsonBodyRequest",
    "OAuthResponse",
    "OIDCServer",
    "ValidatedAuthorization",
    "bound",
    "new_login",
]
