"""The Revenue Department (RD): personal income tax.

Cases through the Agency Case API v1; once-only data (R-12.1): the withholding-tax certificates
(50 Tawi) the citizen's payers filed for a tax year, `GET /api/v1/withholding/{pid}?year=YYYY`
(kind "withholding", parameter `year`). `Bills` (`connectors.api.bills`): the income tax
still to pay for the last tax year.

`HoldsCitizenData` (know), 404 not_found meaning RD has no taxpayer record:

    fact    has_taxable_income   the withholding certificates of the last tax year (the
                                 calendar year before the connector's today, in Bangkok)
                                 report income
    record  tax_refund           the latest refund, `GET /api/v1/refunds/{pid}`: status
                                 (none, processing, paid), tax year, amount, filed, paid

Fresh for a day (`citizen_data_fresh_for`): tax records change a few times a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from connectors.api.bills import CaseworkBiller
from connectors.api.casework import API, pid_segment
from connectors.api.citizen import parsed, read_held, today_in_bangkok
from connectors.base import CitizenData, CitizenRecord
from connectors.config import ConnectorConfig


class _Totals(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    income_satang: StrictInt = Field(ge=0)


class _Withholding(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    totals: _Totals


class _Refund(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    tax_year: StrictInt
    tax_year_be: StrictInt
    status: Literal["none", "processing", "paid"]
    refund_id: StrictStr | None = None
    amount_satang: StrictInt | None = Field(default=None, ge=0)
    filed_on: dt.date | None = None
    paid_on: dt.date | None = None


class RdConnector(CaseworkBiller):
    once_only_kinds = frozenset({"withholding"})
    citizen_facts = frozenset({"has_taxable_income"})
    citizen_data_fresh_for = dt.timedelta(days=1)

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        if kind not in self.once_only_kinds:
            raise self.unknown_kind(kind, self.once_only_kinds)
        year = params.get("year")
        if isinstance(year, bool) or not isinstance(year, int | str) or not str(year).isdigit():
            raise ValueError("once_only('withholding', pid, year=YYYY): the tax year is required")
        return await self.fetch(f"{API}/withholding/{pid_segment(pid)}", {"year": int(year)})

    async def citizen_data(self, pid: str) -> CitizenData:
        segment = pid_segment(pid)
        last_year = today_in_bangkok(self).year - 1
        answer = await read_held(self, f"{API}/withholding/{segment}", {"year": last_year})
        if answer is None:
            return CitizenData({"has_taxable_income": False}, [], [])
        income = parsed(self.agency_code, _Withholding, answer, "withholding answer")
        facts = {"has_taxable_income": income.totals.income_satang > 0}
        records = []
        if (found := await read_held(self, f"{API}/refunds/{segment}")) is not None:
            refund = parsed(self.agency_code, _Refund, found, "refund answer")
            data = refund.model_dump(mode="json")
            records.append(
                CitizenRecord(
                    kind="tax_refund",
                    title_th=f"การคืนภาษีเงินได้ ปีภาษี {refund.tax_year_be}",
                    title_en=f"Income tax refund, tax year {refund.tax_year}",
                    data=data,
                    as_of=self.now(),
                )
            )
        return CitizenData(facts, records, [])


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> RdConnector:
    """The entry point `citizen_gateway.connectors: RD`."""
    return RdConnector(config, transport)
