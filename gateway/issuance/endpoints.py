"""The citizen's requests for permit information (R-21.1): `/v1/permit-information-requests`.
Free; answered by the agency within 3 working days; a citizen sees only their own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from gateway.applications.deps import ApplicationsDep
from gateway.deps import IdempotencyKey, idempotent_answer
from gateway.http import PersonalDataRoute, model_json
from gateway.idempotency import IDEMPOTENCY, check_key
from gateway.issuance.requests import PermitRequests
from gateway.issuance.schemas import PermitRequestIn, PermitRequestOut, PermitRequestPage
from identity import CitizenDep
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["permit information"], route_class=PersonalDataRoute)


@router.post(
    "/permit-information-requests",
    status_code=201,
    response_model=PermitRequestOut,
    responses=problem_responses("agency_not_found", *IDEMPOTENCY),
)
async def file_permit_request(
    body: PermitRequestIn,
    login: CitizenDep,
    apps: ApplicationsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Ask an agency for information about a permit that is not on its public register yet.
    Free of charge. `due_at`: the close of the 3rd working day after receipt on the agency's
    calendar; the answer, and a request left unanswered past it, reach the inbox."""
    key = check_key(idempotency_key)
    requests = PermitRequests(apps.ctx)

    async def file() -> tuple[int, dict[str, Any]]:
        view = await requests.file(login.citizen.id, body.agency, body.permit_number, body.question)
        return 201, PermitRequestOut.of(view).model_dump(mode="json")

    scope = "POST /v1/permit-information-requests"
    return idempotent_answer(
        await apps.uow.once(login.citizen.id, key, scope, body.model_dump(mode="json"), file)
    )


@router.get(
    "/permit-information-requests",
    response_model=PermitRequestPage,
    responses=problem_responses("invalid_cursor"),
)
async def list_permit_requests(
    login: CitizenDep,
    apps: ApplicationsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """The citizen's own requests for permit information, newest first."""
    views, next_cursor = await PermitRequests(apps.ctx).of_citizen(
        login.citizen.id, limit=limit, cursor=cursor
    )
    return model_json(
        PermitRequestPage(items=[PermitRequestOut.of(v) for v in views], next_cursor=next_cursor)
    )


@router.get(
    "/permit-information-requests/{request_id}",
    response_model=PermitRequestOut,
    responses=problem_responses("permit_request_not_found"),
)
async def read_permit_request(
    request_id: str, login: CitizenDep, apps: ApplicationsDep
) -> Response:
    """One of the citizen's own requests (anyone else's answers 404, like a missing one)."""
    view = await PermitRequests(apps.ctx).owned(login.citizen.id, request_id)
    return model_json(PermitRequestOut.of(view))
