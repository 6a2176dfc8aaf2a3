"""Logging in: the verification flow proves who the citizen is; the OIDC provider turns that into
an authorization code for the app's code + PKCE exchange. And the reverse: from a bearer token
back to the citizen, for every `/v1` endpoint that serves a citizen's own data.

    POST /v1/identity/verifications  {card, authorization: {client_id, redirect_uri, ...}}
        -> the authorization request is validated first (a bad client fails before the card)
    POST /v1/identity/verifications/{id}/face
        -> {"authorization": {"code", "state", "redirect_uri", "redirect_url"}}
    POST /oauth/token (code + code_verifier) -> access, ID and refresh tokens
    GET  /v1/me -> the verified profile
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from identity.directory import CitizenDirectory, CitizenRef, VerifiedCitizen
from identity.oidc import CITIZEN, AccessClaims, OIDCProvider, Subject, birthdate_from_be
from identity.oidc.errors import MissingToken
from identity.oidc.provider import AuthorizationRequest
from identity.verification.endpoints import IdentityRuntime, RuntimeDep, no_store
from identity.verification.prechecks import age_on
from identity.verification.service import Verified
from kernel.errors import Unauthorized
from kernel.openapi import CITIZEN_TOKEN, secured_by


def connect(runtime: IdentityRuntime, provider: OIDCProvider) -> None:
    """Let the verification flow validate and complete OpenID Connect authorization requests."""

    async def validate(session: AsyncSession, params: dict[str, str]) -> dict[str, Any]:
        request = await provider.start_authorization(session, params)
        return request.to_dict()

    async def complete(session: AsyncSession, verified: Verified) -> dict[str, Any] | None:
        if verified.authorization_request is None:
            return None
        request = AuthorizationRequest.from_dict(verified.authorization_request)
        profile = VerifiedCitizen.of(verified.citizen, runtime.vault)
        issued = await provider.issue_code(
            session,
            request,
            Subject(
                sub=verified.citizen.subject,
                acr=verified.assurance,
                amr=verified.methods,
                auth_time=verified.citizen.verified_at,
                given_name=profile.first_name_th,
                family_name=profile.last_name_th,
                given_name_en=profile.first_name_en,
                family_name_en=profile.last_name_en,
                birthdate=birthdate_from_be(profile.birth_date_be),
            ),
        )
        return {  # committed with the verification's decision
            "code": issued.code,
            "state": issued.state,
            "redirect_uri": issued.redirect_uri,
            "redirect_url": issued.redirect_url,
        }

    runtime.validate_authorization = validate
    runtime.complete_authorization = complete


@dataclass(frozen=True)
class CitizenLogin:
    """Who is calling: the token's claims and the citizen behind them (no personal data: the
    citizen directory gives that to the requests that need it)."""

    claims: AccessClaims
    citizen: CitizenRef


async def _provider(request: Request) -> OIDCProvider:
    provider: OIDCProvider = request.app.state.oidc
    return provider


@secured_by(CITIZEN_TOKEN)
async def current_citizen(
    runtime: RuntimeDep,
    provider: Annotated[OIDCProvider, Depends(_provider)],
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> CitizenLogin:
    """The citizen a bearer access token (with the `citizen` scope) speaks for.

    Checked in this process, with no database on the way once warm: the signature against the
    provider's keys, revocation against the recent revocations it holds (identity/oidc/
    revocations.py: a revocation made elsewhere is seen within a second), and the citizen behind
    the subject from a map that only grows (a citizen's subject never changes). A read it does
    need uses a session of its own, closed before the endpoint runs.
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise MissingToken("Send the access token as 'Authorization: Bearer <token>'.")
    claims = provider.read_access_token(token.strip())
    window = await provider.revocations.window(runtime.sessions)
    provider.admit(claims, revoked=window.stops(claims.jti, claims.sid), required_scopes=(CITIZEN,))
    citizen_id = await runtime.citizen_ids.of(runtime.sessions, claims.sub)
    if citizen_id is None:
        raise Unauthorized("The token's subject is not a known citizen.", code="invalid_token")
    return CitizenLogin(claims, CitizenRef(citizen_id, claims.sub))


CitizenDep = Annotated[CitizenLogin, Depends(current_citizen)]


class Me(BaseModel):
    subject: str
    first_name_th: str
    last_name_th: str
    first_name_en: str | None
    last_name_en: str | None
    birth_date_be: str
    age: int | None
    highest_assurance: str  # the strongest proof this citizen ever gave
    login_assurance: str | None  # this token's: the one access decisions use
    login_methods: list[str]
    verified_at: dt.datetime


router = APIRouter(prefix="/v1", tags=["identity"], dependencies=[Depends(no_store)])


# The citizen's profile: the gateway sends it `Cache-Control: no-store`.
@router.get("/me", response_model=Me, openapi_extra={"x-personal-data": True})
async def me(login: CitizenDep, runtime: RuntimeDep) -> Me:
    """The verified profile of the citizen the token speaks for (never the national ID)."""
    async with runtime.sessions() as session:
        profile = await CitizenDirectory(runtime.vault).require(session, login.citizen.id)
    return Me(
        subject=profile.subject,
        first_name_th=profile.first_name_th,
        last_name_th=profile.last_name_th,
        first_name_en=profile.first_name_en,
        last_name_en=profile.last_name_en,
        birth_date_be=profile.birth_date_be,
        age=age_on(profile.birth_date_be, runtime.clock.now().date()),
        highest_assurance=profile.assurance,
        login_assurance=login.claims.acr,
        login_methods=list(login.claims.amr),
        verified_at=profile.verified_at,
    )
