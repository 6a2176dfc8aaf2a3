"""Catalog endpoints (the "know" verb): categories, life stages, e-services and agencies.

Public: no login needed to read the catalog. Every read carries an ETag and honours
If-None-Match, so apps revalidate cheaply.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from gateway.catalog import schemas
from gateway.catalog.definitions import Category, LifeStage
from gateway.catalog.deps import CatalogDep, catalog_of
from gateway.catalog.search import MAX_QUERY_CHARS
from gateway.catalog.service import ServiceQuery
from gateway.deps import LangDep, RuntimeDep
from gateway.http import PERSONAL_DATA, Rendered, conditional_json, edge_key, render_json
from identity import CitizenDep, require_assurance
from kernel.errors import NotFound
from kernel.problems import problem_responses
from kernel.working_time import BANGKOK

router = APIRouter(prefix="/v1", tags=["catalog"])
# Catalog reads carry an ETag: If-None-Match with the current one answers 304.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not Modified"}}

MAX_PAGE = 200
MAX_CALENDAR_DAYS = 92
CALENDAR_FIRST_DAY = dt.date(1970, 1, 1)
CALENDAR_LAST_DAY = dt.date(2199, 9, 30)


@router.get("/categories", response_model=schemas.CategoryList, responses=NOT_MODIFIED)
async def list_categories(request: Request, catalog: CatalogDep, lang: LangDep) -> Response:
    """The 12 categories of the portal, each with the number of live e-services in it."""
    items = [
        schemas.CategoryOut(
            code=c.value, name=schemas.CATEGORY_NAMES[c].pick(lang), live_services=count
        )
        for c, count in await catalog.categories()
    ]
    return conditional_json(request, schemas.CategoryList(items=items), lang)


@router.get("/life-stages", response_model=schemas.LifeStageList, responses=NOT_MODIFIED)
async def list_life_stages(request: Request, lang: LangDep) -> Response:
    """The 5 life stages the portal groups services by."""
    items = [
        schemas.Named(code=s.value, name=n.pick(lang)) for s, n in schemas.LIFE_STAGE_NAMES.items()
    ]
    return conditional_json(request, schemas.LifeStageList(items=items), lang)


@router.get(
    "/services",
    response_model=schemas.ServicePage,
    responses={**NOT_MODIFIED, **problem_responses("invalid_cursor")},
)
async def list_services(
    request: Request,
    catalog: CatalogDep,
    lang: LangDep,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_CHARS,
            description="Words to find in names, summaries and keywords, Thai or English; "
            "every word must occur (substring match: Thai needs no spaces).",
        ),
    ] = None,
    category: Category | None = None,
    life_stage: LifeStage | None = None,
    agency: Annotated[str | None, Query(max_length=32, description="An agency code.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    # No max_length here: an over-long cursor is a tampered one, refused with 400 like others.
    cursor: Annotated[str | None, Query(description="next_cursor of the last page")] = None,
) -> Response:
    """Live e-services, filtered and searched, in pages ordered by id."""
    page = await catalog.find_services(
        ServiceQuery(q=q, category=category, life_stage=life_stage, agency=agency), limit, cursor
    )
    body = schemas.ServicePage(
        items=[schemas.service_summary(s, lang) for s in page.items],
        next_cursor=page.next_cursor,
    )
    return conditional_json(request, body, lang)


@router.get(
    "/services/{service_id}",
    response_model=schemas.ServiceDetail,
    responses={**NOT_MODIFIED, **problem_responses("service_not_found")},
)
async def get_service(
    request: Request,
    lang: LangDep,
    runtime: RuntimeDep,
    service_id: Annotated[str, Path(max_length=80)],
) -> Response:
    """One e-service with its full citizen manual (R-LFA.1)."""
    cache = runtime.render_cache
    key = edge_key(request.scope["path"], lang)
    route = request.scope["route"].path

    async def render() -> Rendered:
        async with runtime.unit_of_work() as uow:
            service = await catalog_of(uow, runtime).service(service_id)
            return render_json(schemas.service_detail(service, lang), route)

    async def render_again() -> Rendered | None:
        with contextlib.suppress(NotFound):  # withdrawn since: the next request says so
            return await render()
        return None

    found = cache.find(key)
    if found is None:  # only then is a session opened on the request's way
        rendered = await render()
        cache.put(key, rendered)
    else:
        rendered, stale = found
        if stale:
            cache.refresh(key, render_again)
    return conditional_json(request, rendered, lang)


@router.get("/agencies", response_model=schemas.AgencyList, responses=NOT_MODIFIED)
async def list_agencies(request: Request, catalog: CatalogDep, lang: LangDep) -> Response:
    """Every agency on the portal."""
    items = [schemas.agency_out(a, n, lang) for a, n in await catalog.agencies()]
    return conditional_json(request, schemas.AgencyList(items=items), lang)


@router.get(
    "/agencies/{code}",
    response_model=schemas.AgencyDetail,
    responses={**NOT_MODIFIED, **problem_responses("agency_not_found")},
)
async def get_agency(
    request: Request, catalog: CatalogDep, lang: LangDep, code: Annotated[str, Path(max_length=32)]
) -> Response:
    """One agency with its units and the areas they serve."""
    agency, live = await catalog.agency(code)
    return conditional_json(request, schemas.agency_detail(agency, live, lang), lang)


@router.get(
    "/agencies/{code}/calendar",
    response_model=schemas.AgencyCalendar,
    responses=problem_responses("agency_not_found"),
)
async def get_agency_calendar(
    catalog: CatalogDep,
    runtime: RuntimeDep,
    lang: LangDep,
    code: Annotated[str, Path(max_length=32)],
    start: Annotated[
        dt.date | None,
        Query(
            alias="from",
            ge=CALENDAR_FIRST_DAY,
            le=CALENDAR_LAST_DAY,
            description="First day (Asia/Bangkok); default: the gateway's today",
        ),
    ] = None,
    days: Annotated[int, Query(ge=1, le=MAX_CALENDAR_DAYS)] = 14,
) -> schemas.AgencyCalendar:
    """The agency's working days and hours (R-10.2), its holidays, and when a request sent now
    would be deemed received (R-10.1). Times follow the gateway's clock (simulated or real)."""
    now = runtime.clock.now()
    first = start or now.astimezone(BANGKOK).date()
    agency = await catalog.agency_only(code)
    view = await catalog.calendar_view(agency, first, days, now, lang)
    return schemas.AgencyCalendar(
        agency=agency.code,
        timezone="Asia/Bangkok",
        receipt_anchor=agency.receipt_anchor,
        now=view.now.astimezone(BANGKOK),
        receipt_if_sent_now=view.receipt_if_sent_now.astimezone(BANGKOK),
        days=[
            schemas.CalendarDayOut(
                date=d.day,
                working=d.working,
                holiday=d.holiday,
                periods=[schemas.PeriodOut(opens=a, closes=b) for a, b in d.periods],
            )
            for d in view.days
        ],
    )


class ServiceAccess(BaseModel):
    service_id: str
    required_assurance: str
    login_assurance: str | None
    allowed: bool


@router.get(
    "/services/{service_id}/access",
    response_model=ServiceAccess,
    responses=problem_responses(
        "service_not_found", "insufficient_user_authentication", "invalid_token", "unauthorized"
    ),
    openapi_extra={PERSONAL_DATA: True},  # about the caller's login, not the catalog
)
async def check_service_access(
    catalog: CatalogDep,
    login: CitizenDep,
    service_id: Annotated[str, Path(max_length=80)],
) -> ServiceAccess:
    """Whether the caller's login is strong enough for this service. When it is not, the answer
    is RFC 9470's step-up challenge (401 insufficient_user_authentication, acr_values), so the
    app can run the face step and come back."""
    service = await catalog.service(service_id)
    require_assurance(login.claims.acr, service.min_assurance)
    return ServiceAccess(
        service_id=service.id,
        required_assurance=service.min_assurance,
        login_assurance=login.claims.acr,
        allowed=True,
    )
