"""Request and response bodies of the onboarding API (`/v1/admin/onboarding`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gateway.catalog.definitions import Category, Code, IntegrationMode, Slug
from gateway.onboarding.pipeline import Action, Role, Status
from kernel.assurance import AssuranceLevel

# No control characters: a NUL cannot be stored in PostgreSQL text.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Line = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=PRINTABLE)]
Note = Annotated[str, StringConstraints(max_length=4000, pattern=r"^[^\x00]*$")]
Version = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=PRINTABLE)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseIn(_In):
    agency: Code
    service_id: Slug
    category: Category
    connector_version: Version | None = Field(
        default=None,
        description="The connector version the service goes live with; none: the installed one.",
    )
    actor: Line | None = None
    note: Note | None = None


class DocumentIn(_In):
    """A document a step produced: its name, and its digest or its content (JSON)."""

    name: Line
    sha256: Sha256 | None = None
    content: dict[str, Any] | None = None


class ActionIn(_In):
    action: Action
    actor_role: Role
    version: Annotated[
        int, Field(ge=1, description="The case's version as read (a stale one: 409)")
    ]
    actor: Line | None = Field(default=None, description="Who acts (a name or an account)")
    note: Note | None = None
    documents: Annotated[list[DocumentIn], Field(max_length=20)] = Field(default_factory=list)
    coordinator: Line | None = Field(
        default=None, description="`accept` at step 4: the agency's coordinator"
    )
    next_case: CaseIn | None = Field(
        default=None,
        description="`decline` at step 4: the service selected instead (a new case at step 1)",
    )


class Journey(_In):
    citizen: Annotated[list[Line], Field(min_length=1, max_length=50)]
    staff: Annotated[list[Line], Field(min_length=1, max_length=50)]
    administrator: Annotated[list[Line], Field(min_length=1, max_length=50)]


class Capabilities(_In):
    """The high-level business capabilities the service needs (manual step 6)."""

    identity_level: AssuranceLevel
    payment: bool
    e_document: bool
    forwarding: IntegrationMode
    notes: Note | None = None


class FlowModelIn(_In):
    """The service flow model: the to-be digital experience of the citizen, the agency's staff
    and the system administrator, and the capabilities the service needs."""

    journey: Journey
    capabilities: Capabilities
    specification: Note | None = Field(default=None, description="specification, architecture")


class FlowModelOut(FlowModelIn):
    model_config = ConfigDict(extra="ignore")

    version: int
    created_at: dt.datetime


class FlowModelHistory(BaseModel):
    items: list[FlowModelOut]


class CertificationIn(_In):
    jws: Annotated[str, StringConstraints(min_length=1, max_length=20000, pattern=r"^[^\s]+$")]
    report: Annotated[str, StringConstraints(min_length=2, max_length=900_000)] | None = Field(
        default=None,
        description="The run's report.json, its text exactly as certify wrote it: its SHA-256 "
        "(of the UTF-8 bytes) must be the summary's report_sha256.",
    )


class CertificationOut(BaseModel):
    id: int
    agency: str
    connector: str
    connector_version: str
    certified: bool
    issued_at: dt.datetime
    report_sha256: str
    submitted_at: dt.datetime
    checks: dict[str, int]
    blocking: list[str]
    has_report: bool


class StepOut(BaseModel):
    step: int
    key: str
    name_th: str
    name_en: str
    standard_days: int
    roles: list[Role]


class EventOut(BaseModel):
    at: dt.datetime
    step: int
    action: str
    actor: str | None
    actor_role: str
    note: str | None
    documents: list[dict[str, Any]]
    to_step: int
    to_status: str


class CaseOut(BaseModel):
    id: int
    agency: str
    service_id: str
    category: str
    status: Status
    closed_reason: str | None
    step: StepOut
    step_entered_at: dt.datetime
    step_due_at: dt.datetime | None = Field(description="none when the case is not open")
    overdue: bool
    connector_version: str | None
    connector_required: bool = Field(description="step 10 needs a signed certification")
    coordinator: str | None
    replaces_id: int | None
    has_definition: bool
    flow_model_version: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CaseDetail(CaseOut):
    history: list[EventOut]
    definition: dict[str, Any] | None
    latest_certification: CertificationOut | None


class CasePage(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class StageCount(BaseModel):
    step: int
    key: str
    name_th: str
    name_en: str
    open: int
    overdue: int


class PortalFigures(BaseModel):
    live_services: int
    live_categories: int
    text_th: str
    text_en: str


class Summary(BaseModel):
    by_stage: list[StageCount]
    by_status: dict[str, int]
    by_category: dict[str, int] = Field(description="open cases per category")
    by_agency: dict[str, int] = Field(description="open cases per agency")
    overdue: int
    portal: PortalFigures
