"""The HTTP face of an API-kind mock agency (mounted by the host at /{code}).

Data exchange (headers Consumer-Key + Token on everything but validate and health):

    GET  /gdx/auth/validate?AgentID=…      Consumer-Key, Consumer-Secret → {"Result": token}
                                           (the legacy form ?ConsumerSecret=… is accepted
                                           too; the `legacy` profile demands it)
    POST /api/v1/applications              Idempotency-Key → 201 {"agency_ref", "status",
                                           "received_at", "seq", "unit_code", "fees"}
                                           (the same key again → 200, the first answer)
    GET  /api/v1/applications/{ref}        → the case with its events
    POST /api/v1/applications/{ref}/information   Idempotency-Key, {"note"?, "attachments"}
                                           → 201 {"agency_ref", "status": "in_review", "seq",
                                           "at"} (200 the same for the key again; 409
                                           invalid_transition unless the case needs info)
    POST /api/v1/applications/{ref}/payments      Idempotency-Key, {"idempotency_key"?,
                                           "reference", "payment_id", "receipt_number",
                                           "amount_satang", "fees": [{"label",
                                           "amount_satang"}], "paid_at", "channel"}
                                           → 201 {"agency_ref", "status", "seq", "payment"}
                                           (200 the same for the key again; 409 already_paid,
                                           not_awaiting_payment; 422 amount_mismatch,
                                           reference_mismatch)
    POST /api/v1/applications/{ref}/cancel → {"agency_ref", "status": "cancelled", "seq"}
    GET  /api/v1/documents/{document_id}   → application/pdf (approved cases)
    GET  /api/v1/health                    → {"status": "ok", "agency"} (no credentials)

Staff and rules (the mock's own; no credentials):

    GET  /                                 {"agency", "name_th", "name_en", "links"}: these pages
    GET  /staff/                           the back-office page (HTML forms)
    GET  /staff/applications[?status=]     {"applications": [case summaries]}
    GET  /staff/applications/{ref}         the case with its events
    POST /staff/applications/{ref}/{accept|request-info|request-payment|approve|reject}
                                           JSON {"reason"?, "items"?} → the case; an HTML form
                                           post comes back to the page (303)
    GET  /staff/callbacks                  {"callbacks": [every delivery and its state]}
    GET|PUT /rules                         {"auto_accept", "auto_decide_after_seconds",
                                           "decision", "collect_fees", "profile"}
                                           (profile: standard | legacy | sloppy, faults for
                                           certification to find: schemas.Rules)
    POST /staff/rules                      the page's rules form (303 back to the page)
    GET  /staff/documents                  {"documents": [every e-document approvals granted,
                                           its status and its changes]}
    POST /admin/documents/{number}/status  {"status": "revoked"|"suspended"|"valid",
                                           "reason": 1-500 characters} → the gateway's answer
                                           {"number", "status", "changed"}: the agency's word on
                                           a document it granted, sent signed to
                                           POST {gateway}/v1/agency/document-status/{CODE} (the
                                           gateway of the case's callback_url) and recorded
                                           here once the gateway took it. A refusal comes back
                                           with the gateway's status, `"error":
                                           "gateway_refused"`, `gateway_code` (e.g.
                                           document_not_found, document_status_final); 502
                                           gateway_unavailable when it cannot be asked; 404
                                           not_found for a number this agency never granted.
                                           The page's form posts here too (303 back to it).

Plus each agency's own once-only data endpoints (Agency.add_routes).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html import escape
from typing import Any, Literal, TypedDict, Unpack

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mock_agencies.bodies import json_object_of, read_at_most
from mock_agencies.casework.agency import Agency
from mock_agencies.casework.callbacks import RetryPolicy
from mock_agencies.casework.credentials import load_agency_credentials
from mock_agencies.casework.engine import Casework
from mock_agencies.casework.errors import CaseworkError, InvalidRequest, PayloadTooLarge
from mock_agencies.casework.model import StaffAction, Status
from mock_agencies.casework.schemas import Rules, StaffDecision
from mock_agencies.casework.staff_page import render_staff_page
from mock_agencies.landing import add_landing

MAX_JSON_BYTES = 256 * 1024
AUTHENTICATE = 'Token realm="mock-{code}"'
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_capped(request: Request, limit: int = MAX_JSON_BYTES) -> bytes:
    body = await read_at_most(request, limit)
    if len(body) > limit:
        raise PayloadTooLarge(f"request body over {limit} bytes")
    return body


async def json_object(request: Request) -> dict[str, Any]:
    """The body's JSON object; an empty body is an empty object."""
    raw = await read_capped(request)
    if not raw.strip():
        return {}
    if (body := json_object_of(raw)) is None:
        raise InvalidRequest("request body must be a JSON object")
    return body


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith(_FORM_TYPES)


class DocumentStatusChange(BaseModel):
    """An officer's word on a granted document: revoke it, suspend it, or make it valid again."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Literal["revoked", "suspended", "valid"]
    reason: str = Field(min_length=1, max_length=500)


class CaseworkOptions(TypedDict, total=False):
    """What `create_casework_app` takes besides the agency (see there)."""

    clock: Callable[[], float]
    consumers: Mapping[str, str] | None
    callback_secret: str | None
    callback_transport: httpx.AsyncBaseTransport | None
    send_callbacks: bool
    retry: RetryPolicy | None
    tick_seconds: float
    rules: Rules | None
    wall_clock: Callable[[], float]


class AgencyOptions(CaseworkOptions, total=False):
    """`CaseworkOptions`, and the seed that varies the agency's synthetic registers."""

    seed: int


@dataclass(frozen=True)
class CaseworkApps:
    """The two ways an API-kind agency's app is built, so that an agency module declares only
    its `Agency` subclass: `create_app(seed=…, **CaseworkOptions)` (tests choose everything)
    and `create_default_app()` (the host: the environment's choices, `environment_options`)."""

    agency: type[Agency]

    def create_app(self, *, seed: int = 0, **options: Unpack[CaseworkOptions]) -> FastAPI:
        return create_casework_app(self.agency(seed), **options)

    def create_default_app(self) -> FastAPI:
        return self.create_app(**environment_options(self.agency.code))


def create_casework_app(
    agency: Agency,
    *,
    clock: Callable[[], float] = time.time,
    consumers: Mapping[str, str] | None = None,
    callback_secret: str | None = None,
    callback_transport: httpx.AsyncBaseTransport | None = None,
    send_callbacks: bool = True,
    retry: RetryPolicy | None = None,
    tick_seconds: float = 0.25,
    rules: Rules | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> FastAPI:
    """`agency`'s app. `consumers` and `callback_secret` default to `load_agency_credentials`
    (environment, else the shared development file). `clock` is the agency's time (tokens,
    event times, rules, retry delays; tests advance it); `wall_clock` stamps X-Timestamp,
    which the gateway checks against real time. `callback_transport` routes callbacks (tests:
    `httpx.ASGITransport(receiver)`); `send_callbacks=False` leaves the gateway to poll."""
    if consumers is None or callback_secret is None:
        credentials = load_agency_credentials(agency.code)
        consumers = credentials.consumers if consumers is None else consumers
        callback_secret = callback_secret or credentials.callback_secret
    casework = Casework(
        agency,
        consumers=consumers,
        callback_secret=callback_secret,
        clock=clock,
        wall_clock=wall_clock,
        callback_transport=callback_transport,
        send_callbacks=send_callbacks,
        retry=retry,
        tick_seconds=tick_seconds,
        rules=rules,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Runs when the agency is served on its own; under the host (a mount) it does not,
        # and the worker simply ends once it has nothing left to do.
        yield
        await casework.aclose()

    app = FastAPI(
        title=f"Mock {agency.code}", docs_url=None, redoc_url=None, openapi_url=None,
        lifespan=lifespan,
    )  # fmt: skip
    app.state.casework = casework
    _add_error_handlers(app, AUTHENTICATE.format(code=agency.code.lower()), casework)

    def consumer(request: Request) -> str:
        return casework.gatekeeper.authorise(
            request.headers.get("Consumer-Key"), request.headers.get("Token")
        )

    _add_exchange_routes(app, casework, consumer)
    _add_staff_routes(app, casework)
    add_landing(
        app,
        {"agency": agency.code, "name_th": agency.name_th, "name_en": agency.name_en},
        {
            "staff": "/staff/",
            "applications": "/staff/applications",
            "callbacks": "/staff/callbacks",
            "documents": "/staff/documents",
            "rules": "/rules",
            "health": "/api/v1/health",
        },
    )
    # Runs before the body is read: a caller without a live token learns nothing else.
    agency.add_routes(app, casework, [Depends(consumer)])
    return app


def _errors_of(error: ValidationError | RequestValidationError) -> list[dict[str, str]]:
    return [
        {"field": "/".join(str(part) for part in item["loc"]), "message": str(item["msg"])}
        for item in error.errors()
    ]


#: What the `legacy` profile answers as HTTP 500: the agency's business refusals.
LEGACY_500 = frozenset({409, 422})


def _add_error_handlers(app: FastAPI, authenticate: str, casework: Casework) -> None:
    async def casework_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CaseworkError)
        headers = {"WWW-Authenticate": authenticate} if error.status == 401 else None
        status = error.status
        if (
            casework.rules.profile == "legacy"
            and status in LEGACY_500
            and "/api/" in request.url.path  # the data exchange, not the mock's staff
        ):
            status = 500  # a refusal as a server error, its code in the body (DOPA-style)
        return JSONResponse(error.body(), status, headers=headers)

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = {"error": code, "message": str(error.detail)}
        return JSONResponse(body, error.status_code, headers=error.headers)

    async def validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        body = {"error": "invalid_request", "message": "invalid parameters"}
        return JSONResponse({**body, "errors": _errors_of(error)}, 400)

    app.add_exception_handler(CaseworkError, casework_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


def _add_exchange_routes(
    app: FastAPI, casework: Casework, consumer: Callable[[Request], str]
) -> None:
    """The data-exchange API the gateway's connector calls."""

    @app.get("/gdx/auth/validate")
    async def validate(request: Request) -> dict[str, str]:
        in_query = request.query_params.get("ConsumerSecret")
        if casework.rules.profile == "legacy":  # only the query form, as the real GDX
            secret = in_query
        else:
            secret = request.headers.get("Consumer-Secret") or in_query
        token = casework.gatekeeper.validate(
            request.headers.get("Consumer-Key"), secret, request.query_params.get("AgentID")
        )
        return {"Result": token}

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "agency": casework.agency.code}

    @app.post("/api/v1/applications")
    async def submit(request: Request, caller: str = Depends(consumer)) -> JSONResponse:
        status, answer = casework.submit(
            caller, request.headers.get("Idempotency-Key"), await read_capped(request)
        )
        return JSONResponse(answer, status)

    @app.get("/api/v1/applications/{ref}")
    async def read_case(ref: str, caller: str = Depends(consumer)) -> dict[str, Any]:
        return casework.case_for(ref, caller).view()

    @app.post("/api/v1/applications/{ref}/information")
    async def provide_info(
        ref: str, request: Request, caller: str = Depends(consumer)
    ) -> JSONResponse:
        status, answer = casework.provide_info(
            ref, caller, request.headers.get("Idempotency-Key"), await read_capped(request)
        )
        return JSONResponse(answer, status)

    @app.post("/api/v1/applications/{ref}/payments")
    async def payment(ref: str, request: Request, caller: str = Depends(consumer)) -> JSONResponse:
        status, answer = casework.pay(
            ref, caller, request.headers.get("Idempotency-Key"), await read_capped(request)
        )
        return JSONResponse(answer, status)

    @app.post("/api/v1/applications/{ref}/cancel")
    async def cancel(ref: str, request: Request, caller: str = Depends(consumer)) -> dict[str, Any]:
        reason = (await json_object(request)).get("reason")
        return casework.cancel(ref, caller, reason if isinstance(reason, str) else None)

    @app.get("/api/v1/documents/{document_id}")
    async def document(document_id: str, caller: str = Depends(consumer)) -> Response:
        issued = casework.document_for(document_id, caller)
        return Response(
            issued.pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{issued.document_id}.pdf"'},
        )


def _staff_page_url(request: Request) -> str:
    return str(request.scope.get("root_path", "")) + "/staff/"


def _staff_message(request: Request, status: int, message: str) -> HTMLResponse:
    """What the back-office page's form gets when a change did not go through."""
    back = escape(_staff_page_url(request))
    body = (
        '<!doctype html><html lang="th"><head><meta charset="utf-8"><title>Not done</title>'
        f'</head><body><h1>ไม่สำเร็จ · Not done</h1><p id="error">{escape(message)}</p>'
        f'<p><a href="{back}">กลับ · Back to the cases</a></p></body></html>'
    )
    return HTMLResponse(body, status)


def _add_staff_routes(app: FastAPI, casework: Casework) -> None:
    """The mock's own back office and rules: for tests and demos, no credentials."""

    @app.get("/staff/", response_class=HTMLResponse)
    async def staff_page() -> str:
        cases = sorted(casework.cases.values(), key=lambda case: case.ref, reverse=True)
        return render_staff_page(casework.agency, cases, casework.rules, casework.granted)

    @app.get("/staff/applications")
    async def staff_list(status: Status | None = None) -> dict[str, Any]:
        cases = casework.cases.values()
        return {
            "applications": [
                case.summary() for case in cases if status is None or case.status is status
            ]
        }

    @app.get("/staff/applications/{ref}")
    async def staff_case(ref: str) -> dict[str, Any]:
        return casework.case_for(ref).view()

    @app.post("/staff/applications/{ref}/{action}", response_model=None)
    async def staff_action(ref: str, action: StaffAction, request: Request) -> Response:
        if _is_form(request):  # the back-office page: act, then back to the page
            reason = (await request.form()).get("reason")
            decision = StaffDecision(reason=reason if isinstance(reason, str) and reason else None)
            casework.act(ref, action, decision)
            return RedirectResponse(_staff_page_url(request), 303)
        try:
            decision = StaffDecision.model_validate(await json_object(request))
        except ValidationError as error:
            message = "reason must be text and items a list"
            raise InvalidRequest(message, errors=_errors_of(error)) from None
        return JSONResponse(casework.act(ref, action, decision).view())

    @app.get("/staff/documents")
    async def staff_documents() -> dict[str, Any]:
        return {"documents": [granted.as_json() for granted in casework.granted.values()]}

    @app.post("/admin/documents/{number}/status", response_model=None)
    async def document_status(number: str, request: Request) -> Response:
        form = _is_form(request)
        raw = dict(await request.form()) if form else await json_object(request)
        try:
            change = DocumentStatusChange.model_validate(raw)
        except ValidationError as error:
            message = 'the body is {"status": "revoked"|"suspended"|"valid", "reason": 1-500}'
            if form:
                return _staff_message(request, 400, message)
            raise InvalidRequest(message, errors=_errors_of(error)) from None
        try:
            answer = await casework.set_document_status(number, change.status, change.reason)
        except CaseworkError as error:
            if form:
                return _staff_message(request, error.status, error.message)
            raise
        if form:
            return RedirectResponse(_staff_page_url(request), 303)
        return JSONResponse(answer)

    @app.get("/staff/callbacks")
    async def staff_callbacks() -> dict[str, Any]:
        return {"callbacks": [delivery.as_json() for delivery in casework.outbox.all()]}

    @app.get("/rules")
    async def read_rules() -> Rules:
        return casework.rules

    @app.put("/rules")
    async def put_rules(request: Request) -> Rules:
        try:
            rules = Rules.model_validate(await json_object(request))
        except ValidationError as error:
            message = (
                "rules are {auto_accept, auto_decide_after_seconds, decision, collect_fees, "
                "profile}"
            )
            raise InvalidRequest(message, errors=_errors_of(error)) from None
        return casework.set_rules(rules)

    @app.post("/staff/rules")
    async def post_rules_form(request: Request) -> RedirectResponse:
        form = await request.form()
        decide = str(form.get("auto_decide_after_seconds") or "").strip()
        try:
            rules = Rules.model_validate(
                {
                    "auto_accept": form.get("auto_accept") == "true",
                    "auto_decide_after_seconds": float(decide) if decide else None,
                    "decision": str(form.get("decision") or "approve"),
                    "collect_fees": form.get("collect_fees") == "true",
                    "profile": casework.rules.profile,  # not on the page: kept as it is
                }
            )
        except ValueError:  # pydantic's ValidationError is one too
            message = "seconds must be a number of at least 0; decision approve or reject"
            raise InvalidRequest(message) from None
        casework.set_rules(rules)
        return RedirectResponse(_staff_page_url(request), 303)


def environment_options(code: str, environ: Mapping[str, str] = os.environ) -> AgencyOptions:
    """How the host starts agency `code`: its data seed (MOCK_AGENCIES_SEED), its rules at
    start (MOCK_<CODE>_RULES, JSON like PUT /rules) and whether it calls back
    (MOCK_<CODE>_CALLBACKS=off leaves the gateway to poll)."""
    options = AgencyOptions(seed=int(environ.get("MOCK_AGENCIES_SEED", "0")))
    if raw := environ.get(f"MOCK_{code}_RULES"):
        options["rules"] = Rules.model_validate_json(raw)
    if environ.get(f"MOCK_{code}_CALLBACKS", "on").lower() in {"off", "false", "0", "no"}:
        options["send_callbacks"] = False
    return options
