"""Drafts: an application before it is filed. Data the state already holds is prefilled and
never asked again (R-12.1); what the citizen enters is checked field by field."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from gateway.applications.context import Actor, Context
from gateway.applications.lifecycle import ActorKind, Status, Turn
from gateway.applications.models import Application
from gateway.applications.reading import ApplicationView, Reader, can_be_filed
from gateway.applications.state_data import StateData
from gateway.applications.transitions import Transitions
from gateway.catalog import forms
from identity import CitizenRef
from kernel.errors import Conflict, FieldError, NotFound, ValidationFailed


class Drafts:
    def __init__(
        self, ctx: Context, reader: Reader, transitions: Transitions, state: StateData
    ) -> None:
        self.ctx = ctx
        self.reader = reader
        self.transitions = transitions
        self.state = state

    async def start(
        self,
        citizen: CitizenRef,
        service_id: str,
        *,
        entered: Mapping[str, Any],
        unit_code: str | None,
    ) -> ApplicationView:
        """A new draft for an e-service, prefilled from the verified identity and the civil
        registry, with the documents the state issued fetched from their issuers (R-12.1)."""
        verified = await self.state.citizen(citizen.id)
        facts = await self.state.prefill_facts(verified, service_id)
        fetched = await self.state.once_only(verified, service_id)
        await self.state.record_fetches()  # issue 14: who looked at the citizen's data
        application = await self.create(
            citizen,
            service_id,
            entered=entered,
            facts=facts,
            unit_code=unit_code,
            fetched=fetched,
        )
        await self.ctx.uow.flush()
        return await self.reader.view(application)

    async def create(
        self,
        citizen: CitizenRef,
        service_id: str,
        *,
        entered: Mapping[str, Any],
        facts: Mapping[str, Any],
        unit_code: str | None,
        fetched: Mapping[str, Any] | None = None,
        actor: Actor | None = None,
        origin: Mapping[str, Any] | None = None,
    ) -> Application:
        """A new draft. `actor`: who made it (the citizen unless the portal carries an
        application over to another agency, R-10.6); `origin`: what it was made from."""
        ctx = self.ctx
        service = await ctx.catalog_rows.get_service(service_id)
        if service is None or service.status != "live":
            raise NotFound(f"No live e-service {service_id}.", code="service_not_found")
        if not can_be_filed(service):
            raise Conflict(
                "This service is not filed on the portal: it needs personal appearance or is "
                "provided on the agency's own site (see its manual).",
                code="not_filed_online",
            )
        spec = forms.effective_form(service.form)
        raise_field_errors(forms.check_draft(spec, entered))
        agency = service.agency
        await self.transitions.check_unit(agency, unit_code)
        application = Application(
            id=str(uuid.uuid4()),
            citizen_id=citizen.id,
            service_id=service.id,
            agency_code=agency.code,
            unit_code=unit_code,
            status=Status.DRAFT.value,
            turn=Turn.CITIZEN.value,
            delivery="electronic",
            info_requests=0,
            receipt_anchor=agency.receipt_anchor,
            overdue_notices=0,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        application.form_enc = ctx.seal_form(
            application.id,
            {
                "prefilled": forms.prefill_values(spec, facts),
                "entered": dict(entered),
                # documents the portal fetched from their issuing agency.
                "fetched": dict(fetched or {}),
            },
        )
        ctx.repository.add(application)
        self.transitions.record(
            application,
            "created",
            None,
            Status.DRAFT,
            actor or Actor(ActorKind.CITIZEN, citizen.subject),
            dict(origin or {}),
        )
        return application

    async def update(
        self,
        citizen: CitizenRef,
        application_id: str,
        *,
        entered: Mapping[str, Any] | None,
        unit_code: str | None,
        unit_given: bool,
    ) -> Application:
        ctx = self.ctx
        application = await self.reader.owned(citizen, application_id)
        self.transitions.require_draft(application)
        service = await self.reader.service(application.service_id)
        if entered is not None:
            spec = forms.effective_form(service.form)
            # A field sent as null is taken out of the draft; the rest is checked.
            raise_field_errors(
                forms.check_draft(spec, {k: v for k, v in entered.items() if v is not None})
            )
            stored = ctx.open_form(application)
            stored["entered"] = {**stored["entered"], **entered}
            stored["entered"] = {k: v for k, v in stored["entered"].items() if v is not None}
            application.form_enc = ctx.seal_form(application.id, stored)
        if unit_given:
            await self.transitions.check_unit(service.agency, unit_code)
            application.unit_code = unit_code
        application.updated_at = ctx.now
        return application

    async def delete(self, citizen: CitizenRef, application_id: str) -> None:
        """Discard a draft; its uploads are deleted from storage once that commits."""
        ctx = self.ctx
        application = await self.reader.owned(citizen, application_id)
        self.transitions.require_draft(application)
        await ctx.tracker.forget(application.id)
        for row in await ctx.repository.attachments(application.id):
            if row.storage_key is not None:
                ctx.uow.obsolete(row.storage_key)
            await ctx.repository.delete(row)
        await ctx.repository.delete(application)


def raise_field_errors(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed("Some form fields are invalid.", errors=errors)
