"""The agency's side: `/v1/agency/applications`, for an agency's back end or its officers'
back office, with an access token of scope `agency:<CODE>` (client credentials).

An agency sees only applications filed with it (any other id answers 404), and every read of a
citizen's data is an audit line (R-15.1).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from gateway.applications.deps import ApplicationsDep, AppsRuntimeDep
from gateway.applications.lifecycle import Action, ActorKind, Status
from gateway.applications.models import Application
from gateway.applications.schemas import (
    AgencyActionIn,
    AgencyApplicationOut,
    ApplicantOut,
    ApplicationOut,
    ApplicationPage,
    AttachmentOut,
    ReferIn,
    summary_page,
)
from gateway.applications.services import Applications
from gateway.deps import AgencyDep, LangDep
from gateway.documents.verification import attachment_verification
from gateway.http import PersonalDataRoute, stream_blob
from kernel.errors import FieldError, ValidationFailed
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/agency", tags=["agency"], route_class=PersonalDataRoute)

OfficerHeader = Annotated[str | None, Header(alias="X-Officer-Id", max_length=80)]


async def shown(apps: Applications, application: Application, lang: str) -> dict[str, Any]:
    """An application as its agency sees it: with who the applicant is (the agency handles
    the case; every staff read is audited, R-15.1)."""
    view = await apps.reader.view(application)
    now = apps.ctx.now
    seen = ApplicationOut.of(view, lang, now, ActorKind.AGENCY)
    citizen = await apps.state.citizen(application.citizen_id)
    attachments = []
    for row in view.attachments:
        verification = None
        if row.wallet_document_id is not None:
            document = await apps.ctx.wallet.get(row.wallet_document_id)
            if document is not None:
                verification = attachment_verification(document, now, apps.ctx.runtime.issuer)
        attachments.append({**AttachmentOut.of(row).model_dump(), "verification": verification})
    return AgencyApplicationOut(
        **{**seen.model_dump(), "attachments": attachments},
        applicant=ApplicantOut(
            national_id=citizen.national_id,
            first_name_th=citizen.first_name_th,
            last_name_th=citizen.last_name_th,
        ),
    ).model_dump(mode="json")


@router.get(
    "/applications",
    response_model=ApplicationPage,
    responses=problem_responses("invalid_cursor"),
)
async def list_agency_applications(
    caller: AgencyDep,
    apps: ApplicationsDep,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ApplicationPage:
    """Applications filed with this agency, oldest first (a work queue); no personal data."""
    return summary_page(
        *await apps.reader.agency_page(
            caller.agency_code, status=status, limit=limit, cursor=cursor
        )
    )


@router.get(
    "/applications/{application_id}",
    response_model=AgencyApplicationOut,
    responses=problem_responses("application_not_found", "concurrent_change"),
)
async def get_agency_application(
    application_id: str,
    caller: AgencyDep,
    apps: ApplicationsDep,
    lang: LangDep,
    officer: OfficerHeader = None,
) -> dict[str, Any]:
    """One application with the citizen's form data (the read is audited, R-15.1)."""
    application = await apps.uow.run(
        lambda: apps.transitions.read_by_staff(
            caller.agency_code, caller.staff(officer), application_id, officer=officer
        )
    )
    return await shown(apps, application, lang)


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}",
    responses=problem_responses(
        "application_not_found", "attachment_not_found", "storage_unavailable", "concurrent_change"
    ),
)
async def get_agency_attachment(
    application_id: str,
    attachment_id: str,
    caller: AgencyDep,
    apps: ApplicationsDep,
    runtime: AppsRuntimeDep,
    officer: OfficerHeader = None,
) -> StreamingResponse:
    application = await apps.reader.of_agency(caller.agency_code, application_id)
    download = await apps.reader.download(application, attachment_id)
    await apps.uow.run(
        lambda: apps.transitions.read_by_staff(
            caller.agency_code,
            caller.staff(officer),
            application_id,
            f"attachment:{attachment_id}",
            officer=officer,
        )
    )
    return stream_blob(runtime.store, download)


@router.post(
    "/applications/{application_id}/actions",
    response_model=AgencyApplicationOut,
    responses=problem_responses(
        "application_not_found",
        "validation_failed",
        "invalid_transition",
        "application_closed",
        "not_your_action",
        "info_already_requested",
        "service_is_free",
        "fee_for_state_document",
        "fee_unknown",
        "payments_unavailable",
        "concurrent_change",
    ),
)
async def act_on_application(
    application_id: str,
    body: AgencyActionIn,
    caller: AgencyDep,
    apps: ApplicationsDep,
    lang: LangDep,
) -> dict[str, Any]:
    """Accept, ask for more documents (once per application, R-LFA.2), ask for the fee,
    approve or reject (with a reason). The citizen is told at once (R-11.1)."""
    application = await apps.uow.run(
        lambda: apps.transitions.agency_action(
            caller.agency_code,
            caller.staff(body.officer),
            application_id,
            Action(body.action),
            reason=body.reason,
            items=[item.model_dump() for item in body.items],
            fees=[fee.model_dump() for fee in body.fees] or None,
            stage="after_approval" if body.approved else "review",
            document=body.document.model_dump(mode="json") if body.document else None,
        )
    )
    return await shown(apps, application, lang)


@router.post(
    "/applications/{application_id}/refer",
    response_model=AgencyApplicationOut,
    responses=problem_responses(
        "application_not_found",
        "validation_failed",
        "refer_in_own_system",
        "registry_unavailable",
        "storage_unavailable",
        "attachment_too_large",
        "invalid_transition",
        "application_closed",
        "not_your_action",
        "info_already_requested",
        "concurrent_change",
    ),
)
async def refer_application(
    application_id: str,
    body: ReferIn,
    caller: AgencyDep,
    apps: ApplicationsDep,
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
    staff = caller.staff(body.officer)
    if (body.unit_code is None) == (body.agency_code is None):
        raise ValidationFailed(
            "Name either the office (unit_code) or the agency (agency_code) responsible.",
            errors=[FieldError("/body", "one_of", "Exactly one of unit_code, agency_code.")],
        )
    unit, agency = body.unit_code, body.agency_code

    async def refer() -> Application:
        if unit is not None:
            return await apps.transitions.refer_to_office(
                caller.agency_code, staff, application_id, unit, reason=body.reason
            )
        assert agency is not None
        return await apps.transfer.by_officer(
            caller.agency_code, staff, application_id, agency, note=body.reason
        )

    return await shown(apps, await apps.uow.run(refer), lang)
