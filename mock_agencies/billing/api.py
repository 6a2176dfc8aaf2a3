"""The Bills API on an agency's app (docs/agency-integration.md, "Bills"):

GET  /api/v1/bills?pid=…               Consumer-Key, Token → {"pid", "bills": [{"bill_id",
                                       "kind", "title_th", "title_en", "account_ref",
                                       "period", "amount_satang", "issued_on", "due_on",
                                       "details"?}]}: what the person still owes, oldest
                                       first ([] when nothing, or not a customer)
POST /api/v1/bills/{bill_id}/payments  Consumer-Key, Token, Idempotency-Key (or the
                                       notice's "idempotency_key"); the payment notice
                                       {"reference", "payment_id", "receipt_number",
                                       "amount_satang", "fees": [{"label",
                                       "amount_satang"}], "paid_at", "channel"}
                                       → 201 {"bill_id", "status": "paid", …} (200 the same
                                       for the key again); errors in billing/bills.py
GET  /staff/bill-payments              {"payments": [every payment recorded]} (the mock's
                                       own, for tests and demos; no credentials)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.params import Depends
from fastapi.responses import JSONResponse

from mock_agencies.billing.bills import BillBook, thai_date
from mock_agencies.casework.agency import checked_pid
from mock_agencies.casework.app import read_capped


def add_bill_routes(
    app: FastAPI,
    book: BillBook,
    token_required: list[Depends],
    now: Callable[[], dt.datetime],
) -> None:
    """Serve `book` on `app`; `now` is the agency's clock (a bill's month and due day follow
    it), `token_required` the agency's credentials check."""

    @app.get("/api/v1/bills", dependencies=token_required)
    async def open_bills(pid: Annotated[str, Query(max_length=13)]) -> dict[str, Any]:
        owed = book.open_bills(checked_pid(pid), thai_date(now()))
        return {"pid": pid, "bills": [bill.as_json() for bill in owed]}

    @app.post("/api/v1/bills/{bill_id}/payments", dependencies=token_required)
    async def pay(bill_id: str, request: Request) -> JSONResponse:
        status, answer = book.pay(
            bill_id, request.headers.get("Idempotency-Key"), await read_capped(request), now()
        )
        return JSONResponse(answer, status)

    @app.get("/staff/bill-payments")
    async def payments() -> dict[str, Any]:
        return {"payments": [payment.as_json() for payment in book.paid.values()]}
