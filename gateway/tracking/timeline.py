"""The record of what happened to an application: its timeline, and what the citizen is told.

Every state change writes a timeline event, and (R-11.1) a message in the citizen's inbox, in
the same transaction as the change (the caller's unit of work commits). The tracker knows an
application only by the few facts it shows (`Case`), so tracking sits below the domains that
change applications and never imports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.tracking.messages import Message, render
from gateway.tracking.models import ApplicationEvent, Notification, OversightCopy
from kernel.errors import NotFound
from kernel.working_time import BANGKOK


class Case(Protocol):
    """What tracking needs to know of an application (gateway.applications' Application)."""

    @property
    def id(self) -> str: ...
    @property
    def citizen_id(self) -> str: ...
    @property
    def number(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def delivery(self) -> str: ...
    @property
    def deemed_received_at(self) -> dt.datetime | None: ...


class Named(Protocol):
    """An e-service, as a message names it."""

    @property
    def name_th(self) -> str: ...
    @property
    def name_en(self) -> str: ...


class Tracker:
    """Writes the timeline and the inbox in the caller's transaction; reads them back."""

    def __init__(self, session: AsyncSession, now: dt.datetime) -> None:
        self.session = session
        self.now = now

    # --- the timeline ---------------------------------------------------------------------

    def event(
        self,
        application_id: str,
        kind: str,
        *,
        from_status: str | None,
        to_status: str,
        actor_kind: str,
        actor_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self.session.add(
            ApplicationEvent(
                application_id=application_id,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                actor_kind=actor_kind,
                actor_id=actor_id,
                at=self.now,
                data=dict(data or {}),
            )
        )

    async def events(self, application_id: str) -> Sequence[ApplicationEvent]:
        statement = (
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application_id)
            .order_by(ApplicationEvent.id)
        )
        return (await self.session.scalars(statement)).all()

    async def forget(self, application_id: str) -> None:
        """A discarded draft's timeline goes with it."""
        for event in await self.events(application_id):
            await self.session.delete(event)

    # --- the inbox (R-11.1) -------------------------------------------------------------------

    def notify(self, case: Case, service: Named, kind: str, data: Mapping[str, Any]) -> None:
        """The citizen hears of it electronically; paper too when chosen (R-11.1)."""
        values = {
            "number": case.number or "",
            "service_th": service.name_th,
            "service_en": service.name_en,
            "reason": str(data.get("reason") or "-"),
            "deemed_th": _bangkok(case.deemed_received_at),
            "deemed_en": _bangkok(case.deemed_received_at),
            "days": str(data.get("days", "")),
            "agency_th": str(data.get("agency_th", "-")),
            "agency_en": str(data.get("agency_en", "-")),
            "new_number": str(data.get("new_number", "-")),
            "new_service_th": str(data.get("new_service_th", "-")),
            "new_service_en": str(data.get("new_service_en", "-")),
            "amount_th": str(data.get("amount_text", "-")),
            "amount_en": str(data.get("amount_text", "-")),
            "due_th": str(data.get("due_local", "-")),
            "due_en": str(data.get("due_local", "-")),
        }
        items = data.get("items") or []
        values["items_th"] = ", ".join(i.get("name_th") or i.get("name_en", "") for i in items)
        values["items_en"] = ", ".join(i.get("name_en") or i.get("name_th", "") for i in items)
        small = {k: v for k, v in data.items() if v is not None}
        self.tell(
            case,
            kind,
            render(kind, values),
            {"status": case.status, "number": case.number, **small},
        )

    def tell(self, case: Case, kind: str, message: Message, data: Mapping[str, Any]) -> None:
        """A message in the citizen's inbox about `case` (also one an agency wrote)."""
        self.session.add(
            Notification(
                citizen_id=case.citizen_id,
                application_id=case.id,
                kind=kind,
                title_th=message.title_th,
                title_en=message.title_en,
                body_th=message.body_th,
                body_en=message.body_en,
                data=dict(data),
                paper=case.delivery == "paper",
                created_at=self.now,
                read_at=None,
            )
        )

    def tell_citizen(
        self,
        citizen_id: str,
        application_id: str | None,
        kind: str,
        message: Message,
        data: Mapping[str, Any],
    ) -> Notification:
        """A message in the citizen's inbox about something other than an application's
        status (a payment, a bill), linked to an application when there is one."""
        notification = Notification(
            citizen_id=citizen_id,
            application_id=application_id,
            kind=kind,
            title_th=message.title_th,
            title_en=message.title_en,
            body_th=message.body_th,
            body_en=message.body_en,
            data=dict(data),
            paper=False,
            created_at=self.now,
            read_at=None,
        )
        self.session.add(notification)
        return notification

    async def notifications(
        self, citizen_id: str, *, after_id: int | None, limit: int, newest_first: bool
    ) -> Sequence[Notification]:
        statement = select(Notification).where(Notification.citizen_id == citizen_id)
        if after_id is not None:
            statement = statement.where(
                Notification.id < after_id if newest_first else Notification.id > after_id
            )
        order = Notification.id.desc() if newest_first else Notification.id
        return (await self.session.scalars(statement.order_by(order).limit(limit))).all()

    async def inbox_page(
        self, citizen_id: str, *, before_id: int | None, limit: int
    ) -> tuple[Sequence[Notification], int]:
        """A page of the citizen's inbox, newest first, and how many messages are unread: one
        statement (the count rides along each row, computed once), two when the page is empty."""
        params = {"citizen_id": citizen_id, "limit": limit}
        if before_id is None:
            rows = (await self.session.execute(_FIRST_PAGE, params)).all()
        else:
            params["before_id"] = before_id
            rows = (await self.session.execute(_NEXT_PAGE, params)).all()
        if not rows:
            return [], await self.unread_count(citizen_id)
        return [row[0] for row in rows], int(rows[0][1])

    async def unread_count(self, citizen_id: str) -> int:
        return int((await self.session.scalar(select(_UNREAD), {"citizen_id": citizen_id})) or 0)

    async def mark_read(self, citizen_id: str, notification_id: int) -> Notification:
        """The citizen's own notification, marked read (someone else's is missing, 404)."""
        row = await self.session.get(Notification, notification_id)
        if row is None or row.citizen_id != citizen_id:
            raise NotFound("No such notification.", code="notification_not_found")
        if row.read_at is None:
            row.read_at = self.now
        return row

    # --- oversight (R-LFA.4) ------------------------------------------------------------------

    def copy_to_oversight(self, application_id: str, notice: int, working_days_late: int) -> None:
        self.session.add(
            OversightCopy(
                application_id=application_id,
                body="OPDC",
                notice_number=notice,
                working_days_overdue=working_days_late,
                created_at=self.now,
            )
        )


# The inbox's statements, built once: building a statement costs more than running it.
_UNREAD = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.citizen_id == bindparam("citizen_id"), Notification.read_at.is_(None))
    .scalar_subquery()
)
_FIRST_PAGE = (
    select(Notification, _UNREAD)
    .where(Notification.citizen_id == bindparam("citizen_id"))
    .order_by(Notification.id.desc())
    .limit(bindparam("limit"))
)
_NEXT_PAGE = (
    select(Notification, _UNREAD)
    .where(
        Notification.citizen_id == bindparam("citizen_id"),
        Notification.id < bindparam("before_id"),
    )
    .order_by(Notification.id.desc())
    .limit(bindparam("limit"))
)


def _bangkok(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M")
