"""An application's fee as a demand the citizen pays on the portal (R-7.4): the applications
domain's port `FeeDemands`, written in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.applications.models import Application
from gateway.payments.runtime import PaymentsRuntime
from kernel.working_time import BANGKOK
from payments.intents import OPEN, IntentStatus
from payments.models import PaymentDemand, PaymentEvent, PaymentIntent
from payments.money import format_baht


def reference_of(number: str) -> str:
    """Ref1 of an application's fee: its number without separators (Ref1 is by convention up
    to 20 upper-case letters and digits; `DLT-2569-000123` -> `DLT2569000123`)."""
    return "".join(ch for ch in number.upper() if ch.isalnum())[:20]


class FeeBook:
    def __init__(self, runtime: PaymentsRuntime) -> None:
        self.runtime = runtime

    async def demand(
        self,
        session: AsyncSession,
        application: Application,
        *,
        stage: str,
        items: list[dict[str, Any]],
        now: dt.datetime,
    ) -> dict[str, Any]:
        assert application.number is not None
        # A fee asked for again replaces the one still unpaid (the agency corrected it).
        await self.close_open(session, application.id, now, "replaced")
        total = sum(int(item["amount_satang"]) for item in items)
        due_at = now + self.runtime.fee_due
        demand = PaymentDemand(
            id=str(uuid.uuid4()),
            citizen_id=application.citizen_id,
            agency_code=application.agency_code,
            kind="fee",
            stage=stage,
            application_id=application.id,
            bill_id=None,
            reference=reference_of(application.number),
            title_th=f"ค่าธรรมเนียมคำขอ {application.number}",
            title_en=f"Fee for application {application.number}",
            items=[
                {
                    "label_th": item["label_th"],
                    "label_en": item["label_en"],
                    "amount_satang": int(item["amount_satang"]),
                }
                for item in items
            ],
            amount_satang=total,
            status="open",
            due_at=due_at,
            created_at=now,
            updated_at=now,
        )
        session.add(demand)
        return {
            "demand_id": demand.id,
            "stage": stage,
            "fees": demand.items,
            "amount_satang": total,
            "amount_text": format_baht(total),
            "due_at": due_at.isoformat().replace("+00:00", "Z"),
            "due_local": due_at.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M"),
        }

    async def close_open(
        self, session: AsyncSession, application_id: str, now: dt.datetime, why: str
    ) -> None:
        demands = (
            await session.scalars(
                select(PaymentDemand).where(
                    PaymentDemand.application_id == application_id,
                    PaymentDemand.status == "open",
                )
            )
        ).all()
        for demand in demands:
            demand.status = "cancelled"
            demand.updated_at = now
            for intent in await open_intents(session, demand.id):
                close_intent(session, intent, IntentStatus.CANCELLED, now, "system", {"why": why})


async def open_intents(session: AsyncSession, demand_id: str) -> list[PaymentIntent]:
    statement = select(PaymentIntent).where(
        PaymentIntent.demand_id == demand_id,
        PaymentIntent.status.in_([s.value for s in OPEN]),
    )
    return list((await session.scalars(statement)).all())


def record_event(
    session: AsyncSession,
    intent: PaymentIntent,
    kind: str,
    source: str | None,
    now: dt.datetime,
    actor: str,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        PaymentEvent(
            intent_id=intent.id,
            kind=kind,
            from_status=source,
            to_status=intent.status,
            actor=actor,
            at=now,
            data=dict(data or {}),
        )
    )


def close_intent(
    session: AsyncSession,
    intent: PaymentIntent,
    target: IntentStatus,
    now: dt.datetime,
    actor: str,
    data: dict[str, Any] | None = None,
) -> None:
    """End an open intent (its demand may get a new one)."""
    source = intent.status
    intent.status = target.value
    intent.open_demand_id = None
    intent.updated_at = now
    record_event(session, intent, target.value, source, now, actor, data)
