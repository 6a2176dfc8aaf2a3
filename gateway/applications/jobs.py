"""Scheduled jobs of the applications domain: overdue notices every 7 days (R-LFA.4), and
forgetting expired idempotency records.

`serve` runs them every `JOBS_INTERVAL_SECONDS`; `citizen-gateway jobs run` runs them once (for
cron, or when `serve` is scaled out and only one place should schedule). Running them from many
processes at once is safe: each notice is claimed with a conditional update.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.applications.repository import ApplicationRepository
from gateway.applications.service import ApplicationService, ApplicationsRuntime
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.deps import Runtime
from gateway.idempotency import purge_expired

log = logging.getLogger("gateway.jobs")


def _service(
    session: AsyncSession, runtime: Runtime, applications: ApplicationsRuntime
) -> ApplicationService:
    return ApplicationService(
        ApplicationRepository(session),
        CatalogService(CatalogRepository(session), runtime.cursors),
        applications,
        runtime.clock.now(),
    )


async def send_overdue_notices(runtime: Runtime, applications: ApplicationsRuntime) -> int:
    """Send every overdue notice that is due now, one application per transaction; how many
    were sent."""
    async with runtime.sessions() as session:
        due = await _service(session, runtime, applications).overdue_applications()
    sent = 0
    for application_id in due:
        async with runtime.sessions() as session:
            if await _service(session, runtime, applications).send_overdue_notice(application_id):
                await session.commit()
                sent += 1
    if sent:
        log.info("overdue notices sent", extra={"count": sent})
    return sent


async def purge_idempotency_records(runtime: Runtime) -> int:
    """Forget `Idempotency-Key` records past their 24 hours."""
    async with runtime.sessions() as session:
        purged = await purge_expired(session, runtime.clock.now())
        await session.commit()
    return purged


async def run_once(
    runtime: Runtime, applications: ApplicationsRuntime, connectors: Any = None
) -> dict[str, int]:
    """Every scheduled job, once (status polling only when given the connectors)."""
    counts = {
        "overdue notices sent": await send_overdue_notices(runtime, applications),
        "idempotency records purged": await purge_idempotency_records(runtime),
    }
    if connectors is not None:
        from gateway.forwarding.worker import poll_agency_statuses

        counts["applications moved by polling"] = await poll_agency_statuses(
            runtime, applications, connectors
        )
    return counts


async def run_periodically(
    runtime: Runtime, applications: ApplicationsRuntime, interval: float, connectors: Any = None
) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_once(runtime, applications, connectors)
        except Exception:  # a failed round is logged and retried on the next one
            log.exception("scheduled job failed")
