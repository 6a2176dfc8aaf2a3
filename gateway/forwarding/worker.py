"""The outbox worker: forwards submitted applications to their agencies.

Delivery is at least once and the agency's effect exactly once: a message is claimed with a
lease (`locked_until`), the agency is called with the message's key as its idempotency key and
no database transaction open, and the answer is applied (and the message marked done) in one
transaction. A worker that dies mid-call loses its lease; another takes the message and calls
again with the same key, and the agency answers with its first answer.

Claims, leases, backoff and dead letters are the ledger's (gateway/forwarding/ledger.py); the
worker decides what an agency's answer does to the application, through the applications
services of one unit of work, decided again when a person changed the same application at the
same moment (the person's action wins; the worker redoes its own).

Failures: agency unavailable (network, timeout, 5xx, outage, an open circuit) → retried with
exponential backoff and jitter up to FORWARD_MAX_ATTEMPTS, then a dead letter an operator can
re-drive; agency refused → the application is rejected with the agency's reason, shown to the
citizen; not this agency's case → R-10.6; our configuration wrong → a dead letter at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import (
    AgencyEvent,
    Applicant,
    AttachmentRef,
    Bills,
    Cancels,
    Fee,
    InformationAnswer,
    PaymentNotice,
    ReceivesInformation,
    ReceivesPayments,
    Submission,
    SubmitResult,
)
from connectors.errors import (
    AgencyMisconfigured,
    AgencyRejected,
    AgencyUnavailable,
    ConnectorNotAvailable,
    NotOurCase,
)
from connectors.registry import ConnectorRegistry
from gateway.applications.context import ApplicationsRuntime
from gateway.applications.lifecycle import Action, Status
from gateway.applications.models import Application, Attachment
from gateway.applications.reading import ApplicationView
from gateway.applications.services import Applications, build
from gateway.config import Settings
from gateway.deps import Runtime
from gateway.documents.models import WalletDocument
from gateway.documents.verification import attachment_verification
from gateway.forwarding.answers import AgencyAnswers
from gateway.forwarding.issuing import DocumentDeliveries
from gateway.forwarding.ledger import Delivery, Ledger
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.outbox import (
    DOCUMENT_TOPICS,
    TOPIC_BILL_PAID,
    TOPIC_INFO_PROVIDED,
    TOPIC_PAID,
    TOPIC_SUBMITTED,
    TOPIC_WITHDRAWN,
)
from gateway.uow import ConcurrentChange, UnitOfWork
from identity import VerifiedCitizen
from kernel.errors import Conflict, DomainError, ServiceUnavailable

log = logging.getLogger("gateway.worker")

SETTLE_ATTEMPTS = 5  # times an answer is applied again when a person changed the application

#: What the agency's answer does to the application, in the transaction that ends its message.
Apply = Callable[[Applications, Application], Awaitable[str]]


@dataclass(frozen=True)
class FollowUp:
    """A change after filing to pass on: `topic`, for the case `agency_ref` at `agency`."""

    topic: str
    agency: str
    agency_ref: str | None
    submitted_pending: bool  # the filing's own message has not finished yet
    answer: InformationAnswer | None = None
    notice: PaymentNotice | None = None


def payment_notice(payload: dict[str, Any]) -> PaymentNotice:
    """The outbox's payment message (gateway.payments) as the connector's notice."""
    return PaymentNotice(
        idempotency_key=str(payload["idempotency_key"]),
        reference=str(payload["reference"]),
        payment_id=str(payload["payment_id"]),
        receipt_number=str(payload["receipt_number"]),
        amount_satang=int(payload["amount_satang"]),
        fees=tuple(Fee(str(f["label"]), int(f["amount_satang"])) for f in payload["fees"]),
        paid_at=dt.datetime.fromisoformat(str(payload["paid_at"]).replace("Z", "+00:00")),
        channel=str(payload["channel"]),
    )


@dataclass(frozen=True)
class BillPaid:
    """A bill paid on the portal, to tell its biller (no application involved)."""

    agency: str
    bill_id: str
    notice: PaymentNotice


@dataclass(frozen=True)
class Issue:
    """A document to sign (gateway.forwarding.issuing): no agency is called."""


class Forwarder:
    def __init__(
        self,
        runtime: Runtime,
        applications: ApplicationsRuntime,
        connectors: ConnectorRegistry,
        *,
        name: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.applications = applications
        self.connectors = connectors
        self.settings: Settings = runtime.settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.rng = random.Random()  # noqa: S311 - jitter, not secrets
        self.ledger = Ledger(runtime, self.name, self.rng)
        self.public_url = self.settings.public_url.rstrip("/")
        # When the worker last went round its loop (monotonic seconds): readiness reads it.
        self.heartbeat: float | None = None
        # Signs the documents agencies grant (None: this worker leaves them to another).
        self.documents = (
            DocumentDeliveries(
                runtime, self._applications, applications.signing, self.ledger, self.name
            )
            if applications.signing is not None
            else None
        )

    # --- claiming ---------------------------------------------------------------------

    # --- one message ----------------------------------------------------------------------

    async def deliver(  # noqa: PLR0911, PLR0912 - one outcome a line
        self, message_id: int, filing_now: AbstractSet[str] = frozenset()
    ) -> Delivery:
        """Deliver one claimed message. `filing_now`: the applications whose filing is in the
        same batch; their follow-ups wait for it, whichever of the two is read first."""
        loaded = await self._load(message_id, filing_now)
        if loaded is None:
            return Delivery(message_id, "skipped")
        if isinstance(loaded, Issue):
            if self.documents is None:
                return await self.ledger.retry(message_id, "this worker cannot sign documents")
            return await self.documents.deliver(message_id)
        if isinstance(loaded, FollowUp):
            return await self._follow_up(message_id, loaded)
        if isinstance(loaded, BillPaid):
            return await self._bill_paid(message_id, loaded)
        message, submission, mode = loaded
        agency = message.agency_code
        if mode == "platform":
            # The portal is the agency's system: its officers work on it in the back office.
            # Whatever connector the agency has serves other reads (DOP's: know), never this.
            return await self._finish(message_id, platform=True)
        try:
            connector = self.connectors.get(agency)
        except ConnectorNotAvailable:
            connector = None
        if connector is None:
            return await self.ledger.dead(message_id, f"no connector for {agency} is available")
        try:
            policy = self.connectors.policy_for(agency)
            result = await policy.call(lambda: connector.submit(submission))
        except NotOurCase as refused:
            return await self._refer(message_id, refused.responsible_agency)
        except AgencyRejected as refused:
            return await self._finish(message_id, rejected=refused)
        except AgencyMisconfigured as broken:
            return await self.ledger.dead(message_id, str(broken))
        except AgencyUnavailable as unavailable:
            return await self.ledger.retry(message_id, str(unavailable))
        except Exception as unexpected:  # a connector bug must not stop the worker
            log.exception("connector failed", extra={"agency": agency})
            return await self.ledger.retry(message_id, f"unexpected: {unexpected!r}"[:500])
        return await self._finish(message_id, result=result)

    async def _load(  # noqa: PLR0911 - one kind of message a line
        self, message_id: int, filing_now: AbstractSet[str] = frozenset()
    ) -> tuple[OutboxMessage, Submission, str] | FollowUp | BillPaid | Issue | None:
        async with self.runtime.unit_of_work() as uow:
            session = uow.session
            message = await session.get(OutboxMessage, message_id)
            if message is None or message.status != "in_flight" or message.claimed_by != self.name:
                return None
            if message.topic in DOCUMENT_TOPICS:
                return Issue()
            if message.topic == TOPIC_BILL_PAID:
                return BillPaid(
                    message.agency_code,
                    str(message.payload["bill_id"]),
                    payment_notice(message.payload),
                )
            application = await session.get(Application, message.application_id)
            if application is None:
                return None
            apps = self._applications(uow)
            if message.topic != TOPIC_SUBMITTED:
                return await self._follow_up_of(
                    apps, message, application, application.id in filing_now
                )
            if (
                application.status in (Status.WITHDRAWN, Status.REDIRECTED)
                and application.agency_ref is None
                and message.attempts == 1
            ):
                # Withdrawn (or sent elsewhere) before any attempt to file it: the agency never
                # hears of it. After an attempt that may have reached it, it is filed (the key
                # makes that once) so that the withdrawal that follows can cancel it there.
                message.status, message.done_at = "done", uow.now
                message.locked_until = None
                message.last_error = f"{application.status} before delivery"
                await uow.commit()
                return None
            view = await apps.reader.view(application)
            citizen = await apps.state.citizen(application.citizen_id)
            verified = await self._verifications(session, view.attachments, uow.now)
            submission = self._submission(message, application, view, citizen, verified)
            mode = view.service.integration_mode
            session.expunge_all()
        return message, submission, mode

    def _submission(
        self,
        message: OutboxMessage,
        application: Application,
        view: ApplicationView,
        citizen: VerifiedCitizen,
        verified: Mapping[str, dict[str, Any]],
    ) -> Submission:
        form = dict(view.form)
        assert application.number is not None
        assert application.arrived_at is not None
        return Submission(
            idempotency_key=message.key,
            application_id=application.id,
            application_number=application.number,
            service_id=application.service_id,
            unit_code=application.unit_code,
            applicant=Applicant(
                pid=citizen.national_id,
                first_name_th=citizen.first_name_th,
                last_name_th=citizen.last_name_th,
                birth_date=form.get("birth_date"),
                address_th=form.get("registered_address"),
            ),
            form=form,
            attachments=[self._attachment_ref(application, a, verified) for a in view.attachments],
            arrived_at=application.arrived_at,
            deemed_received_at=application.deemed_received_at,
            callback_url=f"{self.public_url}/v1/agency/callbacks/{application.agency_code}",
        )

    # --- changes after filing: the citizen's answer, a withdrawal -----------------------

    async def _follow_up_of(
        self,
        apps: Applications,
        message: OutboxMessage,
        application: Application,
        filing_now: bool = False,
    ) -> FollowUp:
        session = apps.ctx.session
        answer = None
        if message.topic == TOPIC_INFO_PROVIDED:
            answered = [
                a
                for a in await apps.ctx.repository.attachments(application.id)
                if a.stage == "info_response"
            ]
            verified = await self._verifications(session, answered, apps.ctx.now)
            answer = InformationAnswer(
                idempotency_key=message.key,
                note=message.payload.get("note"),
                attachments=[self._attachment_ref(application, a, verified) for a in answered],
                answered_at=message.created_at,
            )
        notice = payment_notice(message.payload) if message.topic == TOPIC_PAID else None
        submitted = await session.scalar(
            select(OutboxMessage.status).where(
                OutboxMessage.application_id == application.id,
                OutboxMessage.topic == TOPIC_SUBMITTED,
            )
        )
        # The agency's reference is read after the filing's status: a filing that another
        # worker finished since the application was read has its reference by now (both were
        # committed together), so "done without a reference" really means never filed.
        await session.refresh(application, ["agency_ref"])
        return FollowUp(
            message.topic,
            message.agency_code,
            application.agency_ref,
            submitted_pending=filing_now or submitted not in (None, "done", "dead"),
            answer=answer,
            notice=notice,
        )

    async def _follow_up(self, message_id: int, work: FollowUp) -> Delivery:  # noqa: PLR0911
        """Tell the agency's back end what the citizen did on the portal after filing."""
        if work.agency_ref is None:
            if work.submitted_pending:  # the filing itself is still on its way: after it
                return await self.ledger.wait(message_id, "waiting for the application to be filed")
            if work.topic == TOPIC_WITHDRAWN:  # it never reached the agency: nothing to cancel
                return await self.ledger.done(message_id, "skipped", "never reached the agency")
            return await self.ledger.dead(
                message_id, "the agency never acknowledged the application"
            )
        try:
            connector = self.connectors.get(work.agency)
        except ConnectorNotAvailable:
            return await self.ledger.dead(
                message_id, f"no connector for {work.agency} is available"
            )
        ref = work.agency_ref
        if work.topic == TOPIC_WITHDRAWN:
            if not isinstance(connector, Cancels):
                return await self.ledger.done(message_id, "skipped", "the connector cannot cancel")
            call: Callable[[], Awaitable[AgencyEvent]] = lambda: connector.cancel(ref)  # noqa: E731
        elif work.topic == TOPIC_PAID:
            return await self._pass_payment(message_id, work, connector, ref)
        else:
            assert work.answer is not None
            if not isinstance(connector, ReceivesInformation):  # read on the agency API
                return await self.ledger.done(
                    message_id, "skipped", "the connector cannot pass the citizen's answer on"
                )
            answer = work.answer
            call = lambda: connector.provide_info(ref, answer)  # noqa: E731
        try:
            event = await self.connectors.policy_for(work.agency).call(call)
        except (AgencyRejected, AgencyMisconfigured) as refused:
            return await self.ledger.dead(message_id, str(refused))
        except AgencyUnavailable as unavailable:
            return await self.ledger.retry(message_id, str(unavailable))
        except Exception as unexpected:  # a connector bug must not stop the worker
            log.exception("connector failed", extra={"agency": work.agency})
            return await self.ledger.retry(message_id, f"unexpected: {unexpected!r}"[:500])
        return await self._answered(message_id, event)

    async def _pass_payment(
        self, message_id: int, work: FollowUp, connector: object, ref: str
    ) -> Delivery:
        """Tell the agency its fee was paid; what it does next (issue the licence) comes back
        as the case's next status event."""
        assert work.notice is not None
        if not isinstance(connector, ReceivesPayments):
            return await self.ledger.done(
                message_id, "skipped", "the connector is not told of payments"
            )
        notice = work.notice
        try:
            await self.connectors.policy_for(work.agency).call(
                lambda: connector.payment_received(ref, notice)
            )
        except (AgencyRejected, AgencyMisconfigured) as refused:
            return await self.ledger.dead(message_id, str(refused))
        except AgencyUnavailable as unavailable:
            return await self.ledger.retry(message_id, str(unavailable))
        except Exception as unexpected:  # a connector bug must not stop the worker
            log.exception("connector failed", extra={"agency": work.agency})
            return await self.ledger.retry(message_id, f"unexpected: {unexpected!r}"[:500])
        return await self.ledger.done(message_id, "delivered", "payment passed on")

    async def _bill_paid(self, message_id: int, work: BillPaid) -> Delivery:
        """Tell the biller its bill was paid (once: the notice's key)."""
        try:
            connector = self.connectors.get(work.agency)
        except ConnectorNotAvailable:
            return await self.ledger.dead(message_id, f"no connector for {work.agency}")
        if not isinstance(connector, Bills):
            return await self.ledger.dead(message_id, f"{work.agency} does not take bills")
        try:
            await self.connectors.policy_for(work.agency).call(
                lambda: connector.bill_paid(work.bill_id, work.notice)
            )
        except (AgencyRejected, AgencyMisconfigured) as refused:
            return await self.ledger.dead(message_id, str(refused))
        except AgencyUnavailable as unavailable:
            return await self.ledger.retry(message_id, str(unavailable))
        except Exception as unexpected:  # a connector bug must not stop the worker
            log.exception("connector failed", extra={"agency": work.agency})
            return await self.ledger.retry(message_id, f"unexpected: {unexpected!r}"[:500])
        return await self.ledger.done(message_id, "delivered", "bill payment passed on")

    async def _answered(self, message_id: int, event: AgencyEvent) -> Delivery:
        """The agency's event for a follow-up, applied in its order, and the message done."""

        async def apply(apps: Applications, application: Application) -> str:
            await AgencyAnswers(apps).report(
                application,
                seq=event.seq,
                at=event.at,
                status=event.status,
                data=dict(event.data),
            )
            return "delivered"

        return await self._settle(message_id, apply)

    async def _verifications(
        self, session: AsyncSession, attachments: Sequence[Attachment], now: dt.datetime
    ) -> dict[str, dict[str, Any]]:
        """Each wallet attachment's verification now, by attachment id: the agency receives
        the document with what the public verification page says of it (R-12.1, R-14.1)."""
        wallet_ids = {a.wallet_document_id: a.id for a in attachments if a.wallet_document_id}
        if not wallet_ids:
            return {}
        rows = await session.scalars(
            select(WalletDocument).where(WalletDocument.id.in_(list(wallet_ids)))
        )
        return {
            wallet_ids[document.id]: attachment_verification(document, now, self.public_url)
            for document in rows
        }

    def _attachment_ref(
        self,
        application: Application,
        attachment: Attachment,
        verifications: Mapping[str, dict[str, Any]] | None = None,
    ) -> AttachmentRef:
        return AttachmentRef(
            document=attachment.document_key,
            filename=attachment.filename,
            media_type=attachment.media_type,
            size=attachment.size,
            sha256=attachment.sha256,
            url=f"{self.public_url}/v1/agency/applications/{application.id}"
            f"/attachments/{attachment.id}",
            verification=(verifications or {}).get(attachment.id),
        )

    # --- outcomes -----------------------------------------------------------------------

    async def _finish(
        self,
        message_id: int,
        *,
        result: SubmitResult | None = None,
        rejected: AgencyRejected | None = None,
        platform: bool = False,
    ) -> Delivery:
        """Apply the agency's answer to a filing and mark the message done."""

        async def apply(apps: Applications, application: Application) -> str:
            return await self._apply(apps, application, result, rejected, platform)

        return await self._settle(message_id, apply)

    async def _settle(self, message_id: int, apply: Apply) -> Delivery:
        """`apply` the agency's answer and mark the message done, in one unit of work, decided
        again when someone changed the same application at the same moment (a person's action
        never fails because of the worker: the worker is the one that redoes its work)."""
        async with self.runtime.unit_of_work() as uow:
            apps = self._applications(uow)

            async def settle() -> Delivery:
                message = await uow.session.get(OutboxMessage, message_id)
                if message is None or message.status == "done":
                    return Delivery(message_id, "skipped")
                application = await uow.session.get(Application, message.application_id)
                assert application is not None
                outcome = await apply(apps, application)
                message.status = "done"
                message.done_at = uow.now
                message.locked_until = None
                message.last_error = None
                return Delivery(message_id, outcome)

            try:
                return await uow.run(settle, attempts=SETTLE_ATTEMPTS)
            except ConcurrentChange:
                pass
        return await self.ledger.retry(message_id, "the application kept changing; will try again")

    async def _apply(
        self,
        apps: Applications,
        application: Application,
        result: SubmitResult | None,
        rejected: AgencyRejected | None,
        platform: bool,
    ) -> str:
        if platform:
            if application.status in (Status.SUBMITTED, Status.PAID):
                await apps.transitions.record_delivery(application.id, apps.ctx.now)
            return "delivered"
        if result is not None:
            if application.agency_ref is None:
                application.agency_ref = result.agency_ref
            data: dict[str, Any] = {"agency_ref": result.agency_ref}
            if result.unit_code:
                data["unit_code"] = result.unit_code
            if result.fees:
                data["fees"] = [
                    {"label": f.label, "amount_satang": f.amount_satang} for f in result.fees
                ]
            await AgencyAnswers(apps).report(
                application,
                seq=result.seq,
                at=result.received_at,
                status=result.status,
                data=data,
            )
            return "delivered"
        assert rejected is not None
        with contextlib.suppress(Conflict):  # withdrawn meanwhile: nothing to reject
            await apps.transitions.agency_action(
                application.agency_code,
                "gateway-forwarder",
                application.id,
                Action.REJECT,
                reason=rejected.message[:1000] or "refused by the agency",
                items=[],
            )
        return "rejected"

    async def _refer(self, message_id: int, responsible_agency: str) -> Delivery:
        """R-10.6: the agency says the case is another agency's. The portal forwards it there
        when the catalog maps the service and the application fills that agency's form;
        otherwise the citizen is told which agency is responsible (gateway.applications
        .transfer). In one transaction with the message's end. A forward that cannot be made
        after all (an attachment too large, the form refused) falls back to telling."""

        def referring(tell_only: bool) -> Apply:
            async def apply(apps: Applications, application: Application) -> str:
                if application.status != Status.SUBMITTED:
                    return "skipped"  # withdrawn meanwhile: nothing to pass on
                plan = await apps.transfer.plan(application, responsible_agency)
                if tell_only:
                    plan.complete = False
                forwarded = await apps.transfer.refer(application, plan)
                return "transferred" if forwarded else "redirected"

            return apply

        try:
            try:
                return await self._settle(message_id, referring(False))
            except ServiceUnavailable:
                raise
            except DomainError as refused:  # cannot be filed there after all
                log.warning(
                    "forward to the responsible agency failed; telling the citizen",
                    extra={"outbox_id": message_id, "code": refused.code},
                )
            return await self._settle(message_id, referring(True))
        except ServiceUnavailable as unavailable:  # the registry or the store
            return await self.ledger.retry(message_id, unavailable.detail)
        except DomainError as refused:
            return await self.ledger.dead(message_id, refused.detail)
        except Exception as unexpected:  # a bug must not stop the worker
            log.exception("referral failed", extra={"outbox_id": message_id})
            return await self.ledger.retry(message_id, f"unexpected: {unexpected!r}"[:500])

    def _applications(self, uow: UnitOfWork) -> Applications:
        return build(uow, self.applications, self.runtime.cursors)

    # --- loops ------------------------------------------------------------------------

    async def run_once(self) -> list[Delivery]:
        """Claim a batch and deliver it (concurrently); what became of each message."""
        ids = await self.ledger.claim()
        if not ids:
            return []
        filing_now = await self.ledger.filings_among(ids)
        documents = await self.ledger.documents_among(ids) if self.documents else []
        others = [i for i in ids if i not in documents]
        singles = asyncio.gather(*(self.deliver(i, filing_now) for i in others))
        each, issued = await asyncio.gather(singles, self._issue(documents))
        return [*each, *issued]

    async def _issue(self, message_ids: list[int]) -> list[Delivery]:
        """The batch's documents, issued together (gateway.forwarding.issuing)."""
        if not message_ids or self.documents is None:
            return []
        return await self.documents.deliver_many(message_ids)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Deliver until stopped; idle for WORKER_IDLE_SECONDS when there is nothing to do."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            self.heartbeat = time.monotonic()
            try:
                done = await self.run_once()
            except Exception:  # the database went away for a moment: keep the worker alive
                log.exception("worker round failed")
                done = []
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.worker_idle_seconds)
