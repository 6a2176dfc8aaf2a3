"""Filing: the application is submitted, numbered, given its legal receipt (R-10.4) and its
receipt time (R-10.1-10.3), and handed to the outbox for its agency, all in one transaction."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from gateway import audit
from gateway.applications.context import SYSTEM, Actor, Context, iso
from gateway.applications.lifecycle import Action, ActorKind, Decision
from gateway.applications.models import Application, Attachment, Receipt
from gateway.applications.reading import ApplicationView, Reader
from gateway.applications.repository import ApplicationRepository
from gateway.applications.transitions import Transitions, start_clock
from gateway.catalog.definitions import Manual
from gateway.catalog.models import Agency, EService
from gateway.receipts.digest import AttachmentDigest, submission_digest
from identity import CitizenRef
from kernel.buddhist_era import BE_OFFSET
from kernel.errors import Conflict, FieldError, ValidationFailed
from kernel.working_time import BANGKOK

DELIVERY_CHOICES = ("electronic", "paper")  # paper only when chosen at submission


def receipt_anchor(agency: Agency) -> str:
    """Which entry counts as the agency receiving a request filed on the portal (R-10.3), given
    its announced channels (R-20.1): the portal's own entry counts when the agency counts the
    portal and has announced it, or has announced no channel at all (then every channel in use
    counts); otherwise the entry into the agency's own system does."""
    announced = agency.announced_channels or []
    portal_is_a_channel = not announced or "portal" in announced
    if agency.receipt_anchor == "portal" and portal_is_a_channel:
        return "portal"
    return "agency_backend"


def be_year(instant: dt.datetime) -> int:
    return instant.astimezone(BANGKOK).year + BE_OFFSET


def receipt_document(receipt: Receipt) -> dict[str, Any]:
    """The receipt as clients get it: the signed JWS, its timestamp token (base64 DER) and
    the payload in the clear for display."""
    token = receipt.timestamp_token
    return {
        "number": receipt.number,
        "payload": receipt.payload,
        "jws": receipt.jws,
        "timestamp_token": base64.b64encode(token).decode("ascii") if token else None,
    }


class Filing:
    def __init__(self, ctx: Context, reader: Reader, transitions: Transitions) -> None:
        self.ctx = ctx
        self.reader = reader
        self.transitions = transitions

    async def submit(
        self,
        citizen: CitizenRef,
        application_id: str,
        *,
        delivery: str,
        actor: Actor | None = None,
        number_apart: bool = True,
    ) -> tuple[Application, Receipt]:
        """File the application: the receipt (R-10.4) is signed, timestamped and stored in
        the same transaction as the application, its first event and its outbox message.
        `actor`: the citizen, or the portal forwarding it to the responsible agency (R-10.6);
        `number_apart=False` when this transaction has written already (see `_file`)."""
        application = await self.reader.owned(citizen, application_id)
        actor = actor or Actor(ActorKind.CITIZEN, citizen.subject)
        decision = self.transitions.decide(application, Action.SUBMIT, actor)
        view = await self.reader.view(application)
        if view.service.integration_mode == "web":
            raise Conflict(
                "This service is filed on the agency's own web page: open it with "
                "POST /v1/applications/{id}/launch.",
                code="file_on_agency_site",
            )
        if view.missing:
            # R-LFA.2: told at once, in writing, what is missing.
            raise ValidationFailed(
                "The application is incomplete: " + "; ".join(m.name_en for m in view.missing),
                code="application_incomplete",
                errors=[
                    FieldError(m.pointer, m.code, m.name_en or m.name_th) for m in view.missing
                ],
                extra={
                    "missing": [
                        {
                            "kind": m.kind,
                            "pointer": m.pointer,
                            "code": m.code,
                            "name_th": m.name_th,
                            "name_en": m.name_en,
                        }
                        for m in view.missing
                    ]
                },
            )
        fee_first = self.collects_at_filing(view.service)
        receipt = await self._file(
            application,
            view,
            decision,
            actor,
            delivery,
            arrived_at=self.ctx.now,
            apart=number_apart,
            hold=fee_first,
        )
        if fee_first:
            await self.transitions.request_fee_at_filing(application)
        await self.ctx.uow.flush()
        return application, receipt

    def collects_at_filing(self, service: EService) -> bool:
        """The service's fee is paid at filing (R-7.4), before the agency has the case."""
        if self.ctx.runtime.fees is None:
            return False
        fees = Manual.model_validate(service.manual).fees
        return (
            fees is not None
            and not fees.no_fee
            and bool(fees.items)
            and fees.collected == "at_filing"
        )

    async def file_from_agency(
        self, application: Application, agency_code: str, *, at: dt.datetime, agency_ref: str
    ) -> Receipt:
        """Web Integration: the citizen filed on the agency's own site and the agency reports
        it. That site is the channel, so its entry time `at` is the arrival (R-10.1, R-10.3);
        the gateway still gives its own signed receipt and passes nothing on (the application
        is already with the agency)."""
        actor = Actor(ActorKind.AGENCY, f"{agency_code}:web")
        decision = self.transitions.decide(application, Action.SUBMIT, actor)
        view = await self.reader.view(application)
        application.agency_ref = agency_ref
        receipt = await self._file(
            application, view, decision, actor, "electronic", arrived_at=at, forward=False
        )
        forward = self.transitions.decide(application, Action.FORWARD, SYSTEM)
        application.delivered_at = at
        await self.transitions.transition(
            application, forward, Action.FORWARD, SYSTEM, {"delivered_at": iso(at)}
        )
        return receipt

    async def _file(
        self,
        application: Application,
        view: ApplicationView,
        decision: Decision,
        actor: Actor,
        delivery: str,
        *,
        arrived_at: dt.datetime,
        forward: bool = True,
        apart: bool = True,
        hold: bool = False,
    ) -> Receipt:
        ctx = self.ctx
        service, agency = view.service, view.service.agency
        calendar, _ = await ctx.catalog.working_calendar(agency)
        # The number is taken before anything of this submission is written, in its own short
        # transaction when the runtime gives one: the per-agency counter is not held locked
        # while the submission's transaction runs. A submission that then fails leaves a gap in
        # the numbers, never a number on two applications.
        # (Not when this transaction has written already, as when an agency reports a filing:
        # a second writer would wait on it.)
        number = await self._take_number(
            f"{agency.code}:{be_year(arrived_at)}", separately=forward and apart
        )
        application.delivery = delivery
        application.receipt_anchor = receipt_anchor(agency)  # the agency's rule when filed
        application.arrived_at = arrived_at
        if application.receipt_anchor == "portal" or not forward:
            # default: the portal is an announced channel, so entry here counts (and an
            # agency's own site is its own system).
            start_clock(application, service, calendar, arrived_at)
        application.number = f"{agency.code}-{be_year(arrived_at)}-{number:06d}"
        digests = [AttachmentDigest(a.document_key, a.sha256) for a in view.attachments]
        application.content_digest = submission_digest(
            service_id=service.id, form=view.form, attachments=digests
        )
        receipt = self._receipt(application, service, agency, view.attachments)
        ctx.repository.add(receipt)
        self.transitions.apply(
            application, decision, Action.SUBMIT, actor, {"number": application.number}
        )
        if forward and not hold:  # held: it goes to the agency once its fee is paid
            ctx.runtime.to_agencies.filed(ctx.session, application, ctx.now)
        submitted = "submitted" if application.deemed_received_at else "submitted_to_agency_system"
        ctx.tracker.notify(application, service, submitted, {})
        await audit.append(
            ctx.session,
            at=ctx.now,
            actor=actor.label,
            action="application.submitted",
            subject=f"application:{application.id}",
            data={
                "number": application.number,
                "content_digest": application.content_digest,
                "arrived_at": iso(application.arrived_at),
                "deemed_received_at": iso(application.deemed_received_at),
            },
        )
        return receipt

    async def _take_number(self, scope: str, *, separately: bool) -> int:
        sessions = self.ctx.runtime.number_sessions
        if sessions is None or not separately:
            return await self.ctx.repository.next_number(scope)
        async with sessions() as session:
            number = await ApplicationRepository(session).next_number(scope)
            await session.commit()
        return number

    def _receipt(
        self,
        application: Application,
        service: EService,
        agency: Agency,
        attachments: Sequence[Attachment],
    ) -> Receipt:
        assert application.number is not None
        assert application.arrived_at is not None
        runtime, now = self.ctx.runtime, self.ctx.now
        payload: dict[str, Any] = {
            "iss": runtime.issuer,
            "type": "application-receipt",
            "number": application.number,
            "application_id": application.id,
            "service": {"id": service.id, "name_th": service.name_th, "name_en": service.name_en},
            "agency": {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en},
            "unit_code": application.unit_code,
            "arrived_at": iso(application.arrived_at),
            "deemed_received_at": iso(application.deemed_received_at),
            "receipt_anchor": application.receipt_anchor,
            "due_at": iso(application.due_at),
            "delivery": application.delivery,
            "content_digest": {"alg": "sha-256", "value": application.content_digest},
            "attachments": [
                {
                    "document": a.document_key,
                    "sha256": a.sha256,
                    "size": a.size,
                    "media_type": a.media_type,
                }
                for a in attachments
            ],
            "issued_at": iso(now),
        }
        jws = runtime.signer.sign(payload)
        # The trusted timestamp covers the signed receipt itself (RFC 3161 message imprint).
        token = runtime.tsa.timestamp(hashlib.sha256(jws.encode("ascii")).digest())
        return Receipt(
            application_id=application.id,
            number=application.number,
            payload=payload,
            jws=jws,
            timestamp_token=token,
            created_at=now,
        )
