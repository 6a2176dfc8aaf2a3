"""The outbox: messages for agencies' back ends, written in the same transaction as the change
that causes them, delivered by the worker (at least once; each message's `key` is the
agency's idempotency key, so its effect happens once).

    enqueue(session, key=..., topic=..., ...)   the one way a message is written
    AgencyOutbox                                 the applications domain's port to the agencies
                                                 (gateway.applications.context.ToAgencies)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.applications.context import JSON
from gateway.applications.models import Application
from gateway.forwarding.models import OutboxMessage

#: Outbox topics: what the worker passes on to an agency's back end.
TOPIC_SUBMITTED = "application.submitted"  # file the application
TOPIC_INFO_PROVIDED = "application.info_provided"  # the citizen's answer to a request for info
TOPIC_WITHDRAWN = "application.withdrawn"  # the citizen withdrew it: cancel the case
TOPIC_PAID = "application.paid"  # the fee was paid on the portal
TOPIC_BILL_PAID = "bill.paid"  # a bill was paid on the portal (no application)
TOPIC_ISSUE_DOCUMENT = "document.issue"  # sign the document an agency granted (no agency call)
TOPIC_ISSUE_RECEIPT = "document.receipt"  # render and sign a payment's e-receipt as a PDF
DOCUMENT_TOPICS = (TOPIC_ISSUE_DOCUMENT, TOPIC_ISSUE_RECEIPT)
TOPICS = (
    TOPIC_SUBMITTED,
    TOPIC_INFO_PROVIDED,
    TOPIC_WITHDRAWN,
    TOPIC_PAID,
    TOPIC_BILL_PAID,
    *DOCUMENT_TOPICS,
)


def enqueue(
    session: AsyncSession,
    *,
    key: str,
    topic: str,
    agency_code: str,
    application_id: str | None,
    payload: dict[str, Any],
    now: dt.datetime,
) -> OutboxMessage:
    """A message for `agency_code`, due now, in the caller's transaction."""
    message = OutboxMessage(
        key=key,
        topic=topic,
        agency_code=agency_code,
        application_id=application_id,
        payload=payload,
        status="pending",
        attempts=0,
        available_at=now,
        created_at=now,
    )
    session.add(message)
    return message


class AgencyOutbox:
    """Changes on the portal, as messages for the agency's back end (one key per change, so
    the agency's effect happens once however often the message is delivered)."""

    def filed(self, session: AsyncSession, application: Application, now: dt.datetime) -> None:
        payload = {
            "application_id": application.id,
            "number": application.number,
            "service_id": application.service_id,
            "unit_code": application.unit_code,
        }
        _about(session, application, "submit", TOPIC_SUBMITTED, payload, now)

    def answered(
        self,
        session: AsyncSession,
        application: Application,
        now: dt.datetime,
        *,
        note: str | None,
        documents: list[str],
    ) -> None:
        payload = {"note": note, "documents": documents}
        what = f"info:{application.info_requests}"  # one answer per request for information
        _about(session, application, what, TOPIC_INFO_PROVIDED, payload, now)

    def withdrawn(
        self, session: AsyncSession, application: Application, now: dt.datetime, reason: str | None
    ) -> None:
        _about(session, application, "withdraw", TOPIC_WITHDRAWN, {"reason": reason}, now)

    def paid(
        self, session: AsyncSession, application: Application, now: dt.datetime, notice: JSON
    ) -> None:
        _about(session, application, f"paid:{notice['payment_id']}", TOPIC_PAID, notice, now)

    def bill_paid(
        self, session: AsyncSession, agency_code: str, bill_id: str, now: dt.datetime, notice: JSON
    ) -> None:
        enqueue(
            session,
            key=f"bill:{agency_code}:{bill_id}:{notice['payment_id']}",
            topic=TOPIC_BILL_PAID,
            agency_code=agency_code,
            application_id=None,
            payload={**notice, "bill_id": bill_id},
            now=now,
        )


class DocumentQueue:
    """Decisions and payments as messages for the worker to turn into signed e-documents
    (gateway.applications.context.IssueDocuments): signing never happens on a citizen's
    request, and a document is issued once however often its message is delivered."""

    def document(
        self, session: AsyncSession, application: Application, spec: JSON, now: dt.datetime
    ) -> None:
        _about(session, application, "issue", TOPIC_ISSUE_DOCUMENT, {"document": spec}, now)

    def receipt(
        self, session: AsyncSession, agency_code: str, receipt_number: str, now: dt.datetime
    ) -> None:
        enqueue(
            session,
            key=f"receipt-pdf:{receipt_number}",
            topic=TOPIC_ISSUE_RECEIPT,
            agency_code=agency_code,
            application_id=None,
            payload={"receipt_number": receipt_number},
            now=now,
        )


def _about(
    session: AsyncSession,
    application: Application,
    what: str,
    topic: str,
    payload: dict[str, Any],
    now: dt.datetime,
) -> None:
    enqueue(
        session,
        key=f"{application.id}:{what}",
        topic=topic,
        agency_code=application.agency_code,
        application_id=application.id,
        payload=payload,
        now=now,
    )
