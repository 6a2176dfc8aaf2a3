"""The worker's part in issuing: `document.issue` and `document.receipt` messages become
signed documents in the wallet (gateway/issuance/service.py says how, and why nothing is ever
issued twice). No agency is called: the agency already decided.

The messages of one claimed batch are issued together: planned in one short read, rendered and
signed one after another in one trip to a thread (CPU work: the event loop keeps serving), their
PDFs stored, then recorded in one transaction with their messages marked done. A batch's
documents share the database round trips and the commit; a document that cannot be issued
(malformed, its number taken) is set aside on its own and never holds up the others.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gateway.applications.services import Applications
from gateway.deps import Runtime
from gateway.documents.signing import DocumentSigning, Produced
from gateway.forwarding.ledger import Delivery, Ledger
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.outbox import TOPIC_ISSUE_DOCUMENT
from gateway.issuance.service import MAX_DOCUMENT_BYTES, Issuing, NotIssuable, Plan, one_chunk
from gateway.uow import ConcurrentChange, UnitOfWork

log = logging.getLogger("gateway.worker")


@dataclass(frozen=True)
class _Made:
    message_id: int
    plan: Plan
    produced: Produced
    size: int


class DocumentDeliveries:
    def __init__(
        self,
        runtime: Runtime,
        build: Callable[[UnitOfWork], Applications],
        signing: DocumentSigning,
        ledger: Ledger,
        name: str,
    ) -> None:
        self.runtime = runtime
        self.build = build
        self.signing = signing
        self.ledger = ledger
        self.name = name

    async def deliver(self, message_id: int) -> Delivery:
        [delivery] = await self.deliver_many([message_id])
        return delivery

    async def deliver_many(self, message_ids: Sequence[int]) -> list[Delivery]:
        """Issue the documents of these claimed messages; what became of each, in order."""
        outcomes: dict[int, Delivery] = {}
        plans: dict[int, Plan] = {}
        for message_id, planned in (await self._plan(message_ids)).items():
            if isinstance(planned, NotIssuable):
                outcomes[message_id] = await self.ledger.dead(message_id, str(planned)[:500])
            elif isinstance(planned, Plan):
                plans[message_id] = planned
            else:  # not this worker's any more, or nothing left to issue
                outcomes[message_id] = Delivery(message_id, planned)
        finished = [m for m, d in outcomes.items() if d.outcome == "nothing to issue"]
        if finished:
            outcomes.update(await self._record(finished, []))
        made: list[_Made] = []
        if plans:
            try:
                produced = await self.signing.produce_many(
                    [(p.facts, p.issued_at) for p in plans.values()]
                )
                for (message_id, plan), one in zip(plans.items(), produced, strict=True):
                    blob = await self.runtime.store.put(
                        plan.storage_key, one_chunk(one.pdf), max_bytes=MAX_DOCUMENT_BYTES
                    )
                    made.append(_Made(message_id, plan, one, blob.size))
            except Exception as failed:  # a signer or store fault: try them again later
                log.exception("issuing documents failed", extra={"messages": list(plans)})
                for message_id in plans:
                    outcomes[message_id] = await self.ledger.retry(
                        message_id, f"issuing failed: {failed!r}"[:500]
                    )
                await self._forget(made)
                made = []
        if made:
            outcomes.update(await self._record([], made))
        return [outcomes[m] for m in message_ids]

    async def _plan(self, message_ids: Sequence[int]) -> dict[int, Plan | NotIssuable | str]:
        planned: dict[int, Plan | NotIssuable | str] = {}
        numbers: set[tuple[str, str]] = set()  # an agency's number twice in one batch
        async with self.runtime.unit_of_work() as uow:
            issuing = Issuing(self.build(uow), self.signing)
            for message_id in message_ids:
                message = await uow.session.get(OutboxMessage, message_id)
                if message is None or message.status != "in_flight":
                    planned[message_id] = "skipped"
                    continue
                if message.claimed_by != self.name:
                    planned[message_id] = "skipped"
                    continue
                try:
                    if message.topic == TOPIC_ISSUE_DOCUMENT:
                        assert message.application_id is not None
                        plan = await issuing.plan_for_application(
                            message.application_id, message.payload.get("document")
                        )
                    else:
                        receipt = str(message.payload["receipt_number"])
                        plan = await issuing.plan_for_receipt(receipt)
                except NotIssuable as never:
                    planned[message_id] = never
                    continue
                if plan is None:
                    planned[message_id] = "nothing to issue"
                    continue
                taken = (plan.facts.agency_code, plan.facts.number)
                if taken in numbers:
                    planned[message_id] = NotIssuable(f"document number {taken[1]} is taken")
                    continue
                numbers.add(taken)
                planned[message_id] = plan
        return planned

    async def _record(self, finished: Sequence[int], made: Sequence[_Made]) -> dict[int, Delivery]:
        """Record the made documents and mark every message done, in one unit of work. A PDF
        made for a document another delivery recorded first is deleted."""
        async with self.runtime.unit_of_work() as uow:
            for one in made:
                uow.wrote(one.plan.storage_key)

            async def settle() -> dict[int, Delivery]:
                issuing = Issuing(self.build(uow), self.signing)
                delivered: dict[int, Delivery] = {}
                for message_id in finished:
                    delivered[message_id] = await self._done(uow, message_id, "nothing to issue")
                for one in made:
                    document = await issuing.record(
                        one.plan,
                        pdf_size=one.size,
                        sha256=hashlib.sha256(one.produced.pdf).hexdigest(),
                        credential=one.produced.credential,
                        signer_serial=one.produced.signer_serial,
                    )
                    if document is None:
                        uow.obsolete(one.plan.storage_key)
                    outcome = "issued" if document is not None else "already issued"
                    delivered[one.message_id] = await self._done(uow, one.message_id, outcome)
                return delivered

            try:
                return await uow.run(settle, attempts=5)
            except ConcurrentChange:
                pass
        return {
            message_id: await self.ledger.retry(message_id, "kept changing; will try again")
            for message_id in [*finished, *(one.message_id for one in made)]
        }

    @staticmethod
    async def _done(uow: UnitOfWork, message_id: int, outcome: str) -> Delivery:
        message = await uow.session.get(OutboxMessage, message_id)
        if message is None or message.status == "done":
            return Delivery(message_id, "skipped")
        message.status = "done"
        message.done_at = uow.now
        message.locked_until = None
        message.last_error = None
        return Delivery(message_id, outcome)

    async def _forget(self, made: Sequence[_Made]) -> None:
        for one in made:
            try:
                await self.runtime.store.delete(one.plan.storage_key)
            except Exception:  # an orphan PDF is harmless: nothing refers to it
                log.warning("could not delete an unused PDF", extra={"key": one.plan.storage_key})
