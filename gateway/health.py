"""Liveness, readiness and metrics endpoints for operators and orchestrators."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
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


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> Response:
    """Ready to take traffic: the database answers and its schema is at the code's revision."""
    checks: dict[str, Any] = {}
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
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics: request counts and latency by route."""
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
