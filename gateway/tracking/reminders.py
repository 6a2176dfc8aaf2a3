"""Reminders: what is due for the citizen (the home screen's list, `GET /v1/me/reminders`).

A document about to lapse, a fee or a bill to pay, a request for information waiting on the
citizen, a draft never filed: each is found by a scheduled job in the domain that owns it
(gateway.issuance, gateway.payments, gateway.applications; wired in gateway/jobs.py), which
describes it as a `Due` and hands it down to tracking. Tracking keeps it and tells the citizen:

- **At most once.** A reminder is one row per (citizen, kind, subject), a unique key. It is
  inserted in a savepoint and a taken key is tolerated (the way the gateway takes application
  numbers and callback nonces): two job runners at once, on SQLite or PostgreSQL, make one
  reminder, and the loser sends nothing.
- **One notice.** The inbox message goes with the insert, in the same savepoint: it exists
  exactly when the reminder does (`notification_id`).
- **Done when the subject resolves.** Each job round first settles the open reminders of its
  kinds (`settle`): the owning domain says, in SQL over the reminder's columns, what became of
  the subject (paid, renewed, answered, gone); a reminder whose subject is no longer due is
  marked done with that word and leaves the citizen's list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import SQLColumnExpression, and_, func, literal, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from gateway.tracking.messages import Message
from gateway.tracking.models import Reminder
from gateway.tracking.timeline import Tracker

#: The reminder kinds, and what each is about (its `subject`).
DOCUMENT_EXPIRING = "document_expiring"  # a wallet document's id
FEE_DUE = "fee_due"  # a payment demand's id (the application's fee)
BILL_DUE = "bill_due"  # a payment demand's id (a bill the citizen started paying)
INFORMATION_REQUESTED = "information_requested"  # "<application id>/<request number>"
DRAFT_UNFILED = "draft_unfiled"  # a draft application's id
KINDS = (DOCUMENT_EXPIRING, FEE_DUE, BILL_DUE, INFORMATION_REQUESTED, DRAFT_UNFILED)


@dataclass(frozen=True)
class Due:
    """Something due, as the domain that owns it describes it."""

    citizen_id: str
    kind: str
    subject: str
    message: Message
    href: str  # where the app goes to act on it
    notice_kind: str  # the inbox message's kind
    due_on: dt.date | None = None
    due_at: dt.datetime | None = None
    application_id: str | None = None
    refs: Mapping[str, Any] = field(default_factory=dict)
    notice_data: Mapping[str, Any] = field(default_factory=dict)
    # The inbox message names the application (False for a draft: a draft can be discarded,
    # and a message must not hold it).
    notice_names_application: bool = True


class Reminders:
    """Makes, settles and lists reminders in the caller's transaction."""

    def __init__(self, session: AsyncSession, now: dt.datetime) -> None:
        self.session = session
        self.now = now

    async def remind(self, due: Due) -> Reminder | None:
        """Keep `due` and tell the citizen, once: None when it was made before (by this job
        earlier, or by another runner at this very moment)."""
        reminder = Reminder(
            citizen_id=due.citizen_id,
            kind=due.kind,
            subject=due.subject,
            application_id=due.application_id,
            refs=dict(due.refs),
            due_on=due.due_on,
            due_at=due.due_at,
            title_th=due.message.title_th,
            title_en=due.message.title_en,
            body_th=due.message.body_th,
            body_en=due.message.body_en,
            href=due.href,
            created_at=self.now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(reminder)
                await self.session.flush()  # the claim: a taken key fails here, nothing sent
                notice = Tracker(self.session, self.now).tell_citizen(
                    due.citizen_id,
                    due.application_id if due.notice_names_application else None,
                    due.notice_kind,
                    due.message,
                    {**due.notice_data, "reminder_id": reminder.id, "href": due.href},
                )
                await self.session.flush()
                reminder.notification_id = notice.id
        except IntegrityError:
            return None
        return reminder

    async def settle(
        self,
        kinds: Collection[str],
        state: ColumnElement[Any],
        *,
        still_due: Collection[str],
        gone: str = "gone",
    ) -> int:
        """Mark done every open reminder of `kinds` whose subject is no longer due.

        `state` is what the subject is now, in SQL over `Reminder`'s columns (a correlated
        subquery of the owning domain; NULL when the subject no longer exists, which reads as
        `gone`); the reminder stays open while it is one of `still_due`. Running it twice, or
        from two runners, changes nothing more. How many were marked done."""
        now_state = func.coalesce(state, literal(gone))
        result = await self.session.execute(
            update(Reminder)
            .where(
                Reminder.kind.in_(list(kinds)),
                Reminder.done_at.is_(None),
                now_state.not_in(list(still_due)),
            )
            .values(done_at=self.now, resolution=now_state)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount)

    @staticmethod
    def not_made(
        kind: str, citizen_id: SQLColumnExpression[str], subject: SQLColumnExpression[str]
    ) -> ColumnElement[bool]:
        """A condition for a producer's candidates: no reminder of `kind` yet for this
        citizen and subject (so each round looks only at what is new)."""
        return ~(
            select(Reminder.id)
            .where(
                Reminder.citizen_id == citizen_id,
                Reminder.kind == kind,
                Reminder.subject == subject,
            )
            .exists()
        )

    async def of_citizen(
        self,
        citizen_id: str,
        *,
        include_done: bool,
        after: tuple[dt.date | None, int] | None,
        limit: int,
    ) -> Sequence[Reminder]:
        """The citizen's reminders, soonest due first (those without a deadline last, oldest
        first), after the keyset `after` (due_on, id) of the previous page."""
        statement = select(Reminder).where(Reminder.citizen_id == citizen_id)
        if not include_done:
            statement = statement.where(Reminder.done_at.is_(None))
        if after is not None:
            due_on, last_id = after
            if due_on is None:
                statement = statement.where(Reminder.due_on.is_(None), Reminder.id > last_id)
            else:
                statement = statement.where(
                    or_(
                        Reminder.due_on > due_on,
                        and_(Reminder.due_on == due_on, Reminder.id > last_id),
                        Reminder.due_on.is_(None),
                    )
                )
        statement = statement.order_by(
            Reminder.due_on.is_(None), Reminder.due_on, Reminder.id
        ).limit(limit)
        return (await self.session.scalars(statement)).all()
