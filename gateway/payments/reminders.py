"""Fees and bills about to fall due, as reminders (gateway.tracking.reminders).

The citizen is told of a fee when the agency asks for it (the `fee_due` inbox message); the
reminder comes `PAYMENT_REMINDER_LEAD` before the fee's due date, after which an unpaid fee
lapses and the application closes (gateway.payments.jobs). A bill is known to the portal only
once the citizen started paying it (a demand, gateway.payments.bills); the billers are not
asked for every citizen's bills on every round, so bills never opened on the portal get no
reminder. A reminder is done when its demand is no longer open (paid, cancelled, expired).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.applications.models import Application
from gateway.payments.bills import portal_bill_id
from gateway.tracking.messages import Message
from gateway.tracking.models import Reminder
from gateway.tracking.reminders import BILL_DUE, FEE_DUE, Due, Reminders
from kernel.buddhist_era import thai_date
from kernel.working_time import BANGKOK
from payments.models import PaymentDemand
from payments.money import format_baht

#: How long before an open fee or bill falls due the citizen is reminded of it.
PAYMENT_REMINDER_LEAD = dt.timedelta(days=3)
BATCH = 500

_FEE = Message(
    "ใกล้ครบกำหนดชำระค่าธรรมเนียม {number}",
    "Fee due soon: {number}",
    "กรุณาชำระ{title_th} {amount} บาท ภายใน {due_th} เวลา {time} น. มิฉะนั้นคำขอจะสิ้นผล",
    "{title_en}: please pay THB {amount} by {due_en} {time}, or the application closes.",
)
_BILL = Message(
    "ใกล้ครบกำหนดชำระ {title_th}",
    "Bill due soon: {title_en}",
    "{title_th} ยอด {amount} บาท ชำระผ่านแอปนี้ได้ถึง {due_th} เวลา {time} น.",
    "{title_en}: THB {amount}, payable in this app until {due_en} {time}.",
)


async def settle_payment_reminders(session: AsyncSession, now: dt.datetime) -> int:
    """Fee and bill reminders whose demand is no longer open are done (its status says why)."""
    state = select(PaymentDemand.status).where(PaymentDemand.id == Reminder.subject)
    return await Reminders(session, now).settle(
        [FEE_DUE, BILL_DUE], state.scalar_subquery(), still_due=["open"]
    )


async def remind_payments_due(session: AsyncSession, now: dt.datetime) -> int:
    """A reminder, once, for every open fee and bill falling due within the lead; how many
    were made."""
    reminders = Reminders(session, now)
    statement = (
        select(PaymentDemand, Application.number)
        .outerjoin(Application, Application.id == PaymentDemand.application_id)
        .where(
            PaymentDemand.status == "open",
            PaymentDemand.due_at > now,
            PaymentDemand.due_at <= now + PAYMENT_REMINDER_LEAD,
            Reminders.not_made(FEE_DUE, PaymentDemand.citizen_id, PaymentDemand.id)
            & Reminders.not_made(BILL_DUE, PaymentDemand.citizen_id, PaymentDemand.id),
        )
        .order_by(PaymentDemand.due_at, PaymentDemand.id)
        .limit(BATCH)
    )
    made = 0
    for demand, number in (await session.execute(statement)).all():
        made += await reminders.remind(_due(demand, number)) is not None
    return made


def _due(demand: PaymentDemand, number: str | None) -> Due:
    local = demand.due_at.astimezone(BANGKOK)
    values = {
        "number": number or demand.reference,
        "title_th": demand.title_th,
        "title_en": demand.title_en,
        "amount": format_baht(demand.amount_satang),
        "due_th": thai_date(local.date()),
        "due_en": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
    }
    common = {"demand_id": demand.id, "amount_satang": demand.amount_satang}
    if demand.kind == "bill" and demand.bill_id is not None:
        bill = portal_bill_id(demand.agency_code, demand.bill_id)
        kind, message = BILL_DUE, _BILL.filled(values)
        href, refs = f"/v1/bills/{bill}/payments", {**common, "bill_id": bill}
    else:
        kind, message = FEE_DUE, _FEE.filled(values)
        href = f"/v1/applications/{demand.application_id}/payments"
        refs = {**common, "application_id": demand.application_id}
    return Due(
        citizen_id=demand.citizen_id,
        kind=kind,
        subject=demand.id,
        message=message,
        href=href,
        notice_kind=f"{kind}_soon",
        due_on=local.date(),
        due_at=demand.due_at,
        application_id=demand.application_id,
        refs=refs,
        notice_data={**refs, "due_at": demand.due_at.isoformat().replace("+00:00", "Z")},
    )
