"""The Department of Older Persons (DOP): the older persons' allowance register (know).

DOP's e-services are platform-kind: its officers work on the portal's back office, and the
gateway's worker forwards nothing to DOP whatever connector is loaded (it settles a platform
filing before it looks for one). So this connector is `RecordsOnly` (submit and status raise
AgencyMisconfigured) plus `HoldsCitizenData`, reading `GET /api/v1/allowances/{pid}` with the
gateway's consumer pair at DOP (DOP's pair in the development credentials file: one
registration, both directions; gateway/credentials.py):

    facts    none (who may register is the catalog's rule on age, nationality and pension)
    benefit  older_persons_allowance   this month's amount by age band (service
                                       dop-older-persons-allowance-registration)
    record   older_persons_allowance   since, age band, monthly amount, last paid

Fresh for an hour (`citizen_data_fresh_for`).
"""

from __future__ import annotations

import datetime as dt

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from connectors.api.casework import API, pid_segment
from connectors.api.citizen import RecordsOnly, parsed
from connectors.base import Benefit, CitizenData, CitizenRecord
from connectors.config import ConnectorConfig

SERVICE_ID = "dop-older-persons-allowance-registration"


class _Band(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    th: StrictStr
    en: StrictStr


class _Allowance(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    enrolled: StrictBool
    since: dt.date | None = None
    monthly_satang: StrictInt | None = Field(default=None, gt=0)
    age_band: _Band | None = None
    last_paid_on: dt.date | None = None


class DopConnector(RecordsOnly):
    """`Connector` (no cases: DOP is platform-kind) and `HoldsCitizenData`."""

    no_cases = "DOP's applications are worked on the portal's back office (platform kind)"
    citizen_facts: frozenset[str] = frozenset()
    citizen_data_fresh_for = dt.timedelta(hours=1)

    async def citizen_data(self, pid: str) -> CitizenData:
        answer = await self.exchange.fetch(f"{API}/allowances/{pid_segment(pid)}")
        held = parsed(self.agency_code, _Allowance, answer, "allowance answer")
        if not held.enrolled or held.since is None:
            return CitizenData({}, [], [])
        band = held.age_band
        record = CitizenRecord(
            kind="older_persons_allowance",
            title_th="เบี้ยยังชีพผู้สูงอายุ",
            title_en="Older persons' allowance",
            data={
                "since": held.since.isoformat(),
                "monthly_satang": held.monthly_satang,
                "age_band_th": band.th if band else None,
                "age_band_en": band.en if band else None,
                "last_paid_on": held.last_paid_on.isoformat() if held.last_paid_on else None,
            },
            as_of=self.exchange.now(),
        )
        benefit = Benefit(
            kind="older_persons_allowance",
            title_th="เบี้ยยังชีพผู้สูงอายุ",
            title_en="Older persons' allowance",
            service_id=SERVICE_ID,
            amount_satang=held.monthly_satang,
            period="month",
            since=held.since,
        )
        return CitizenData({}, [record], [benefit])


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> DopConnector:
    """The entry point `citizen_gateway.connectors: DOP`."""
    return DopConnector(config, transport)
