"""Response bodies of know (the OpenAPI schema documents them). Text is in the request's
language (`Accept-Language`), like the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

SourceOutcome = Literal["answered", "timed_out", "unavailable", "consent_required"]


class AgencyRef(BaseModel):
    code: str
    name: str


class SourceOut(BaseModel):
    """How asking one agency went for this answer."""

    agency: AgencyRef
    outcome: SourceOutcome
    fetched_at: dt.datetime | None = Field(
        description="When the portal got this agency's answer (a cached answer: then)."
    )
    consent_purpose: str | None = Field(
        description="The consent that lets the portal ask this agency, when one is needed."
    )


class ConditionOut(BaseModel):
    fact: str
    met: bool | None = Field(description="Whether the condition holds; null: unknown.")
    text: str = Field(description='"aged 60 or over: yes — born 2494 BE"')
    source: str | None = Field(description="The agency the fact comes from (or would).")
    unknown_because: (
        Literal["no_source", "not_held", "consent_required", "timed_out", "unavailable"] | None
    )


class StartOut(BaseModel):
    """How to start a draft prefilled with what the state holds (R-12.1)."""

    method: Literal["POST"] = "POST"
    href: str
    body: dict[str, Any]


class EntitlementOut(BaseModel):
    service_id: str
    name: str
    agency: AgencyRef
    status: Literal["eligible", "not_eligible", "unknown"]
    receiving: bool = Field(
        description="The citizen already receives what this service gives (see `receiving`)."
    )
    conditions: list[ConditionOut]
    manual_href: str
    start: StartOut | None = Field(
        description="Starting a draft on the portal; null when the service is not filed here "
        "(personal appearance, or the agency's own site: see the manual)."
    )


class UpcomingOut(BaseModel):
    service_id: str
    name: str
    agency: AgencyRef
    starts_on: dt.date = Field(description="The day the citizen's age makes the rule hold.")
    manual_href: str


class BenefitOut(BaseModel):
    """Something the state pays or gives the citizen now."""

    kind: str
    title: str
    agency: AgencyRef
    service_id: str | None
    amount_satang: int | None
    period: str | None
    since: dt.date | None


class ConsentNeededOut(BaseModel):
    purpose: str
    agencies: list[str]
    href: str = Field(description="PUT here to agree (once per purpose).")


class EntitlementsOut(BaseModel):
    as_of: dt.datetime
    entitlements: list[EntitlementOut]
    upcoming: list[UpcomingOut]
    receiving: list[BenefitOut]
    sources: list[SourceOut]
    consents_needed: list[ConsentNeededOut]


class RecordOut(BaseModel):
    kind: str
    title: str
    data: dict[str, Any]
    as_of: dt.datetime


class RecordSourceOut(SourceOut):
    records: list[RecordOut]


class RecordsOut(BaseModel):
    as_of: dt.datetime
    sources: list[RecordSourceOut]
    consents_needed: list[ConsentNeededOut]


class ConsentOut(BaseModel):
    purpose: str
    title: str
    description: str
    agencies: list[str] = Field(description="The agencies this consent lets the portal ask.")
    granted: bool
    granted_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ConsentList(BaseModel):
    items: list[ConsentOut]
