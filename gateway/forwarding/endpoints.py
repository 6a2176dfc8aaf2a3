"""Agencies calling the gateway: signed status callbacks (`/v1/agency/callbacks/{code}`).

A callback is refused (401 problem+json) for an unknown agency, a bad or missing signature, a
timestamp more than 5 minutes from the gateway's real time, or a nonce already seen; the body is
read only up to 64 KiB. A valid one is applied in the agency's order (gateway/forwarding/
answers.py) and acknowledged with what happened to it.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from connectors.base import AgencyStatus
from gateway.applications.deps import ApplicationsDep
from gateway.forwarding.answers import AgencyAnswers
from gateway.forwarding.inbound import (
    SIGNED_CALL_PROBLEMS,
    SignatureDep,
    remember_nonce,
    verified_body,
)
from gateway.http import parse_body
from gateway.issuance.schemas import DocumentStatusOut, SignedDocumentStatusIn
from gateway.issuance.service import Issuing
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/agency", tags=["agency"])


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


@router.post(
    "/callbacks/{code}",
    response_model=CallbackOut,
    responses=problem_responses(
        *SIGNED_CALL_PROBLEMS, "application_not_found", "concurrent_change"
    ),
)
async def agency_callback(
    code: str,
    request: Request,
    apps: ApplicationsDep,
    sent: SignatureDep,
) -> CallbackOut:
    """An agency reports a status change of one of its cases (signed; see
    docs/agency-integration.md)."""
    body, headers = await verified_body(request, code, sent)
    callback: CallbackIn = parse_body(CallbackIn, body)
    answers = AgencyAnswers(apps)

    async def apply() -> CallbackOut:
        await remember_nonce(apps.ctx.session, code, headers.nonce, apps.ctx.now)
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
        return CallbackOut(result=result, application_id=application.id, status=application.status)

    return await apps.uow.run(apply)


@router.post(
    "/document-status/{code}",
    response_model=DocumentStatusOut,
    responses=problem_responses(
        *SIGNED_CALL_PROBLEMS, "document_not_found", "document_status_final", "concurrent_change"
    ),
)
async def document_status(
    code: str, request: Request, apps: ApplicationsDep, sent: SignatureDep
) -> DocumentStatusOut:
    """An issuing agency revokes, suspends or reinstates one of its documents (signed like a
    callback). The verification page and the register show it on the next request, and the
    holder is told in the inbox. Revoked is final."""
    body, headers = await verified_body(request, code, sent)
    change: SignedDocumentStatusIn = parse_body(SignedDocumentStatusIn, body)
    issuing = Issuing(apps, request.app.state.signing)

    async def apply() -> DocumentStatusOut:
        await remember_nonce(apps.ctx.session, code, headers.nonce, apps.ctx.now)
        _, changed = await issuing.change_status(
            code, change.number, change.status, change.reason, f"agency:{code}"
        )
        return DocumentStatusOut(number=change.number, status=change.status, changed=changed)

    return await apps.uow.run(apply)
