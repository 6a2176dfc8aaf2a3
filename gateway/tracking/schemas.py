"""Response bodies of the inbox and the reminders (the OpenAPI schema documents them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from gateway.tracking.models import Notification, Reminder


class NotificationOut(BaseModel):
    id: int
    kind: str
    application_id: str | None
    title: str
    body: str
    data: dict[str, Any]
    paper: bool
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def of(cls, row: Notification, lang: str) -> NotificationOut:
        en = lang == "en"
        return cls(
            id=row.id,
            kind=row.kind,
            application_id=row.application_id,
            title=row.title_en if en else row.title_th,
            body=row.body_en if en else row.body_th,
            data=row.data,
            paper=row.paper,
            created_at=row.created_at,
            read_at=row.read_at,
        )


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class ReminderOut(BaseModel):
    """Something due (the home screen's "what is due"), in the request's language."""

    id: int
    kind: str  # document_expiring | fee_due | bill_due | information_requested | draft_unfiled
    title: str
    body: str
    due_on: dt.date | None  # the Bangkok day it falls due; null: no deadline is known
    due_at: dt.datetime | None  # the moment, when it is known to the minute (a fee, a bill)
    href: str  # where the app goes to act on it
    application_id: str | None
    refs: dict[str, Any]  # the subject's ids: document_id, demand_id, bill_id, service_id, ...
    notification_id: int | None  # its inbox message
    created_at: dt.datetime
    done_at: dt.datetime | None
    resolution: str | None  # what the subject became: paid, renewed, in_review, discarded, ...

    @classmethod
    def of(cls, row: Reminder, lang: str) -> ReminderOut:
        en = lang == "en"
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title_en if en else row.title_th,
            body=row.body_en if en else row.body_th,
            due_on=row.due_on,
            due_at=row.due_at,
            href=row.href,
            application_id=row.application_id,
            refs=row.refs,
            notification_id=row.notification_id,
            created_at=row.created_at,
            done_at=row.done_at,
            resolution=row.resolution,
        )


class ReminderPage(BaseModel):
    items: list[ReminderOut]
    next_cursor: str | None
