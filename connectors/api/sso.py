"""The Social Security Office (SSO): benefits of insured persons.

Cases through the Agency Case API v1; once-only data (R-12.1): the citizen's insurance record,
`GET /api/v1/insured/{pid}` (kind "insured").

`HoldsCitizenData` (know) reads the same insurance record (404 not_found: not insured) and the
payouts SSO made to the citizen (`GET /api/v1/payouts?pid=…`):

    facts    sso_insured (always: an active insurance), sso_section (33, 39 or 40, when
             insured)
    record   social_security   section, status, employer, insured since, months contributed,
                               contributions in the last 15 months
    benefits one per kind of payout (unemployment benefit, child allowance): the latest
             payout's amount a month, since the first

Fresh for an hour (`citizen_data_fresh_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from connectors.api.casework import API, CaseworkConnector, pid_segment
from connectors.api.citizen import parsed, read_held
from connectors.base import Benefit, CitizenData, CitizenRecord, FactValue
from connectors.config import ConnectorConfig

#: Payout purposes → (Thai, English, the catalog service it comes from).
PAYOUTS = {
    "unemployment_benefit": (
        "เงินทดแทนกรณีว่างงาน",
        "Unemployment benefit",
        "sso-unemployment-benefit",
    ),
    "child_allowance": ("เงินสงเคราะห์บุตร", "Child allowance", "sso-child-allowance"),
}


class _Employer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name_th: StrictStr
    name_en: StrictStr
    account_number: StrictStr


class _Insured(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    section: StrictInt
    status: StrictStr
    employer: _Employer | None = None
    insured_since: dt.date
    months_contributed: StrictInt = Field(ge=0)
    contributions_last_15_months: StrictInt = Field(ge=0)


class _Payout(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    purpose: StrictStr
    amount_satang: StrictInt = Field(ge=0)
    paid_at: dt.datetime


class _Payouts(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    payouts: list[_Payout]


class SsoConnector(CaseworkConnector):
    once_only_kinds = frozenset({"insured"})
    citizen_facts = frozenset({"sso_insured", "sso_section"})  # the section: when insured
    citizen_data_fresh_for = dt.timedelta(hours=1)

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        if kind not in self.once_only_kinds:
            raise self.unknown_kind(kind, self.once_only_kinds)
        return await self.fetch(f"{API}/insured/{pid_segment(pid)}")

    async def citizen_data(self, pid: str) -> CitizenData:
        answer = await read_held(self, f"{API}/insured/{pid_segment(pid)}")
        if answer is None:
            return CitizenData({"sso_insured": False}, [], [])
        insured = parsed(self.agency_code, _Insured, answer, "insured answer")
        # Insured now: SSO's own rules (child allowance) and NHSO's scheme both read an ended
        # insurance as not insured; the record still shows it.
        facts: dict[str, FactValue] = {"sso_insured": insured.status == "active"}
        if insured.status == "active":
            facts["sso_section"] = insured.section
        record = CitizenRecord(
            kind="social_security",
            title_th="ข้อมูลผู้ประกันตน",
            title_en="Social security",
            data={
                "section": insured.section,
                "status": insured.status,
                "employer": insured.employer.model_dump() if insured.employer else None,
                "insured_since": insured.insured_since.isoformat(),
                "months_contributed": insured.months_contributed,
                "contributions_last_15_months": insured.contributions_last_15_months,
            },
            as_of=self.now(),
        )
        paid = await self.fetch(f"{API}/payouts", {"pid": pid_segment(pid)})
        payouts = parsed(self.agency_code, _Payouts, paid, "payouts answer").payouts
        return CitizenData(facts, [record], _benefits(payouts))


def _benefits(payouts: list[_Payout]) -> list[Benefit]:
    """One benefit per kind SSO paid out: the latest amount, since the first payout."""
    found = []
    for purpose, (title_th, title_en, service_id) in PAYOUTS.items():
        mine = sorted((p for p in payouts if p.purpose == purpose), key=lambda p: p.paid_at)
        if mine:
            found.append(
                Benefit(
                    kind=purpose,
                    title_th=title_th,
                    title_en=title_en,
                    service_id=service_id,
                    amount_satang=mine[-1].amount_satang,
                    period="month",
                    since=mine[0].paid_at.date(),
                )
            )
    return found


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> SsoConnector:
    """The entry point `citizen_gateway.connectors: SSO`."""
    return SsoConnector(config, transport)
