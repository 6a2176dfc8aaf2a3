"""The mock PWA's app, mounted by the host at /pwa. It takes no applications (its e-services are
links); it speaks the data-exchange convention of the API-kind agencies for its bills:

    GET  /gdx/auth/validate?ConsumerSecret=…&AgentID=…   Consumer-Key → {"Result": token}
    GET  /api/v1/health                    → {"status": "ok", "agency": "PWA"} (no credentials)
    GET  /api/v1/bills?pid=…               Consumer-Key, Token → the person's open water bills
                                           (kind "water"; 0 to 2, the demo citizens at least 1)
    POST /api/v1/bills/{bill_id}/payments  Consumer-Key, Token, Idempotency-Key, the payment
                                           notice → 201 the payment (200 for the key again)
    GET  /staff/bill-payments              the payments recorded (no credentials)
    GET  /                                 who it is, and links to the pages above

Bill numbers are "PWA" + the 11-digit customer number + the month (YYMM). A bill comes out on
the 1st of the next month and is due on the 15th. Errors are `{"error", "message"}` as the
casework agencies answer them (401 unauthorised / token_expired, 400 invalid_request, …).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping

from fastapi import FastAPI

from mock_agencies.billing import BillBook, add_bill_routes
from mock_agencies.casework import load_agency_credentials
from mock_agencies.exchange import add_exchange
from mock_agencies.landing import add_landing
from mock_agencies.pwa.data import CODE, NAME_EN, NAME_TH, Water


def create_app(
    *,
    seed: int = 0,
    clock: Callable[[], float] = time.time,
    consumers: Mapping[str, str] | None = None,
) -> FastAPI:
    """PWA's app. `consumers` (consumer key → secret) default to `load_agency_credentials`
    (the environment, else the development file shared with the gateway); `clock` is the
    agency's time (tokens, and which month's bill is out); `seed` varies its customers."""
    if consumers is None:
        consumers = load_agency_credentials(CODE).consumers
    bills = BillBook(Water(seed))

    app = FastAPI(title="Mock PWA", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.bills = bills
    token_required = add_exchange(app, CODE, consumers, clock)

    add_bill_routes(app, bills, token_required, lambda: dt.datetime.fromtimestamp(clock(), dt.UTC))
    add_landing(
        app,
        {"agency": CODE, "name_th": NAME_TH, "name_en": NAME_EN},
        {"health": "/api/v1/health", "bill_payments": "/staff/bill-payments"},
    )
    return app


def create_default_app() -> FastAPI:
    """PWA as the host serves it: its customers drawn with MOCK_AGENCIES_SEED."""
    return create_app(seed=int(os.environ.get("MOCK_AGENCIES_SEED", "0")))
