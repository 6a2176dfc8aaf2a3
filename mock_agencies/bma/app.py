"""The mock BMA's HTTP face, mounted by the host at /bma: its own web e-service for a building
permit (Web Integration kind), its staff pages and its rules.

Citizen (the portal's app opens the launch link in a browser):

    GET  /eservice?appId=…&mToken=…   exchange the one-time mToken at the portal for the
                                      citizen's verified data; the permit form, prefilled
                                      (401 page: the link is used or expired)
    POST /eservice/submit             file the form (session cookie + CSRF field); the receipt
                                      page; a signed callback `received` (seq 1) to the portal

Staff and simulation (no credentials, like every mock's staff side):

    GET  /                                        {"agency", "name_th", "name_en", "links"}
    GET  /staff/                                  the case list with buttons (HTML)
    GET  /staff/applications[/{ref}]              the same as JSON
    POST /staff/applications/{ref}/{accept|request-info|approve|reject}  {"reason"?, "items"?}
    GET|PUT /rules       {"auto_accept", "auto_decide_after_seconds", "decision"}
    GET  /deliveries     callbacks and notifications to the portal: pending, delivered, dead
    GET  /api/v1/health

An approval's callback carries the building permit it grants (`data.document`, a permit:
docs/agency-integration.md, "The document you grant"; cases.py `permit_document`).

Each status change (seq 2, 3, …) goes to the portal as a signed callback and a signed citizen
notification, retried with backoff by a background worker (started lazily on first need).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mock_agencies.bma import pages
from mock_agencies.bma.cases import CaseError, StaffAction, read_permit_form
from mock_agencies.bma.delivery import Outbox, RetryPolicy
from mock_agencies.bma.office import (
    AGENCY,
    LaunchSession,
    LinkRefused,
    Office,
    PortalUnavailable,
    Rules,
    SessionExpired,
)
from mock_agencies.bma.portal import (
    AgencyCredentials,
    PortalClient,
    gateway_url,
    load_credentials,
)
from mock_agencies.landing import add_landing

SESSION_COOKIE = "bma_session"
RULES_ENV = "MOCK_BMA_RULES"
_APP_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
MAX_MTOKEN = 1024
MAX_FORM_BYTES = 32 * 1024
_ACTIONS = {"accept", "request-info", "request_info", "approve", "reject"}


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})


def _link_refused_page() -> HTMLResponse:
    return _html(
        pages.message(
            "ลิงก์นี้ใช้ไม่ได้",
            "This link cannot be used",
            "ลิงก์นี้ถูกใช้ไปแล้วหรือหมดอายุ กรุณาเปิดบริการอีกครั้งจากแอปทางรัฐ",
            "This link has been used or has expired. Open the service again from the ทางรัฐ app.",
        ),
        401,
    )


def _portal_down_page(detail: str) -> HTMLResponse:
    return _html(
        pages.message(
            "ขออภัย ระบบยังไม่พร้อมให้บริการ",
            "Sorry, the service is not available right now",
            "ไม่สามารถยืนยันข้อมูลกับทางรัฐได้ในขณะนี้ กรุณาลองใหม่ภายหลัง",
            f"We could not verify your details with the portal. Please try again later. ({detail})",
        ),
        502,
    )


def _session_expired_page() -> HTMLResponse:
    return _html(
        pages.message(
            "หมดเวลาการใช้งาน",
            "Your session has ended",
            "กรุณาเปิดบริการอีกครั้งจากแอปทางรัฐ",
            "Please open the service again from the ทางรัฐ app.",
        ),
        403,
    )


def _items(raw: object) -> list[dict[str, str]]:
    """Requested items as the portal names them: {"name_th", "name_en"}. Text is one per line."""
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list):
        return []
    items = []
    for item in raw[:20]:
        if isinstance(item, str) and item.strip():
            items.append({"name_th": item.strip()[:300], "name_en": ""})
        elif isinstance(item, dict) and str(item.get("name_th") or "").strip():
            items.append(
                {
                    "name_th": str(item["name_th"]).strip()[:300],
                    "name_en": str(item.get("name_en") or "").strip()[:300],
                }
            )
    return items


async def _staff_body(request: Request) -> tuple[dict[str, Any], bool]:
    """The action's fields and whether they came from an HTML form (answer with a redirect)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CaseError("request body must be a JSON object") from None
        if not isinstance(body, dict):
            raise CaseError("request body must be a JSON object")
        return body, False
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form(max_files=0, max_fields=20)
        return {k: v for k, v in form.items() if isinstance(v, str)}, True
    return {}, False


def _initial_rules() -> Rules:
    raw = os.environ.get(RULES_ENV)
    return Rules.model_validate(json.loads(raw)) if raw else Rules()


def _staff_routes(app: FastAPI, office: Office) -> None:
    """The staff's list, buttons and JSON (the mock's own; no credentials)."""

    @app.get("/staff/", response_class=HTMLResponse)
    async def staff_page(request: Request) -> HTMLResponse:
        return _html(pages.staff_list(office.cases.cases(), _root(request)))

    @app.get("/staff/applications")
    async def staff_cases() -> dict[str, Any]:
        return {"applications": [case.as_json() for case in office.cases.cases()]}

    @app.get("/staff/applications/{agency_ref}")
    async def staff_case(agency_ref: str) -> dict[str, Any]:
        return office.cases.get(agency_ref).as_json()

    @app.post("/staff/applications/{agency_ref}/{action}")
    async def staff_act(request: Request, agency_ref: str, action: str) -> Response:
        if action not in _ACTIONS:
            raise CaseError(f"unknown action {action!r}")
        body, from_form = await _staff_body(request)
        reason = body.get("reason")
        officer = body.get("officer")
        try:
            case = office.act(
                agency_ref,
                StaffAction(action.replace("_", "-")),
                f"staff/{officer}" if isinstance(officer, str) and officer else "staff",
                reason=reason.strip()[:2000] if isinstance(reason, str) else None,
                items=_items(body.get("items")),
            )
        except CaseError as error:
            if not from_form:
                raise
            return _html(
                pages.staff_list(office.cases.cases(), _root(request), error.message),
                error.status,
            )
        if from_form:
            return RedirectResponse(f"{_root(request)}/staff/", 303)
        return JSONResponse(case.as_json())


def create_app(
    credentials: AgencyCredentials | None = None,
    gateway: str | None = None,
    gateway_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
    tick_seconds: float = 0.5,
    retry: RetryPolicy | None = None,
    first_case_number: int = 1,
    seed: int | None = None,
    rules: Rules | None = None,
) -> FastAPI:
    """The BMA. `credentials` default to MOCK_BMA_CREDENTIALS or the shared var-dir file,
    `gateway` to MOCK_AGENCIES_GATEWAY_URL; `gateway_transport` routes calls to the portal (tests
    pass an in-process app); `clock` times sessions, cases, signatures, retries and rules;
    `tick_seconds` is how often the worker looks when nothing wakes it; `rules` default to
    MOCK_BMA_RULES (JSON), else all off."""
    portal = PortalClient(
        AGENCY,
        credentials or load_credentials(AGENCY),
        gateway or gateway_url(),
        transport=gateway_transport,
        clock=clock,
    )
    office = Office(
        portal,
        Outbox(portal, clock, retry, seed),
        clock,
        tick_seconds=tick_seconds,
        first_case_number=first_case_number,
    )
    office.rules = rules or _initial_rules()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await office.stop()

    app = FastAPI(title="Mock BMA", version="0.1.0", lifespan=lifespan)
    app.state.office = office

    @app.exception_handler(CaseError)
    async def case_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CaseError)
        return JSONResponse({"error": error.code, "message": error.message}, error.status)

    def form_page(
        request: Request,
        session: LaunchSession,
        entered: dict[str, str] | None = None,
        problems: list[Any] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        body = pages.permit_form(
            session.citizen,
            f"{_root(request)}/eservice/submit",
            session.csrf,
            entered,
            problems or [],
        )
        return _html(body, status)

    @app.get("/eservice", response_class=HTMLResponse)
    async def launch(request: Request) -> Response:
        app_id = request.query_params.get("appId", "")
        mtoken = request.query_params.get("mToken", "")
        if not _APP_ID.fullmatch(app_id) or not 0 < len(mtoken) <= MAX_MTOKEN:
            return _html(
                pages.message(
                    "ลิงก์ไม่ถูกต้อง",
                    "The link is incomplete",
                    "กรุณาเปิดบริการจากแอปทางรัฐ",
                    "Open the service from the ทางรัฐ app (appId and mToken are required).",
                ),
                400,
            )
        try:
            session = await office.launch(app_id, mtoken, request.cookies.get(SESSION_COOKIE))
        except LinkRefused:
            return _link_refused_page()
        except PortalUnavailable as error:
            return _portal_down_page(str(error))
        filed = office.cases.of_application(app_id)
        response: Response = (
            _html(pages.receipt(filed, again=True)) if filed else form_page(request, session)
        )
        response.set_cookie(
            SESSION_COOKIE,
            session.id,
            httponly=True,
            samesite="lax",
            path=f"{_root(request)}/",
        )
        return response

    @app.post("/eservice/submit", response_class=HTMLResponse)
    async def submit(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return _html(pages.message("คำขอใหญ่เกินไป", "Too large", "", ""), 413)
        form = await request.form(max_files=0, max_fields=40)
        entered = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            session = office.session_for_submit(
                request.cookies.get(SESSION_COOKIE), entered.get("csrf")
            )
        except SessionExpired:
            return _session_expired_page()
        if (filed := office.cases.of_application(session.app_id)) is not None:
            return _html(pages.receipt(filed, again=True))
        permit, problems = read_permit_form(entered, session.citizen)
        if problems:
            return form_page(request, session, entered, problems, 422)
        case, _ = office.file(session, permit)
        return _html(pages.receipt(case))

    _staff_routes(app, office)
    add_landing(
        app,
        {
            "agency": AGENCY,
            "name_th": "กรุงเทพมหานคร",
            "name_en": "Bangkok Metropolitan Administration",
        },
        {
            "staff": "/staff/",
            "applications": "/staff/applications",
            "deliveries": "/deliveries",
            "rules": "/rules",
            "health": "/api/v1/health",
        },
    )

    # -- rules, deliveries, health ------------------------------------------------------------

    @app.get("/rules")
    async def read_rules() -> Rules:
        return office.rules

    @app.put("/rules")
    async def set_rules(rules: Rules) -> Rules:
        return office.set_rules(rules)

    @app.get("/deliveries")
    async def deliveries() -> dict[str, Any]:
        return {
            "worker_running": office.running,
            "items": [message.as_json() for message in office.outbox.messages()],
        }

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def create_default_app() -> FastAPI:
    """The BMA as the host serves it: credentials from MOCK_BMA_CREDENTIALS or the shared file,
    the portal at MOCK_AGENCIES_GATEWAY_URL, the system clock."""
    seed = os.environ.get("MOCK_AGENCIES_SEED")
    return create_app(seed=int(seed) if seed else None)
