"""Operators and the outbox: what waits, what failed for good (dead letters), and re-driving."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy import func, select

from gateway.deps import AdminDep, SessionDep, UowDep
from gateway.forwarding.models import OutboxMessage
from kernel.errors import Conflict, NotFound
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/admin", tags=["admin"])

OutboxStatus = Literal["pending", "in_flight", "done", "dead"]


class OutboxOut(BaseModel):
    id: int
    key: str
    topic: str
    agency_code: str
    application_id: str | None
    status: str
    attempts: int
    available_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    done_at: dt.datetime | None


class OutboxPage(BaseModel):
    items: list[OutboxOut]


def _out(row: OutboxMessage) -> OutboxOut:
    return OutboxOut(
        id=row.id,
        key=row.key,
        topic=row.topic,
        agency_code=row.agency_code,
        application_id=row.application_id,
        status=row.status,
        attempts=row.attempts,
        available_at=row.available_at,
        last_error=row.last_error,
        created_at=row.created_at,
        done_at=row.done_at,
    )


@router.get("/outbox", response_model=OutboxPage)
async def list_outbox(
    session: SessionDep,
    _: AdminDep,
    status: Annotated[OutboxStatus, Query()] = "dead",
    agency: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OutboxPage:
    """Messages for agencies by status; `dead` (the default) are those that exhausted their
    retries or hit a configuration error, waiting for an operator."""
    statement = select(OutboxMessage).where(OutboxMessage.status == status)
    if agency:
        statement = statement.where(OutboxMessage.agency_code == agency)
    rows = (await session.scalars(statement.order_by(OutboxMessage.id).limit(limit))).all()
    return OutboxPage(items=[_out(row) for row in rows])


@router.get("/outbox/stats")
async def outbox_stats(session: SessionDep, _: AdminDep) -> dict[str, int]:
    """How many messages are in each state (pending, in_flight, done, dead)."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    counts = {"pending": 0, "in_flight": 0, "done": 0, "dead": 0}
    counts.update({status: int(count) for status, count in rows.all()})
    return counts


@router.post(
    "/outbox/{message_id}/redrive",
    response_model=OutboxOut,
    responses=problem_responses("outbox_message_not_found", "not_dead", "concurrent_change"),
)
async def redrive(
    message_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    uow: UowDep,
    _: AdminDep,
) -> OutboxOut:
    """Put a dead letter back in the queue (after the agency or the configuration is fixed);
    it goes with the same idempotency key, so the agency's effect still happens once."""

    async def redrive_() -> OutboxMessage:
        row = await uow.session.get(OutboxMessage, message_id)
        if row is None:
            raise NotFound("No such outbox message.", code="outbox_message_not_found")
        if row.status != "dead":
            raise Conflict(
                f"Only dead letters are re-driven; this one is {row.status}.", code="not_dead"
            )
        row.status = "pending"
        row.attempts = 0
        row.available_at = uow.now
        row.locked_until = None
        return row

    return _out(await uow.run(redrive_))
