"""The Comptroller General's Department (CGD): the civil-service pension register (know).

CGD takes no applications through the portal (`RecordsOnly`: submit and status raise
AgencyMisconfigured). `HoldsCitizenData` reads `GET /api/v1/pensioners/{pid}`, which answers
`{"status": "none"}` for anyone not on the register:

    fact     receives_state_pension   True for a pensioner (บำนาญ or เบี้ยหวัด), else False
    benefit  state_pension            the monthly pension (service cgd-pension-information)
    record   state_pension            kind, monthly amount, since, last paid, department, CSMBS

Fresh for a day (`citizen_data_fresh_for`): the register changes once a month, at the payroll.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from connectors.api.casework import API, pid_segment
from connectors.api.citizen import RecordsOnly, parsed
from connectors.base import Benefit, CitizenData, CitizenRecord
from connectors.config import ConnectorConfig
from connectors.errors import AgencyMisconfigured

SERVICE_ID = "cgd-pension-information"


class _Names(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    th: StrictStr
    en: StrictStr


class _Pension(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["pensioner", "none"]
    kind: StrictStr | None = None
    kind_en: StrictStr | None = None
    monthly_satang: StrictInt | None = Field(default=None, ge=0)
    since: dt.date | None = None
    last_paid_on: dt.date | None = None
    csmbs: StrictBool = False
    department: _Names | None = None


class CgdConnector(RecordsOnly):
    """`Connector` (no cases) and `HoldsCitizenData`."""

    no_cases = "CGD takes no applications through the portal: its register is read only"
    citizen_facts = frozenset({"receives_state_pension"})
    citizen_data_fresh_for = dt.timedelta(days=1)

    async def citizen_data(self, pid: str) -> CitizenData:
        answer = await self.exchange.fetch(f"{API}/pensioners/{pid_segment(pid)}")
        pension = parsed(self.agency_code, _Pension, answer, "pension answer")
        if pension.status == "none":
            return CitizenData({"receives_state_pension": False}, [], [])
        if pension.monthly_satang is None or pension.since is None or pension.kind is None:
            raise AgencyMisconfigured(
                self.agency_code,
                "pension answer: a pensioner without kind, monthly_satang or since",
            )
        department = pension.department
        record = CitizenRecord(
            kind="state_pension",
            title_th="ข้อมูลผู้รับบำเหน็จบำนาญ",
            title_en="Civil-service pension",
            data={
                "kind_th": pension.kind,
                "kind_en": pension.kind_en,
                "monthly_satang": pension.monthly_satang,
                "since": pension.since.isoformat(),
                "last_paid_on": pension.last_paid_on.isoformat() if pension.last_paid_on else None,
                "department_th": department.th if department else None,
                "department_en": department.en if department else None,
                "csmbs": pension.csmbs,
            },
            as_of=self.exchange.now(),
        )
        benefit = Benefit(
            kind="state_pension",
            title_th=f"เงิน{pension.kind}",
            title_en=f"State {pension.kind_en or 'pension'}",
            service_id=SERVICE_ID,
            amount_satang=pension.monthly_satang,
            period="month",
            since=pension.since,
        )
        return CitizenData({"receives_state_pension": True}, [record], [benefit])


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> CgdConnector:
    """The entry point `citizen_gateway.connectors: CGD`."""
    return CgdConnector(config, transport)
