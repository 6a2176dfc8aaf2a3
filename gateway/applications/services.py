"""The one place the applications services are built: for a request (gateway.applications
.deps), the outbox worker and the scheduled jobs alike, each on its own unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.applications.attachments import Attachments
from gateway.applications.context import ApplicationsRuntime, Context
from gateway.applications.drafts import Drafts
from gateway.applications.filing import Filing
from gateway.applications.overdue import OverdueApplications
from gateway.applications.reading import Reader
from gateway.applications.resubmission import Resubmission
from gateway.applications.state_data import StateData
from gateway.applications.transfer import Transfer
from gateway.applications.transitions import Transitions
from gateway.pagination import CursorCodec
from gateway.uow import UnitOfWork


@dataclass(frozen=True)
class Applications:
    """Every applications service of one unit of work."""

    ctx: Context
    reader: Reader
    transitions: Transitions
    state: StateData
    drafts: Drafts
    attachments: Attachments
    filing: Filing
    resubmission: Resubmission
    transfer: Transfer
    overdue: OverdueApplications

    @property
    def uow(self) -> UnitOfWork:
        return self.ctx.uow


def build(uow: UnitOfWork, runtime: ApplicationsRuntime, cursors: CursorCodec) -> Applications:
    ctx = Context(uow, runtime, cursors)
    reader = Reader(ctx)
    transitions = Transitions(ctx, reader)
    state = StateData(ctx)
    drafts = Drafts(ctx, reader, transitions, state)
    attachments = Attachments(ctx, reader, transitions)
    filing = Filing(ctx, reader, transitions)
    resubmission = Resubmission(ctx, reader, transitions, drafts, attachments, state)
    return Applications(
        ctx=ctx,
        reader=reader,
        transitions=transitions,
        state=state,
        drafts=drafts,
        attachments=attachments,
        filing=filing,
        resubmission=resubmission,
        transfer=Transfer(ctx, reader, transitions, resubmission, filing, attachments, state),
        overdue=OverdueApplications(ctx, reader, transitions),
    )
