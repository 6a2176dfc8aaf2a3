"""The mock bank / PSP's HTTP face, mounted by the host at /bank (docs/mock-bank.md). The
contract the gateway's PSP client is written against: psp code `mockbank`, amounts in satang,
times ISO-8601 UTC with `Z`, errors `{"code", "message"}`.

The citizen's bank app and the counter (simulated; no authentication, like the phone):

    GET  /app/accounts/{pid}        {"pid", "account_no", "balance_satang", "promptpay_linked"}
    PUT  /app/promptpay/{pid}       {"linked": bool} → the account
    POST /app/scan-pay              {"pid", "payload", "amount_satang"?} → 201 the transaction
    POST /counter/payments          {"biller_id", "ref1", "ref2"?, "amount_satang", "channel"}
                                    → 201 the transaction (cash: no webhook)

The PSP API (Authorization: Bearer <api_key>; else 401 unauthorized):

    GET|PUT /api/v1/webhook         {"url"}: where every webhook goes
    GET  /api/v1/transactions/{txn_id}
    GET  /api/v1/transactions?biller_id=&ref1=&ref2=   {"items": [...]}, oldest first
    POST /api/v1/refunds            {"refund_id", "txn_id", "amount_satang"} → 201 (200 again)
    POST /api/v1/transfers          {"transfer_id", "pid", "amount_satang", "payer", "memo"}
                                    → 201 credited or returned (200 again)
    GET  /api/v1/transfers/{transfer_id}
    GET  /api/v1/statements/{YYYY-MM-DD}[?biller_id=]   text/csv, the Bangkok day's lines
    GET  /api/v1/health             (no key) {"status": "ok", "psp": "mockbank"}

The bank's own knobs (no authentication, like the host's fault knobs):

    GET|PUT /admin/webhook-faults   {"drop", "duplicate", "reorder", "delay_seconds", "hold"}
    GET  /admin/webhooks[?state=]   {"deliveries": [...]}: queued, delivered, failed, dropped
    POST /admin/webhooks/flush      deliver everything due now → {"attempted", "queued", "failed"}
    POST /admin/generate-day        {"date", "payments": [...], "noise": {"unknown", "counter"}}
                                    → 201 what was added (no webhooks: a benchmark's statement)
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mock_agencies.bank.credentials import BankCredentials, load_bank_credentials
from mock_agencies.bank.engine import Bank
from mock_agencies.bank.errors import BankError, Unauthorized
from mock_agencies.bank.schemas import (
    BillerId,
    CounterPayment,
    DeliveryState,
    GenerateDay,
    PromptPayLink,
    RefundRequest,
    ScanPay,
    TransferRequest,
    WebhookFaults,
    WebhookTarget,
)
from mock_agencies.bank.statement import render
from mock_agencies.bank.webhooks import RetryPolicy
from mock_agencies.landing import add_landing

PSP_CODE = "mockbank"
WEBHOOK_URL_ENV = "MOCK_BANK_WEBHOOK_URL"
DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/v1/payments/webhooks/mockbank"
DEMO_PID = "1100100001014"  # demo citizen 1 (docs/demo-citizens.md): the landing's example
MAX_LISTED_ERRORS = 20  # a 100,000-item body with one bad field must not answer 100,000 lines


def create_app(
    *,
    clock: Callable[[], float] = time.time,
    wall_clock: Callable[[], float] = time.time,
    webhook_url: str | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    credentials: BankCredentials | None = None,
    seed: int = 0,
    retry: RetryPolicy | None = None,
    tick_seconds: float = 0.25,
) -> FastAPI:
    """The bank. `clock` is the bank's time (paid_at, statement days, retry delays; tests
    advance it); `wall_clock` stamps X-Bank-Timestamp, which the gateway checks against real
    time. `webhook_url` defaults to $MOCK_BANK_WEBHOOK_URL, else the gateway under `make run`;
    `webhook_transport` routes webhooks (tests: `httpx.ASGITransport(receiver)`);
    `credentials` default to the shared development file (credentials.py)."""
    bank = Bank(
        credentials=credentials or load_bank_credentials(),
        webhook_url=webhook_url or os.environ.get(WEBHOOK_URL_ENV) or DEFAULT_WEBHOOK_URL,
        clock=clock,
        wall_clock=wall_clock,
        webhook_transport=webhook_transport,
        retry=retry,
        seed=seed,
        tick_seconds=tick_seconds,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The host runs it for each mounted app: the webhook worker stops with the host.
        yield
        await bank.webhooks.aclose()

    app = FastAPI(
        title="Mock bank / PSP", docs_url=None, redoc_url=None, openapi_url=None,
        lifespan=lifespan,
    )  # fmt: skip
    app.state.bank = bank
    _add_error_handlers(app)
    _add_citizen_routes(app, bank)
    app.include_router(_psp_router(bank))
    _add_admin_routes(app, bank)

    @app.get("/api/v1/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "psp": PSP_CODE, **bank.status()}

    add_landing(
        app,
        {"psp": PSP_CODE, "name_th": "ธนาคารจำลอง", "name_en": "Mock bank / PSP"},
        {
            "health": "/api/v1/health",
            "demo_account": f"/app/accounts/{DEMO_PID}",
            "webhooks": "/admin/webhooks",
            "webhook_faults": "/admin/webhook-faults",
        },
    )
    return app


def create_default_app(environ: Mapping[str, str] = os.environ) -> FastAPI:
    """The bank as the host serves it: credentials from the shared file, the webhook URL from
    $MOCK_BANK_WEBHOOK_URL, the dice from $MOCK_AGENCIES_SEED."""
    return create_app(
        webhook_url=environ.get(WEBHOOK_URL_ENV),
        credentials=load_bank_credentials(environ),
        seed=int(environ.get("MOCK_AGENCIES_SEED", "0")),
    )


def _add_error_handlers(app: FastAPI) -> None:
    async def bank_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, BankError)
        headers = {"WWW-Authenticate": 'Bearer realm="mockbank"'} if error.status == 401 else None
        return JSONResponse(error.body(), error.status, headers=headers)

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = {"code": code, "message": str(error.detail)}
        return JSONResponse(body, error.status_code, headers=error.headers)

    async def validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = [
            {"field": "/".join(str(part) for part in item["loc"]), "message": str(item["msg"])}
            for item in error.errors()[:MAX_LISTED_ERRORS]
        ]
        body = {"code": "invalid_request", "message": "the request does not validate"}
        return JSONResponse({**body, "errors": errors}, 422)

    app.add_exception_handler(BankError, bank_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


def _add_citizen_routes(app: FastAPI, bank: Bank) -> None:
    """The citizen's bank app and the cashier's counter: simulated people, no credentials."""

    @app.get("/app/accounts/{pid}")
    async def account(pid: str) -> dict[str, Any]:
        return bank.ledger.account(pid).view()

    @app.put("/app/promptpay/{pid}")
    async def promptpay(pid: str, link: PromptPayLink) -> dict[str, Any]:
        return bank.ledger.set_promptpay(pid, link.linked).view()

    @app.post("/app/scan-pay", status_code=201)
    async def scan_pay(request: ScanPay) -> JSONResponse:
        return JSONResponse(bank.scan_pay(request).view(), 201)

    @app.post("/counter/payments", status_code=201)
    async def counter_payment(request: CounterPayment) -> JSONResponse:
        return JSONResponse(bank.pay_at_counter(request).view(), 201)


def _psp_router(bank: Bank) -> APIRouter:
    """The API the gateway's PSP client calls, behind the Bearer API key."""
    api_key = bank.credentials.api_key.encode()

    def psp_client(request: Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), api_key):
            raise Unauthorized("Authorization: Bearer <api_key> is required")

    router = APIRouter(prefix="/api/v1", dependencies=[Depends(psp_client)])

    @router.get("/webhook")
    async def read_webhook() -> dict[str, str]:
        return {"url": bank.webhooks.url}

    @router.put("/webhook")
    async def set_webhook(target: WebhookTarget) -> dict[str, str]:
        bank.webhooks.url = target.url  # queued deliveries go to the new URL from now on
        return {"url": target.url}

    @router.get("/transactions/{txn_id}")
    async def transaction(txn_id: str) -> dict[str, Any]:
        return bank.ledger.transaction(txn_id).view()

    @router.get("/transactions")
    async def transactions(
        biller_id: BillerId, ref1: Annotated[str, Query(min_length=1)], ref2: str | None = None
    ) -> dict[str, Any]:
        found = bank.ledger.lookup(biller_id, ref1, ref2)
        return {"items": [txn.view() for txn in found]}

    @router.post("/refunds", status_code=201)
    async def refund(request: RefundRequest) -> JSONResponse:
        created, made = bank.refund(request)
        return JSONResponse(made.answer(), 201 if created else 200)

    @router.post("/transfers", status_code=201)
    async def transfer(request: TransferRequest) -> JSONResponse:
        created, made = bank.transfer(request)
        return JSONResponse(made.answer(), 201 if created else 200)

    @router.get("/transfers/{transfer_id}")
    async def read_transfer(transfer_id: str) -> dict[str, Any]:
        return bank.ledger.transfer_for(transfer_id).answer()

    @router.get("/statements/{date}")
    async def statement(date: dt.date, biller_id: BillerId | None = None) -> StreamingResponse:
        # A snapshot now: payments made while the client reads belong to the next read.
        lines = bank.ledger.lines_of(date)
        return StreamingResponse(render(lines, biller_id), media_type="text/csv; charset=utf-8")

    return router


def _add_admin_routes(app: FastAPI, bank: Bank) -> None:
    """Knobs for tests, demos and benchmarks (no credentials, like the host's fault knobs)."""

    @app.get("/admin/webhook-faults")
    async def read_faults() -> WebhookFaults:
        return bank.webhooks.faults

    @app.put("/admin/webhook-faults")
    async def set_faults(faults: WebhookFaults) -> WebhookFaults:
        return bank.webhooks.set_faults(faults)

    @app.get("/admin/webhooks")
    async def deliveries(state: DeliveryState | None = None) -> dict[str, Any]:
        return {
            "deliveries": [
                delivery.view()
                for delivery in bank.webhooks.all()
                if state is None or delivery.state == state
            ]
        }

    @app.post("/admin/webhooks/flush")
    async def flush() -> dict[str, int]:
        return await bank.webhooks.flush()

    @app.post("/admin/generate-day", status_code=201)
    async def generate_day(request: GenerateDay) -> JSONResponse:
        added = bank.ledger.generate_day(
            request.date, request.payments, request.noise.unknown, request.noise.counter
        )
        return JSONResponse(added, 201)
