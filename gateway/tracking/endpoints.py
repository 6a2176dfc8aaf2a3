"""The citizen's inbox (R-11.1): `/v1/notifications`, its read marks and its event stream;
and what is due for them: `/v1/me/reminders` (gateway.tracking.reminders).

A citizen reaches only their own messages and reminders; anyone else's id answers 404.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi import Path as PathParam
from fastapi.responses import Response, StreamingResponse

from gateway.deps import LangDep, RuntimeDep, SessionDep, UowDep
from gateway.http import PersonalDataRoute, model_json
from gateway.tracking.reminders import Reminders
from gateway.tracking.schemas import (
    NotificationOut,
    NotificationPage,
    ReminderOut,
    ReminderPage,
)
from gateway.tracking.timeline import Tracker
from identity import CitizenDep
from kernel.errors import FieldError, ValidationFailed
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["inbox"], route_class=PersonalDataRoute)


@router.get(
    "/notifications",
    response_model=NotificationPage,
    responses=problem_responses("invalid_cursor"),
)
async def list_notifications(
    login: CitizenDep,
    session: SessionDep,
    lang: LangDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """The citizen's inbox, newest first: every state change, request for information and
    result of their applications."""
    fingerprint_ = f"inbox:{login.citizen.id}"
    after = int(runtime.cursors.decode(cursor, fingerprint_)) if cursor else None
    inbox = Tracker(session, runtime.clock.now())
    rows, unread = await inbox.inbox_page(login.citizen.id, before_id=after, limit=limit + 1)
    page = rows[:limit]
    next_cursor = (
        runtime.cursors.encode(fingerprint_, str(page[-1].id)) if len(rows) > limit else None
    )
    return model_json(
        NotificationPage(
            items=[NotificationOut.of(row, lang) for row in page],
            next_cursor=next_cursor,
            unread=unread,
        )
    )


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    responses=problem_responses("notification_not_found", "concurrent_change"),
)
async def mark_read(
    notification_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)],
    login: CitizenDep,
    uow: UowDep,
    lang: LangDep,
) -> NotificationOut:
    inbox = Tracker(uow.session, uow.now)
    row = await uow.run(lambda: inbox.mark_read(login.citizen.id, notification_id))
    return NotificationOut.of(row, lang)


@router.get(
    "/notifications/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_notifications(
    login: CitizenDep,
    runtime: RuntimeDep,
    lang: LangDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    wait: Annotated[float, Query(ge=0, le=300)] = 300,
) -> StreamingResponse:
    """Server-sent events: each new inbox message as `event: notification` with its id.

    Reconnect with `Last-Event-ID` to receive what arrived in between; without it the stream
    starts with what arrives from now on. The stream ends after `wait` seconds (at most 300;
    0 = send what is pending and end), and clients reconnect.
    """
    citizen_id = login.citizen.id
    settings = runtime.settings
    # The stream ends when the token does: a revoked or expired login reads no more.
    wait = min(wait, max(0.0, (login.claims.expires_at - runtime.clock.now()).total_seconds()))
    after: int | None = None
    if last_event_id is not None:
        if not re.fullmatch(r"[0-9]{1,18}", last_event_id):
            raise ValidationFailed(
                "Last-Event-ID must be a notification id.",
                errors=[FieldError("/header/Last-Event-ID", "invalid", "A number.")],
            )
        after = int(last_event_id)
    else:
        async with runtime.sessions() as session:
            newest = await Tracker(session, runtime.clock.now()).notifications(
                citizen_id, after_id=None, limit=1, newest_first=True
            )
            after = newest[0].id if newest else 0

    async def events() -> AsyncIterator[bytes]:
        nonlocal after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        yield f"retry: {int(settings.sse_poll_seconds * 1000) + 1000}\n\n".encode()
        while True:
            async with runtime.sessions() as session:
                rows = await Tracker(session, runtime.clock.now()).notifications(
                    citizen_id, after_id=after, limit=100, newest_first=False
                )
            for row in rows:
                data = NotificationOut.of(row, lang).model_dump(mode="json")
                payload = json.dumps(data, ensure_ascii=False)
                yield f"id: {row.id}\nevent: notification\ndata: {payload}\n\n".encode()
                after = row.id
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            if not rows:
                yield b": keep-alive\n\n"
                await asyncio.sleep(min(settings.sse_poll_seconds, remaining))

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/me/reminders",
    response_model=ReminderPage,
    responses=problem_responses("invalid_cursor"),
    tags=["reminders"],
)
async def list_reminders(
    login: CitizenDep,
    session: SessionDep,
    lang: LangDep,
    runtime: RuntimeDep,
    include: Annotated[Literal["done"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """What is due (the home screen): documents about to lapse, fees and bills to pay,
    requests for information and drafts waiting on the citizen; soonest due first, those with
    no deadline last. Open ones only, unless `include=done` (then also those whose subject
    was resolved, with `done_at` and `resolution`). The scheduled jobs make and settle them."""
    fingerprint_ = f"reminders:{login.citizen.id}:{include or 'open'}"
    after = _reminder_key(runtime.cursors.decode(cursor, fingerprint_)) if cursor else None
    reminders = Reminders(session, runtime.clock.now())
    rows = await reminders.of_citizen(
        login.citizen.id, include_done=include == "done", after=after, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        key = f"{last.due_on.isoformat() if last.due_on else ''}|{last.id}"
        next_cursor = runtime.cursors.encode(fingerprint_, key)
    return model_json(
        ReminderPage(items=[ReminderOut.of(row, lang) for row in page], next_cursor=next_cursor)
    )


def _reminder_key(key: str) -> tuple[dt.date | None, int]:
    """The (due_on, id) a page ended at, from its signed cursor."""
    due_on, _, last_id = key.partition("|")
    return (dt.date.fromisoformat(due_on) if due_on else None), int(last_id)
