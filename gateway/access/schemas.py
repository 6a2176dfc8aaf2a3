"""Response bodies of the citizen's data-access log (the OpenAPI schema documents them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pydantic import BaseModel, Field

from gateway.audit.access import label_of, masked_officer, purpose_label
from gateway.audit.models import DataAccess

#: Names in Thai and English, by agency code or service id.
Names = Mapping[str, tuple[str, str]]

#: The portal itself, named like an agency.
PORTAL_NAMES = ("ระบบกลางของภาครัฐ (ทางรัฐ)", "The government portal (Tang Rat)")


def _pick(names: tuple[str, str] | None, lang: str) -> str | None:
    if names is None:
        return None
    return names[1] if lang == "en" else names[0]


class AccessorOut(BaseModel):
    kind: str = Field(description="portal | agency | officer")
    code: str = Field(description='The agency\'s code, or "portal".')
    name: str | None = Field(description="The agency's name in the answer's language.")
    officer: str | None = Field(
        description="The officer's staff id, masked (the agency and the audit chain hold it "
        "whole): quote it to the agency to ask about the read."
    )


class DataOut(BaseModel):
    key: str = Field(description="What kind of data (never the data itself).")
    label: str


class SourceOut(BaseModel):
    code: str = Field(description='Whose records were read: an agency\'s code, or "portal".')
    name: str | None


class PurposeOut(BaseModel):
    kind: str = Field(
        description="identity | once_only | entitlements | records | case | web_integration"
    )
    label: str
    ref: str | None = Field(description="The application number, or the e-service's id.")
    service_id: str | None
    service_name: str | None


class DataAccessOut(BaseModel):
    id: int
    at: dt.datetime
    who: AccessorOut
    data: DataOut
    source: SourceOut
    purpose: PurposeOut

    @classmethod
    def of(cls, row: DataAccess, lang: str, agencies: Names, services: Names) -> DataAccessOut:
        def agency_name(code: str) -> str | None:
            return _pick(PORTAL_NAMES if code == "portal" else agencies.get(code), lang)

        return cls(
            id=row.id,
            at=row.at,
            who=AccessorOut(
                kind=row.accessor_kind,
                code=row.accessor,
                name=agency_name(row.accessor),
                officer=masked_officer(row.officer_id),
            ),
            data=DataOut(key=row.data_key, label=label_of(row.data_key, lang)),
            source=SourceOut(code=row.source, name=agency_name(row.source)),
            purpose=PurposeOut(
                kind=row.purpose_kind,
                label=purpose_label(row.purpose_kind, lang),
                ref=row.purpose_ref,
                service_id=row.service_id,
                service_name=_pick(services.get(row.service_id or ""), lang),
            ),
        )


class DataAccessPage(BaseModel):
    items: list[DataAccessOut]
    next_cursor: str | None
