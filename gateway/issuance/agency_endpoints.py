"""The agency's side of issuing: the standing of the documents it granted (revoke, suspend,
reinstate), and the requests for permit information made of it (R-21.1) with its one answer
to each."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway.applications.deps import ApplicationsDep
from gateway.deps import AgencyDep
from gateway.http import model_json
from gateway.issuance.requests import PermitRequests
from gateway.issuance.schemas import (
    AgencyPermitRequestOut,
    AgencyPermitRequestPage,
    AnswerIn,
    DocumentStatusIn,
    DocumentStatusOut,
)
from gateway.issuance.service import Issuing
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/agency", tags=["agency"])


@router.post(
    "/documents/{number}/status",
    response_model=DocumentStatusOut,
    responses=problem_responses("document_not_found", "document_status_final", "concurrent_change"),
)
async def change_document_status(
    number: str, body: DocumentStatusIn, caller: AgencyDep, apps: ApplicationsDep, request: Request
) -> DocumentStatusOut:
    """Revoke, suspend or reinstate one of the calling agency's documents, with the reason.
    The verification page and the register show it on the next request, and the holder is
    told in the inbox. Revoked is final; saying the same again changes nothing."""
    issuing = Issuing(apps, request.app.state.signing)
    actor = f"agency:{caller.agency_code}:{caller.staff(None)}"

    async def apply() -> DocumentStatusOut:
        _, changed = await issuing.change_status(
            caller.agency_code, number, body.status, body.reason, actor
        )
        return DocumentStatusOut(number=number, status=body.status, changed=changed)

    return await apps.uow.run(apply)


@router.get(
    "/permit-information-requests",
    response_model=AgencyPermitRequestPage,
    responses=problem_responses("invalid_cursor"),
)
async def agency_permit_requests(
    caller: AgencyDep,
    apps: ApplicationsDep,
    status: Literal["open", "answered"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Requests for permit information made of the calling agency, oldest first; `overdue`
    marks those still open past their due time (3 working days, R-21.1). Who asked is not
    shown: the answer reaches them through the portal."""
    views, next_cursor = await PermitRequests(apps.ctx).of_agency(
        caller.agency_code, status=status, limit=limit, cursor=cursor
    )
    return model_json(
        AgencyPermitRequestPage(
            items=[AgencyPermitRequestOut.of(v) for v in views], next_cursor=next_cursor
        )
    )


@router.post(
    "/permit-information-requests/{request_id}/answer",
    response_model=AgencyPermitRequestOut,
    responses=problem_responses(
        "permit_request_not_found", "permit_request_answered", "concurrent_change"
    ),
)
async def answer_permit_request(
    request_id: str, body: AnswerIn, caller: AgencyDep, apps: ApplicationsDep
) -> Response:
    """Answer a request for permit information (once: a second answer is refused with 409
    `permit_request_answered`). The citizen is told in the inbox."""
    requests = PermitRequests(apps.ctx)
    view = await apps.uow.run(
        lambda: requests.answer(
            caller.agency_code, request_id, body.answer, caller.staff(body.officer)
        )
    )
    return model_json(AgencyPermitRequestOut.of(view))
