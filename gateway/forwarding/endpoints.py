"""Agencies calling the gateway: signed status callbacks (`/v1/agency/callbacks/{code}`).

A callback is refused (401 problem+json) for an unknown agency, a bad or missing signature, a
timestamp more than 5 minutes from the gateway's real time, or a nonce already seen; the body is
read only up to 64 KiB. A valid one is applied in the agency's order (gateway/forwarding/
answers.py) and acknowledged with what happened to it.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from gateway.applications.endpoints import ServiceDep, commit_change
from gateway.forwarding import signing
from gateway.forwarding.answers import AgencyAnswers
from gateway.forwarding.credentials import AgencyCredentials
from gateway.forwarding.models import CallbackNonce
from gateway.forwarding.progress import AgencyStatus
from gateway.http import parse_body, read_capped
from kernel.errors import Unauthorized

router = APIRouter(prefix="/v1/agency", tags=["agency"])

MAX_CALLBACK_BYTES = 64 * 1024


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    agency_ref: str | None = Field(default=None, max_length=80)
    application_id: str | None = Field(default=None, max_length=36)
    application_number: str | None = Field(default=None, max_length=40)
    seq: int = Field(ge=1, le=1_000_000)
    at: AwareDatetime
    status: AgencyStatus
    data: dict[str, Any] = Field(default_factory=dict)


class CallbackOut(BaseModel):
    result: Literal["applied", "duplicate", "waiting"]
    application_id: str
    status: str


async def verified_body(
    request: Request,
    code: str,
    *,
    agency: str | None,
    timestamp: str | None,
    nonce: str | None,
    signature: str | None,
) -> tuple[bytes, signing.SignedHeaders]:
    """The raw body of a signed call from agency `code`, or 401 saying why not."""
    credentials: dict[str, AgencyCredentials] = request.app.state.agency_credentials
    try:
        headers = signing.parse_headers(agency, timestamp, nonce, signature)
        if headers.agency != code or code not in credentials:
            raise signing.SignatureRefused("unknown_agency", f"No agency {code} signs calls here.")
        body = await read_capped(request, MAX_CALLBACK_BYTES)
        # Freshness is transport security: measured on the real clock, whatever simulated
        # time the gateway runs on.
        signing.check(headers, credentials[code].callback_secret, body, time.time())
    except signing.SignatureRefused as refused:
        raise Unauthorized(refused.message, code=refused.code) from refused
    return body, headers


async def remember_nonce(service: Any, agency_code: str, nonce: str) -> None:
    """Refuse a nonce seen before (a replay); it is remembered with the change it carried."""
    session = service.repository.session
    try:
        async with session.begin_nested():
            session.add(CallbackNonce(agency_code=agency_code, nonce=nonce, seen_at=service.now))
    except IntegrityError as exc:
        raise Unauthorized("This message was already received.", code="signature_replayed") from exc


@router.post("/callbacks/{code}", response_model=CallbackOut)
async def agency_callback(
    code: str,
    request: Request,
    service: ServiceDep,
    x_agency: Annotated[str | None, Header()] = None,
    x_timestamp: Annotated[str | None, Header()] = None,
    x_nonce: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> CallbackOut:
    """An agency reports a status change of one of its cases (signed; see
    docs/agency-integration.md)."""
    body, headers = await verified_body(
        request, code, agency=x_agency, timestamp=x_timestamp, nonce=x_nonce, signature=x_signature
    )
    callback: CallbackIn = parse_body(CallbackIn, body)
    answers = AgencyAnswers(service)

    async def apply() -> CallbackOut:
        await remember_nonce(service, code, headers.nonce)
        application = await answers.find(
            code,
            application_id=callback.application_id,
            number=callback.application_number,
            agency_ref=callback.agency_ref,
        )
        if callback.agency_ref and application.agency_ref is None:
            application.agency_ref = callback.agency_ref
        result = await answers.report(
            application,
            seq=callback.seq,
            at=callback.at,
            status=callback.status,
            data=callback.data,
        )
        return CallbackOut(
            result=result,
            application_id=application.id,
            status=application.status,
        )

    return await commit_change(service, apply())
