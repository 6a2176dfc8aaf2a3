"""The state's data about a citizen, so a form never asks for it (R-12.1): the facts a form is
prefilled from (the verified identity, the civil registry) and the documents the state issued,
fetched from their issuing agency's connector (once-only data).

Both are read before anything of the request is written (they may call other agencies), so an
outage there never holds a transaction's locks. For the same reason each completed fetch is only
noted as it comes (`fetches`); the caller records the notes in the citizen's data-access log
(`record_fetches`, issue 14) once the last agency answered, in the unit of work that uses the
data. A fetch that obtained nothing (the agency down, or holding no such record) is not noted.
The citizen's own verified profile is the portal's, not a fetch from an agency: not noted."""

from __future__ import annotations

from typing import Any

from connectors.base import ProvidesOnceOnlyData
from connectors.errors import AgencyMisconfigured, AgencyRejected, AgencyUnavailable
from gateway.applications.context import Context
from gateway.applications.reading import fetch_plan
from gateway.audit.access import Access, Fetches, Purpose
from gateway.catalog import forms
from identity import VerifiedCitizen
from kernel.errors import ServiceUnavailable

#: Whose records the registry prefill reads (the civil registry, R-9.1).
CIVIL_REGISTRY = "DOPA"


def identity_facts(citizen: VerifiedCitizen) -> dict[str, Any]:
    """What the verified identity says, keyed by the form prefill vocabulary (R-12.1)."""
    return forms.identity_facts(
        first_name_th=citizen.first_name_th,
        last_name_th=citizen.last_name_th,
        first_name_en=citizen.first_name_en,
        last_name_en=citizen.last_name_en,
        birth_date_be=citizen.birth_date_be,
    )


class StateData:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.fetches = Fetches()

    async def record_fetches(self) -> None:
        """Record the fetches noted so far in the citizen's data-access log, in this unit of
        work (after the last call to an agency: the audit chain's head is locked from here)."""
        await self.fetches.record(self.ctx.access)

    async def citizen(self, citizen_id: str) -> VerifiedCitizen:
        """The citizen's verified profile, from identity's directory."""
        return await self.ctx.runtime.directory.require(self.ctx.session, citizen_id)

    async def prefill_facts(self, citizen: VerifiedCitizen, service_id: str) -> dict[str, Any]:
        """The state's data about `citizen` that `service_id`'s form is prefilled from
        (R-12.1): the verified identity, and the civil registry when the form asks for it."""
        facts = identity_facts(citizen)
        e_service = await self.ctx.catalog_rows.get_service(service_id)
        if e_service is None:
            return facts
        spec = forms.effective_form(e_service.form)
        sources = {str(source) for source in spec.prefill.values()}
        if any(source.startswith("registry.") for source in sources):
            try:
                person = await self.ctx.runtime.registry.person(citizen.national_id)
            except AgencyUnavailable as exc:
                raise ServiceUnavailable(
                    "The civil registry cannot be reached to prefill your data; try again shortly.",
                    code="registry_unavailable",
                    headers={"Retry-After": "30"},
                ) from exc
            self.fetches.note(
                Access(
                    citizen.id,
                    data="civil_registry.person",
                    source=CIVIL_REGISTRY,
                    purpose=Purpose.ONCE_ONLY,
                    ref=service_id,
                    service_id=service_id,
                    at=self.ctx.now,
                )
            )
            facts.update(
                forms.registry_facts(
                    address_th=person.address_th, province_code=person.province_code, sex=person.sex
                )
            )
        return facts

    async def once_only(self, citizen: VerifiedCitizen, service_id: str) -> dict[str, Any]:
        """R-12.1: documents the state issued are fetched from the issuing agency (once-only),
        never asked of the citizen. An agency that cannot answer now leaves the document to be
        fetched by the agency itself; the citizen is not asked for it either way."""
        e_service = await self.ctx.catalog_rows.get_service(service_id)
        if e_service is None:
            return {}
        plans = fetch_plan(e_service)
        connectors = self.ctx.runtime.connectors
        if not plans:
            return {}
        fetched: dict[str, Any] = {}
        for plan in plans:
            entry: dict[str, Any] = {"agency": plan.agency_code, "kind": plan.kind}
            try:
                if connectors is None:
                    raise AgencyMisconfigured(plan.agency_code, "no connectors are configured")
                connector = connectors.get(plan.agency_code)
                if not isinstance(connector, ProvidesOnceOnlyData):
                    raise AgencyMisconfigured(plan.agency_code, "gives no once-only data")
                entry["data"] = dict(await connector.once_only(plan.kind, citizen.national_id))
                entry["status"] = "fetched"
                entry["at"] = self.ctx.now.isoformat()
                self.fetches.note(
                    Access(
                        citizen.id,
                        data=f"{plan.agency_code}.{plan.kind}",
                        source=plan.agency_code,
                        purpose=Purpose.ONCE_ONLY,
                        ref=service_id,
                        service_id=service_id,
                        at=self.ctx.now,
                    )
                )
            except AgencyRejected:
                entry["status"] = "not_held"  # the agency holds no such record for this citizen
            except (AgencyUnavailable, AgencyMisconfigured):
                entry["status"] = "agency_unavailable"
            fetched[plan.document] = entry
        return fetched
