"""What the OIDC provider tests share: the clients, a settable clock, PKCE, a fake verified
citizen standing in for the verification flow, and a harness that drives the provider both as
a Python API and over HTTP.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.oidc import AccessClaims, AuthorizationRequest, IssuedCode, OIDCProvider, Subject

ISSUER = "https://gateway.test"
APP = "citizen-app"  # the mobile app: public, code + PKCE, refresh tokens
WEB = "citizen-web"  # another public client
APP_REDIRECT = "th.go.citizen.app:/oauth/callback"
APP_REDIRECT_2 = "https://app.citizen.test/callback"
WEB_REDIRECT = "https://web.citizen.test/callback"
AGENCY, AGENCY_SECRET = "agency-dopa", "dopa-secret-0123456789-abcdefghijklmnop"
OTHER_AGENCY, OTHER_AGENCY_SECRET = "agency-dlt", "dlt-secret-0123456789-abcdefghijklmnop"
OPERATOR, OPERATOR_SECRET = "portal-operator", "operator-secret-0123456789-abcdefghijk"
CITIZEN_SCOPE = "openid profile birthdate citizen"
NO_STORE = "no-store"


class FakeClock:
    """A clock the test moves by hand; starts at the real time, so an independent verifier
    (PyJWT, which reads the real time) accepts fresh tokens."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = (start or dt.datetime.now(dt.UTC)).replace(microsecond=0)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def pkce() -> tuple[str, str]:
    """A code_verifier and its S256 code_challenge (RFC 7636 §4.1, §4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def citizen(**changes: Any) -> Subject:
    """What the verification flow would hand over after card + laser + face (R-8.1)."""
    values: dict[str, Any] = {
        "sub": "sub_" + secrets.token_urlsafe(16),
        "acr": "IAL2.3",
        "amr": ("card", "face", "liveness"),
        "auth_time": dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=5),
        "given_name": "สมชาย",
        "family_name": "ใจดี",
        "given_name_en": "Somchai",
        "family_name_en": "Jaidee",
        "birthdate": "1987-03",
    }
    values.update(changes)
    return Subject(**values)


@dataclass
class Login:
    """An issued code and what the app kept to redeem it."""

    issued: IssuedCode
    verifier: str
    request: AuthorizationRequest
    subject: Subject


@dataclass
class Harness:
    provider: OIDCProvider
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    clock: FakeClock
    jwks_cache: dict[str, Any] = field(default_factory=dict)

    def params(self, **changes: str | None) -> dict[str, str]:
        """Authorization parameters of the app; a change to None leaves the parameter out."""
        _, challenge = pkce()
        values: dict[str, str | None] = {
            "response_type": "code",
            "client_id": APP,
            "redirect_uri": APP_REDIRECT,
            "scope": CITIZEN_SCOPE,
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **changes,
        }
        return {k: v for k, v in values.items() if v is not None}

    async def start(self, params: dict[str, str]) -> AuthorizationRequest:
        async with self.sessions() as session:
            return await self.provider.start_authorization(session, params)

    async def issue(self, request: AuthorizationRequest, subject: Subject) -> IssuedCode:
        async with self.sessions() as session:
            issued = await self.provider.issue_code(session, request, subject)
            await session.commit()
            return issued

    async def login(
        self, *, scope: str = CITIZEN_SCOPE, subject: Subject | None = None, **changes: str
    ) -> Login:
        verifier, challenge = pkce()
        request = await self.start(self.params(scope=scope, code_challenge=challenge, **changes))
        subject = subject or citizen()
        return Login(await self.issue(request, subject), verifier, request, subject)

    async def post_form(
        self, path: str, form: dict[str, str], auth: tuple[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(path, data=form, auth=auth)

    async def exchange(self, login: Login, **changes: str | None) -> httpx.Response:
        form: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": login.issued.code,
            "redirect_uri": login.issued.redirect_uri,
            "client_id": login.request.client_id,
            "code_verifier": login.verifier,
            **changes,
        }
        return await self.post_form("/oauth/token", {k: v for k, v in form.items() if v})

    async def tokens(self, *, scope: str = CITIZEN_SCOPE, **login_changes: Any) -> dict[str, Any]:
        """A whole login: authorization, code, token exchange; the token response."""
        response = await self.exchange(await self.login(scope=scope, **login_changes))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def refresh(self, refresh_token: str, **changes: str) -> httpx.Response:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": APP,
            **changes,
        }
        return await self.post_form("/oauth/token", form)

    async def client_credentials(
        self, client_id: str, secret: str, *, method: str = "basic", scope: str | None = None
    ) -> httpx.Response:
        form = {"grant_type": "client_credentials"}
        if scope is not None:
            form["scope"] = scope
        if method == "basic":
            return await self.post_form("/oauth/token", form, auth=(client_id, secret))
        form.update(client_id=client_id, client_secret=secret)
        return await self.post_form("/oauth/token", form)

    async def revoke(
        self,
        token: str,
        *,
        client_id: str = APP,
        hint: str | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Response:
        form = {"token": token}
        if hint:
            form["token_type_hint"] = hint
        if auth is None:
            form["client_id"] = client_id
        return await self.post_form("/oauth/revoke", form, auth=auth)

    async def verify(self, token: str, *required: str) -> AccessClaims:
        async with self.sessions() as session:
            return await self.provider.verify_access_token(session, token, required_scopes=required)

    async def jwks(self) -> dict[str, Any]:
        response = await self.http.get("/oauth/jwks")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def independently_verified(
    token: str, jwks: dict[str, Any], *, audience: str, typ: str
) -> dict[str, Any]:
    """Verify a token with PyJWT against the published JWKS, as any relying party would."""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    assert header["typ"] == typ
    matching = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert len(matching) == 1, f"kid {header['kid']} not published once"
    key = jwt.PyJWK(matching[0])
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key.key,
        algorithms=["ES256"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["iss", "sub", "aud", "exp", "iat"]},
    )
    return claims


def oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """An RFC 6749 §5.2 error that also carries the gateway's problem members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == NO_STORE
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    # docs/api.md promises both RFC 6749 §5.2 members on every token and revocation error.
    description = body.get("error_description")
    assert isinstance(description, str), body
    assert description.strip(), body
    assert body["code"] == error
    assert body["type"] == f"urn:citizen-gateway:problem:{error}"
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body
