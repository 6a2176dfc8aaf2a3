"""The state's data about a citizen, so a form never asks for it (R-12.1): the facts a form is
prefilled from (the verified identity, the civil registry) and the documents the state issued,
fetched from their issuing agency's connector (once-only data)."""

from __future__ import annotations

from typing import Any

from connectors.base import ProvidesOnceOnlyData
from connectors.errors import AgencyMisconfigured, AgencyRejected, AgencyUnavailable
from connectors.registry import ConnectorRegistry
from gateway.applications import forms
from gateway.applications.service import (
    ApplicationService,
    ApplicationsRuntime,
    fetch_plan,
    identity_facts,
)
from identity.verification.models import Citizen
from kernel.errors import ServiceUnavailable


async def prefill_facts(
    service: ApplicationService, apps: ApplicationsRuntime, citizen: Citizen, service_id: str
) -> dict[str, Any]:
    """The state's data about `citizen` that `service_id`'s form is prefilled from (R-12.1):
    the verified identity, and the civil registry when the form asks for it."""
    facts = identity_facts(citizen, apps.vault)
    e_service = await service.catalog_rows.get_service(service_id)
    if e_service is None:
        return facts
    spec = forms.effective_form(e_service.form)
    sources = {str(source) for source in spec.prefill.values()}
    if any(source.startswith("registry.") for source in sources):
        national_id = apps.vault.decrypt(
            citizen.national_id_enc, context=f"citizen:{citizen.id}:national_id"
        )
        try:
            person = await apps.registry.person(national_id)
        except AgencyUnavailable as exc:
            raise ServiceUnavailable(
                "The civil registry cannot be reached to prefill your data; try again shortly.",
                code="registry_unavailable",
                headers={"Retry-After": "30"},
            ) from exc
        facts.update(
            forms.registry_facts(
                address_th=person.address_th, province_code=person.province_code, sex=person.sex
            )
        )
    return facts


async def fetch_once_only(
    registry: ConnectorRegistry,
    service: ApplicationService,
    apps: ApplicationsRuntime,
    citizen: Citizen,
    service_id: str,
) -> dict[str, Any]:
    """R-12.1: documents the state issued are fetched from the issuing agency (once-only), never
    asked of the citizen. An agency that cannot answer now leaves the document to be fetched by
    the agency itself; the citizen is not asked for it either way."""
    e_service = await service.catalog_rows.get_service(service_id)
    if e_service is None:
        return {}
    plans = fetch_plan(e_service)
    if not plans:
        return {}
    pid = apps.vault.decrypt(citizen.national_id_enc, context=f"citizen:{citizen.id}:national_id")
    fetched: dict[str, Any] = {}
    for plan in plans:
        entry: dict[str, Any] = {"agency": plan.agency_code, "kind": plan.kind}
        try:
            connector = registry.get(plan.agency_code)
            if not isinstance(connector, ProvidesOnceOnlyData):
                raise AgencyMisconfigured(plan.agency_code, "gives no once-only data")
            entry["data"] = dict(await connector.once_only(plan.kind, pid))
            entry["status"] = "fetched"
            entry["at"] = service.now.isoformat()
        except AgencyRejected:
            entry["status"] = "not_held"  # the agency holds no such record for this citizen
        except (AgencyUnavailable, AgencyMisconfigured):
            entry["status"] = "agency_unavailable"
        fetched[plan.document] = entry
    return fetched
