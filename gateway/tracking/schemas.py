"""Response bodies of the inbox (the OpenAPI schema documents them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from gateway.tracking.models import Notification


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
