"""Operator endpoints of the onboarding procedure: `/v1/admin/onboarding` (docs/onboarding.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from gateway.catalog.definitions import EServiceDefinition
from gateway.catalog.deps import catalog_of
from gateway.deps import AdminDep, IdempotencyKey, Runtime, RuntimeDep, UowDep, idempotent_answer
from gateway.http import edge_key
from gateway.idempotency import IDEMPOTENCY, check_key
from gateway.onboarding import schemas
from gateway.onboarding.certification import registered_connectors, summary_verifier
from gateway.onboarding.models import ConnectorCertification, OnboardingEvent, ServiceFlowModel
from gateway.onboarding.pipeline import STEPS, Status, Step
from gateway.onboarding.repository import OnboardingRepository
from gateway.onboarding.service import CaseView, OnboardingService, Published
from gateway.uow import UnitOfWork
from kernel.language import SUPPORTED_LANGUAGES
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/admin/onboarding", tags=["admin", "onboarding"])

MAX_PAGE = 200
#: Whose Idempotency-Keys these are: the portal's operators share one space of keys.
OPERATORS = "operators"
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def onboarding_of(uow: UnitOfWork, runtime: Runtime, request: Request) -> OnboardingService:
    signer = request.app.state.certification_signer
    return OnboardingService(
        OnboardingRepository(uow.session),
        catalog_of(uow, runtime),
        runtime.cursors,
        uow.now,
        verify=summary_verifier(signer.jwks),
        connectors=registered_connectors(),
        certification_max_age=dt.timedelta(days=runtime.settings.certification_max_age_days),
    )


async def get_onboarding(uow: UowDep, runtime: RuntimeDep, request: Request) -> OnboardingService:
    return onboarding_of(uow, runtime, request)


OnboardingDep = Annotated[OnboardingService, Depends(get_onboarding)]


def _step(step: Step) -> schemas.StepOut:
    info = STEPS[step]
    return schemas.StepOut(
        step=step.value,
        key=step.key,
        name_th=info.name_th,
        name_en=info.name_en,
        standard_days=info.standard_days,
        roles=list(info.roles),
    )


def _case_out(view: CaseView, onboarding: OnboardingService) -> schemas.CaseOut:
    case = view.case
    return schemas.CaseOut(
        id=case.id,
        agency=case.agency_code,
        service_id=case.service_id,
        category=case.category,
        status=Status(case.status),
        closed_reason=case.closed_reason,
        step=_step(Step(case.step)),
        step_entered_at=case.step_entered_at,
        step_due_at=view.due_at,
        overdue=view.overdue,
        connector_version=case.connector_version,
        connector_required=onboarding.connector_required(case),
        coordinator=case.coordinator,
        replaces_id=case.replaces_id,
        has_definition=case.definition is not None,
        flow_model_version=view.flow_model_version,
        version=case.version,
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


def _event_out(event: OnboardingEvent) -> schemas.EventOut:
    return schemas.EventOut(
        at=event.at,
        step=event.step,
        action=event.action,
        actor=event.actor,
        actor_role=event.actor_role,
        note=event.note,
        documents=list(event.documents),
        to_step=event.to_step,
        to_status=event.to_status,
    )


def certification_out(row: ConnectorCertification) -> schemas.CertificationOut:
    checks = row.claims.get("checks")
    blocking = row.claims.get("blocking")
    return schemas.CertificationOut(
        id=row.id,
        agency=row.agency_code,
        connector=row.connector,
        connector_version=row.connector_version,
        certified=row.certified,
        issued_at=row.issued_at,
        report_sha256=row.report_sha256,
        submitted_at=row.submitted_at,
        checks={str(k): int(v) for k, v in checks.items()} if isinstance(checks, dict) else {},
        blocking=[str(b) for b in blocking] if isinstance(blocking, list) else [],
        has_report=row.report is not None,
    )


def _flow_model_out(row: ServiceFlowModel) -> schemas.FlowModelOut:
    return schemas.FlowModelOut.model_validate(
        {**row.model, "version": row.version, "created_at": row.created_at}
    )


async def _detail(onboarding: OnboardingService, case_id: int) -> schemas.CaseDetail:
    case = await onboarding.case(case_id)
    view = await onboarding.view(case)
    latest = await onboarding.latest_certification(case.id)
    return schemas.CaseDetail(
        **_case_out(view, onboarding).model_dump(),
        history=[_event_out(e) for e in await onboarding.history(case.id)],
        definition=case.definition,
        latest_certification=certification_out(latest) if latest is not None else None,
    )


def _show_at_once(runtime: Runtime, published: Published | None) -> None:
    """A service that just went live is read from the database on its next request, not
    from a detail this process cached before (e.g. a 'not live' answer)."""
    if published is None:
        return
    for lang in SUPPORTED_LANGUAGES:
        runtime.render_cache.discard(edge_key(f"/v1/services/{published.service_id}", lang))


@router.post(
    "/cases",
    response_model=schemas.CaseDetail,
    status_code=201,
    responses=problem_responses(
        "agency_not_found",
        "onboarding_case_exists",
        "service_of_another_agency",
        *IDEMPOTENCY,
    ),
)
async def open_case(
    onboarding: OnboardingDep,
    uow: UowDep,
    _: AdminDep,
    body: Annotated[schemas.CaseIn, Body()],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Select a service for the portal: a new case at step 1 (select). With an
    Idempotency-Key, a repeated request answers the case it opened (`Idempotent-Replayed`)
    instead of 409 `onboarding_case_exists`."""
    key = check_key(idempotency_key)

    async def open_() -> tuple[int, dict[str, Any]]:
        case = await onboarding.open_case(body)
        return 201, (await _detail(onboarding, case.id)).model_dump(mode="json")

    scope = "POST /v1/admin/onboarding/cases"
    return idempotent_answer(
        await uow.once(OPERATORS, key, scope, body.model_dump(mode="json"), open_)
    )


@router.get(
    "/cases",
    response_model=schemas.CasePage,
    responses=problem_responses("invalid_cursor"),
)
async def list_cases(
    onboarding: OnboardingDep,
    _: AdminDep,
    stage: Annotated[int | None, Query(ge=1, le=13, description="The current step, 1-13")] = None,
    agency: Annotated[str | None, Query(max_length=32)] = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the last page")] = None,
) -> schemas.CasePage:
    """Cases in the order they were opened, filtered by stage, agency and status."""
    page = await onboarding.find(
        step=Step(stage) if stage is not None else None,
        agency=agency,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return schemas.CasePage(
        items=[_case_out(v, onboarding) for v in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/cases/{case_id}",
    response_model=schemas.CaseDetail,
    responses=problem_responses("onboarding_case_not_found"),
)
async def read_case(onboarding: OnboardingDep, _: AdminDep, case_id: CaseId) -> schemas.CaseDetail:
    """One case with its history, its due date and whether its step is overdue."""
    return await _detail(onboarding, case_id)


@router.post(
    "/cases/{case_id}/actions",
    response_model=schemas.CaseDetail,
    responses=problem_responses(
        "onboarding_case_not_found",
        "onboarding_case_changed",
        "onboarding_case_closed",
        "onboarding_action_not_allowed",
        "onboarding_role_not_allowed",
        "onboarding_step_incomplete",
        "onboarding_case_exists",
        "onboarding_lint_failed",
        "service_of_another_agency",
        "agency_not_found",
        "certification_invalid",
        "certification_required",
        "certification_not_certified",
        "certification_mismatch",
        "certification_stale",
        "concurrent_change",
    ),
)
async def act_on_case(
    onboarding: OnboardingDep,
    uow: UowDep,
    runtime: RuntimeDep,
    _: AdminDep,
    case_id: CaseId,
    body: Annotated[schemas.ActionIn, Body()],
) -> schemas.CaseDetail:
    """Act on the case's current step (`version`: the case's version as read; a case changed
    since answers 409 `onboarding_case_changed`). Completing step 13 publishes the service."""
    _case, published = await uow.run(lambda: onboarding.act(case_id, body))
    _show_at_once(runtime, published)
    return await _detail(onboarding, case_id)


@router.put(
    "/cases/{case_id}/flow-model",
    response_model=schemas.FlowModelOut,
    responses=problem_responses(
        "onboarding_case_not_found", "onboarding_case_closed", "concurrent_change"
    ),
)
async def put_flow_model(
    onboarding: OnboardingDep,
    uow: UowDep,
    _: AdminDep,
    case_id: CaseId,
    body: Annotated[schemas.FlowModelIn, Body()],
) -> schemas.FlowModelOut:
    """Store the service flow model (step 6) as its next version; older versions are kept."""
    row = await uow.run(lambda: onboarding.put_flow_model(case_id, body))
    return _flow_model_out(row)


@router.get(
    "/cases/{case_id}/flow-model",
    response_model=schemas.FlowModelHistory,
    responses=problem_responses("onboarding_case_not_found"),
)
async def flow_model_history(
    onboarding: OnboardingDep, _: AdminDep, case_id: CaseId
) -> schemas.FlowModelHistory:
    """Every version of the case's flow model, the oldest first."""
    rows = await onboarding.flow_models(case_id)
    return schemas.FlowModelHistory(items=[_flow_model_out(r) for r in rows])


@router.put(
    "/cases/{case_id}/definition",
    response_model=schemas.CaseDetail,
    responses=problem_responses(
        "onboarding_case_not_found",
        "onboarding_case_closed",
        "onboarding_definition_mismatch",
        "concurrent_change",
    ),
)
async def put_definition(
    onboarding: OnboardingDep,
    uow: UowDep,
    _: AdminDep,
    case_id: CaseId,
    definition: Annotated[EServiceDefinition, Body()],
) -> schemas.CaseDetail:
    """The e-service definition (the catalog's YAML service shape) go-live publishes; kept as
    a draft until then."""
    await uow.run(lambda: onboarding.put_definition(case_id, definition))
    return await _detail(onboarding, case_id)


@router.post(
    "/cases/{case_id}/certifications",
    response_model=schemas.CertificationOut,
    status_code=201,
    responses=problem_responses(
        "onboarding_case_not_found",
        "onboarding_case_closed",
        "certification_invalid",
        "certification_not_applicable",
        "certification_mismatch",
        "concurrent_change",
    ),
)
async def submit_certification(
    onboarding: OnboardingDep,
    uow: UowDep,
    _: AdminDep,
    case_id: CaseId,
    body: Annotated[schemas.CertificationIn, Body()],
) -> schemas.CertificationOut:
    """A connector's certification summary signed by the gateway (a compact JWS), with its
    report (JSON) if wanted. It must verify against `/v1/trust/certification-keys`; step 10
    reads the latest one."""
    row = await uow.run(lambda: onboarding.add_certification(case_id, body))
    return certification_out(row)


@router.get("/summary", response_model=schemas.Summary)
async def summary(onboarding: OnboardingDep, _: AdminDep) -> schemas.Summary:
    """Cases by stage, status, category and agency, how many are overdue (working days, the
    government calendar), and the portal's figures from the live catalog."""
    return await onboarding.summary()
