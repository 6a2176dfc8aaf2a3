"""Dependencies for endpoints, as `Annotated` aliases. Everything here comes from the one
`Runtime` that `create_app` wires; nothing is global."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.clock import SharedClock
from gateway.config import Settings
from gateway.http import RenderCache, record_language
from gateway.idempotency import HEADER
from gateway.keys import Secrets
from gateway.observability import Metrics
from gateway.pagination import CursorCodec
from gateway.storage import BlobStore
from gateway.uow import Outcome, UnitOfWork
from identity import ADMIN, AccessClaims, InsufficientScope, MissingToken, OIDCProvider
from kernel.clock import Clock
from kernel.crypto import PIIVault
from kernel.errors import Unauthorized
from kernel.language import negotiate_language
from kernel.openapi import AGENCY_TOKEN, OPERATOR_TOKEN, secured_by


@dataclass
class Runtime:
    """What one running gateway is made of: wired once in `create_app`."""

    settings: Settings
    secrets: Secrets
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    metrics: Metrics
    cursors: CursorCodec
    render_cache: RenderCache
    shared_clock: SharedClock | None  # None on the system clock
    vault: PIIVault  # personal data at rest (forms, idempotent answers)
    store: BlobStore  # attachments and documents

    def unit_of_work(self) -> UnitOfWork:
        """A new transaction (see gateway/uow.py): `async with runtime.unit_of_work() as uow`."""
        return UnitOfWork(self.sessions, self.clock, blobs=self.store, vault=self.vault)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A read-only session for the request; closing it rolls back."""
    async with runtime.sessions() as session:
        yield session


# Both end when the endpoint returns (scope="function"), not after the answer has been sent:
# a pooled connection is not held while a slow client reads the body.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_unit_of_work(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    """The request's one transaction; what the endpoint does not commit is rolled back (and
    the blobs written for it deleted) when the request ends."""
    async with runtime.unit_of_work() as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]


async def get_language(
    request: Request,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    return record_language(request, negotiate_language(accept_language))


LangDep = Annotated[str, Depends(get_language)]


@secured_by(OPERATOR_TOKEN)
async def require_admin(
    request: Request,
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """Operator endpoints: an access token with the `admin` scope (client credentials of an
    operator client), or the installation's operator token (ADMIN_TOKEN) for set-up and CI."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        expected = runtime.secrets.admin_token
        if hmac.compare_digest(token.encode(), expected.encode()):
            return
        if token.count(".") == 2:  # a JWT: let the provider judge it
            provider: OIDCProvider = request.app.state.oidc
            async with runtime.sessions() as session:
                await provider.verify_access_token(session, token, required_scopes=(ADMIN,))
            return
    raise Unauthorized(
        "Send an operator access token (scope admin) as 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": 'Bearer realm="citizen-gateway-admin", scope="admin"'},
    )


AdminDep = Annotated[None, Depends(require_admin)]


@dataclass(frozen=True)
class AgencyCaller:
    """An agency's back end or back office, as its access token (scope `agency:<CODE>`) says."""

    agency_code: str
    client_id: str
    claims: AccessClaims

    def staff(self, officer: str | None) -> str:
        """Who acts: the client, and the officer it names (X-Officer-Id or `officer`)."""
        return f"{self.client_id}/{officer}" if officer else self.client_id


@secured_by(AGENCY_TOKEN)
async def current_agency(
    request: Request,
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> AgencyCaller:
    """The agency an access token of scope `agency:<CODE>` speaks for."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise MissingToken("Send the agency's access token as 'Authorization: Bearer <token>'.")
    provider: OIDCProvider = request.app.state.oidc
    async with runtime.sessions() as session:
        claims = await provider.verify_access_token(session, token.strip())
    codes = [s.split(":", 1)[1] for s in claims.scopes if s.startswith("agency:")]
    if len(codes) != 1:
        raise InsufficientScope(("agency:<CODE>",))
    return AgencyCaller(codes[0], claims.client_id, claims)


AgencyDep = Annotated[AgencyCaller, Depends(current_agency)]


#: The header of writes that create things (API.md): the same key and body replay the answer.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="1-255 visible ASCII characters; the same key and body replay the "
        "original response for 24 hours, a different body answers 409.",
    ),
]


def idempotent_answer(outcome: Outcome) -> JSONResponse:
    """A write's answer under an Idempotency-Key: its own, or the first one replayed (said so
    in `Idempotent-Replayed`)."""
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, outcome.status_code, headers=headers)
