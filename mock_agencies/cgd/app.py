"""The mock CGD's app, mounted by the host at /cgd: the pension register the portal reads for
the citizen's own view (know). CGD takes no applications through the portal here.

    GET /gdx/auth/validate?ConsumerSecret=…&AgentID=…   Consumer-Key → {"Result": token}
    GET /api/v1/health                       → {"status": "ok", "agency": "CGD"}
    GET /api/v1/pensioners/{pid}             Consumer-Key, Token → the register's entry:
        {"pid", "status": "pensioner", "kind": "บำนาญ"|"เบี้ยหวัด", "kind_en",
         "monthly_satang", "since", "last_paid_on", "csmbs": true,
         "department": {"th", "en"}}
        or, for anyone the register does not list, {"pid", "status": "none"} (never a 404:
        "not a pensioner" is an answer); 400 invalid_pid for a malformed ID
    GET /                                    who it is, and links

Who is a pensioner: cgd/register.py (drawn from the civil registry's population and
MOCK_AGENCIES_SEED). Credentials as every API-kind agency's (casework/credentials.py:
MOCK_CGD_CONSUMERS, else the development file shared with the gateway).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI

from mock_agencies.casework import checked_pid, load_agency_credentials
from mock_agencies.cgd.register import CODE, NAME_EN, NAME_TH, pensioner
from mock_agencies.dopa.population import Population, default_population
from mock_agencies.exchange import add_exchange
from mock_agencies.landing import add_landing


def create_app(
    *,
    population: Population | None = None,
    seed: int = 0,
    clock: Callable[[], float] = time.time,
    consumers: Mapping[str, str] | None = None,
) -> FastAPI:
    """CGD's app over `population` (default: the registry's, built on the first read).
    `consumers` default to `load_agency_credentials`; `clock` gives tokens' idleness and the
    day the last payment is counted to; `seed` varies who is a pensioner."""
    if consumers is None:
        consumers = load_agency_credentials(CODE).consumers
    app = FastAPI(title="Mock CGD", docs_url=None, redoc_url=None, openapi_url=None)
    token_required = add_exchange(app, CODE, consumers, clock)

    @app.get("/api/v1/pensioners/{pid}", dependencies=token_required)
    async def pension(pid: str) -> dict[str, Any]:
        person = (population or default_population()).get(checked_pid(pid))
        entry = pensioner(person, seed) if person is not None else None
        if entry is None:
            return {"pid": pid, "status": "none"}
        return entry.as_json(dt.datetime.fromtimestamp(clock(), dt.UTC).date())

    add_landing(
        app,
        {"agency": CODE, "name_th": NAME_TH, "name_en": NAME_EN},
        {"health": "/api/v1/health"},
    )
    return app


def create_default_app() -> FastAPI:
    """CGD as the host serves it: the registry's population, MOCK_AGENCIES_SEED."""
    return create_app(seed=int(os.environ.get("MOCK_AGENCIES_SEED", "0")))
