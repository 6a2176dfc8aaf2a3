"""Which applications are past their due date (R-LFA.4): the applications side of tracking's
overdue-notice job (gateway.tracking.overdue.OverdueCases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gateway.applications.context import Context
from gateway.applications.reading import Reader
from gateway.applications.transitions import Transitions
from gateway.tracking.overdue import OverdueCase
from kernel.working_time import BANGKOK, working_days_between


class OverdueApplications:
    def __init__(self, ctx: Context, reader: Reader, transitions: Transitions) -> None:
        self.ctx = ctx
        self.reader = reader
        self.transitions = transitions

    async def due(self, notice_before: dt.datetime) -> Sequence[str]:
        return await self.ctx.repository.overdue(self.ctx.now, notice_before)

    async def claim(self, application_id: str, notice_before: dt.datetime) -> OverdueCase | None:
        ctx = self.ctx
        notice = await ctx.repository.claim_overdue_notice(application_id, ctx.now, notice_before)
        if notice is None:
            return None
        application = await self.reader.get(application_id)
        await ctx.session.refresh(application)
        assert application.due_at is not None
        late = working_days_between(
            application.due_at.astimezone(BANGKOK).date(),
            ctx.now.astimezone(BANGKOK).date(),
            await self.transitions.calendar(application),
        )
        service = await self.reader.service(application.service_id)
        return OverdueCase(application, service, notice, late)
