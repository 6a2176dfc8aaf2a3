"""The scheduled jobs, wired: overdue notices every 7 days (R-LFA.4, gateway.tracking.overdue,
told which applications are late by gateway.applications), forgetting expired idempotency
records, telling citizens of requests for permit information left unanswered (R-21.1,
gateway.issuance), asking agencies about cases they have been quiet about (gateway.forwarding),
and the citizens' reminders (gateway.tracking.reminders): documents about to lapse
(gateway.issuance), fees and bills falling due (gateway.payments), requests for information and
drafts waiting on the citizen (gateway.applications); each made once, done when resolved.

`serve` runs them every `JOBS_INTERVAL_SECONDS`; `citizen-gateway jobs run` runs them once (for
cron, or when `serve` is scaled out and only one place should schedule). Running them from many
processes at once is safe: each notice is claimed with a conditional update, each reminder
by its unique key.
"""

from __future__ import annotations

import asyncio
import logging

from connectors.registry import ConnectorRegistry
from gateway.applications.context import ApplicationsRuntime
from gateway.applications.reminders import (
    remind_waiting_on_citizens,
    settle_application_reminders,
)
from gateway.applications.services import build
from gateway.deps import Runtime
from gateway.forwarding.polling import poll_agency_statuses
from gateway.idempotency import purge_expired
from gateway.issuance.requests import tell_overdue
from gateway.issuance.service import Issuing
from gateway.payments.jobs import PaymentJobs
from gateway.payments.reminders import remind_payments_due, settle_payment_reminders
from gateway.payments.runtime import PaymentsRuntime
from gateway.tracking import overdue
from gateway.uow import UnitOfWork
from kernel.working_time import BANGKOK

log = logging.getLogger("gateway.jobs")


async def send_overdue_notices(runtime: Runtime, applications: ApplicationsRuntime) -> int:
    """Every overdue notice due now (R-LFA.4); how many were sent."""

    def cases(uow: UnitOfWork) -> overdue.OverdueCases:
        return build(uow, applications, runtime.cursors).overdue

    return await overdue.send_overdue_notices(runtime.unit_of_work, cases)


async def remind_expiring_documents(runtime: Runtime, applications: ApplicationsRuntime) -> int:
    """Tell holders, once, of documents lapsing within 30 days (with the renewal service)."""
    async with runtime.unit_of_work() as uow:
        issuing = Issuing(build(uow, applications, runtime.cursors), applications.signing)
        today = uow.now.astimezone(BANGKOK).date()
        return await uow.run(lambda: issuing.remind_expiring(today))


async def settle_reminders(runtime: Runtime, applications: ApplicationsRuntime) -> int:
    """Mark done the reminders whose subject resolved (paid, renewed, answered, filed, ...)
    since the last round, before new ones are made; how many."""
    async with runtime.unit_of_work() as uow:
        issuing = Issuing(build(uow, applications, runtime.cursors), applications.signing)
        today = uow.now.astimezone(BANGKOK).date()

        async def settle() -> int:
            return (
                await issuing.settle_expiring(today)
                + await settle_payment_reminders(uow.session, uow.now)
                + await settle_application_reminders(uow.session, uow.now)
            )

        return await uow.run(settle)


async def remind_citizens(runtime: Runtime) -> int:
    """Fees and bills falling due, requests for information and drafts waiting on the
    citizen: a reminder each, once; how many were made."""
    async with runtime.unit_of_work() as uow:

        async def remind() -> int:
            return await remind_payments_due(uow.session, uow.now) + (
                await remind_waiting_on_citizens(uow.session, uow.now)
            )

        return await uow.run(remind)


async def overdue_permit_requests(runtime: Runtime) -> int:
    """Tell each citizen, once, of a request for permit information the agency left
    unanswered past its 3 working days (R-21.1); how many were told."""
    return await tell_overdue(runtime.unit_of_work)


async def purge_idempotency_records(runtime: Runtime) -> int:
    """Forget `Idempotency-Key` records past their 24 hours."""
    async with runtime.unit_of_work() as uow:
        purged = await uow.run(lambda: purge_expired(uow.session, uow.now))
    return purged


async def run_once(
    runtime: Runtime,
    applications: ApplicationsRuntime,
    connectors: ConnectorRegistry | None = None,
    payments: PaymentsRuntime | None = None,
) -> dict[str, int]:
    """Every scheduled job, once (status polling only when given the connectors; payments
    when given the bank)."""
    counts = {
        "overdue notices sent": await send_overdue_notices(runtime, applications),
        "idempotency records purged": await purge_idempotency_records(runtime),
        "reminders done": await settle_reminders(runtime, applications),
        "expiring documents told": await remind_expiring_documents(runtime, applications),
        "reminders made": await remind_citizens(runtime),
        "overdue permit information requests told": await overdue_permit_requests(runtime),
    }
    if payments is not None:
        counts.update(await PaymentJobs(runtime, applications, payments).run_once())
    if connectors is not None:
        counts["applications moved by polling"] = await poll_agency_statuses(
            runtime, applications, connectors
        )
    return counts


async def run_periodically(
    runtime: Runtime,
    applications: ApplicationsRuntime,
    interval: float,
    connectors: ConnectorRegistry | None = None,
    payments: PaymentsRuntime | None = None,
) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_once(runtime, applications, connectors, payments)
        except Exception:  # a failed round is logged and retried on the next one
            log.exception("scheduled job failed")
