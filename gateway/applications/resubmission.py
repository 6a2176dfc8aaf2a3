"""R-10.6 for the citizen: a redirected application filed again, in one step, at the agency that
is responsible. What the citizen entered and attached goes along, field by field and document by
document as the new service takes them; the new application has its own receipt time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.applications.attachments import Attachments
from gateway.applications.context import Actor, Context
from gateway.applications.drafts import Drafts
from gateway.applications.lifecycle import Action, ActorKind, Status
from gateway.applications.models import Application
from gateway.applications.reading import Reader, can_be_filed, missing_items
from gateway.applications.shown import requirements
from gateway.applications.state_data import StateData
from gateway.applications.transitions import Transitions
from gateway.catalog import forms
from gateway.catalog.models import EService
from identity import CitizenRef
from kernel.errors import Conflict, FieldError, ValidationFailed


class Resubmission:
    def __init__(
        self,
        ctx: Context,
        reader: Reader,
        transitions: Transitions,
        drafts: Drafts,
        attachments: Attachments,
        state: StateData,
    ) -> None:
        self.ctx = ctx
        self.reader = reader
        self.transitions = transitions
        self.drafts = drafts
        self.attachments = attachments
        self.state = state

    async def resubmit(
        self, citizen: CitizenRef, application_id: str, service_id: str | None
    ) -> Application:
        """The new draft at the responsible agency's service (`service_id`, by default the
        one the catalog maps this service to), with the citizen's entries and attachments; the
        caller commits it, and files it when it is complete."""
        original, target = await self.target(citizen, application_id, service_id)
        verified = await self.state.citizen(citizen.id)
        facts = await self.state.prefill_facts(verified, target.id)
        fetched = await self.state.once_only(verified, target.id)
        await self.state.record_fetches()  # issue 14: who looked at the citizen's data
        draft = await self.carry_over(
            citizen,
            original,
            target,
            facts=facts,
            fetched=fetched,
            actor=Actor(ActorKind.CITIZEN, citizen.subject),
        )
        await self.ctx.uow.flush()
        await self.attachments.copy(citizen, original, draft, target)
        return draft

    async def target(
        self, citizen: CitizenRef, application_id: str, service_id: str | None
    ) -> tuple[Application, EService]:
        """The citizen's redirected application and the service it is filed again at:
        `service_id`, which must be the responsible agency's, or by default the service the
        catalog maps it to. Once, while the application made from it stands (a deleted draft
        does not count). Checked before anything is fetched or written."""
        original, redirect = await self._redirected(citizen, application_id)
        responsible = redirect.get("responsible_agency")
        service_id = service_id or redirect.get("service_id")
        if not service_id:
            raise ValidationFailed(
                "Say which service of the responsible agency to file at.",
                errors=[
                    FieldError(
                        "/body/service_id", "required", "A service of the responsible agency."
                    )
                ],
            )
        target = await self.ctx.catalog_rows.get_service(str(service_id))
        if target is None or target.agency_code != responsible:
            raise ValidationFailed(
                f"Resubmit to a service of {responsible}, the agency responsible.",
                errors=[
                    FieldError(
                        "/body/service_id", "not_responsible_agency", f"A {responsible} service."
                    )
                ],
            )
        for event in await self.ctx.tracker.events(original.id):
            if event.kind == "resubmitted" and await self.ctx.repository.get(
                str(event.data.get("new_application_id"))
            ):
                raise Conflict(
                    "This application was already filed again at the responsible agency.",
                    code="already_resubmitted",
                )
        return original, target

    async def _redirected(
        self, citizen: CitizenRef, application_id: str
    ) -> tuple[Application, Mapping[str, Any]]:
        """The citizen's redirected application and its redirect's data (409 otherwise)."""
        original = await self.reader.owned(citizen, application_id)
        if original.status != Status.REDIRECTED:
            raise Conflict(
                "Only an application redirected to another agency is resubmitted.",
                code="not_redirected",
            )
        events = await self.ctx.tracker.events(original.id)
        redirect = next(e for e in reversed(events) if e.kind == Action.REDIRECT.value)
        return original, redirect.data

    async def carry_over(
        self,
        citizen: CitizenRef,
        original: Application,
        target: EService,
        *,
        facts: Mapping[str, Any],
        actor: Actor,
        fetched: Mapping[str, Any] | None = None,
    ) -> Application:
        """A new draft at `target` from `original` (what its form takes of the citizen's
        entries, prefilled from the state again, with the documents the state issued `fetched`
        for it), recorded on both."""
        draft = await self.drafts.create(
            citizen,
            target.id,
            entered=self.carried_over(original, target),
            facts=facts,
            fetched=fetched,
            unit_code=None,
            actor=actor,
            origin={"resubmission_of": original.id, "number": original.number},
        )
        # A change to the original too: two carry-overs at once collide on its version.
        original.updated_at = self.ctx.now
        status = Status(original.status)
        self.transitions.record(
            original,
            "resubmitted",
            status,
            status,
            actor,
            {"new_application_id": draft.id, "service_id": target.id},
        )
        return draft

    async def counterpart(self, service_id: str, agency_code: str) -> EService | None:
        """R-10.6: `agency_code`'s service that takes the same request as `service_id` (the
        catalog's counterparts), when the portal can file it there."""
        service = await self.reader.service(service_id)
        for other_id in service.counterparts or []:
            other = await self.ctx.catalog_rows.get_service(other_id)
            if (
                other is not None
                and other.agency_code == agency_code
                and can_be_filed(other)
                and other.integration_mode != "web"
            ):
                return other
        return None

    def carried_over(self, original: Application, target: EService) -> dict[str, Any]:
        """What the citizen entered on `original` that `target`'s form takes (field by field;
        the rest is left out, never guessed)."""
        spec = forms.effective_form(target.form)
        entered: dict[str, Any] = self.ctx.open_form(original)["entered"]
        refused = set()
        for error in forms.check_draft(spec, entered):
            path = forms.pointer_path(error.pointer)
            if path:
                refused.add(path[0])
        return {k: v for k, v in entered.items() if k not in refused}

    async def complete_at(
        self, original: Application, target: EService, facts: Mapping[str, Any]
    ) -> bool:
        """Whether `original`, carried over to `target` with the state's data (`facts`) and the
        attachments that service takes, could be filed there as it is."""
        spec = forms.effective_form(target.form)
        data = forms.merge(
            spec, forms.prefill_values(spec, facts), self.carried_over(original, target)
        )
        documents = requirements(target)
        takes = {d.key for d in documents if d.source == "upload"}
        attachments = [  # what `Attachments.copy` carries over: the uploads
            a
            for a in await self.ctx.repository.attachments(original.id)
            if a.document_key in takes and a.storage_key is not None
        ]
        return not missing_items(spec, data, documents, attachments)
