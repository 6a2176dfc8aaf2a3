"""The agencies' answers (synchronous results, callbacks, polled statuses) applied to
applications, in the agency's own order.

Every status change an agency reports carries its `seq` (1, 2, ... per case) and its time. A
change at or below the last one applied is a duplicate and changes nothing; one that arrives
before its predecessors is kept and applied as soon as they are known. So callbacks that cross
on the network, are sent twice, or race a polled status leave the application in the state
the agency's own history says.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from connectors.base import AgencyStatus
from documents.facts import DocumentSpec
from gateway.applications.lifecycle import Action, Status
from gateway.applications.models import Application
from gateway.applications.services import Applications
from gateway.forwarding.models import AgencyEvent
from gateway.forwarding.progress import steps
from gateway.payments.disbursements import Disbursements, Order
from kernel.errors import Conflict, NotFound

log = logging.getLogger("gateway.forwarding")

CALLBACK_STAFF = "callback"
#: What the citizen is asked for when the agency asks without naming items.
UNNAMED_ITEMS = [
    {
        "name_th": "เอกสารหรือข้อมูลเพิ่มเติมตามที่หน่วยงานแจ้ง",
        "name_en": "Further documents or information, as the agency explains",
    }
]


def granted(application: Application, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The document an approval grants (`data.document`), checked. A malformed one is logged
    and left out: the approval itself still stands, and the agency sees no document issued."""
    raw = data.get("document")
    if raw is None:
        return None
    try:
        return DocumentSpec.model_validate(raw).model_dump(mode="json")
    except ValidationError as invalid:
        log.warning(
            "the agency's approval describes a malformed document; none is issued",
            extra={"application": application.id, "errors": invalid.error_count()},
        )
        return None


class AgencyAnswers:
    def __init__(self, applications: Applications) -> None:
        self.applications = applications
        self.session = applications.ctx.session

    async def find(
        self,
        agency_code: str,
        *,
        application_id: str | None = None,
        number: str | None = None,
        agency_ref: str | None = None,
    ) -> Application:
        """The application an agency's message is about; only that agency's own."""
        statement = select(Application).where(Application.agency_code == agency_code)
        if application_id:
            statement = statement.where(Application.id == application_id)
        elif number:
            statement = statement.where(Application.number == number)
        elif agency_ref:
            statement = statement.where(Application.agency_ref == agency_ref)
        else:
            raise NotFound("The message names no application.", code="application_not_found")
        application = (await self.session.scalars(statement.limit(1))).one_or_none()
        if application is None:
            raise NotFound("No such application at this agency.", code="application_not_found")
        return application

    async def report(
        self,
        application: Application,
        *,
        seq: int,
        at: dt.datetime,
        status: AgencyStatus,
        data: Mapping[str, Any],
    ) -> str:
        """Take one status event; `applied`, `duplicate` or `waiting` (for earlier ones)."""
        if seq <= application.agency_seq:
            return "duplicate"
        known = await self.session.scalar(
            select(AgencyEvent.id).where(
                AgencyEvent.application_id == application.id, AgencyEvent.seq == seq
            )
        )
        if known is not None:
            return "duplicate"
        self.session.add(
            AgencyEvent(
                application_id=application.id,
                agency_code=application.agency_code,
                seq=seq,
                at=at,
                status=status.value,
                data=dict(data),
                received_at=self.applications.ctx.now,
            )
        )
        await self.session.flush()
        applied = False
        while True:
            following = (
                await self.session.scalars(
                    select(AgencyEvent).where(
                        AgencyEvent.application_id == application.id,
                        AgencyEvent.seq == application.agency_seq + 1,
                    )
                )
            ).one_or_none()
            if following is None:
                break
            await self._apply(application, following)
            following.applied_at = self.applications.ctx.now
            application.agency_seq = following.seq
            applied = applied or following.seq == seq
        return "applied" if applied else "waiting"

    async def _apply(self, application: Application, event: AgencyEvent) -> None:
        reported = AgencyStatus(event.status)
        data = event.data or {}
        if application.status == Status.DRAFT:
            if reported is AgencyStatus.RECEIVED:
                # Web Integration: the citizen filed on the agency's own site.
                await self.applications.filing.file_from_agency(
                    application,
                    application.agency_code,
                    at=event.at,
                    agency_ref=application.agency_ref or str(data.get("agency_ref", "")),
                )
            return
        if reported is AgencyStatus.APPROVED and data.get("disbursements"):
            await self._order_payouts(application, data["disbursements"])
        for action in steps(Status(application.status), reported):
            try:
                await self._take(application, action, reported, event, data)
            except Conflict as refused:
                # The application moved on (the citizen withdrew, information was already
                # asked once): the agency's event is kept, the step is not taken.
                log.info(
                    "agency status not applied",
                    extra={
                        "application": application.id,
                        "status": event.status,
                        "why": refused.code,
                    },
                )
                return

    async def _order_payouts(self, application: Application, payouts: object) -> None:
        """Money the approval grants (a benefit): paid to the applicant by PromptPay
        (gateway.payments.disbursements), once per payout id however often it is reported."""
        if not isinstance(payouts, list):
            return
        citizen = await self.applications.state.citizen(application.citizen_id)
        book = Disbursements(self.applications.ctx)
        for payout in payouts:
            try:
                order = Order(
                    payout_id=str(payout["payout_id"])[:64],
                    national_id=citizen.national_id,
                    amount_satang=int(payout["amount_satang"]),
                    kind=str(payout.get("kind") or "benefit")[:40],
                    title_th=str(payout.get("title_th") or payout.get("title_en") or "-")[:300],
                    title_en=str(payout.get("title_en") or payout.get("title_th") or "-")[:300],
                    period=str(payout["period"])[:20] if payout.get("period") else None,
                    pay_on=dt.date.fromisoformat(payout["pay_on"])
                    if payout.get("pay_on")
                    else None,
                )
            except (KeyError, TypeError, ValueError):
                log.warning(
                    "a malformed payout in the agency's approval was not ordered",
                    extra={"application": application.id},
                )
                continue
            if order.amount_satang <= 0:
                continue
            try:
                await book.order(
                    application.agency_code, order, f"agency:{application.agency_code}"
                )
            except Conflict:  # the payout id was used for another order: the agency's mistake
                log.warning(
                    "payout id reused with other content",
                    extra={"application": application.id, "payout_id": order.payout_id},
                )

    async def _take(
        self,
        application: Application,
        action: Action,
        reported: AgencyStatus,
        event: AgencyEvent,
        data: Mapping[str, Any],
    ) -> None:
        apps = self.applications.transitions
        if action is Action.MISROUTE:
            await apps.misroute(
                application.id, reason="wrong_office", to_unit=data.get("unit_code")
            )
        elif action is Action.FORWARD:
            await apps.record_delivery(
                application.id,
                event.at,
                unit_code=data.get("unit_code")
                if reported is AgencyStatus.FORWARDED_WITHIN_AGENCY
                else None,
            )
        else:
            items = data.get("items") or (UNNAMED_ITEMS if action is Action.REQUEST_INFO else [])
            reason = data.get("reason")
            if action is Action.REJECT and not reason:
                reason = "ไม่อนุมัติตามผลการพิจารณาของหน่วยงาน / Rejected on the agency's review"
            fees = data.get("fees") if action is Action.REQUEST_PAYMENT else None
            await apps.agency_action(
                application.agency_code,
                CALLBACK_STAFF,
                application.id,
                action,
                reason=reason,
                items=items,
                fees=fees if isinstance(fees, list) else None,
                # APPROVED_WAITING_PAY_FEE: approved, issued once the fee is paid
                stage="after_approval" if data.get("approved") else "review",
                document=granted(application, data) if action is Action.APPROVE else None,
                decided_at=event.at,
            )
