"""The worker's part in issuing: a `document.issue` or `document.receipt` message becomes a
signed document in the wallet (gateway/issuance/service.py says how, and why nothing is ever
issued twice). No agency is called: the agency already decided."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

from gateway.applications.services import Applications
from gateway.deps import Runtime
from gateway.documents.signing import DocumentSigning
from gateway.forwarding.ledger import Delivery, Ledger
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.outbox import TOPIC_ISSUE_DOCUMENT
from gateway.issuance.service import MAX_DOCUMENT_BYTES, Issuing, NotIssuable, Plan, one_chunk
from gateway.uow import ConcurrentChange, UnitOfWork

log = logging.getLogger("gateway.worker")


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
        try:
            plan = await self._plan(message_id)
        except NotIssuable as never:
            return await self.ledger.dead(message_id, str(never)[:500])
        except _Skip:
            return Delivery(message_id, "skipped")
        if plan is None:
            return await self._finish(message_id, None)
        try:
            produced = await self.signing.produce(plan.facts, plan.issued_at)
            blob = await self.runtime.store.put(
                plan.storage_key, one_chunk(produced.pdf), max_bytes=MAX_DOCUMENT_BYTES
            )
        except Exception as failed:  # a signer or store fault: try again later
            log.exception("issuing a document failed", extra={"message": message_id})
            return await self.ledger.retry(message_id, f"issuing failed: {failed!r}"[:500])
        sha256 = hashlib.sha256(produced.pdf).hexdigest()

        async def record(issuing: Issuing) -> str:
            document = await issuing.record(
                plan,
                pdf_size=blob.size,
                sha256=sha256,
                credential=produced.credential,
                signer_serial=produced.signer_serial,
            )
            return "issued" if document is not None else "already issued"

        return await self._finish(message_id, record, stored=plan.storage_key)

    async def _plan(self, message_id: int) -> Plan | None:
        async with self.runtime.unit_of_work() as uow:
            message = await uow.session.get(OutboxMessage, message_id)
            if message is None or message.status != "in_flight" or message.claimed_by != self.name:
                raise _Skip
            issuing = Issuing(self.build(uow), self.signing)
            if message.topic == TOPIC_ISSUE_DOCUMENT:
                assert message.application_id is not None
                return await issuing.plan_for_application(
                    message.application_id, message.payload.get("document")
                )
            return await issuing.plan_for_receipt(str(message.payload["receipt_number"]))

    async def _finish(
        self,
        message_id: int,
        record: Callable[[Issuing], Awaitable[str]] | None,
        *,
        stored: str | None = None,
    ) -> Delivery:
        """Record the document (when there is one) and mark the message done, in one unit of
        work; a PDF stored for a document another delivery recorded first is deleted."""
        async with self.runtime.unit_of_work() as uow:
            if stored is not None:
                uow.wrote(stored)

            async def settle() -> Delivery:
                message = await uow.session.get(OutboxMessage, message_id)
                if message is None or message.status == "done":
                    return Delivery(message_id, "skipped")
                outcome = "nothing to issue"
                if record is not None:
                    outcome = await record(Issuing(self.build(uow), self.signing))
                    if outcome != "issued" and stored is not None:
                        uow.obsolete(stored)
                message.status = "done"
                message.done_at = uow.now
                message.locked_until = None
                message.last_error = None
                return Delivery(message_id, outcome)

            try:
                return await uow.run(settle, attempts=5)
            except ConcurrentChange:
                pass
        return await self.ledger.retry(message_id, "the application kept changing; will try again")


class _Skip(Exception):
    """The message is not this worker's to deliver now (another took it over)."""
