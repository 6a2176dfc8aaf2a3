"""`OIDCProvider`: the OpenID Connect provider, as the rest of the gateway uses it.

    start_authorization(session, params)    validate an authorization request, issue nothing
    issue_code(session, request, subject)   after the citizen proved who they are: a code
    verify_access_token(session, token, required_scopes=...)   for every protected endpoint
    userinfo(session, token)                the claims the token's scopes release
    ensure_client(session, ...)             register or update a client (idempotent, for seeding)
    token_endpoint / revocation_endpoint    what endpoints.py serves over HTTP
    jwks(), discovery(), rotate_keys(), purge_expired(session)

Every method that takes a session uses it and never commits: the caller owns the transaction
(the endpoints in endpoints.py commit; the verification flow commits the code it asked for
together with its own state).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from identity.oidc import repository
from identity.oidc.claims import NAME_CLAIMS, ClaimsSealer, Subject, released_claims
from identity.oidc.errors import (
    AuthorizationRequestError,
    InsufficientScope,
    InvalidClientMetadata,
    InvalidToken,
)
from identity.oidc.keys import KeyStore
from identity.oidc.models import OIDCClient
from identity.oidc.revocations import RecentRevocations
from identity.oidc.scopes import (
    BIRTHDATE,
    CITIZEN_SCOPES,
    GRANT_TYPES_BY_KIND,
    OPENID,
    ClientKind,
    allowed_for,
    parse_scope,
    scope_class,
)
from identity.oidc.secret_hash import MIN_SECRET_CHARS, hash_secret, verify_secret
from identity.oidc.server import FormRequest, OAuthResponse, OIDCServer, bound, new_login
from identity.oidc.settings import (
    AUTHORIZATION_PATH,
    JWKS_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    OIDCSettings,
)
from identity.oidc.tokens import AccessClaims, TokenSigner
from kernel.clock import Clock

T = TypeVar("T")

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
# Authorization parameters: printable ASCII without quote or backslash (RFC 6749 Appendix A
# VSCHAR, minus the two characters an error description may not carry).
_PARAMETER_VALUE = re.compile(r"^[\x20\x21\x23-\x5b\x5d-\x7e]*$")
_MAX_PARAMETER = {"state": 255, "nonce": 255}
_MAX_ANY_PARAMETER = 2048
_PRIVATE_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$")  # reverse domain, RFC 8252 §7.1

TOKEN_AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request, waiting for the citizen to prove who they are.

    Plain data: `to_dict()` gives JSON-ready values and `from_dict()` takes them back, so the
    verification flow can keep it between the "ID + laser code" step and the "face" step.
    """

    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    state: str | None = None
    acr_values: tuple[str, ...] = ()  # levels the client asked for, those this provider knows

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.scope.split())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["acr_values"] = list(self.acr_values)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        return cls(
            client_id=str(data["client_id"]),
            redirect_uri=str(data["redirect_uri"]),
            scope=str(data["scope"]),
            nonce=str(data["nonce"]),
            code_challenge=str(data["code_challenge"]),
            code_challenge_method=str(data["code_challenge_method"]),
            state=None if data.get("state") is None else str(data["state"]),
            acr_values=tuple(str(v) for v in data.get("acr_values") or ()),
        )

    def to_params(self) -> dict[str, str]:
        """The request as authorization-endpoint parameters again."""
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
        }
        if self.state is not None:
            params["state"] = self.state
        if self.acr_values:
            params["acr_values"] = " ".join(self.acr_values)
        return params


@dataclass(frozen=True)
class IssuedCode:
    """A fresh authorization code; `redirect_url` is `redirect_uri` with `code` and `state`."""

    code: str
    state: str | None
    redirect_uri: str
    redirect_url: str


@dataclass(frozen=True)
class ClientInfo:
    client_id: str
    name: str
    kind: ClientKind
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]


def _check_parameters(params: Mapping[str, str]) -> None:
    for name, value in params.items():
        limit = _MAX_PARAMETER.get(name, _MAX_ANY_PARAMETER)
        if not isinstance(value, str) or not _PARAMETER_VALUE.match(value) or len(value) > limit:
            raise AuthorizationRequestError(
                f"{name} must be printable ASCII without quotes or backslashes, "
                f"at most {limit} characters.",
                parameter=name,
            )


def _check_redirect_uri(uri: str) -> None:
    parts = urlsplit(uri)
    if not parts.scheme or parts.fragment or uri != uri.strip() or len(uri) > 2000:
        raise InvalidClientMetadata(f"{uri!r} is not an absolute redirect URI without fragment")
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost"):
        return  # RFC 8252 §7.3: loopback redirect for native apps
    if _PRIVATE_SCHEME.match(parts.scheme):
        return  # RFC 8252 §7.1: the app's own reverse-domain scheme
    raise InvalidClientMetadata(
        f"{uri!r}: use https, a loopback http URI, or a reverse-domain private scheme"
    )


class OIDCProvider:
    def __init__(
        self, settings: OIDCSettings, clock: Clock, *, keys: KeyStore | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.keys = keys or KeyStore(
            settings.keys_dir,
            clock=clock,
            grace_period=settings.key_grace_period,
            production=settings.production,
            rescan_interval=settings.key_rescan_interval,
        )
        self.signer = TokenSigner(settings, self.keys)
        # Other keys of the gateway published in the same JWKS (e.g. the receipt-signing key),
        # so one jwks_uri verifies everything the gateway signs. They never verify tokens.
        self.also_published: list[dict[str, Any]] = []
        self.sealer = ClaimsSealer(self.keys.claims_key)
        self._server = OIDCServer(settings, self.signer, self.sealer)
        # What a citizen's token check consults instead of the database (revocations.py).
        self.revocations = RecentRevocations(
            settings.access_token_lifetime + settings.leeway,
            settings.revocation_refresh.total_seconds(),
            clock.now,
        )

    async def _run(self, session: AsyncSession, work: Callable[[OIDCServer], T]) -> T:
        now = self.clock.now()

        def run(db: Session) -> T:
            with bound(db, now):
                return work(self._server)

        return await session.run_sync(run)

    # -- the authorization endpoint --------------------------------------------------------------

    async def start_authorization(
        self, session: AsyncSession, params: Mapping[str, str]
    ) -> AuthorizationRequest:
        """Validate an authorization request exactly as the authorization endpoint does
        (response_type=code, a known client, a registered redirect_uri, scope with openid and
        within the client's, a nonce, PKCE with S256), issuing nothing.

        Raises an AuthorizationRequestError subclass whose `code` says what is wrong:
        invalid_client, invalid_redirect_uri, unsupported_response_type,
        unsupported_challenge_method, invalid_scope, unauthorized_client, login_required,
        invalid_request. Field errors point at the parameter ("/redirect_uri").
        """
        _check_parameters(params)
        validated = await self._run(session, lambda s: s.validate_authorization(params))
        return AuthorizationRequest(
            client_id=validated.client_id,
            redirect_uri=validated.redirect_uri,
            scope=validated.scope,
            nonce=validated.nonce,
            code_challenge=validated.code_challenge,
            code_challenge_method=validated.code_challenge_method,
            state=validated.state,
            acr_values=validated.acr_values,
        )

    async def issue_code(
        self, session: AsyncSession, request: AuthorizationRequest, subject: Subject
    ) -> IssuedCode:
        """Issue a single-use authorization code for `subject` (valid `code_lifetime`).

        The request is validated again first, so a client changed in between is noticed.
        The caller commits the session.
        """
        if subject.acr not in self.settings.acr_values_supported:
            raise ValueError(f"acr {subject.acr!r} is not one of acr_values_supported")
        login = new_login(
            subject=subject.sub,
            acr=subject.acr,
            amr=subject.amr,
            auth_time=subject.auth_time,
            person=subject.person_claims(),
            sealer=self.sealer,
        )
        params = request.to_params()
        _check_parameters(params)
        code, url = await self._run(session, lambda s: s.issue_code(params, login))
        return IssuedCode(
            code=code, state=request.state, redirect_uri=request.redirect_uri, redirect_url=url
        )

    # -- resource side ---------------------------------------------------------------------------

    async def verify_access_token(
        self, session: AsyncSession, token: str, *, required_scopes: Sequence[str] = ()
    ) -> AccessClaims:
        """The claims of a valid access token this provider issued.

        Checks the ES256 signature against the provider's own published keys (any other `alg`,
        including `none` and HS256, is refused), `typ` at+jwt, `iss`, `aud`, `exp`/`iat` with
        the configured leeway, and revocation (of the token, or of the login it came from).
        Raises InvalidToken (401, WWW-Authenticate: Bearer error="invalid_token") or, when a
        required scope is missing, InsufficientScope (403).
        """
        claims = self.read_access_token(token)
        revoked = await session.scalar(select(self.revoked(claims)))
        return self.admit(claims, revoked=bool(revoked), required_scopes=required_scopes)

    # The steps of verify_access_token, for a caller that checks revocation another way (a
    # citizen's token against the recent revocations held in memory: identity.login).

    def read_access_token(self, token: str) -> AccessClaims:
        """Signature, type, issuer, audience and times, checked here (no database)."""
        return self.signer.read_access_token(token, self.clock.now())

    def revoked(self, claims: AccessClaims) -> ColumnElement[bool]:
        """Whether the token or its login has been revoked, as a column to select."""
        return repository.revoked(claims.jti, claims.sid)

    def admit(
        self, claims: AccessClaims, *, revoked: bool, required_scopes: Sequence[str] = ()
    ) -> AccessClaims:
        if revoked:
            raise InvalidToken("The access token has been revoked.")
        if not claims.has_scopes(required_scopes):
            raise InsufficientScope(tuple(required_scopes))
        return claims

    async def userinfo(self, session: AsyncSession, token: str) -> dict[str, str]:
        """`sub` and the personal claims the token's scopes release (OIDC Core §5.3)."""
        claims = await self.verify_access_token(session, token, required_scopes=(OPENID,))
        if claims.sid is None:
            raise InsufficientScope((OPENID,))

        def person(db: Session) -> dict[str, str]:
            family = repository.get_family(db, claims.sid or "")
            if family is None:
                return {}
            return self.sealer.unseal(family.claims_sealed, family.family_id)

        released = released_claims(await session.run_sync(person), claims.scopes)
        return {"sub": claims.sub, **released}

    # -- the token and revocation endpoints ------------------------------------------------------

    async def token_endpoint(self, session: AsyncSession, request: FormRequest) -> OAuthResponse:
        """Answer a token request (authorization_code, refresh_token, client_credentials).

        Writes go to `session`; commit it whatever the answer: a refused request may have
        revoked a login (a reused code or refresh token), and that must stick.
        """
        return await self._run(session, lambda s: s.token_response(request))

    async def revocation_endpoint(
        self, session: AsyncSession, request: FormRequest
    ) -> OAuthResponse:
        """RFC 7009: revoke a refresh token (and so its whole login) or an access token."""
        return await self._run(session, lambda s: s.revocation_response(request))

    # -- clients ---------------------------------------------------------------------------------

    async def ensure_client(
        self,
        session: AsyncSession,
        *,
        client_id: str,
        name: str,
        kind: ClientKind,
        scopes: Sequence[str],
        redirect_uris: Sequence[str] = (),
        grant_types: Sequence[str] | None = None,
        secret: str | None = None,
    ) -> ClientInfo:
        """Register a client, or bring an existing one to exactly this description.

        public        the app: authorization_code (+ refresh_token), redirect URIs, citizen
                      scopes only (openid required), no secret
        confidential  an agency or the operator: client_credentials, a secret of at least 32
                      characters (stored only as a scrypt hash), agency:<CODE> or admin scopes

        Idempotent: calling it again with the same values changes nothing (the secret is hashed
        again only if it changed). InvalidClientMetadata on a description that breaks the rules.
        The caller commits.
        """
        grants = tuple(grant_types) if grant_types is not None else _default_grants(kind)
        try:
            scope_list = parse_scope(" ".join(scopes))
        except ValueError as exc:
            raise InvalidClientMetadata(str(exc)) from exc
        _check_client(client_id, kind, scope_list, tuple(redirect_uris), grants, secret)
        now = self.clock.now()

        def ensure(db: Session) -> ClientInfo:
            existing = repository.get_client(db, client_id)
            row = existing or OIDCClient(client_id=client_id, created_at=now)
            row.name = name
            row.kind = kind.value
            row.redirect_uris = list(redirect_uris)
            row.grant_types = list(grants)
            row.scopes = list(scope_list)
            if secret is None:
                row.secret_hash = None
            elif not verify_secret(secret, row.secret_hash):
                row.secret_hash = hash_secret(secret)
            row.updated_at = now
            if existing is None:
                repository.add_client(db, row)
            db.flush()
            return ClientInfo(
                client_id, name, kind, tuple(redirect_uris), grants, tuple(scope_list)
            )

        return await session.run_sync(ensure)

    # -- keys, discovery, housekeeping -----------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        """The public keys that verify this provider's tokens (current + within grace), and any
        other signing keys of the gateway that are published alongside them."""
        published = self.keys.jwks()
        return {**published, "keys": [*published["keys"], *self.also_published]}

    def rotate_keys(self) -> str:
        """Make a new signing key current; the kid of the new key."""
        return self.keys.rotate().kid

    async def purge_expired(self, session: AsyncSession) -> repository.Purged:
        """Delete expired codes, refresh tokens, logins and revoked-jti entries (for a
        periodic job). The caller commits."""
        now = self.clock.now()
        return await session.run_sync(lambda db: repository.purge_expired(db, now))

    def discovery(self) -> dict[str, Any]:
        """The OpenID Provider metadata (OIDC Discovery §3)."""
        url = self.settings.url
        return {
            "issuer": self.settings.issuer,
            # The app starts a login with the identity verification (ID + laser + face, R-8.1),
            # a JSON API that takes the authorization parameters, not a browser page.
            "authorization_endpoint": url(AUTHORIZATION_PATH),
            "token_endpoint": url(TOKEN_PATH),
            "jwks_uri": url(JWKS_PATH),
            "revocation_endpoint": url(REVOCATION_PATH),
            "userinfo_endpoint": url(USERINFO_PATH),
            "scopes_supported": [*CITIZEN_SCOPES, "admin"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": list(TOKEN_AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(TOKEN_AUTH_METHODS),
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "acr",
                "amr",
                "sid",
                "at_hash",
                *NAME_CLAIMS,
                BIRTHDATE,
            ],
            "claims_locales_supported": ["th", "en"],
            "acr_values_supported": list(self.settings.acr_values_supported),
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }


def _default_grants(kind: ClientKind) -> tuple[str, ...]:
    if kind is ClientKind.PUBLIC:
        return ("authorization_code", "refresh_token")
    return ("client_credentials",)


def _check_client(
    client_id: str,
    kind: ClientKind,
    scopes: tuple[str, ...],
    redirect_uris: tuple[str, ...],
    grant_types: tuple[str, ...],
    secret: str | None,
) -> None:
    if not _CLIENT_ID.match(client_id):
        raise InvalidClientMetadata("client_id has 3 to 64 letters, digits, '.', '_' or '-'")
    if not scopes or not allowed_for(kind, scopes):
        classes = sorted({str(scope_class(s)) for s in scopes})
        raise InvalidClientMetadata(
            f"a {kind.value} client may not hold these scopes (classes: {', '.join(classes)}): "
            "public clients hold citizen scopes only, confidential ones never"
        )
    if not grant_types or not set(grant_types) <= GRANT_TYPES_BY_KIND[kind]:
        allowed = ", ".join(sorted(GRANT_TYPES_BY_KIND[kind]))
        raise InvalidClientMetadata(f"a {kind.value} client may use the grant types: {allowed}")
    if kind is ClientKind.PUBLIC:
        if secret is not None:
            raise InvalidClientMetadata("a public client has no secret")
        if OPENID not in scopes or "authorization_code" not in grant_types:
            raise InvalidClientMetadata("a public client logs citizens in: openid and a code grant")
        if not redirect_uris:
            raise InvalidClientMetadata("a public client needs at least one redirect URI")
        for uri in redirect_uris:
            _check_redirect_uri(uri)
    else:
        if secret is None:
            raise InvalidClientMetadata("a confidential client needs a secret")
        if redirect_uris:
            raise InvalidClientMetadata("a confidential client has no redirect URIs")
        if len(secret) < MIN_SECRET_CHARS:
            raise InvalidClientMetadata(
                f"a client secret has at least {MIN_SECRET_CHARS} characters"
            )
