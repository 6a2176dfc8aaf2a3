"""The agency's side: `/v1/agency/applications`, for an agency's back end or its officers'
back office, with an access token of scope `agency:<CODE>` (client credentials).

An agency sees only applications filed with it (any other id answers 404), and every read of a
citizen's data is an audit line (R-15.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from gateway.applications import transfer
from gateway.applications.endpoints import (
    AppsRuntimeDep,
    ServiceDep,
    application_body,
    commit_change,
    stream_attachment,
)
from gateway.applications.lifecycle import Action, ActorKind, Status
from gateway.applications.schemas import (
    AgencyActionIn,
    ApplicationOut,
    ApplicationPage,
    ReferIn,
    after_position,
    position_of,
    summary_page,
)
from gateway.applications.service import Actor
from gateway.deps import LangDep, RuntimeDep
from gateway.http import PersonalDataRoute
from identity.oidc import AccessClaims, OIDCProvider
from identity.oidc.errors import InsufficientScope, MissingToken
from kernel.errors import Conflict, FieldError, ValidationFailed

router = APIRouter(prefix="/v1/agency", tags=["agency"], route_class=PersonalDataRoute)


@dataclass(frozen=True)
class AgencyCaller:
    agency_code: str
    client_id: str
    claims: AccessClaims


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


def _staff(caller: AgencyCaller, officer: str | None) -> str:
    return f"{caller.client_id}/{officer}" if officer else caller.client_id


@router.get("/applications", response_model=ApplicationPage)
async def list_agency_applications(
    caller: AgencyDep,
    service: ServiceDep,
    runtime: RuntimeDep,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ApplicationPage:
    """Applications filed with this agency, oldest first (a work queue); no personal data."""
    fingerprint_ = f"agency:{caller.agency_code}:{status}"
    after = after_position(runtime.cursors.decode(cursor, fingerprint_)) if cursor else None
    rows = await service.repository.of_agency(
        caller.agency_code,
        status=status.value if status else None,
        limit=limit + 1,
        after=after,
    )
    page = rows[:limit]
    more = len(rows) > limit
    return summary_page(
        page, runtime.cursors.encode(fingerprint_, position_of(page[-1])) if more else None
    )


@router.get("/applications/{application_id}", response_model=ApplicationOut)
async def get_agency_application(
    application_id: str,
    caller: AgencyDep,
    service: ServiceDep,
    lang: LangDep,
    officer: Annotated[str | None, Header(alias="X-Officer-Id", max_length=80)] = None,
) -> dict[str, Any]:
    """One application with the citizen's form data (the read is audited, R-15.1)."""
    application = await service.of_agency(caller.agency_code, application_id)
    view = await service.view(application)
    await commit_change(
        service,
        service.read_by_staff(
            application, caller.agency_code, _staff(caller, officer), "application"
        ),
    )
    return application_body(service, view, lang, ActorKind.AGENCY)


@router.get("/applications/{application_id}/attachments/{attachment_id}")
async def get_agency_attachment(
    application_id: str,
    attachment_id: str,
    caller: AgencyDep,
    service: ServiceDep,
    apps: AppsRuntimeDep,
    officer: Annotated[str | None, Header(alias="X-Officer-Id", max_length=80)] = None,
) -> StreamingResponse:
    application = await service.of_agency(caller.agency_code, application_id)
    row = await service.attachment_of(application, attachment_id)
    await commit_change(
        service,
        service.read_by_staff(
            application, caller.agency_code, _staff(caller, officer), f"attachment:{row.id}"
        ),
    )
    return await stream_attachment(service, apps, row)


@router.post("/applications/{application_id}/actions", response_model=ApplicationOut)
async def act_on_application(
    application_id: str,
    body: AgencyActionIn,
    caller: AgencyDep,
    service: ServiceDep,
    lang: LangDep,
) -> dict[str, Any]:
    """Accept, ask for more documents (once per application, R-LFA.2), ask for the fee,
    approve or reject (with a reason). The citizen is told at once (R-11.1)."""
    application = await commit_change(
        service,
        service.agency_action(
            caller.agency_code,
            _staff(caller, body.officer),
            application_id,
            Action(body.action),
            reason=body.reason,
            items=[item.model_dump() for item in body.items],
        ),
    )
    return application_body(service, await service.view(application), lang, ActorKind.AGENCY)


@router.post("/applications/{application_id}/refer", response_model=ApplicationOut)
async def refer_application(
    request: Request,
    application_id: str,
    body: ReferIn,
    caller: AgencyDep,
    service: ServiceDep,
    apps: AppsRuntimeDep,
    lang: LangDep,
) -> dict[str, Any]:
    """The case is not for this office or not for this agency.

    - `unit_code`: another office of this agency is responsible (R-10.5). The case moves
      there and keeps its deemed receipt time.
    - `agency_code`: another agency is responsible (R-10.6). When the catalog maps this service
      to one of that agency's services and the application fills its form, the portal files
      it there for the citizen (a new application with its own receipt time). Otherwise the
      citizen is told which agency is responsible and can resubmit there in one step.

    Either way the citizen is told at once, and the timeline and the audit chain record it."""
    staff = _staff(caller, body.officer)
    if (body.unit_code is None) == (body.agency_code is None):
        raise ValidationFailed(
            "Name either the office (unit_code) or the agency (agency_code) responsible.",
            errors=[FieldError("/body", "one_of", "Exactly one of unit_code, agency_code.")],
        )
    if body.unit_code is not None:
        application = await commit_change(
            service,
            service.refer_to_office(
                caller.agency_code, staff, application_id, body.unit_code, reason=body.reason
            ),
        )
        return application_body(service, await service.view(application), lang, ActorKind.AGENCY)
    assert body.agency_code is not None
    if body.agency_code == caller.agency_code:
        raise ValidationFailed(
            "Another office of the same agency is named by unit_code.",
            errors=[FieldError("/body/agency_code", "same_agency", "Another agency.")],
        )
    application = await service.of_agency(caller.agency_code, application_id)
    if (await service.view(application)).service.integration_mode != "platform":
        # An agency with its own back end says so when the portal files with it (the
        # connector's not_our_case), not here, or the worker would file it anyway.
        raise Conflict(
            "Cases of this service are worked in the agency's own system; it answers "
            "not_our_case when the portal files with it.",
            code="refer_in_own_system",
        )
    if await service.catalog_rows.get_agency(body.agency_code) is None:
        raise ValidationFailed(
            f"No agency {body.agency_code} is on the portal.",
            errors=[FieldError("/body/agency_code", "unknown_agency", "An agency's code.")],
        )
    plan = await transfer.plan(
        service, apps, request.app.state.connectors, application, body.agency_code
    )
    actor = Actor(ActorKind.AGENCY, f"{caller.agency_code}:{staff}")
    copied: list[str] = []
    try:
        await commit_change(
            service,
            transfer.refer(service, apps, application, plan, copied, actor=actor, note=body.reason),
        )
    except BaseException:
        await transfer.discard(apps, copied)
        raise
    return application_body(service, await service.view(application), lang, ActorKind.AGENCY)
