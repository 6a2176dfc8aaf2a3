"""The mock DOP back office, mounted by the host at /dop. The DOP's service is platform-hosted:
the form and the workflow live on the portal, so this app has no API for the gateway to call.
It is a client of the gateway's agency API, used by officers and by the automatic rule.

    GET  /           {"agency", "name_th", "name_en", "links"}: the pages below
    GET  /backoffice/?status=…&cursor=…                  the gateway's DOP applications (HTML)
    GET  /backoffice/applications/{id}                   one case: the citizen's form data
    GET  /backoffice/applications/{id}/attachments/{aid} an attachment, through the gateway
    POST /backoffice/applications/{id}/{accept|request_info|approve|reject}
                                                         form fields reason, items, officer
                                                         (approve sends the award letter as
                                                         the action's `document`);
                                                         303 back to the case, or the case page
                                                         with the gateway's refusal `detail`
    POST /backoffice/officer                             who is working (cookie)
    GET|PUT /rules   {"auto_accept", "auto_decide_after_seconds", "decision", "poll_seconds"}
    GET  /automation what the automatic rule did lately, its last error
    POST /admin/allowances/pay  {"month": "YYYY-MM", "pay_on"?: "YYYY-MM-DD" (default the 10th)}
                                → {"month", "ordered", "already", "failed"}:
                     the month's older persons' allowance, ordered from the portal (payroll.py);
                     502 {"error": "portal_unavailable", "message"} when the portal cannot say
                     who is enrolled
    GET  /admin/allowances      the enrolled people (masked IDs) and what each month ordered
    GET  /api/v1/health
    GET  /gdx/auth/validate?ConsumerSecret=…&AgentID=…   Consumer-Key → {"Result": token}
    GET  /api/v1/allowances/{pid}  Consumer-Key, Token → the allowance register's entry
                     (register.py): {"pid", "enrolled": true, "since", "age" (reached this
                     month), "monthly_satang" (this month's, by that age's band), "age_band":
                     {"th", "en"}, "last_paid_on",
                     "source": "register" (before the portal) | "portal" (+ "application_number")}
                     or {"pid", "enrolled": false}; 400 invalid_pid

The register API is the gateway's to read (know): its consumer pair is DOP's pair in the
shared development file (the same key and secret as DOP's OAuth client at the gateway: one
registration, both directions; mock_agencies/dev_credentials.py), or MOCK_DOP_CONSUMERS.

Like the rules, the admin endpoints are the simulation's knobs: no credentials.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from mock_agencies.bma.portal import (
    AgencyCredentials,
    PortalClient,
    PortalError,
    gateway_url,
    load_credentials,
)
from mock_agencies.casework.agency import checked_pid
from mock_agencies.dev_credentials import parse_consumers
from mock_agencies.dop import allowance, pages, register
from mock_agencies.dop.agency_api import AgencyApi, Automation, Refused, Rules
from mock_agencies.dop.eligibility import bangkok_date
from mock_agencies.dop.payroll import Payroll
from mock_agencies.dopa.population import Population, default_population
from mock_agencies.exchange import add_exchange
from mock_agencies.landing import add_landing

AGENCY = "DOP"
OFFICER_COOKIE = "dop_officer"
DEFAULT_OFFICER = "dop-officer-01"
RULES_ENV = "MOCK_DOP_RULES"
_OFFICER = re.compile(r"[A-Za-z0-9._@-]{1,40}")
_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
ACTIONS = ("accept", "request_info", "approve", "reject")
_FORWARDED_HEADERS = ("content-type", "content-disposition", "content-length", "etag")


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _officer(request: Request, given: object = None) -> str:
    for candidate in (given, request.cookies.get(OFFICER_COOKIE)):
        if isinstance(candidate, str) and _OFFICER.fullmatch(candidate):
            return candidate
    return DEFAULT_OFFICER


def _items(text: str) -> list[dict[str, str]]:
    return [
        {"name_th": line.strip()[:300], "name_en": line.strip()[:300]}
        for line in text.splitlines()[:20]
        if line.strip()
    ]


def _initial_rules() -> Rules:
    raw = os.environ.get(RULES_ENV)
    return Rules.model_validate(json.loads(raw)) if raw else Rules()


def _html(request: Request, title: str, body: str, status: int = 200) -> HTMLResponse:
    content = pages.page(title, body, _root(request), _officer(request))
    return HTMLResponse(content, status, headers={"Cache-Control": "no-store"})


def _unavailable(request: Request, error: PortalError) -> HTMLResponse:
    detail = error.detail or error.message
    body = pages.message("ติดต่อทางรัฐไม่ได้", "The portal cannot be reached", detail)
    return _html(request, "Portal unavailable", body, 502)


def _refused(request: Request, error: Refused) -> HTMLResponse:
    body = pages.message("ทางรัฐไม่ดำเนินการ", "The portal refused", error.detail)
    return _html(request, "Refused", body, error.status)


def _not_found(request: Request) -> HTMLResponse:
    return _html(request, "Not found", pages.message("ไม่พบ", "Not found", ""), 404)


async def _case_page(
    request: Request,
    api: AgencyApi,
    application_id: str,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        application = await api.application(application_id, _officer(request))
    except PortalError as error:
        return _unavailable(request, error)
    except Refused as error:
        return _refused(request, error)
    body = pages.application_page(application, _root(request), refusal)
    return _html(request, str(application.get("number") or application_id), body, status)


def _backoffice_routes(app: FastAPI, api: AgencyApi) -> None:
    """The officers' pages: every read and action goes to the gateway's agency API."""

    @app.get("/backoffice/", response_class=HTMLResponse)
    async def application_list(request: Request) -> HTMLResponse:
        status = request.query_params.get("status") or None
        cursor = request.query_params.get("cursor") or None
        try:
            page = await api.page(status, cursor)
        except PortalError as error:
            return _unavailable(request, error)
        except Refused as error:
            return _refused(request, error)
        body = pages.application_list(
            page.get("items", []), _root(request), status, page.get("next_cursor")
        )
        return _html(request, "DOP back office", body)

    @app.get("/backoffice/applications/{application_id}", response_class=HTMLResponse)
    async def application(request: Request, application_id: str) -> HTMLResponse:
        if not _ID.fullmatch(application_id):
            return _not_found(request)
        return await _case_page(request, api, application_id)

    @app.get("/backoffice/applications/{application_id}/attachments/{attachment_id}")
    async def attachment(request: Request, application_id: str, attachment_id: str) -> Response:
        if not (_ID.fullmatch(application_id) and _ID.fullmatch(attachment_id)):
            return _not_found(request)
        try:
            found = await api.attachment(application_id, attachment_id, _officer(request))
        except PortalError as error:
            return _unavailable(request, error)
        except Refused as error:
            return _refused(request, error)
        headers = {k: v for k, v in found.headers.items() if k.lower() in _FORWARDED_HEADERS}
        return Response(found.content, 200, headers=headers)

    @app.post("/backoffice/applications/{application_id}/{action}")
    async def act(request: Request, application_id: str, action: str) -> Response:
        if action not in ACTIONS or not _ID.fullmatch(application_id):
            return _not_found(request)
        form = await request.form(max_files=0, max_fields=10)
        reason = str(form.get("reason") or "").strip()[:2000] or None
        items = _items(str(form.get("items") or ""))
        officer = _officer(request, form.get("officer"))
        try:
            await api.act(application_id, action, officer, reason, items)
        except PortalError as error:
            return _unavailable(request, error)
        except Refused as error:
            # the gateway's words, on the case as it now stands
            return await _case_page(request, api, application_id, error.detail, error.status)
        target = f"{_root(request)}/backoffice/applications/{quote(application_id, safe='')}"
        return RedirectResponse(target, 303)

    @app.post("/backoffice/officer")
    async def switch_officer(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        response = RedirectResponse(f"{_root(request)}/backoffice/", 303)
        officer = form.get("officer")
        if isinstance(officer, str) and _OFFICER.fullmatch(officer):
            response.set_cookie(
                OFFICER_COOKIE, officer, httponly=True, samesite="lax", path=f"{_root(request)}/"
            )
        return response


def _control_routes(app: FastAPI, automation: Automation) -> None:
    """The simulation's knobs: the automatic rule and what it did; health."""

    @app.get("/rules")
    async def read_rules() -> Rules:
        return automation.rules

    @app.put("/rules")
    async def set_rules(rules: Rules) -> Rules:
        return automation.set_rules(rules)

    @app.get("/automation")
    async def automation_state() -> dict[str, Any]:
        return {
            "running": automation.running,
            "passes": automation.passes,
            "last_error": automation.last_error,
            "actions": list(automation.actions),
        }

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}


class AllowanceRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(max_length=7, examples=["2026-07"])
    # The payroll day, when not the month's 10th (a late run, a first payment).
    pay_on: dt.date | None = None

    @field_validator("month")
    @classmethod
    def _a_month(cls, value: str) -> str:
        if allowance.month_of(value) is None:
            raise ValueError("a month is YYYY-MM")
        return value


def _allowance_routes(app: FastAPI, payroll: Payroll) -> None:
    """The monthly allowance run and what it ordered."""

    @app.post("/admin/allowances/pay", response_model=None)
    async def pay_allowances(run: AllowanceRun) -> dict[str, Any] | JSONResponse:
        try:
            return await payroll.pay(run.month, run.pay_on)
        except (PortalError, Refused) as error:
            detail = error.detail if isinstance(error, Refused) else error.detail or error.message
            body = {"error": "portal_unavailable", "message": detail}
            return JSONResponse(body, 502)

    @app.get("/admin/allowances")
    async def allowances() -> dict[str, Any]:
        return payroll.listing()


def _register_routes(
    app: FastAPI,
    payroll: Payroll,
    consumers: Mapping[str, str],
    population: Population | None,
    seed: int,
) -> None:
    """The allowance register the gateway reads (know), behind the data-exchange door."""
    token_required = add_exchange(app, AGENCY, consumers, payroll.clock, whole_app=False)

    @app.get("/api/v1/allowances/{pid}", dependencies=token_required)
    async def allowance_entry(pid: str) -> dict[str, Any]:
        today = bangkok_date(payroll.clock())
        if (enrolled := payroll.enrolment_of(checked_pid(pid))) is not None:
            enrolment, paid_on = enrolled
            enrolled_on = enrolment.enrolled_on or today
            answer = register.entry(
                pid, enrolment.birth_date, enrolled_on, paid_on, today, "portal"
            )
            return {**answer, "application_number": enrolment.application_number}
        person = (population or default_population()).get(pid)
        since = register.legacy_since(person, seed) if person is not None else None
        if person is None or since is None:
            return {"pid": pid, "enrolled": False}
        last = register.last_pay_day(since, today)
        return register.entry(pid, register.birth_of(person), since, last, today, "register")


def create_app(
    credentials: AgencyCredentials | None = None,
    gateway: str | None = None,
    gateway_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
    rules: Rules | None = None,
    *,
    consumers: Mapping[str, str] | None = None,
    population: Population | None = None,
    seed: int = 0,
) -> FastAPI:
    """The back office. `credentials` default to MOCK_DOP_CREDENTIALS or the shared var-dir
    file, `gateway` to MOCK_AGENCIES_GATEWAY_URL, `rules` to MOCK_DOP_RULES (else all off);
    `gateway_transport` routes calls to the portal (tests pass an in-process app); `clock`
    measures the rule's delay and gives the date an applicant's age is taken on. `consumers`
    may read the allowance register (default: DOP's own pair, as the gateway holds it);
    `population` and `seed` decide who was enrolled before the portal."""
    credentials = credentials or load_credentials(AGENCY)
    portal = PortalClient(
        AGENCY,
        credentials,
        gateway or gateway_url(),
        transport=gateway_transport,
        clock=clock,
    )
    api = AgencyApi(portal)
    automation = Automation(api, clock, rules or _initial_rules())
    payroll = Payroll(api, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await automation.stop()
        await portal.aclose()

    app = FastAPI(title="Mock DOP back office", version="0.1.0", lifespan=lifespan)
    app.state.automation = automation
    app.state.payroll = payroll

    @app.middleware("http")
    async def start_rule_lazily(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # The host does not run a mounted app's lifespan: the rule starts with the first call.
        automation.ensure_started()
        return await call_next(request)

    _backoffice_routes(app, api)
    _control_routes(app, automation)
    _allowance_routes(app, payroll)
    _register_routes(
        app,
        payroll,
        {credentials.consumer_key: credentials.consumer_secret} if consumers is None else consumers,
        population,
        seed,
    )
    add_landing(
        app,
        {"agency": AGENCY, "name_th": "กรมกิจการผู้สูงอายุ", "name_en": "Department of Older Persons"},
        {
            "backoffice": "/backoffice/",
            "automation": "/automation",
            "rules": "/rules",
            "allowances": "/admin/allowances",
            "health": "/api/v1/health",
        },
    )
    return app


def create_default_app() -> FastAPI:
    """The back office as the host serves it: credentials from MOCK_DOP_CREDENTIALS or the
    shared file, the portal at MOCK_AGENCIES_GATEWAY_URL, rules from MOCK_DOP_RULES."""
    raw = os.environ.get("MOCK_DOP_CONSUMERS")
    return create_app(
        consumers=parse_consumers(raw, "MOCK_DOP_CONSUMERS") if raw else None,
        seed=int(os.environ.get("MOCK_AGENCIES_SEED", "0")),
    )
