"""HTTP endpoints of the OpenID Connect provider.

    GET       /.well-known/openid-configuration   discovery (OIDC Discovery §3)
    GET       /oauth/jwks                         the published signing keys
    POST      /oauth/token                        RFC 6749 token endpoint (form-encoded)
    POST      /oauth/revoke                       RFC 7009 revocation (form-encoded)
    GET|POST  /oauth/userinfo                     OIDC Core §5.3, with a bearer access token

Wiring (the gateway's create_app): put the provider and a session factory on the app and
include the router::

    app.state.oidc = OIDCProvider(OIDCSettings(...), clock)      # attribute "oidc"
    app.state.oidc_sessions = async_sessionmaker(engine)          # attribute "oidc_sessions"
    app.include_router(oidc_router())

(or pass other `provider_getter` / `sessions_getter` callables to `oidc_router`).

Errors of the token and revocation endpoints follow RFC 6749 §5.2 — JSON with `error` and
`error_description`, 400 (401 for a failed client authentication, with WWW-Authenticate),
`Cache-Control: no-store` — and carry the gateway's problem members in the same body (`type`,
`title`, `status`, `detail`, `code` = the OAuth error, `instance`), as `application/json`, so
an OAuth library and a gateway client both understand them. Userinfo errors are domain errors
(problem+json, rendered by the gateway) with `WWW-Authenticate: Bearer` (RFC 6750 §3).
"""

# No `from __future__ import annotations` here: FastAPI must see the dependency aliases that
# oidc_router defines in its own scope.

import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.oidc.errors import MissingToken
from identity.oidc.provider import OIDCProvider
from identity.oidc.server import FormRequest, OAuthResponse
from identity.oidc.settings import (
    DISCOVERY_PATH,
    JWKS_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
)
from kernel.language import negotiate_language
from kernel.openapi import OAUTH2
from kernel.problems import lookup, problem_responses

ProviderGetter = Callable[[Request], OIDCProvider]
SessionsGetter = Callable[[Request], async_sessionmaker[AsyncSession]]

_MAX_FORM_FIELDS = 50
_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def provider_from_app_state(request: Request) -> OIDCProvider:
    """The provider at `request.app.state.oidc`."""
    provider: OIDCProvider = request.app.state.oidc
    return provider


def sessions_from_app_state(request: Request) -> async_sessionmaker[AsyncSession]:
    """The session factory at `request.app.state.oidc_sessions`."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.oidc_sessions
    return sessions


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def oauth_error_body(
    error: str, description: str | None, status: int, request: Request
) -> dict[str, Any]:
    """RFC 6749 §5.2 members, then the gateway's problem members (RFC 9457).

    `error_description` stays the English sentence (RFC 6749 allows only ASCII there); the
    problem's `title` and `detail` follow Accept-Language like every other problem.
    """
    problem = lookup(error)
    lang = negotiate_language(request.headers.get("accept-language"))
    # Never without a description: docs/api.md promises one on every error (the server fills
    # Authlib's gaps; the code's English explanation is the last resort).
    description = description or problem.about_en
    body: dict[str, Any] = {"error": error, "error_description": description}
    body.update(
        type=problem.type,
        title=problem.title(lang),
        status=status,
        detail=description if lang == "en" else problem.about_th,
        code=error,
        instance=request.url.path,
    )
    if request_id := _request_id(request):
        body["request_id"] = request_id
    return body


def _json(body: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    return Response(
        content=json.dumps(body, ensure_ascii=False).encode(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _oauth_response(result: OAuthResponse, request: Request) -> Response:
    body = dict(result.body)
    if result.status >= 400 and result.error:
        description = body.get("error_description")
        body.update(
            oauth_error_body(
                result.error,
                description if isinstance(description, str) else None,
                result.status,
                request,
            )
        )
    headers = {k: v for k, v in result.headers if k.lower() != "content-type"}
    if result.status >= 400 and result.error:
        headers.update(_language_headers(request))
    return _json(body, result.status, {**headers, **_NO_STORE})


def _language_headers(request: Request) -> dict[str, str]:
    lang = negotiate_language(request.headers.get("accept-language"))
    return {"Content-Language": lang, "Vary": "Accept-Language"}


def _form_error(description: str, request: Request) -> Response:
    body = oauth_error_body("invalid_request", description, 400, request)
    return _json(body, 400, {**_NO_STORE, **_language_headers(request)})


async def _read_form(request: Request) -> list[tuple[str, str]] | Response:
    """The form parameters, or the RFC 6749 error answering a body that is not one."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != _FORM:
        return _form_error(f"Send the parameters as {_FORM} (RFC 6749 section 3.2).", request)
    try:
        text = (await request.body()).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return _form_error("The form body is not valid UTF-8 form encoding.", request)
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:  # RFC 6749 §3.2: parameters MUST NOT be included more than once
        return _form_error(f"Repeated parameter(s): {', '.join(repeated)}.", request)
    return pairs


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingToken()
    return token.strip()


def _form_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"requestBody": {"required": True, "content": {_FORM: {"schema": schema}}}}


_STRING = {"type": "string"}
_TOKEN_FORM = _form_body(
    {
        "grant_type": {
            "type": "string",
            "enum": ["authorization_code", "refresh_token", "client_credentials"],
        },
        "code": _STRING,
        "redirect_uri": _STRING,
        "code_verifier": _STRING,
        "refresh_token": _STRING,
        "scope": _STRING,
        "client_id": _STRING,
        "client_secret": _STRING,
    },
    ["grant_type"],
)
_REVOKE_FORM = _form_body(
    {
        "token": _STRING,
        "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
        "client_id": _STRING,
        "client_secret": _STRING,
    },
    ["token"],
)


def _oauth_errors(*codes: str) -> dict[int | str, dict[str, Any]]:
    """RFC 6749 §5.2 errors: JSON (not problem+json) carrying the problem members too."""
    return problem_responses(*codes, media_type="application/json")


_USERINFO_ERRORS = problem_responses("unauthorized", "invalid_token", "insufficient_scope")
_USERINFO_SECURITY: dict[str, Any] = {"security": [{OAUTH2: ["openid"]}]}


def oidc_router(
    provider_getter: ProviderGetter = provider_from_app_state,
    sessions_getter: SessionsGetter = sessions_from_app_state,
) -> APIRouter:
    """The provider's endpoints; the provider and sessions come from the two getters."""
    router = APIRouter(tags=["identity"])

    def get_provider(request: Request) -> OIDCProvider:
        return provider_getter(request)

    async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
        async with sessions_getter(request)() as session:
            yield session

    Provider = Annotated[OIDCProvider, Depends(get_provider)]
    Session = Annotated[AsyncSession, Depends(get_session)]

    @router.get(DISCOVERY_PATH, summary="OpenID Provider metadata")
    async def discovery(provider: Provider) -> JSONResponse:
        return JSONResponse(provider.discovery(), headers={"Cache-Control": "public, max-age=3600"})

    @router.get(JWKS_PATH, summary="The keys that verify the provider's tokens (JWKS)")
    async def jwks(provider: Provider) -> JSONResponse:
        # Short: after a rotation, verifiers should see the new key soon.
        return JSONResponse(provider.jwks(), headers={"Cache-Control": "public, max-age=300"})

    @router.post(
        TOKEN_PATH,
        summary="Token endpoint (RFC 6749)",
        openapi_extra=_TOKEN_FORM,
        responses=_oauth_errors(
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
        ),
    )
    async def token(request: Request, provider: Provider, session: Session) -> Response:
        form = await _read_form(request)
        if isinstance(form, Response):
            return form
        call = FormRequest("POST", TOKEN_PATH, request.headers, form)
        result = await provider.token_endpoint(session, call)
        await session.commit()  # also after a refusal: a reuse may have revoked a login
        if result.error is not None:  # it may have: the next token check reads them again
            provider.revocations.expire()
        return _oauth_response(result, request)

    @router.post(
        REVOCATION_PATH,
        summary="Token revocation (RFC 7009)",
        openapi_extra=_REVOKE_FORM,
        responses=_oauth_errors("invalid_request", "invalid_client", "unsupported_token_type"),
    )
    async def revoke(request: Request, provider: Provider, session: Session) -> Response:
        form = await _read_form(request)
        if isinstance(form, Response):
            return form
        call = FormRequest("POST", REVOCATION_PATH, request.headers, form)
        result = await provider.revocation_endpoint(session, call)
        await session.commit()
        provider.revocations.expire()
        return _oauth_response(result, request)

    # Claims about a person: the gateway sends every answer here `Cache-Control: no-store`.
    personal = {"x-personal-data": True}

    @router.get(
        USERINFO_PATH,
        summary="Claims about the citizen",
        operation_id="oidc_userinfo",
        responses=_USERINFO_ERRORS,
        openapi_extra={**_USERINFO_SECURITY, **personal},
    )
    @router.post(
        USERINFO_PATH,
        summary="Claims about the citizen",
        operation_id="oidc_userinfo_post",
        responses=_USERINFO_ERRORS,
        openapi_extra={**_USERINFO_SECURITY, **personal},
    )
    async def userinfo(request: Request, provider: Provider, session: Session) -> JSONResponse:
        claims = await provider.userinfo(session, _bearer_token(request))
        return JSONResponse(claims, headers=_NO_STORE)

    return router
