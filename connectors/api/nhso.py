"""The National Health Security Office (NHSO): which main health-coverage scheme the citizen
has (know). FACTS.md: exactly one of UC, SSS and CSMBS per Thai citizen.

NHSO takes no applications through the portal here (`RecordsOnly`). `HoldsCitizenData` reads
`GET /api/v1/coverage/{pid}` (404 not_found: not covered, e.g. not Thai):

    facts    none (the scheme is shown, not ruled on)
    record   health_coverage   the scheme, its names, the registered main unit (UC), since,
                               the changes of unit left this year (UC)
    benefit  health_coverage   the scheme (no money: amount None; service
                               nhso-health-coverage-check)

Fresh for an hour (`citizen_data_fresh_for`): a change of unit shows within the hour.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from connectors.api.casework import API, pid_segment
from connectors.api.citizen import RecordsOnly, parsed, read_held
from connectors.base import Benefit, CitizenData, CitizenRecord
from connectors.config import ConnectorConfig

SERVICE_ID = "nhso-health-coverage-check"


class _Hospital(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    code: StrictStr
    name_th: StrictStr
    name_en: StrictStr


class _Coverage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    scheme: Literal["UC", "SSS", "CSMBS"]
    scheme_name_th: StrictStr
    scheme_name_en: StrictStr
    main_hospital: _Hospital | None = None
    since: dt.date
    changes_left_this_year: StrictInt | None = Field(default=None, ge=0)


class NhsoConnector(RecordsOnly):
    """`Connector` (no cases) and `HoldsCitizenData`."""

    no_cases = "NHSO's services are not filed through this connector"
    citizen_facts: frozenset[str] = frozenset()
    citizen_data_fresh_for = dt.timedelta(hours=1)

    async def citizen_data(self, pid: str) -> CitizenData:
        answer = await read_held(self.exchange, f"{API}/coverage/{pid_segment(pid)}")
        if answer is None:
            return CitizenData({}, [], [])
        coverage = parsed(self.agency_code, _Coverage, answer, "coverage answer")
        hospital = coverage.main_hospital
        record = CitizenRecord(
            kind="health_coverage",
            title_th="สิทธิการรักษาพยาบาล",
            title_en="Health coverage",
            data={
                "scheme": coverage.scheme,
                "scheme_name_th": coverage.scheme_name_th,
                "scheme_name_en": coverage.scheme_name_en,
                "main_hospital": hospital.model_dump() if hospital else None,
                "since": coverage.since.isoformat(),
                "changes_left_this_year": coverage.changes_left_this_year,
            },
            as_of=self.exchange.now(),
        )
        benefit = Benefit(
            kind="health_coverage",
            title_th=coverage.scheme_name_th,
            title_en=coverage.scheme_name_en,
            service_id=SERVICE_ID,
            amount_satang=None,
            period=None,
            since=coverage.since,
        )
        return CitizenData({}, [record], [benefit])


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> NhsoConnector:
    """The entry point `citizen_gateway.connectors: NHSO`."""
    return NhsoConnector(config, transport)
