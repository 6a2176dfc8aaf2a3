"""The mock-agencies host: every simulated agency under its own path prefix, one process.

The agencies are the registered ones (mock_agencies/registry.py: entry points, no list here).

/                       which agencies are here and where (every link on it answers), and
                        which registered ones are broken (their app failed to build)
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
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping

from fastapi import FastAPI, HTTPException
from starlette.types import ASGIApp

from mock_agencies import registry
from mock_agencies.deferred import Deferred
from mock_agencies.device import app as device
from mock_agencies.faults import FaultBoard, FaultInjector, FaultKnobs

log = logging.getLogger("mock_agencies")


def registered_agencies() -> dict[str, ASGIApp]:
    """The agencies this host serves, by code: every mock registered under the entry points
    `citizen_gateway.mock_agencies` and `citizen_gateway.mock_services` (mock_agencies/registry.py;
    this package's own are declared in pyproject.toml). Each is built when a host starts (once
    per process), not when this is called."""
    mocks = registry.registered()
    if not mocks:
        log.error(
            "NO MOCK AGENCY IS REGISTERED (entry points %s, %s): install the package again "
            "(`make run` does when pyproject.toml changed; else `.venv/bin/python -m pip "
            "install -e .`)",
            registry.AGENCIES_GROUP,
            registry.SERVICES_GROUP,
        )
    return {code: Deferred(_builder(mock)) for code, mock in mocks.items()}


def _builder(mock: registry.Registered) -> Callable[[], ASGIApp]:
    return lambda: registry.build(mock)


def _served(agencies: Mapping[str, ASGIApp]) -> tuple[dict[str, ASGIApp], dict[str, str]]:
    """Each agency's app, built; one that fails to build is left out, with the reason."""
    served: dict[str, ASGIApp] = {}
    broken: dict[str, str] = {}
    for code, agency in agencies.items():
        try:
            served[code] = agency.build() if isinstance(agency, Deferred) else agency
        except Exception as exc:
            broken[code] = f"{type(exc).__name__}: {exc}"
            log.exception("MOCK AGENCY %s NOT SERVED: its app failed to build", code)
    return served, broken


def create_app(
    agencies: Mapping[str, ASGIApp] | None = None,
    seed: int | None = None,
    device_app: ASGIApp | None = None,
) -> FastAPI:
    """The host. `device_app` defaults to the phone for the default DOPA population (built on
    its first request); a test serving its own DOPA population passes a phone for the same."""
    served, broken = _served(registered_agencies() if agencies is None else agencies)
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
            # A registered mock whose app failed to build: not served, the reason given.
            "broken": [{"code": code, "reason": reason} for code, reason in sorted(broken.items())],
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
