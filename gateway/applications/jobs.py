"""Scheduled jobs of the applications domain: overdue notices every 7 days (R-LFA.4).

`serve` runs them every `JOBS_INTERVAL_SECONDS`; `citizen-gateway jobs run` runs them once (for
cron, or when `serve` is scaled out and only one place should schedule). Running them from many
processes at once is safe: each notice is claimed with a conditional update.
"""

from __future__ import annotations

import asyncio
import logging

from gateway.applications.repository import ApplicationRepository
from gateway.applications.service import ApplicationService, ApplicationsRuntime
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.deps import Runtime

log = logging.getLogger("gateway.jobs")


async def send_overdue_notices(runtime: Runtime, applications: ApplicationsRuntime) -> int:
    """Send every overdue notice that is due now; how many were sent."""
    async with runtime.sessions() as session:
        service = ApplicationService(
            ApplicationRepository(session),
            CatalogService(CatalogRepository(session), runtime.cursors),
            applications,
            runtime.clock.now(),
        )
        sent = await service.send_overdue_notices()
        await session.commit()
    if sent:
        log.info("overdue notices sent", extra={"count": sent})
    return sent


async def run_periodically(
    runtime: Runtime, applications: ApplicationsRuntime, interval: float
) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await send_overdue_notices(runtime, applications)
        except Exception:  # a failed round is logged and retried on the next one
            log.exception("scheduled job failed")
