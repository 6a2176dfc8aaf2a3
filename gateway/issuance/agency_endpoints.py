"""The agency's side of issuing: the requests for permit information made of it (R-21.1),
and its one answer to each."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gateway.applications.deps import ApplicationsDep
from gateway.deps import AgencyDep
from gateway.http import model_json
from gateway.issuance.requests import PermitRequests
from gateway.issuance.schemas import AgencyPermitRequestOut, AgencyPermitRequestPage, AnswerIn
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/agency", tags=["agency"])


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
