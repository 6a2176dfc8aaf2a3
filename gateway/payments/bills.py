"""Bills (จ่ายบิล): what the citizen owes agencies that bill them (electricity, water, tax due),
fetched live through their connectors (`connectors.Bills`) and paid through the same
machinery as fees. The portal keeps a bill only once the citizen starts paying it (a demand);
the biller is told when it is paid (an outbox message, like an application's payment)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from connectors.base import Bill, Bills
from connectors.errors import ConnectorError, ConnectorNotAvailable
from connectors.registry import ConnectorRegistry
from gateway.applications.services import Applications
from identity import CitizenRef
from kernel.errors import NotFound
from kernel.working_time import BANGKOK
from payments.models import PaymentDemand

#: How long one biller may take before the list is shown without it.
BILLER_TIMEOUT_SECONDS = 3.0
#: The portal's id of a bill: the biller's code and the biller's own number.
_BILL_ID = re.compile(r"^([A-Z][A-Z0-9_]{1,31})-([A-Z0-9]{1,20})$")


def portal_bill_id(agency_code: str, bill_id: str) -> str:
    return f"{agency_code}-{bill_id}"


@dataclass(frozen=True)
class FoundBill:
    agency_code: str
    bill: Bill


@dataclass(frozen=True)
class BillList:
    bills: list[FoundBill]
    unavailable: list[str]  # billers that did not answer in time: their bills are not shown


class Billing:
    def __init__(self, apps: Applications, connectors: ConnectorRegistry | None) -> None:
        self.apps = apps
        self.connectors = connectors

    def billers(self) -> list[str]:
        if self.connectors is None:
            return []
        found = []
        for code in self.connectors.available():
            try:
                if isinstance(self.connectors.get(code), Bills):
                    found.append(code)
            except ConnectorNotAvailable:
                continue
        return sorted(found)

    async def _pid(self, citizen: CitizenRef) -> str:
        return (await self.apps.state.citizen(citizen.id)).national_id

    async def _ask(self, code: str, pid: str) -> list[Bill]:
        assert self.connectors is not None
        connector = self.connectors.get(code)
        assert isinstance(connector, Bills)
        policy = self.connectors.policy_for(code)
        return list(await policy.call(lambda: connector.bills(pid)))

    async def list(self, citizen: CitizenRef) -> BillList:
        """Every biller asked at once; one slow or down biller is left out, not waited for."""
        pid = await self._pid(citizen)
        codes = self.billers()

        async def one(code: str) -> list[Bill] | None:
            try:
                async with asyncio.timeout(BILLER_TIMEOUT_SECONDS):
                    return await self._ask(code, pid)
            except (ConnectorError, TimeoutError):
                return None

        answers = await asyncio.gather(*(one(code) for code in codes))
        bills: list[FoundBill] = []
        unavailable: list[str] = []
        for code, answer in zip(codes, answers, strict=True):
            if answer is None:
                unavailable.append(code)
                continue
            bills.extend(FoundBill(code, bill) for bill in answer)
        bills.sort(key=lambda found: (found.bill.due_on, found.agency_code, found.bill.bill_id))
        return BillList(bills, unavailable)

    async def find(self, citizen: CitizenRef, portal_id: str) -> FoundBill:
        """The bill, as its biller says it is now (amount, still open, the citizen's)."""
        match = _BILL_ID.match(portal_id)
        if match is None or match.group(1) not in self.billers():
            raise NotFound("No such bill.", code="bill_not_found")
        code, bill_id = match.groups()
        for bill in await self._ask(code, await self._pid(citizen)):
            if bill.bill_id == bill_id:
                return FoundBill(code, bill)
        raise NotFound("No such bill to pay.", code="bill_not_found")

    async def demand(
        self, citizen: CitizenRef, found: FoundBill, due: dt.timedelta
    ) -> PaymentDemand:
        """The bill as a demand the portal keeps while it is paid (one per bill)."""
        session = self.apps.ctx.session
        now = self.apps.ctx.now
        bill = found.bill
        demand = await session.scalar(
            select(PaymentDemand).where(
                PaymentDemand.agency_code == found.agency_code,
                PaymentDemand.bill_id == bill.bill_id,
            )
        )
        if demand is not None:
            if demand.citizen_id != citizen.id:
                raise NotFound("No such bill.", code="bill_not_found")
            return demand
        due_at = dt.datetime.combine(bill.due_on, dt.time(23, 59, 59), tzinfo=BANGKOK).astimezone(
            dt.UTC
        )
        demand = PaymentDemand(
            id=str(uuid.uuid4()),
            citizen_id=citizen.id,
            agency_code=found.agency_code,
            kind="bill",
            stage="bill",
            application_id=None,
            bill_id=bill.bill_id,
            reference=bill.bill_id,
            title_th=bill.title_th,
            title_en=bill.title_en,
            items=[
                {
                    "label_th": bill.title_th,
                    "label_en": bill.title_en,
                    "amount_satang": bill.amount_satang,
                }
            ],
            amount_satang=bill.amount_satang,
            status="open",
            # A bill stays payable a while after its due date (late bills are still owed).
            due_at=max(due_at, now) + due,
            created_at=now,
            updated_at=now,
        )
        session.add(demand)
        return demand
