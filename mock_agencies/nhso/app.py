"""The mock NHSO's app, mounted by the host at /nhso: the coverage register the portal reads
for the citizen's own view (know).

    GET /gdx/auth/validate?ConsumerSecret=…&AgentID=…   Consumer-Key → {"Result": token}
    GET /api/v1/health                       → {"status": "ok", "agency": "NHSO"}
    GET /api/v1/coverage/{pid}               Consumer-Key, Token → {"pid", "scheme": "UC" |
        "SSS" | "CSMBS", "scheme_name_th", "scheme_name_en", "main_hospital": {"code",
        "name_th", "name_en"} (UC; null otherwise), "since", "changes_left_this_year" (UC;
        null otherwise)}; 404 not_found for someone the register does not cover (not in the
        civil registry, or not Thai); 400 invalid_pid
    GET /                                    who it is, and links

Which scheme: nhso/coverage.py, from CGD's and SSO's own registers for the same seed
(MOCK_AGENCIES_SEED) and the civil registry's population.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI

from mock_agencies.casework import NotFound, checked_pid, load_agency_credentials
from mock_agencies.dopa.population import Population, default_population
from mock_agencies.exchange import add_exchange
from mock_agencies.landing import add_landing
from mock_agencies.nhso.coverage import CODE, NAME_EN, NAME_TH, coverage
from mock_agencies.sso.app import Sso


def create_app(
    *,
    population: Population | None = None,
    seed: int = 0,
    clock: Callable[[], float] = time.time,
    consumers: Mapping[str, str] | None = None,
) -> FastAPI:
    """NHSO's app over `population` (default: the registry's, built on the first read);
    `seed` is the agencies' (the same SSO and CGD draw with)."""
    if consumers is None:
        consumers = load_agency_credentials(CODE).consumers
    sso = Sso(seed)
    app = FastAPI(title="Mock NHSO", docs_url=None, redoc_url=None, openapi_url=None)
    token_required = add_exchange(app, CODE, consumers, clock)

    @app.get("/api/v1/coverage/{pid}", dependencies=token_required)
    async def covered(pid: str) -> dict[str, Any]:
        person = (population or default_population()).get(checked_pid(pid))
        found = coverage(person, sso) if person is not None else None
        if found is None:
            raise NotFound("NHSO has no coverage record of this person")
        return found.as_json()

    add_landing(
        app,
        {"agency": CODE, "name_th": NAME_TH, "name_en": NAME_EN},
        {"health": "/api/v1/health"},
    )
    return app


def create_default_app() -> FastAPI:
    """NHSO as the host serves it: the registry's population, MOCK_AGENCIES_SEED."""
    return create_app(seed=int(os.environ.get("MOCK_AGENCIES_SEED", "0")))
