"""The outbox's bookkeeping: which worker holds which message (a lease), and what became of
each attempt (done, tried again later with backoff, waiting for its filing, or a dead letter).

Claims: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, so any number of workers on any
number of machines share the queue without waiting on each other; everywhere a conditional
UPDATE ... RETURNING decides who got which message, so two workers never hold one message.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update

from gateway.config import Settings
from gateway.deps import Runtime
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.outbox import DOCUMENT_TOPICS, TOPIC_SUBMITTED, TOPICS

log = logging.getLogger("gateway.worker")

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 600.0
WAIT_SECONDS = 5.0  # a follow-up's next look at whether its filing has gone


@dataclass(frozen=True)
class Delivery:
    """What one delivery attempt came to."""

    message_id: int
    # delivered | retry | waiting | dead | rejected | redirected | transferred | skipped
    outcome: str


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """Full jitter: a random delay up to base * 2^(attempt-1), capped."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)


class Ledger:
    def __init__(self, runtime: Runtime, name: str, rng: random.Random) -> None:
        self.runtime = runtime
        self.settings: Settings = runtime.settings
        self.name = name
        self.rng = rng

    async def claim(self) -> list[int]:
        """Take up to WORKER_BATCH due messages for this worker (a lease each)."""
        now = self.runtime.clock.now()
        due = or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.available_at <= now),
            and_(OutboxMessage.status == "in_flight", OutboxMessage.locked_until < now),
        )
        async with self.runtime.unit_of_work() as uow:
            session = uow.session
            candidates = (
                select(OutboxMessage.id)
                .where(OutboxMessage.topic.in_(TOPICS), due)
                .order_by(OutboxMessage.available_at, OutboxMessage.id)
                .limit(self.settings.worker_batch)
            )
            if not self.settings.is_sqlite:
                candidates = candidates.with_for_update(skip_locked=True)
            ids = list((await session.scalars(candidates)).all())
            if not ids:
                return []
            lease = now + dt.timedelta(seconds=self.settings.worker_lease_seconds)
            claimed = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), due)
                .values(
                    status="in_flight",
                    claimed_by=self.name,
                    locked_until=lease,
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
            mine = sorted(claimed.scalars().all())
            await uow.commit()
        return mine

    async def filings_among(self, ids: list[int]) -> frozenset[str]:
        """The applications whose filing message is among `ids` (one claimed batch)."""
        async with self.runtime.unit_of_work() as uow:
            rows = await uow.session.scalars(
                select(OutboxMessage.application_id).where(
                    OutboxMessage.id.in_(ids), OutboxMessage.topic == TOPIC_SUBMITTED
                )
            )
            return frozenset(a for a in rows.all() if a is not None)

    async def documents_among(self, ids: list[int]) -> list[int]:
        """The messages among `ids` that are documents to issue (one claimed batch)."""
        async with self.runtime.unit_of_work() as uow:
            rows = await uow.session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.id.in_(ids), OutboxMessage.topic.in_(DOCUMENT_TOPICS)
                )
            )
            return sorted(rows.all())

    async def done(self, message_id: int, outcome: str, note: str) -> Delivery:
        async with self.runtime.unit_of_work() as uow:
            message = await uow.session.get(OutboxMessage, message_id)
            if message is None or message.status == "done":
                return Delivery(message_id, "skipped")
            message.status, message.done_at = "done", uow.now
            message.locked_until, message.last_error = None, note
            await uow.commit()
        return Delivery(message_id, outcome)

    async def retry(self, message_id: int, error: str) -> Delivery:
        async with self.runtime.unit_of_work() as uow:
            message = await uow.session.get(OutboxMessage, message_id)
            if message is None or message.status == "done":
                return Delivery(message_id, "skipped")
            if message.attempts >= self.settings.forward_max_attempts:
                message.status = "dead"
                outcome = "dead"
            else:
                message.status = "pending"
                delay = backoff_seconds(message.attempts, self.rng)
                message.available_at = uow.now + dt.timedelta(seconds=delay)
                outcome = "retry"
            message.locked_until = None
            message.last_error = error[:2000]
            await uow.commit()
        log.warning(
            "forwarding failed", extra={"outbox_id": message_id, "outcome": outcome, "error": error}
        )
        return Delivery(message_id, outcome)

    async def wait(self, message_id: int, why: str) -> Delivery:
        """Not yet, through no failure (a follow-up waits for its filing): tried again shortly,
        without spending the message's retry budget."""
        async with self.runtime.unit_of_work() as uow:
            message = await uow.session.get(OutboxMessage, message_id)
            if message is None or message.status == "done":
                return Delivery(message_id, "skipped")
            message.status = "pending"
            message.attempts = max(message.attempts - 1, 0)  # this claim does not count
            message.available_at = uow.now + dt.timedelta(seconds=WAIT_SECONDS)
            message.locked_until = None
            message.last_error = why
            await uow.commit()
        return Delivery(message_id, "waiting")

    async def dead(self, message_id: int, error: str) -> Delivery:
        async with self.runtime.unit_of_work() as uow:
            message = await uow.session.get(OutboxMessage, message_id)
            if message is None or message.status == "done":
                return Delivery(message_id, "skipped")
            message.status = "dead"
            message.locked_until = None
            message.last_error = error[:2000]
            await uow.commit()
        log.error("dead letter", extra={"outbox_id": message_id, "error": error})
        return Delivery(message_id, "dead")
