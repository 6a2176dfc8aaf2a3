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
timeline and in the audit chain. The caller owns the transaction: it commits, or rolls back
and deletes the blobs it was told were written.

The state's data used to prefill the new form is read before anything is written (it may
call the civil registry), so an outage there never holds a transaction open.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from connectors.registry import ConnectorRegistry
from gateway.applications.models import Application
from gateway.applications.service import (
    SYSTEM,
    Actor,
    ApplicationService,
    ApplicationsRuntime,
    requirements,
)
from gateway.applications.state_data import fetch_once_only, prefill_facts
from gateway.catalog.models import EService
from identity.verification.models import Citizen


async def copy_attachments(
    service: ApplicationService,
    apps: ApplicationsRuntime,
    citizen: Citizen,
    original: Application,
    draft: Application,
    target: EService,
    copied: list[str],
) -> None:
    """Copy the original's attachments that `target` asks for onto `draft` (new blobs: the two
    applications' files never share storage). The new blobs' keys go into `copied` as they
    are written, for the caller to delete if its transaction fails."""
    takes = {d.key for d in requirements(target) if d.source == "upload"}
    for attachment in await service.repository.attachments(original.id):
        if attachment.document_key not in takes or attachment.storage_key is None:
            continue
        blob = await apps.store.put(
            f"attachments/{uuid.uuid4()}",
            apps.store.open(attachment.storage_key),
            max_bytes=apps.limits.max_attachment_bytes,
        )
        copied.append(blob.key)
        await service.add_uploads(
            citizen, draft.id, attachment.document_key, [(attachment.filename, blob)]
        )


async def discard(apps: ApplicationsRuntime, keys: list[str]) -> None:
    """Delete blobs written for a transaction that did not commit."""
    for key in keys:
        await apps.store.delete(key)


@dataclass
class Plan:
    """Where a case goes (read, before anything is written)."""

    responsible_agency: str
    counterpart: EService | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    fetched: dict[str, Any] = field(default_factory=dict)  # once-only documents
    complete: bool = False  # the counterpart can be filed with what the citizen gave


async def plan(
    service: ApplicationService,
    apps: ApplicationsRuntime,
    connectors: ConnectorRegistry,
    application: Application,
    responsible_agency: str,
) -> Plan:
    """Whether `application` can be forwarded to `responsible_agency`: the catalog maps its
    service there and what the citizen gave fills that service's form and documents. May raise
    ServiceUnavailable (the civil registry is needed to prefill and cannot be reached)."""
    counterpart = await service.counterpart(application.service_id, responsible_agency)
    if counterpart is None:
        return Plan(responsible_agency)
    citizen = await service.repository.session.get(Citizen, application.citizen_id)
    assert citizen is not None
    facts = await prefill_facts(service, apps, citizen, counterpart.id)
    complete = await service.complete_at(application, counterpart, facts)
    if complete and await _came_from(service, application) == responsible_agency:
        # Two agencies each saying it is the other's: the portal does not bounce the case
        # back on its own; the citizen is told and decides.
        complete = False
    fetched = {}
    if complete:
        fetched = await fetch_once_only(connectors, service, apps, citizen, counterpart.id)
    return Plan(responsible_agency, counterpart, facts, fetched, complete)


async def _came_from(service: ApplicationService, application: Application) -> str | None:
    """The agency `application` was forwarded from (R-10.6), if it was."""
    events = await service.repository.events(application.id)
    origin = events[0].data.get("resubmission_of") if events else None
    if not origin:
        return None
    earlier = await service.repository.get(str(origin))
    return earlier.agency_code if earlier else None


async def refer(
    service: ApplicationService,
    apps: ApplicationsRuntime,
    application: Application,
    plan: Plan,
    copied: list[str],
    *,
    actor: Actor = SYSTEM,
    note: str | None = None,
) -> Application | None:
    """Carry out `plan` in the caller's transaction (see the module's docstring): the new
    application at the responsible agency when it was forwarded there. Blobs written go into
    `copied`: the caller deletes them if it does not commit."""
    forwarded = None
    await service.misroute(application.id, reason="other_agency", actor=actor, note=note)
    if plan.counterpart is not None and plan.complete:
        citizen = await service.repository.session.get(Citizen, application.citizen_id)
        assert citizen is not None
        draft = await service.carry_over(
            citizen,
            application,
            plan.counterpart,
            facts=plan.facts,
            fetched=plan.fetched,
            actor=SYSTEM,
        )
        await service.repository.flush()
        await copy_attachments(service, apps, citizen, application, draft, plan.counterpart, copied)
        forwarded, _ = await service.submit(
            citizen,
            draft.id,
            delivery=application.delivery,
            actor=SYSTEM,
            number_apart=False,  # this transaction has written already
        )
    await service.redirect(
        application.id,
        plan.responsible_agency,
        actor=actor,
        counterpart=plan.counterpart,
        forwarded=forwarded,
    )
    return forwarded
