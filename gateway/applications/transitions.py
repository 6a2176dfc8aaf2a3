"""Moving a filed application through its states: the citizen's actions after filing
(withdraw, answer a request for information), the agency's (accept, request information or the
fee, approve, reject, pass on to another office), and the portal's (delivered, misrouted,
redirected to another agency). Each move is decided by the pure state machine (lifecycle.py),
and recorded on the timeline, in the inbox and in the audit chain, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from gateway import audit
from gateway.applications.context import SYSTEM, Actor, Context, auditable, iso
from gateway.applications.lifecycle import (
    Action,
    ActorKind,
    Decision,
    Snapshot,
    Status,
    TransitionRefused,
    decide,
)
from gateway.applications.models import Application
from gateway.applications.reading import Reader
from gateway.audit.access import Access, Accessor, Purpose
from gateway.catalog.definitions import Manual
from gateway.catalog.models import Agency, EService
from identity import CitizenRef
from kernel.errors import Conflict, FieldError, ValidationFailed
from kernel.working_time import (
    BANGKOK,
    WorkingCalendar,
    add_working_days,
    deemed_receipt_time,
    due_at,
    working_days_between,
)

#: An application and its attachments are records the portal keeps (issue 14's `source`).
PORTAL_SOURCE = "portal"

#: An agency's results: what the citizen is told, with when it was decided (R-LFA.3).
RESULTS = {Action.APPROVE, Action.REJECT}
CLOSED = {Status.ISSUED, Status.WITHDRAWN, Status.REJECTED, Status.REDIRECTED, Status.LAPSED}


def start_clock(
    application: Application, service: EService, calendar: WorkingCalendar, entered_at: dt.datetime
) -> None:
    """The deemed receipt time (R-10.1) and the due date the manual's time gives."""
    application.deemed_received_at = deemed_receipt_time(entered_at, calendar)
    application.due_working_days = service.total_working_days
    if service.total_working_days is not None:
        application.due_at = due_at(
            application.deemed_received_at, service.total_working_days, calendar
        )


class Transitions:
    def __init__(self, ctx: Context, reader: Reader) -> None:
        self.ctx = ctx
        self.reader = reader

    # --- the machinery ---------------------------------------------------------------------

    def decide(self, application: Application, action: Action, actor: Actor) -> Decision:
        try:
            return decide(
                Snapshot(Status(application.status), application.info_requests), action, actor.kind
            )
        except TransitionRefused as refusal:
            raise Conflict(refusal.message, code=refusal.code) from refusal

    @staticmethod
    def require_draft(application: Application) -> None:
        if application.status != Status.DRAFT:
            raise Conflict(
                f"Only a draft can be changed; this application is {application.status}.",
                code="not_a_draft",
            )

    def record(
        self,
        application: Application,
        kind: str,
        source: Status | None,
        target: Status,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """A line on the application's timeline."""
        self.ctx.tracker.event(
            application.id,
            kind,
            from_status=source.value if source else None,
            to_status=target.value,
            actor_kind=actor.kind.value,
            actor_id=actor.id,
            data=data,
        )

    def apply(
        self,
        application: Application,
        decision: Decision,
        action: Action,
        actor: Actor,
        data: Mapping[str, Any],
    ) -> None:
        now = self.ctx.now
        application.status = decision.target.value
        application.turn = decision.turn.value
        application.updated_at = now
        if decision.target in CLOSED:
            application.closed_at = now
        self.record(application, action.value, decision.source, decision.target, actor, data)

    async def transition(
        self,
        application: Application,
        decision: Decision,
        action: Action,
        actor: Actor,
        data: Mapping[str, Any],
        *,
        notify_as: str | None = None,
    ) -> None:
        """Take the move, tell the citizen (R-11.1) and write the audit line (R-15.1)."""
        self.apply(application, decision, action, actor, data)
        service = await self.reader.service(application.service_id)
        self.ctx.tracker.notify(application, service, notify_as or decision.target.value, data)
        await audit.append(
            self.ctx.session,
            at=self.ctx.now,
            actor=actor.label,
            action=f"application.{action.value}",
            subject=f"application:{application.id}",
            data={"from": decision.source.value, "to": decision.target.value, **auditable(data)},
        )

    # --- the citizen's actions after filing -------------------------------------------------

    async def withdraw(
        self, citizen: CitizenRef, application_id: str, reason: str | None
    ) -> Application:
        application = await self.reader.owned(citizen, application_id)
        actor = Actor(ActorKind.CITIZEN, citizen.subject)
        if application.status == Status.DRAFT:
            raise Conflict(
                "A draft is not filed; delete it instead of withdrawing.", code="invalid_transition"
            )
        decision = self.decide(application, Action.WITHDRAW, actor)
        await self.transition(application, decision, Action.WITHDRAW, actor, {"reason": reason})
        await self._close_demands(application, "withdrawn")
        service = await self.reader.service(application.service_id)
        if service.integration_mode == "api":
            # The agency's back end is told too (it cancels the case there).
            self.ctx.runtime.to_agencies.withdrawn(
                self.ctx.session, application, self.ctx.now, reason
            )
        return application

    async def provide_info(
        self, citizen: CitizenRef, application_id: str, note: str | None
    ) -> Application:
        """Answer the agency's request for information (the documents are uploaded first)."""
        application = await self.reader.owned(citizen, application_id)
        actor = Actor(ActorKind.CITIZEN, citizen.subject)
        decision = self.decide(application, Action.PROVIDE_INFO, actor)
        answered = [
            a.document_key
            for a in await self.ctx.repository.attachments(application.id)
            if a.stage == "info_response"
        ]
        data: dict[str, Any] = {"note": note, "documents": answered}
        waited = await self._extend_due_date(application)
        if waited:
            data["due_extended_working_days"] = waited
        await self.transition(application, decision, Action.PROVIDE_INFO, actor, data)
        service = await self.reader.service(application.service_id)
        if service.integration_mode == "api":
            # The answer goes to the agency's back end (the worker passes it on).
            self.ctx.runtime.to_agencies.answered(
                self.ctx.session, application, self.ctx.now, note=note, documents=answered
            )
        return application

    async def _extend_due_date(self, application: Application) -> int:
        """The manual's time does not run while the agency waits for the citizen's documents
        (an interpretation of LFA s.8): the due date moves by the working days waited."""
        if application.due_at is None:
            return 0
        asked = [
            e.at
            for e in await self.ctx.tracker.events(application.id)
            if e.kind == Action.REQUEST_INFO.value
        ]
        if not asked:
            return 0
        calendar = await self.calendar(application)
        now = self.ctx.now
        waited = working_days_between(
            asked[-1].astimezone(BANGKOK).date(), now.astimezone(BANGKOK).date(), calendar
        )
        if waited:
            due_day = application.due_at.astimezone(BANGKOK).date()
            application.due_at = calendar.close_of(
                add_working_days(due_day, waited, calendar)
            ).astimezone(dt.UTC)
        return waited

    # --- the agency's actions ------------------------------------------------------------------

    async def agency_action(
        self,
        agency_code: str,
        staff: str,
        application_id: str,
        action: Action,
        *,
        reason: str | None,
        items: Sequence[Mapping[str, str]],
        fees: Sequence[Mapping[str, Any]] | None = None,
        stage: str = "review",
        document: Mapping[str, Any] | None = None,
        decided_at: dt.datetime | None = None,
    ) -> Application:
        """An agency's decision on its own application. An approval may describe the document
        it grants (`document`: documents.facts.DocumentSpec as JSON): the worker signs it and
        puts it in the citizen's wallet, and the application moves on to `issued`.
        `decided_at`: when the agency decided, when it says so (a callback, a polled status);
        otherwise now. A result (approval, rejection) carries it to the citizen (R-LFA.3)."""
        application = await self.reader.of_agency(agency_code, application_id)
        actor = Actor(ActorKind.AGENCY, f"{agency_code}:{staff}")
        decision = self.decide(application, action, actor)
        data: dict[str, Any] = {}
        if action is Action.REQUEST_INFO:
            if not items:
                raise ValidationFailed(
                    "Say which documents or information are needed.",
                    errors=[FieldError("/body/items", "required", "At least one item.")],
                )
            application.info_requests += 1
            data["items"] = [dict(i) for i in items]
        if action is Action.REJECT and not reason:
            raise ValidationFailed(
                "A rejection states its reason.",
                errors=[FieldError("/body/reason", "required", "Give the reason.")],
            )
        if reason:
            data["reason"] = reason
        if action in RESULTS or (action is Action.REQUEST_PAYMENT and stage == "after_approval"):
            # R-LFA.3: the citizen is told the result with the time it was decided.
            data["decided_at"] = iso(decided_at or self.ctx.now)
        if action is Action.REQUEST_PAYMENT:
            data.update(await self._demand_fee(application, fees, stage))
        await self.transition(
            application,
            decision,
            action,
            actor,
            data,
            notify_as="fee_due" if action is Action.REQUEST_PAYMENT else None,
        )
        if decision.target in CLOSED:
            await self._close_demands(application, decision.target.value)
        if action is Action.APPROVE and document is not None:
            issuance = self.ctx.runtime.issuance
            if issuance is not None:
                issuance.document(self.ctx.session, application, dict(document), self.ctx.now)
        return application

    async def issue(self, application_id: str, document: Mapping[str, Any]) -> Application:
        """The approved application's document is in the citizen's wallet (system)."""
        application = await self.reader.get(application_id)
        decision = self.decide(application, Action.ISSUE, SYSTEM)
        await self.transition(application, decision, Action.ISSUE, SYSTEM, document)
        return application

    async def _demand_fee(
        self,
        application: Application,
        fees: Sequence[Mapping[str, Any]] | None,
        stage: str,
    ) -> dict[str, Any]:
        """R-7.4: the fee becomes a demand the citizen pays on the portal. The agency states
        the amount when it depends on the case; otherwise the manual's fee items are due. A
        service whose manual says it is free charges nothing, and no copy of a document the
        state issued is ever charged for (R-12.1)."""
        service = await self.reader.service(application.service_id)
        manual = Manual.model_validate(service.manual)
        if manual.fees is not None and manual.fees.no_fee:
            raise Conflict(
                "The manual of this service says it is free: no fee can be asked for.",
                code="service_is_free",
            )
        if fees:
            items = [
                {
                    "label_th": str(f.get("label") or f.get("label_th") or "-"),
                    "label_en": str(f.get("label_en") or f.get("label") or "-"),
                    "amount_satang": f.get("amount_satang"),
                    "purpose": str(f.get("purpose") or "fee"),
                }
                for f in fees
            ]
        elif manual.fees is not None and manual.fees.items:
            items = [
                {
                    "label_th": i.label.th or i.label.en or "-",
                    "label_en": i.label.en or i.label.th or "-",
                    "amount_satang": i.amount_satang,
                    "purpose": i.purpose,
                }
                for i in manual.fees.items
            ]
        else:
            raise ValidationFailed(
                "Say what the fee is: the manual of this service lists no fee items.",
                code="fee_unknown",
                errors=[FieldError("/body/fees", "required", "State the fee items.")],
            )
        for index, item in enumerate(items):
            amount = item["amount_satang"]
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise ValidationFailed(
                    "A fee is a positive whole number of satang.",
                    errors=[
                        FieldError(f"/body/fees/{index}/amount_satang", "invalid", "satang > 0")
                    ],
                )
            if item["purpose"] == "state_document_copy":
                raise Conflict(
                    "No fee is charged for a copy of a document the state issued (R-12.1).",
                    code="fee_for_state_document",
                )
        book = self.ctx.runtime.fees
        if book is None:
            raise Conflict("Fees cannot be paid on this portal.", code="payments_unavailable")
        return await book.demand(
            self.ctx.session, application, stage=stage, items=items, now=self.ctx.now
        )

    async def _close_demands(self, application: Application, why: str) -> None:
        book = self.ctx.runtime.fees
        if book is not None:
            await book.close_open(self.ctx.session, application.id, self.ctx.now, why)

    async def request_fee_at_filing(self, application: Application) -> None:
        """The service collects its fee at filing (R-7.4): the portal asks for it before the
        agency has the application; it goes to the agency once paid."""
        decision = self.decide(application, Action.REQUEST_PAYMENT, SYSTEM)
        data = await self._demand_fee(application, None, "at_filing")
        await self.transition(
            application, decision, Action.REQUEST_PAYMENT, SYSTEM, data, notify_as="fee_due"
        )

    async def pay(
        self, application_id: str, notice: dict[str, Any], *, fee_first: bool = False
    ) -> Application:
        """The fee was paid (confirmed with the bank): the application goes on, and the agency
        is told (at once when it has the case; `fee_first`: the fee was collected at filing,
        so the application itself goes to the agency now, the notice after it)."""
        application = await self.reader.get(application_id)
        decision = self.decide(application, Action.PAY, SYSTEM)
        data = {
            "payment_id": notice["payment_id"],
            "receipt_number": notice["receipt_number"],
            "amount_satang": notice["amount_satang"],
        }
        await self.transition(application, decision, Action.PAY, SYSTEM, data)
        to_agencies = self.ctx.runtime.to_agencies
        if fee_first:
            to_agencies.filed(self.ctx.session, application, self.ctx.now)
        to_agencies.paid(self.ctx.session, application, self.ctx.now, notice)
        return application

    async def lapse(self, application_id: str) -> Application | None:
        """The fee's due date passed unpaid: the application closes instead of waiting for
        ever, the citizen is told, and the agency cancels its case."""
        application = await self.reader.get(application_id)
        if application.status != Status.AWAITING_PAYMENT:
            return None
        decision = self.decide(application, Action.LAPSE, SYSTEM)
        await self.transition(application, decision, Action.LAPSE, SYSTEM, {})
        if application.delivered_at is not None:
            self.ctx.runtime.to_agencies.withdrawn(
                self.ctx.session, application, self.ctx.now, "fee_not_paid"
            )
        return application

    async def refer_to_office(
        self,
        agency_code: str,
        staff: str,
        application_id: str,
        unit_code: str,
        *,
        reason: str | None,
    ) -> Application:
        """R-10.5 on the back office: an officer passes a case on to the office of the same
        agency that is responsible. The deemed receipt time is kept; the new office has it
        from now."""
        application = await self.reader.of_agency(agency_code, application_id)
        service = await self.reader.service(application.service_id)
        await self.check_unit(service.agency, unit_code)
        if unit_code == application.unit_code:
            raise ValidationFailed(
                f"The case is already with {unit_code}.",
                errors=[FieldError("/body/unit_code", "same_unit", "Another office.")],
            )
        actor = Actor(ActorKind.AGENCY, f"{agency_code}:{staff}")
        await self.misroute(
            application.id, reason="wrong_office", to_unit=unit_code, actor=actor, note=reason
        )
        return await self.record_delivery(application.id, self.ctx.now, unit_code=unit_code)

    async def read_by_staff(
        self,
        agency_code: str,
        staff: str,
        application_id: str,
        what: str | None = None,
        *,
        officer: str | None = None,
    ) -> Application:
        """The agency's own application; R-15.1: every read of a citizen's data by agency
        staff is an audit line (`what`: the application, or one of its attachments), and a
        line of the citizen's data-access log (issue 14: by `officer`, the X-Officer-Id, when
        one is named; else by the agency's system)."""
        application = await self.reader.of_agency(agency_code, application_id)
        await audit.append(
            self.ctx.session,
            at=self.ctx.now,
            actor=f"agency:{agency_code}:{staff}",
            action="application.read_by_staff",
            subject=f"application:{application.id}",
            data={"what": what or "application"},
        )
        await self.ctx.access.record(
            Access(
                application.citizen_id,
                data="attachment" if what and what.startswith("attachment:") else "application",
                source=PORTAL_SOURCE,
                purpose=Purpose.CASE,
                ref=application.number or application.id,
                service_id=application.service_id,
                accessor=Accessor.officer(agency_code, officer),
            )
        )
        return application

    # --- the portal's ------------------------------------------------------------------------

    async def record_delivery(
        self,
        application_id: str,
        delivered_at: dt.datetime,
        *,
        agency_ref: str | None = None,
        unit_code: str | None = None,
    ) -> Application:
        """The application reached the agency (submitted, or misrouted, -> forwarded). For an
        agency whose own system's entry counts (R-10.3 `agency_backend`), this is the moment the
        deemed receipt time and the due date are computed from; otherwise they are kept (also
        when it was passed on to another office of the agency, R-10.5)."""
        application = await self.reader.get(application_id)
        decision = self.decide(application, Action.FORWARD, SYSTEM)
        application.delivered_at = delivered_at
        if agency_ref is not None:
            application.agency_ref = agency_ref
        if unit_code is not None:
            application.unit_code = unit_code
        if application.deemed_received_at is None:
            service = await self.reader.service(application.service_id)
            start_clock(application, service, await self.calendar(application), delivered_at)
        await self.transition(
            application,
            decision,
            Action.FORWARD,
            SYSTEM,
            {
                "delivered_at": iso(delivered_at),
                "deemed_received_at": iso(application.deemed_received_at),
                "unit_code": application.unit_code,
            },
        )
        return application

    async def misroute(
        self,
        application_id: str,
        *,
        reason: str,
        to_unit: str | None = None,
        actor: Actor = SYSTEM,
        note: str | None = None,
    ) -> Application:
        """The receiving office lacks authority (R-10.5/10.6): recorded before the application
        is passed on."""
        application = await self.reader.get(application_id)
        decision = self.decide(application, Action.MISROUTE, actor)
        data = {"why": reason, "from_unit": application.unit_code, "to_unit": to_unit}
        if note:
            data["reason"] = note
        await self.transition(application, decision, Action.MISROUTE, actor, data)
        return application

    async def redirect(
        self,
        application_id: str,
        responsible_agency: str,
        *,
        actor: Actor = SYSTEM,
        counterpart: EService | None = None,
        forwarded: Application | None = None,
    ) -> Application:
        """R-10.6: the application leaves this agency. Either the portal `forwarded` it to the
        responsible agency's `counterpart` service (a new application with its own receipt
        time), or the citizen is told, electronically, which agency is responsible and can
        resubmit there in one step (`POST /v1/applications/{id}/resubmit`, to `counterpart`
        when the catalog maps one)."""
        application = await self.reader.get(application_id)
        decision = self.decide(application, Action.REDIRECT, actor)
        agency = await self.ctx.catalog_rows.get_agency(responsible_agency)
        data: dict[str, Any] = {
            "responsible_agency": responsible_agency,
            "agency_th": agency.name_th if agency else responsible_agency,
            "agency_en": agency.name_en if agency else responsible_agency,
            "on_portal": agency is not None,
            "service_id": counterpart.id if counterpart else None,
        }
        if forwarded is not None and counterpart is not None:
            data.update(
                forwarded_as=forwarded.id,
                new_number=forwarded.number,
                new_service_th=counterpart.name_th,
                new_service_en=counterpart.name_en,
            )
        await self.transition(
            application,
            decision,
            Action.REDIRECT,
            actor,
            data,
            notify_as="transferred" if forwarded is not None else None,
        )
        return application

    # --- shared ---------------------------------------------------------------------------

    async def calendar(self, application: Application) -> WorkingCalendar:
        service = await self.reader.service(application.service_id)
        calendar, _ = await self.ctx.catalog.working_calendar(service.agency)
        return calendar

    async def check_unit(self, agency: Agency, unit_code: str | None) -> None:
        if unit_code is None:
            return
        if unit_code not in await self.ctx.repository.unit_codes(agency.code):
            raise ValidationFailed(
                f"{agency.code} has no office {unit_code}.",
                errors=[
                    FieldError(
                        "/body/unit_code", "unknown_unit", f"Not an office of {agency.code}."
                    )
                ],
            )
