"""R-10.6 in one place: an application whose responsible unit is in another agency.

Three ways lead here: an API agency's back end answers "not our case" when the worker forwards
a filing; a `platform` agency's officer refers a case on the back office; a citizen resubmits a
redirected application in one step. The first two end the same way:

- the catalog maps the service to the responsible agency (`counterparts`) and what the citizen
  gave is enough to file there: the portal files a new application at that agency for the
  citizen, carrying over the fields that service's form takes and the attachments it asks for
  (a new receipt, its own receipt time), and tells the citizen both numbers;
- otherwise the citizen is told, electronically, which agency is responsible, with a one-step
  resubmission (to the mapped service when there is one). So too when the case came from that
  very agency: two agencies each saying it is the other's do not bounce it between them.

Either way the original application ends `redirected`, with `misroute` and `redirect` on its
timeline and in the audit chain. The caller owns the unit of work: it commits, or the blobs
copied for the new application are deleted with the rollback.

The state's data used to prefill the new form is read before anything is written (it may
call the civil registry), so an outage there never holds a transaction open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.applications.attachments import Attachments
from gateway.applications.context import SYSTEM, Actor, Context
from gateway.applications.filing import Filing
from gateway.applications.lifecycle import ActorKind
from gateway.applications.models import Application
from gateway.applications.reading import Reader
from gateway.applications.resubmission import Resubmission
from gateway.applications.state_data import StateData
from gateway.applications.transitions import Transitions
from gateway.catalog.models import EService
from kernel.errors import Conflict, FieldError, ValidationFailed


@dataclass
class Plan:
    """Where a case goes (read, before anything is written)."""

    responsible_agency: str
    counterpart: EService | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    fetched: dict[str, Any] = field(default_factory=dict)  # once-only documents
    complete: bool = False  # the counterpart can be filed with what the citizen gave


class Transfer:
    def __init__(
        self,
        ctx: Context,
        reader: Reader,
        transitions: Transitions,
        resubmission: Resubmission,
        filing: Filing,
        attachments: Attachments,
        state: StateData,
    ) -> None:
        self.ctx = ctx
        self.reader = reader
        self.transitions = transitions
        self.resubmission = resubmission
        self.filing = filing
        self.attachments = attachments
        self.state = state

    async def by_officer(
        self,
        agency_code: str,
        staff: str,
        application_id: str,
        responsible_agency: str,
        *,
        note: str | None,
    ) -> Application:
        """R-10.6 on the back office of a `platform` agency: an officer names the agency that
        is responsible (see the module's docstring for what follows)."""
        if responsible_agency == agency_code:
            raise ValidationFailed(
                "Another office of the same agency is named by unit_code.",
                errors=[FieldError("/body/agency_code", "same_agency", "Another agency.")],
            )
        application = await self.reader.of_agency(agency_code, application_id)
        service = await self.reader.service(application.service_id)
        if service.integration_mode != "platform":
            # An agency with its own back end says so when the portal files with it (the
            # connector's not_our_case), not here, or the worker would file it anyway.
            raise Conflict(
                "Cases of this service are worked in the agency's own system; it answers "
                "not_our_case when the portal files with it.",
                code="refer_in_own_system",
            )
        if await self.ctx.catalog_rows.get_agency(responsible_agency) is None:
            raise ValidationFailed(
                f"No agency {responsible_agency} is on the portal.",
                errors=[FieldError("/body/agency_code", "unknown_agency", "An agency's code.")],
            )
        plan = await self.plan(application, responsible_agency)
        actor = Actor(ActorKind.AGENCY, f"{agency_code}:{staff}")
        await self.refer(application, plan, actor=actor, note=note)
        return application

    async def plan(self, application: Application, responsible_agency: str) -> Plan:
        """Whether `application` can be forwarded to `responsible_agency`: the catalog maps its
        service there and what the citizen gave fills that service's form and documents. May
        raise ServiceUnavailable (the civil registry is needed to prefill and cannot be
        reached)."""
        counterpart = await self.resubmission.counterpart(
            application.service_id, responsible_agency
        )
        if counterpart is None:
            return Plan(responsible_agency)
        citizen = await self.state.citizen(application.citizen_id)
        facts = await self.state.prefill_facts(citizen, counterpart.id)
        complete = await self.resubmission.complete_at(application, counterpart, facts)
        if complete and await self._came_from(application) == responsible_agency:
            # Two agencies each saying it is the other's: the portal does not bounce the case
            # back on its own; the citizen is told and decides.
            complete = False
        fetched = {}
        if complete:
            fetched = await self.state.once_only(citizen, counterpart.id)
        return Plan(responsible_agency, counterpart, facts, fetched, complete)

    async def _came_from(self, application: Application) -> str | None:
        """The agency `application` was forwarded from (R-10.6), if it was."""
        events = await self.ctx.tracker.events(application.id)
        origin = events[0].data.get("resubmission_of") if events else None
        if not origin:
            return None
        earlier = await self.ctx.repository.get(str(origin))
        return earlier.agency_code if earlier else None

    async def refer(
        self,
        application: Application,
        plan: Plan,
        *,
        actor: Actor = SYSTEM,
        note: str | None = None,
    ) -> Application | None:
        """Carry out `plan` in the caller's unit of work (see the module's docstring): the new
        application at the responsible agency when it was forwarded there."""
        forwarded = None
        # What `plan` fetched for the new form, in the citizen's data-access log (issue 14).
        await self.state.record_fetches()
        await self.transitions.misroute(
            application.id, reason="other_agency", actor=actor, note=note
        )
        if plan.counterpart is not None and plan.complete:
            citizen = (await self.state.citizen(application.citizen_id)).ref
            draft = await self.resubmission.carry_over(
                citizen,
                application,
                plan.counterpart,
                facts=plan.facts,
                fetched=plan.fetched,
                actor=SYSTEM,
            )
            await self.ctx.uow.flush()
            await self.attachments.copy(citizen, application, draft, plan.counterpart)
            forwarded, _ = await self.filing.submit(
                citizen,
                draft.id,
                delivery=application.delivery,
                actor=SYSTEM,
                number_apart=False,  # this transaction has written already
            )
        await self.transitions.redirect(
            application.id,
            plan.responsible_agency,
            actor=actor,
            counterpart=plan.counterpart,
            forwarded=forwarded,
        )
        return forwarded
