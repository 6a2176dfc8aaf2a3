"""The mock-agencies host: every simulated agency under its own path prefix, one process.

/                       which agencies are here and where (every link on it answers)
/faults, /faults/{code} the shared fault knobs (GET, PUT; DELETE /faults resets all)
/{code}/                that agency's landing: who it is, links to its pages (landing.py)
/{code}/...             that agency's own API, wrapped by its fault knobs
/bank/...               the mock bank / PSP (mockbank): the citizens' bank app, counter
                        payments, the PSP API, webhooks to the gateway (docs/mock-bank.md)
/device/...             the simulated phone: face scans with liveness, the citizens' ID cards
                        (not an agency: no fault knobs)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Mapping

from fastapi import FastAPI, HTTPException
from starlette.types import ASGIApp

from mock_agencies import bank
from mock_agencies.bma import app as bma
from mock_agencies.cgd import app as cgd
from mock_agencies.deferred import Deferred
from mock_agencies.device import app as device
from mock_agencies.dlt import app as dlt
from mock_agencies.dop import app as dop
from mock_agencies.dopa import app as dopa
from mock_agencies.faults import FaultBoard, FaultInjector, FaultKnobs
from mock_agencies.nhso import app as nhso
from mock_agencies.pea import app as pea
from mock_agencies.pwa import app as pwa
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

#: The agencies this host serves, by code. Each later issue adds its agency here. A `Deferred`
#: entry is built when a host starts (once per process), not when this module is imported.
AGENCIES: dict[str, ASGIApp] = {
    "DOPA": Deferred(dopa.create_default_app),  # the civil registry (population, card checks)
    "DLT": Deferred(dlt.create_default_app),  # land transport: licences, vehicle tax (API)
    "SSO": Deferred(sso.create_default_app),  # social security: unemployment benefit (API)
    "RD": Deferred(rd.create_default_app),  # revenue: income tax e-filing, refunds (API)
    "BMA": Deferred(bma.create_default_app),  # Bangkok: own web e-service (Web Integration)
    "DOP": Deferred(dop.create_default_app),  # older persons: officers' back office (platform)
    # Not an agency but served like one, with the same fault knobs ("bank down" is
    # PUT /faults/BANK); no connector and no entry in the agencies' credentials file.
    "BANK": Deferred(bank.create_default_app),  # the mock bank / PSP (payments, transfers)
    "PEA": Deferred(pea.create_default_app),  # electricity: bill e-service (API) and its bills
    "PWA": Deferred(pwa.create_default_app),  # water: its bills only (e-services are links)
    "CGD": Deferred(cgd.create_default_app),  # comptroller: the pension register (know)
    "NHSO": Deferred(nhso.create_default_app),  # health security: coverage register (know)
}


def create_app(
    agencies: Mapping[str, ASGIApp] | None = None,
    seed: int | None = None,
    device_app: ASGIApp | None = None,
) -> FastAPI:
    """The host. `device_app` defaults to the phone for the default DOPA population (built on
    its first request); a test serving its own DOPA population passes a phone for the same."""
    served = {
        code: agency.build() if isinstance(agency, Deferred) else agency
        for code, agency in (AGENCIES if agencies is None else agencies).items()
    }
    run_seed = seed if seed is not None else int(os.environ.get("MOCK_AGENCIES_SEED", "0"))
    board = FaultBoard(sorted(served), run_seed)
    if faults := os.environ.get("MOCK_AGENCIES_FAULTS"):
        board.load(faults)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Mounted apps get no lifespan of their own from Starlette: run each agency's here, so
        # its background work (callbacks, rules) stops when the host does.
        async with contextlib.AsyncExitStack() as stack:
            for agency_app in served.values():
                router = getattr(agency_app, "router", None)
                if router is not None and hasattr(router, "lifespan_context"):
                    await stack.enter_async_context(router.lifespan_context(agency_app))
            yield

    app = FastAPI(title="Mock agencies", version="0.1.0", lifespan=lifespan)

    @app.get("/")
    async def index() -> dict[str, object]:
        return {
            "agencies": [
                {"code": code, "base_path": f"/{code.lower()}/"} for code in sorted(served)
            ],
            "faults": "/faults",
            "device": "/device/",
        }

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/faults")
    async def all_faults() -> dict[str, FaultKnobs]:
        return board.knobs

    def known(code: str) -> str:
        if code not in board.knobs:
            raise HTTPException(404, f"no mock agency {code!r}; have {sorted(board.knobs)}")
        return code

    @app.get("/faults/{code}")
    async def read_faults(code: str) -> FaultKnobs:
        return board.knobs[known(code)]

    @app.put("/faults/{code}")
    async def set_faults(code: str, knobs: FaultKnobs) -> FaultKnobs:
        board.knobs[known(code)] = knobs
        return knobs

    @app.delete("/faults", status_code=204)
    async def reset_faults() -> None:
        board.reset()

    for code, agency_app in served.items():
        app.mount(f"/{code.lower()}", FaultInjector(agency_app, board, code))
    app.mount("/device", device_app or Deferred(lambda: device.create_default_app(run_seed)))
    return app
