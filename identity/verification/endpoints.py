"""HTTP endpoints of identity verification (API.md):

    POST /v1/identity/verifications            card + laser (+ Thai names, BE birth date)
                                               -> a one-time liveness challenge
    POST /v1/identity/verifications/{id}/face  face template + liveness answer -> the result

The gateway wires an `IdentityRuntime` at `app.state.identity`; nothing here imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.civil_registry import CivilRegistry
from identity.directory import CitizenIds
from identity.oidc.errors import AUTHORIZATION_REQUEST_CODES
from identity.verification.face import TEMPLATE_SIZE, FaceMatcher
from identity.verification.service import (
    CARD_REFUSAL_CODES,
    CardInput,
    Completion,
    RecordReads,
    VerificationService,
    VerificationSettings,
    Verified,
)
from kernel.clock import Clock
from kernel.crypto import PIIVault
from kernel.problems import problem_responses

# Validates an authorization request before anything is asked of the citizen.
Validation = Callable[[AsyncSession, dict[str, str]], Awaitable[dict[str, Any]]]


@dataclass
class IdentityRuntime:
    sessions: async_sessionmaker[AsyncSession]
    registry: CivilRegistry
    matcher: FaceMatcher
    vault: PIIVault
    clock: Clock
    settings: VerificationSettings
    validate_authorization: Validation | None = None
    # Completes the OpenID Connect side of a verified login (the code), in its transaction.
    complete_authorization: Completion | None = None
    # Which citizen a token's subject names (identity.login's token check).
    citizen_ids: CitizenIds = field(default_factory=CitizenIds)
    # Records what the registry gave about the person at a verified login, in its transaction
    # (the gateway's data-access log; None: nothing is recorded).
    record_reads: RecordReads | None = None


async def _runtime(request: Request) -> IdentityRuntime:
    runtime: IdentityRuntime = request.app.state.identity
    return runtime


RuntimeDep = Annotated[IdentityRuntime, Depends(_runtime)]


async def _session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]


def _client_key(request: Request) -> str:
    """Who is asking, for the per-client attempt limit: the peer address."""
    return request.client.host if request.client else "unknown"


def no_store(response: Response) -> None:
    """Identity answers carry personal data, liveness challenges and authorization codes: no
    cache, shared or private, may keep them (RFC 9111 §5.2.2.5)."""
    response.headers["Cache-Control"] = "no-store"


class AuthorizationParams(BaseModel):
    """The OpenID Connect authorization request this login completes (code flow + PKCE)."""

    model_config = ConfigDict(extra="forbid")

    response_type: Annotated[str, Field(max_length=32)] = "code"
    client_id: Annotated[str, Field(max_length=128)]
    redirect_uri: Annotated[str, Field(max_length=500)]
    scope: Annotated[str, Field(max_length=500)] = "openid"
    state: Annotated[str | None, Field(max_length=500)] = None
    nonce: Annotated[str | None, Field(max_length=500)] = None
    code_challenge: Annotated[str | None, Field(max_length=128)] = None
    code_challenge_method: Annotated[str | None, Field(max_length=16)] = None


class VerificationStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national_id: Annotated[str, Field(max_length=32, examples=["1100100001014"])]
    laser_code: Annotated[str, Field(max_length=32, examples=["JT0-1234567-01"])]
    first_name_th: Annotated[str, Field(max_length=200, examples=["สมชาย"])]
    last_name_th: Annotated[str, Field(max_length=200, examples=["ใจดี"])]
    birth_date_be: Annotated[str, Field(max_length=16, examples=["25300115"])]
    authorization: AuthorizationParams | None = None


class ChallengeOut(BaseModel):
    nonce: str
    action: str
    expires_at: dt.datetime


class VerificationStarted(BaseModel):
    id: str
    status: str
    challenge: ChallengeOut
    face_url: str


class Liveness(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nonce: Annotated[str, Field(max_length=256)]
    action: Annotated[str, Field(max_length=64)]
    live: bool


class FaceAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: Annotated[list[float], Field(min_length=TEMPLATE_SIZE, max_length=TEMPLATE_SIZE)]
    liveness: Liveness


class VerificationResult(BaseModel):
    id: str
    status: str
    assurance: str
    amr: list[str]
    authorization: dict[str, Any] | None


def _service(session: AsyncSession, runtime: IdentityRuntime) -> VerificationService:
    return VerificationService(
        session,
        registry=runtime.registry,
        matcher=runtime.matcher,
        vault=runtime.vault,
        clock=runtime.clock,
        settings=runtime.settings,
        record_reads=runtime.record_reads,
    )


router = APIRouter(prefix="/v1/identity", tags=["identity"], dependencies=[Depends(no_store)])

_REGISTRY = ("registry_unavailable", "registry_error", "too_many_attempts")
_CHALLENGE = ("verification_not_found", "challenge_used", "challenge_expired", *_REGISTRY)
# Answers about a person's identity: the gateway sends them `Cache-Control: no-store`, errors too.
PERSONAL_DATA = {"x-personal-data": True}


@router.post(
    "/verifications",
    status_code=201,
    response_model=VerificationStarted,
    responses=problem_responses(*AUTHORIZATION_REQUEST_CODES, *CARD_REFUSAL_CODES, *_REGISTRY),
    openapi_extra=PERSONAL_DATA,
)
async def start_verification(
    request: Request, runtime: RuntimeDep, session: SessionDep, body: VerificationStart
) -> VerificationStarted:
    """Check the ID card with the civil registry (R-9.1) and issue a one-time face challenge."""
    authorization = None
    if body.authorization is not None and runtime.validate_authorization is not None:
        params = body.authorization.model_dump(exclude_none=True)
        authorization = await runtime.validate_authorization(session, params)
    card = CardInput(
        national_id=body.national_id,
        laser_code=body.laser_code,
        first_name_th=body.first_name_th,
        last_name_th=body.last_name_th,
        birth_date_be=body.birth_date_be,
    )
    challenge = await _service(session, runtime).start(card, _client_key(request), authorization)
    return VerificationStarted(
        id=challenge.verification_id,
        status="face_required",
        challenge=ChallengeOut(
            nonce=challenge.nonce, action=challenge.action, expires_at=challenge.expires_at
        ),
        face_url=f"/v1/identity/verifications/{challenge.verification_id}/face",
    )


@router.post(
    "/verifications/{verification_id}/face",
    response_model=VerificationResult,
    responses=problem_responses(*_CHALLENGE, "face_refused", "face_mismatch", "liveness_failed"),
    openapi_extra=PERSONAL_DATA,
)
async def answer_face_challenge(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    verification_id: Annotated[str, Path(max_length=36)],
    body: FaceAnswer,
) -> VerificationResult:
    """Compare the face with the registry's reference, after checking liveness (R-8.1)."""
    verified = await _service(session, runtime).complete_face(
        verification_id,
        body.template,
        body.liveness.model_dump(),
        _client_key(request),
        runtime.complete_authorization,
    )
    return _result(verification_id, verified)


@router.post(
    "/verifications/{verification_id}/card-only",
    response_model=VerificationResult,
    responses=problem_responses(*_CHALLENGE),
    openapi_extra=PERSONAL_DATA,
)
async def finish_with_card_only(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    verification_id: Annotated[str, Path(max_length=36)],
) -> VerificationResult:
    """Finish without the face step: a lower assurance (IAL1.3 by default), enough only for
    services that ask no more; others answer with a step-up challenge."""
    verified = await _service(session, runtime).complete_card_only(
        verification_id, _client_key(request), runtime.complete_authorization
    )
    return _result(verification_id, verified)


def _result(verification_id: str, verified: Verified) -> VerificationResult:
    """The answer to a verified login, with the OpenID Connect code when one was asked for."""
    return VerificationResult(
        id=verification_id,
        status="verified",
        assurance=verified.assurance,
        amr=list(verified.methods),
        authorization=verified.authorization,
    )
