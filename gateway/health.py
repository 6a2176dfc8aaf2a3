"""Liveness, readiness and metrics endpoints for operators and orchestrators."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from gateway.deps import RuntimeDep
from gateway.migrations import head_revision

router = APIRouter(tags=["operations"])

READY_TIMEOUT_SECONDS = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


READINESS = {
    "type": "object",
    "required": ["status", "checks", "worker"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "not_ready"]},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}},
        "worker": {"type": "string"},
    },
}

#: An embedded worker that has not gone round its loop for this long is stalled.
WORKER_STALLED_SECONDS = 30.0


def _worker(request: Request) -> str:
    forwarder = getattr(request.app.state, "forwarder", None)
    if forwarder is None:
        return "external"  # `citizen-gateway worker` processes forward (PostgreSQL scale-out)
    beat = forwarder.heartbeat
    if beat is None or time.monotonic() - beat > WORKER_STALLED_SECONDS:
        return "stalled"
    return "ok"


@router.get(
    "/readyz",
    responses={
        200: {"description": "Ready", "content": {"application/json": {"schema": READINESS}}},
        503: {"description": "Not ready", "content": {"application/json": {"schema": READINESS}}},
    },
)
async def readyz(runtime: RuntimeDep, request: Request) -> Response:
    """Ready to take traffic: the database answers, its schema is at the code's revision, and
    the embedded outbox worker (when this process runs one) is going round."""
    checks: dict[str, Any] = {}
    worker = _worker(request)
    if worker != "external":
        checks["worker"] = worker
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            found = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            expected = head_revision()
            checks["schema"] = "ok" if found == expected else f"at {found}, expected {expected}"
    except Exception as exc:  # any failure means "not ready", with the reason shown
        checks.setdefault("database", f"unavailable: {type(exc).__name__}")
        checks.setdefault("schema", "unknown")
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks, "worker": worker},
        status_code=200 if ready else 503,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics: request counts and latency by route."""
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
