"""Overdue notices (R-LFA.4): an application past its due date is notified to the citizen
every 7 days, with a copy for the oversight body (OPDC).

Tracking decides when and what is said; which applications are late, and by how many working
days, comes from the domain that owns applications through the `OverdueCases` port (wired in
gateway/jobs.py). Running the job from many processes at once is safe: each notice is claimed
with a conditional update, one application per transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from gateway import audit
from gateway.tracking.timeline import Case, Named, Tracker
from gateway.uow import UnitOfWork

log = logging.getLogger("gateway.jobs")

OVERDUE_NOTICE_EVERY = dt.timedelta(days=7)  # R-LFA.4
SYSTEM_ACTOR = ("system", "gateway")


@dataclass(frozen=True)
class OverdueCase:
    """An application whose notice number `notice` was just claimed."""

    case: Case
    service: Named
    notice: int
    working_days_late: int


class OverdueCases(Protocol):
    async def due(self, notice_before: dt.datetime) -> Sequence[str]:
        """Open applications past their due date with no notice since `notice_before`,
        oldest due first."""
        ...

    async def claim(self, application_id: str, notice_before: dt.datetime) -> OverdueCase | None:
        """Take the next notice of one application, unless another process just did or it is
        no longer overdue."""
        ...


async def send_notice(uow: UnitOfWork, overdue: OverdueCase) -> None:
    """The notice's timeline event, the OPDC copy, the citizen's message and the audit line."""
    case, tracker = overdue.case, Tracker(uow.session, uow.now)
    data = {
        "notice": overdue.notice,
        "working_days_overdue": overdue.working_days_late,
        "copied_to": "OPDC",
    }
    kind, actor = SYSTEM_ACTOR
    tracker.event(
        case.id,
        "overdue_notice",
        from_status=case.status,
        to_status=case.status,
        actor_kind=kind,
        actor_id=actor,
        data=data,
    )
    tracker.copy_to_oversight(case.id, overdue.notice, overdue.working_days_late)
    tracker.notify(case, overdue.service, "overdue", {"days": str(overdue.working_days_late)})
    await audit.append(
        uow.session,
        at=uow.now,
        actor=f"{kind}:{actor}",
        action="application.overdue_notice",
        subject=f"application:{case.id}",
        data=data,
    )


async def send_overdue_notices(
    transaction: Callable[[], UnitOfWork], cases: Callable[[UnitOfWork], OverdueCases]
) -> int:
    """Send every overdue notice that is due now, one application per transaction; how many
    were sent."""
    async with transaction() as uow:
        due = await cases(uow).due(uow.now - OVERDUE_NOTICE_EVERY)
    sent = 0
    for application_id in due:
        async with transaction() as uow:
            overdue = await cases(uow).claim(application_id, uow.now - OVERDUE_NOTICE_EVERY)
            if overdue is None:
                continue
            await send_notice(uow, overdue)
            await uow.commit()
            sent += 1
    if sent:
        log.info("overdue notices sent", extra={"count": sent})
    return sent
