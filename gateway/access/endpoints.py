"""`GET /v1/me/data-access`: who fetched the citizen's personal data, when, which and why
(issue 14, gateway/audit/access.py). The citizen's token names whose log it is: there is no
id to ask for anyone else's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from gateway.access.repository import Names, agency_names, service_names
from gateway.access.schemas import DataAccessOut, DataAccessPage
from gateway.audit.access import citizen_page
from gateway.deps import LangDep, RuntimeDep, SessionDep
from gateway.http import PersonalDataRoute, model_json
from gateway.pagination import query_fingerprint
from identity import CitizenDep
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["data access"], route_class=PersonalDataRoute)


@router.get(
    "/me/data-access",
    response_model=DataAccessPage,
    responses=problem_responses("invalid_cursor"),
)
async def list_data_access(
    login: CitizenDep,
    session: SessionDep,
    lang: LangDep,
    runtime: RuntimeDep,
    since: Annotated[
        AwareDatetime | None,
        Query(description="Only fetches at or after this instant (ISO 8601 with an offset)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Every fetch of your personal data, newest first: by the portal (to prove your identity
    at login, to fill in a form from the state's records) or by an agency (an officer viewing
    your application, an agency's own e-service taking your verified identity), with which
    data, whose records, and for which service or application. Only what was actually
    obtained is listed, and never the data itself."""
    filters = {"citizen": login.citizen.id, "since": since.isoformat() if since else None}
    fingerprint = query_fingerprint("data-access", filters)
    before = int(runtime.cursors.decode(cursor, fingerprint)) if cursor else None
    rows = await citizen_page(
        session, login.citizen.id, before_id=before, since=since, limit=limit + 1
    )
    page = rows[:limit]
    agencies: Names = {}
    services: Names = {}
    if page:
        agencies = await agency_names(
            session, {code for row in page for code in (row.accessor, row.source)}
        )
        services = await service_names(session, {r.service_id for r in page if r.service_id})
    next_cursor = (
        runtime.cursors.encode(fingerprint, str(page[-1].id)) if len(rows) > limit else None
    )
    return model_json(
        DataAccessPage(
            items=[DataAccessOut.of(row, lang, agencies, services) for row in page],
            next_cursor=next_cursor,
        )
    )
