"""Request and response bodies of requests for permit information (R-21.1) and of agencies'
changes to their documents' standing."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.issuance.requests import PermitRequestView


class PermitRequestIn(BaseModel):
    agency: str = Field(min_length=1, max_length=32, description="The agency's code, e.g. DLT")
    permit_number: str | None = Field(
        default=None, min_length=1, max_length=60, description="The permit asked about, if any"
    )
    question: str = Field(min_length=1, max_length=2000)


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=5000)
    officer: str = Field(min_length=1, max_length=60, description="Who answers, for the record")


class PermitRequestOut(BaseModel):
    """A request for permit information as the citizen who filed it sees it. Free: no fee is
    ever asked for it."""

    id: str
    number: str
    agency: str
    permit_number: str | None
    question: str
    status: Literal["open", "answered"]
    submitted_at: dt.datetime
    due_at: dt.datetime = Field(description="Close of the 3rd working day after receipt")
    overdue: bool = Field(description="Still open after due_at (the gateway's clock)")
    answer: str | None
    answered_at: dt.datetime | None

    @classmethod
    def of(cls, view: PermitRequestView) -> PermitRequestOut:
        row = view.row
        return cls(
            id=row.id,
            number=row.number,
            agency=row.agency_code,
            permit_number=row.permit_number,
            question=view.question,
            status="answered" if row.status == "answered" else "open",
            submitted_at=row.submitted_at,
            due_at=row.due_at,
            overdue=view.overdue,
            answer=view.answer,
            answered_at=row.answered_at,
        )


class AgencyPermitRequestOut(PermitRequestOut):
    """The same request as the agency sees it: who answered it too (never who asked)."""

    answered_by: str | None

    @classmethod
    def of(cls, view: PermitRequestView) -> AgencyPermitRequestOut:
        return cls(**PermitRequestOut.of(view).model_dump(), answered_by=view.row.answered_by)


class PermitRequestPage(BaseModel):
    items: list[PermitRequestOut]
    next_cursor: str | None


class AgencyPermitRequestPage(BaseModel):
    items: list[AgencyPermitRequestOut]
    next_cursor: str | None


class DocumentStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["revoked", "suspended", "valid"]
    reason: str = Field(min_length=1, max_length=500)
    at: AwareDatetime | None = Field(default=None, description="When the agency decided")


class SignedDocumentStatusIn(DocumentStatusIn):
    number: str = Field(min_length=1, max_length=60)


class DocumentStatusOut(BaseModel):
    number: str
    status: Literal["revoked", "suspended", "valid"]
    changed: bool = Field(description="False when the document already had this status")
