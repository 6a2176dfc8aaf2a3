"""Polling makes up for lost callbacks: agencies are asked for the status of cases they have
been quiet about, and what comes back is applied in the agency's order, like a callback."""

from __future__ import annotations

import contextlib
import datetime as dt

from sqlalchemy import select

from connectors.base import StatusReport
from connectors.errors import (
    AgencyMisconfigured,
    AgencyRejected,
    AgencyUnavailable,
    ConnectorNotAvailable,
)
from connectors.registry import ConnectorRegistry
from gateway.applications.context import ApplicationsRuntime
from gateway.applications.lifecycle import Status
from gateway.applications.models import Application
from gateway.applications.services import build
from gateway.deps import Runtime
from gateway.forwarding.answers import AgencyAnswers
from gateway.uow import ConcurrentChange


async def poll_agency_statuses(
    runtime: Runtime,
    applications: ApplicationsRuntime,
    connectors: ConnectorRegistry,
    *,
    quiet_for: dt.timedelta = dt.timedelta(minutes=10),
    limit: int = 100,
) -> int:
    """Ask agencies for the status of cases they have not reported on for `quiet_for` (lost or
    delayed callbacks); what comes back is applied in the agency's order like a callback.
    How many applications moved."""
    now = runtime.clock.now()
    open_states = [s.value for s in (Status.FORWARDED, Status.IN_REVIEW, Status.PAID)]
    async with runtime.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                select(Application.id, Application.agency_code, Application.agency_ref)
                .where(
                    Application.status.in_(open_states),
                    Application.agency_ref.is_not(None),
                    Application.updated_at <= now - quiet_for,
                )
                .order_by(Application.updated_at)
                .limit(limit)
            )
        ).all()
    moved = 0
    for application_id, agency_code, agency_ref in rows:
        try:
            connector = connectors.get(agency_code)
            report = await connector.status(str(agency_ref))
        except (ConnectorNotAvailable, AgencyUnavailable, AgencyMisconfigured, AgencyRejected):
            continue
        with contextlib.suppress(ConcurrentChange):  # a callback won; the next poll looks
            moved += await _apply_polled(runtime, applications, application_id, report)
    return moved


async def _apply_polled(
    runtime: Runtime, applications: ApplicationsRuntime, application_id: str, report: StatusReport
) -> bool:
    """A polled status report applied like callbacks, in the agency's order; whether the
    application moved."""
    async with runtime.unit_of_work() as uow:
        apps = build(uow, applications, runtime.cursors)

        async def apply() -> bool:
            application = await uow.session.get(Application, application_id)
            if application is None:
                return False
            before = application.status
            answers = AgencyAnswers(apps)
            for event in report.events:
                await answers.report(
                    application,
                    seq=event.seq,
                    at=event.at,
                    status=event.status,
                    data=dict(event.data),
                )
            application.updated_at = uow.now  # polled: quiet again from now
            return application.status != before

        return await uow.run(apply)
