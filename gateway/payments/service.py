"""Paying on the portal (R-7.4): a Thai QR for what the citizen owes, the bank's money applied
to it once and only once, the e-receipt, and the journey going on.

    start(demand)        one open intent per demand: its QR (Ref1 = the demand's reference,
                         Ref2 = the intent's id), valid until `expires_at`
    hear(...)            a bank transaction as a webhook reported it (not yet believed)
    settle(txn, word)    the bank's own word on it (its status API) applied: the intent paid,
                         or the money classified (underpaid, overpaid, duplicate, late, unknown)
    expire / lapse       intents past their time; fees past their due date (the application
                         lapses instead of waiting for ever)

Every change of an intent is an event on its own timeline and on its application's, a message
in the citizen's inbox (R-11.1) and an audit-chain entry (R-15.1), in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import audit
from gateway.applications.context import iso
from gateway.applications.lifecycle import Status
from gateway.applications.models import Application
from gateway.applications.repository import ApplicationRepository
from gateway.applications.services import Applications
from gateway.payments.fees import close_intent, open_intents, record_event
from gateway.payments.runtime import PaymentsRuntime
from gateway.tracking.messages import Message
from identity import CitizenRef
from kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from payments.fiscal import fiscal_year, receipt_number
from payments.intents import OPEN, IntentRefused, IntentStatus, check_refund, settle
from payments.models import (
    BankTransaction,
    PaymentDemand,
    PaymentIntent,
    PaymentReceipt,
    PaymentRefund,
)
from payments.money import baht_text, format_baht
from payments.psp import BankTxn
from payments.thaiqr import bill_payment, encode

#: Payment ids are Ref2: up to 20 upper-case letters and digits. 16 characters from a
#: 32-letter alphabet: 80 random bits, not guessable.
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: A transaction for a payment id the portal does not know yet is looked at again for this
#: long (the intent may still be committing) before it is classified unknown.
UNMATCHED_GRACE = dt.timedelta(hours=1)
#: Money that paid nothing: it waits for an operator (refund, accept, write off).
EXCEPTIONS = frozenset({"underpaid", "overpaid", "duplicate", "late", "unknown"})
SYSTEM = "system:payments"


def new_payment_id() -> str:
    return "P" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(15))


@dataclass(frozen=True)
class Started:
    intent: PaymentIntent
    created: bool  # False: the demand's open intent, shown again


_TELL: dict[str, Message] = {
    "pending": Message(
        "กำลังยืนยันการชำระเงิน {reference}",
        "Confirming your payment: {reference}",
        "ธนาคารแจ้งว่าได้รับเงิน {amount} บาท แล้ว ระบบกำลังยืนยันกับธนาคาร",
        "The bank reports THB {amount} received; the portal is confirming it with the bank.",
    ),
    "succeeded": Message(
        "ชำระเงินสำเร็จ {reference}",
        "Payment received: {reference}",
        "ได้รับชำระเงิน {amount} บาท แล้ว ใบเสร็จเลขที่ {receipt}",
        "THB {amount} was received. Receipt number {receipt}.",
    ),
    "failed": Message(
        "ชำระเงินไม่ครบถ้วน {reference}",
        "Payment not accepted: {reference}",
        "ยอดที่ชำระ {paid} บาท ไม่ตรงกับยอดที่ต้องชำระ {amount} บาท "
        "เจ้าหน้าที่จะคืนเงินที่ชำระมา กรุณาชำระใหม่ด้วยคิวอาร์โค้ดใหม่",
        "THB {paid} was paid where THB {amount} is due. The money will be refunded; please "
        "pay again with a new QR code.",
    ),
    "expired": Message(
        "คิวอาร์โค้ดชำระเงินหมดอายุ {reference}",
        "Payment QR expired: {reference}",
        "คิวอาร์โค้ดสำหรับชำระ {amount} บาท หมดอายุแล้ว ขอคิวอาร์โค้ดใหม่ได้จนถึงวันครบกำหนด",
        "The QR code to pay THB {amount} expired. Ask for a new one until the due date.",
    ),
    "cancelled": Message(
        "ยกเลิกการชำระเงิน {reference}",
        "Payment cancelled: {reference}",
        "รายการชำระเงิน {amount} บาท ถูกยกเลิก",
        "The payment of THB {amount} was cancelled.",
    ),
    "late": Message(
        "ได้รับเงินหลังหมดเวลาชำระ {reference}",
        "Money received after the payment closed: {reference}",
        "ได้รับเงิน {paid} บาท หลังรายการชำระเงินสิ้นสุดแล้ว เจ้าหน้าที่จะตรวจสอบและคืนเงิน",
        "THB {paid} arrived after the payment had closed; an officer will check it and refund it.",
    ),
    "refunded": Message(
        "คืนเงินแล้ว {reference}",
        "Refunded: {reference}",
        "คืนเงิน {paid} บาท เข้าบัญชีที่ใช้ชำระแล้ว",
        "THB {paid} was refunded to the account you paid from.",
    ),
}


class Payments:
    def __init__(self, apps: Applications, runtime: PaymentsRuntime) -> None:
        self.apps = apps
        self.ctx = apps.ctx
        self.runtime = runtime
        # Audit entries kept back to be appended together (`write_audit`), when a caller
        # records many changes in one transaction (reconciliation); None: appended at once.
        self.deferred_audit: list[audit.Entry] | None = None

    async def _audit(
        self,
        *,
        at: dt.datetime,
        actor: str,
        action: str,
        subject: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        if self.deferred_audit is not None:
            self.deferred_audit.append(audit.Entry(at, actor, action, subject, data))
            return
        await audit.append(
            self.session, at=at, actor=actor, action=action, subject=subject, data=data
        )

    async def write_audit(self) -> None:
        """The entries kept back, appended to the chain in the order they were made."""
        if self.deferred_audit:
            await audit.append_many(self.session, self.deferred_audit)
            self.deferred_audit = []

    @property
    def session(self) -> AsyncSession:
        return self.ctx.session

    @property
    def now(self) -> dt.datetime:
        return self.ctx.now

    # --- the citizen's ----------------------------------------------------------------------

    async def start_for_application(self, citizen: CitizenRef, application_id: str) -> Started:
        """The QR for the application's fee: the open one again, or a new one."""
        application = await self.apps.reader.owned(citizen, application_id)
        demand = await self.session.scalar(
            select(PaymentDemand).where(
                PaymentDemand.application_id == application.id,
                PaymentDemand.status == "open",
            )
        )
        if demand is None or application.status != Status.AWAITING_PAYMENT:
            raise Conflict("This application has no fee waiting to be paid.", code="no_payment_due")
        return await self.start(demand)

    async def start(self, demand: PaymentDemand) -> Started:
        now = self.now
        if demand.status != "open" or demand.due_at <= now:
            raise Conflict("Nothing is due on this any more.", code="no_payment_due")
        for intent in await open_intents(self.session, demand.id):
            if intent.expires_at > now:
                return Started(intent, created=False)
            await self._close(intent, IntentStatus.EXPIRED, SYSTEM, {})
        await self.session.flush()  # the unique open-intent slot is free before it is taken
        payment_id = new_payment_id()
        biller = self.runtime.biller_id(demand.agency_code)
        payload = encode(
            bill_payment(biller, demand.reference, payment_id, amount_satang=demand.amount_satang)
        )
        intent = PaymentIntent(
            id=payment_id,
            demand_id=demand.id,
            open_demand_id=demand.id,
            citizen_id=demand.citizen_id,
            agency_code=demand.agency_code,
            psp=self.runtime.psp,
            biller_id=biller,
            ref1=demand.reference,
            amount_satang=demand.amount_satang,
            qr_payload=payload,
            status=IntentStatus.CREATED.value,
            expires_at=min(now + self.runtime.intent_ttl, demand.due_at),
            created_at=now,
            updated_at=now,
            refunded_satang=0,
        )
        self.session.add(intent)
        record_event(self.session, intent, "created", None, now, f"citizen:{demand.citizen_id}")
        await self._on_application(demand, intent, "payment_created", {})
        await self._audit(
            at=now,
            actor=f"citizen:{demand.citizen_id}",
            action="payment.created",
            subject=f"payment:{intent.id}",
            data={"demand": demand.id, "amount_satang": intent.amount_satang},
        )
        return Started(intent, created=True)

    async def owned(self, citizen: CitizenRef, payment_id: str) -> PaymentIntent:
        intent = await self.session.get(PaymentIntent, payment_id)
        if intent is None or intent.citizen_id != citizen.id:
            raise NotFound("No such payment.", code="payment_not_found")
        return intent

    async def demand_of(self, intent: PaymentIntent) -> PaymentDemand:
        demand = await self.session.get(PaymentDemand, intent.demand_id)
        assert demand is not None
        return demand

    async def receipt_of(self, intent: PaymentIntent) -> PaymentReceipt | None:
        if intent.receipt_number is None:
            return None
        return await self.session.get(PaymentReceipt, intent.receipt_number)

    async def page(
        self, citizen: CitizenRef, *, limit: int, before: tuple[dt.datetime, str] | None
    ) -> Sequence[PaymentIntent]:
        statement = select(PaymentIntent).where(PaymentIntent.citizen_id == citizen.id)
        if before is not None:
            at, last_id = before
            statement = statement.where(
                (PaymentIntent.created_at < at)
                | ((PaymentIntent.created_at == at) & (PaymentIntent.id < last_id))
            )
        statement = statement.order_by(
            PaymentIntent.created_at.desc(), PaymentIntent.id.desc()
        ).limit(limit)
        return (await self.session.scalars(statement)).all()

    async def cancel(self, citizen: CitizenRef, payment_id: str) -> PaymentIntent:
        """The citizen gives up this QR (a new one can be asked for while the fee is due)."""
        intent = await self.owned(citizen, payment_id)
        if intent.status not in OPEN:
            raise Conflict(f"The payment is {intent.status}.", code="payment_closed")
        await self._close(intent, IntentStatus.CANCELLED, f"citizen:{citizen.id}", {})
        return intent

    # --- the bank's money ------------------------------------------------------------------

    async def preload(self, txn_ids: Sequence[str], intent_ids: Sequence[str]) -> set[str]:
        """Read at once what settling many transactions will look at (reconciliation): the
        transactions already known, their intents and the intents' demands stay in the
        session, so each `hear` and `settle` finds them without a statement of its own. The
        ids of the transactions already known."""
        known: set[str] = set()
        for start in range(0, len(txn_ids), 900):
            chunk = txn_ids[start : start + 900]
            rows = await self.session.scalars(
                select(BankTransaction).where(BankTransaction.txn_id.in_(chunk))
            )
            known.update(row.txn_id for row in rows)
        demand_ids: set[str] = set()
        for start in range(0, len(intent_ids), 900):
            chunk = intent_ids[start : start + 900]
            intents = await self.session.scalars(
                select(PaymentIntent).where(PaymentIntent.id.in_(chunk))
            )
            demand_ids.update(intent.demand_id for intent in intents)
        wanted = sorted(demand_ids)
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            (
                await self.session.scalars(select(PaymentDemand).where(PaymentDemand.id.in_(chunk)))
            ).all()
        return known

    async def hear(
        self, word: BankTxn, heard_via: str, *, known_new: bool = False
    ) -> BankTransaction:
        """A transaction the bank reported (webhook) or showed (status, statement): kept once
        by its id, not believed until the bank's status API confirms it (`settle`).
        `known_new`: the caller read already that the portal does not have it."""
        txn = None if known_new else await self.session.get(BankTransaction, word.txn_id)
        if txn is not None:
            return txn
        txn = BankTransaction(
            txn_id=word.txn_id,
            psp=self.runtime.psp,
            kind=word.kind,
            biller_id=word.biller_id,
            ref1=word.ref1[:25],
            ref2=word.ref2[:25] if word.ref2 else None,
            amount_satang=word.amount_satang,
            paid_at=word.paid_at,
            channel=word.channel[:16],
            heard_via=heard_via,
            state="reported",
            checks=0,
            next_check_at=self.now,
            created_at=self.now,
        )
        self.session.add(txn)
        intent = await self._intent_for(word.biller_id, word.ref1, word.ref2)
        if intent is not None and intent.status == IntentStatus.CREATED.value:
            # The bank says money is on its way: "pending" until the bank's word settles it.
            intent.status = IntentStatus.PENDING.value
            intent.updated_at = self.now
            record_event(
                self.session,
                intent,
                "pending",
                IntentStatus.CREATED.value,
                self.now,
                SYSTEM,
                {"txn_id": word.txn_id},
            )
            await self._audit(
                at=self.now,
                actor=SYSTEM,
                action="payment.pending",
                subject=f"payment:{intent.id}",
                data={"txn_id": word.txn_id, "heard_via": heard_via},
            )
        return txn

    async def settle(  # noqa: PLR0911 - one outcome a line
        self,
        txn_id: str,
        word: BankTxn | None,
        *,
        intent_id: str | None = None,
        final: bool = False,
        heard: BankTransaction | None = None,
    ) -> str:
        """Apply the bank's own word on a transaction heard before. Idempotent: a transaction
        is applied once, whoever (webhook, job, reconciliation) gets here first. `intent_id`:
        the intent reconciliation matched a payment without Ref2 to (a counter payment);
        `final`: the statement's word, no waiting for an intent still to commit; `heard`: the
        transaction as `hear` just kept it (not looked up again)."""
        txn = heard if heard is not None else await self.session.get(BankTransaction, txn_id)
        if txn is None:
            return "unknown"
        if txn.state == "applied":
            return txn.outcome or "applied"
        now = self.now
        if word is None:
            # The bank has no such transaction: a webhook it did not send, or one it withdrew.
            # A payment that notice made "pending" is back to waiting for money.
            claimed = await self._intent_for(txn.biller_id, txn.ref1, txn.ref2)
            if claimed is not None and claimed.status == IntentStatus.PENDING.value:
                claimed.status = IntentStatus.CREATED.value
                claimed.updated_at = now
                record_event(
                    self.session,
                    claimed,
                    "not_confirmed",
                    IntentStatus.PENDING.value,
                    now,
                    SYSTEM,
                    {"txn_id": txn.txn_id},
                )
            return self._applied(txn, "unknown")
        if word.status != "succeeded":
            return self._applied(txn, "reversed")
        # The bank's facts, not the webhook's, are what counts.
        txn.amount_satang, txn.paid_at = word.amount_satang, word.paid_at
        txn.biller_id, txn.ref1, txn.ref2 = word.biller_id, word.ref1[:25], word.ref2
        intent = await self._intent_for(word.biller_id, word.ref1, word.ref2 or intent_id)
        if intent is None:
            if not final and now - txn.created_at < UNMATCHED_GRACE:
                txn.state = "confirmed"  # looked at again (the intent may not be committed)
                self._backoff(txn, "no payment with these references yet")
                return "waiting"
            return self._applied(txn, "unknown")
        txn.intent_id = intent.id
        if intent.status == IntentStatus.SUCCEEDED.value:
            outcome = "credited" if intent.txn_id == txn.txn_id else "duplicate"
            return self._applied(txn, outcome)
        demand = await self.demand_of(intent)
        in_time = word.paid_at <= intent.expires_at
        takes_money = intent.status in OPEN or intent.status == IntentStatus.EXPIRED.value
        if not (in_time and takes_money and demand.status == "open"):
            if intent.status in OPEN:
                await self._close(intent, IntentStatus.EXPIRED, SYSTEM, {})
            await self._tell(intent, "late", paid=word.amount_satang)
            return self._applied(txn, "late")
        verdict = settle(intent.amount_satang, word.amount_satang)
        if not verdict.pays:
            if intent.status in OPEN:
                await self._close(
                    intent,
                    IntentStatus.FAILED,
                    SYSTEM,
                    {
                        "why": verdict.reason,
                        "paid_satang": word.amount_satang,
                        "txn_id": txn.txn_id,
                    },
                    paid=word.amount_satang,
                )
                intent.failure = verdict.reason
            return self._applied(txn, verdict.reason)
        # Paid in time (a counter payment the portal learns of the next day may find its
        # intent already marked expired: the money came in time, so it pays).
        await self._credit(intent, demand, txn)
        return self._applied(txn, "credited")

    def _applied(self, txn: BankTransaction, outcome: str) -> str:
        txn.state, txn.outcome = "applied", outcome
        txn.applied_at, txn.next_check_at, txn.last_error = self.now, None, None
        return outcome

    def _backoff(self, txn: BankTransaction, error: str) -> None:
        txn.checks += 1
        delay = min(
            dt.timedelta(seconds=2 ** min(txn.checks, 20)), self.runtime.confirm_backoff_cap
        )
        txn.next_check_at = self.now + delay
        txn.last_error = error[:300]

    async def could_not_confirm(self, txn: BankTransaction, error: str) -> None:
        """The bank did not answer: asked again later (backing off). The first time, the
        citizen is told their money was seen and is being confirmed (when it is confirmed at
        once, the next message says it succeeded: no need for two)."""
        first = txn.checks == 0
        self._backoff(txn, error)
        if first and txn.intent_id is None and txn.ref2:
            intent = await self.session.get(PaymentIntent, txn.ref2)
            if intent is not None and intent.status == IntentStatus.PENDING.value:
                await self._tell(intent, "pending")

    async def _intent_for(
        self, biller_id: str, ref1: str, payment_id: str | None
    ) -> PaymentIntent | None:
        """The intent a transaction pays: its Ref2 (or the one reconciliation matched a
        counter payment to), when its biller and Ref1 are the intent's too."""
        if not payment_id:
            return None
        intent = await self.session.get(PaymentIntent, payment_id)
        if intent is None or intent.biller_id != biller_id or intent.ref1 != ref1:
            return None
        return intent

    async def _credit(
        self, intent: PaymentIntent, demand: PaymentDemand, txn: BankTransaction
    ) -> None:
        now = self.now
        source = intent.status
        intent.status = IntentStatus.SUCCEEDED.value
        intent.open_demand_id = None
        intent.txn_id, intent.channel = txn.txn_id, txn.channel
        intent.succeeded_at = now
        intent.updated_at = now
        demand.status, demand.paid_at, demand.paid_by = "paid", txn.paid_at, intent.id
        demand.updated_at = now
        for other in await open_intents(self.session, demand.id):
            if other.id != intent.id:  # an operator credited an older one: this QR is done
                await self._close(other, IntentStatus.CANCELLED, SYSTEM, {"why": "paid"})
        receipt = await self._issue_receipt(intent, demand, txn)
        intent.receipt_number = receipt.number
        record_event(
            self.session,
            intent,
            "succeeded",
            source,
            now,
            SYSTEM,
            {"txn_id": txn.txn_id, "receipt_number": receipt.number, "channel": txn.channel},
        )
        await self._audit(
            at=now,
            actor=SYSTEM,
            action="payment.succeeded",
            subject=f"payment:{intent.id}",
            data={
                "txn_id": txn.txn_id,
                "amount_satang": txn.amount_satang,
                "receipt_number": receipt.number,
                "receipt_sha256": audit_digest(receipt.jws),
            },
        )
        await self._tell(intent, "succeeded")
        notice = {
            "idempotency_key": f"payment:{intent.id}",
            "reference": "",
            "payment_id": intent.id,
            "receipt_number": receipt.number,
            "amount_satang": intent.amount_satang,
            "fees": [
                {"label": item["label_th"], "amount_satang": item["amount_satang"]}
                for item in demand.items
            ],
            "paid_at": iso(txn.paid_at),
            "channel": txn.channel,
        }
        if demand.application_id is not None:
            application = await self.session.get(Application, demand.application_id)
            assert application is not None
            notice["reference"] = application.number or demand.reference
            if application.status == Status.AWAITING_PAYMENT:
                await self.apps.transitions.pay(
                    application.id, notice, fee_first=demand.stage == "at_filing"
                )
        elif demand.bill_id is not None:
            notice["reference"] = demand.bill_id
            self.ctx.runtime.to_agencies.bill_paid(
                self.session, demand.agency_code, demand.bill_id, now, notice
            )

    async def _issue_receipt(
        self, intent: PaymentIntent, demand: PaymentDemand, txn: BankTransaction
    ) -> PaymentReceipt:
        """The official e-receipt: a number in the agency's series of the Thai fiscal year,
        signed with a key in the published JWKS."""
        year = fiscal_year(txn.paid_at)
        seq = await ApplicationRepository(self.session).next_number(
            f"receipt:{intent.agency_code}:{year}"
        )
        number = receipt_number(intent.agency_code, year, seq)
        agency = await self.ctx.catalog_rows.get_agency(intent.agency_code)
        payer = await self.apps.state.citizen(intent.citizen_id)
        payload: dict[str, Any] = {
            "iss": self.runtime.issuer,
            "type": "e-receipt",
            "number": number,
            "fiscal_year": year,
            "issued_at": iso(self.now),
            "agency": {
                "code": intent.agency_code,
                "name_th": agency.name_th if agency else intent.agency_code,
                "name_en": agency.name_en if agency else intent.agency_code,
                "tax_id": self.runtime.tax_id(intent.agency_code),
            },
            "payer": {"name_th": f"{payer.first_name_th} {payer.last_name_th}"},
            "for": {"th": demand.title_th, "en": demand.title_en, "reference": demand.reference},
            "items": demand.items,
            "amount_satang": txn.amount_satang,
            "amount_text_th": baht_text(txn.amount_satang),
            "amount_display": format_baht(txn.amount_satang),
            "currency": "THB",
            "payment_id": intent.id,
            "bank_txn_id": txn.txn_id,
            "channel": txn.channel,
            "paid_at": iso(txn.paid_at),
        }
        receipt = PaymentReceipt(
            number=number,
            intent_id=intent.id,
            citizen_id=intent.citizen_id,
            agency_code=intent.agency_code,
            fiscal_year=year,
            payload=payload,
            jws=self.runtime.signer.sign(payload),
            issued_at=self.now,
        )
        self.session.add(receipt)
        issuance = self.apps.ctx.runtime.issuance
        if issuance is not None:  # the PDF of the receipt, signed off the request path
            issuance.receipt(self.session, intent.agency_code, number, self.now)
        return receipt

    # --- refunds and exceptions (operators) ----------------------------------------------

    async def reserve_refund(
        self,
        payment_id: str,
        amount_satang: int,
        expected_refundable: int,
        reason: str,
        actor: str,
    ) -> PaymentRefund:
        """Take `amount_satang` off what is refundable and record the refund as requested; the
        bank pays it back after this commits (`refund_done`). `expected_refundable` guards
        against two refunds racing for the same balance: the second one sees a different
        refundable amount and is refused (412)."""
        intent = await self.session.get(PaymentIntent, payment_id)
        if intent is None:
            raise NotFound("No such payment.", code="payment_not_found")
        if intent.status != IntentStatus.SUCCEEDED.value or intent.txn_id is None:
            raise Conflict("Only a payment that succeeded can be refunded.", code="payment_closed")
        try:
            check_refund(
                amount_satang,
                paid_satang=intent.amount_satang,
                refunded_satang=intent.refunded_satang,
                expected_refundable=expected_refundable,
            )
        except IntentRefused as refused:
            if refused.code == "refundable_changed":
                raise PreconditionFailed(refused.message, code=refused.code) from refused
            raise ValidationFailed(
                refused.message,
                code=refused.code,
                errors=[FieldError("/body/amount_satang", refused.code, refused.message)],
            ) from refused
        intent.refunded_satang += amount_satang
        intent.updated_at = self.now
        return await self._refund_row(intent.txn_id, intent, amount_satang, reason, actor)

    async def reserve_exception_refund(self, txn_id: str, reason: str, actor: str) -> PaymentRefund:
        """Give back money that paid nothing (underpaid, overpaid, duplicate, late, unknown)."""
        txn = await self._exception(txn_id)
        txn.resolution = "refunding"
        intent = await self.session.get(PaymentIntent, txn.intent_id) if txn.intent_id else None
        return await self._refund_row(txn.txn_id, intent, txn.amount_satang, reason, actor)

    async def resolve_exception(
        self, txn_id: str, resolution: str, reason: str, actor: str
    ) -> BankTransaction:
        """An operator's decision on an exception: `accepted` (the money stands, e.g. a fee
        paid after its QR expired credits the fee when it is still due) or `written_off`."""
        txn = await self._exception(txn_id)
        if resolution == "accepted" and txn.intent_id:
            intent = await self.session.get(PaymentIntent, txn.intent_id)
            if intent is not None:
                demand = await self.demand_of(intent)
                if demand.status == "open" and txn.amount_satang >= demand.amount_satang:
                    if intent.status != IntentStatus.SUCCEEDED.value:
                        intent.status = IntentStatus.PENDING.value  # credited now, by decision
                        intent.open_demand_id = None
                    await self._credit(intent, demand, txn)
        txn.resolution = resolution
        await self._audit(
            at=self.now,
            actor=actor,
            action=f"payment.exception.{resolution}",
            subject=f"bank_txn:{txn.txn_id}",
            data={"outcome": txn.outcome or "", "amount_satang": txn.amount_satang},
        )
        return txn

    async def _exception(self, txn_id: str) -> BankTransaction:
        txn = await self.session.get(BankTransaction, txn_id)
        if txn is None or txn.outcome in (None, "credited", "reversed"):
            raise NotFound("No such payment exception.", code="payment_not_found")
        if txn.resolution is not None:
            raise Conflict(f"Already resolved: {txn.resolution}.", code="payment_closed")
        return txn

    async def _refund_row(
        self,
        txn_id: str,
        intent: PaymentIntent | None,
        amount_satang: int,
        reason: str,
        actor: str,
    ) -> PaymentRefund:
        refund = PaymentRefund(
            id=str(uuid.uuid4()),
            intent_id=intent.id if intent else None,
            txn_id=txn_id,
            amount_satang=amount_satang,
            status="requested",
            reason=reason[:300],
            actor=actor[:120],
            created_at=self.now,
        )
        self.session.add(refund)
        if intent is not None:
            record_event(
                self.session,
                intent,
                "refund_requested",
                intent.status,
                self.now,
                actor,
                {"refund_id": refund.id, "amount_satang": amount_satang},
            )
        await self._audit(
            at=self.now,
            actor=actor,
            action="payment.refund_requested",
            subject=f"bank_txn:{txn_id}",
            data={"refund_id": refund.id, "amount_satang": amount_satang},
        )
        return refund

    async def refund_done(
        self, refund_id: str, refunded_at: dt.datetime | None, error: str | None
    ) -> PaymentRefund:
        """The bank's answer to a refund: paid back (the citizen is told), or refused (the
        amount becomes refundable again). None of both: still to be asked again."""
        refund = await self.session.get(PaymentRefund, refund_id)
        assert refund is not None
        if refund.status != "requested":
            return refund
        intent = (
            await self.session.get(PaymentIntent, refund.intent_id) if refund.intent_id else None
        )
        txn = await self.session.get(BankTransaction, refund.txn_id)
        if refunded_at is not None:
            refund.status, refund.done_at = "succeeded", refunded_at
            if txn is not None and txn.resolution == "refunding":
                txn.resolution = "refunded"
            if intent is not None:
                record_event(
                    self.session,
                    intent,
                    "refunded",
                    intent.status,
                    self.now,
                    SYSTEM,
                    {"refund_id": refund.id, "amount_satang": refund.amount_satang},
                )
                await self._tell(intent, "refunded", paid=refund.amount_satang)
            await audit.append(
                self.session,
                at=self.now,
                actor=SYSTEM,
                action="payment.refunded",
                subject=f"bank_txn:{refund.txn_id}",
                data={"refund_id": refund.id, "amount_satang": refund.amount_satang},
            )
        elif error is not None:
            refund.status, refund.last_error, refund.done_at = "failed", error[:300], self.now
            if txn is not None and txn.resolution == "refunding":
                txn.resolution = None
            if intent is not None and intent.txn_id == refund.txn_id:
                intent.refunded_satang -= refund.amount_satang
        return refund

    async def exceptions(self, limit: int) -> Sequence[BankTransaction]:
        statement = (
            select(BankTransaction)
            .where(
                BankTransaction.outcome.in_(list(EXCEPTIONS)),
                BankTransaction.resolution.is_(None),
            )
            .order_by(BankTransaction.paid_at, BankTransaction.txn_id)
            .limit(limit)
        )
        return (await self.session.scalars(statement)).all()

    # --- time ----------------------------------------------------------------------------

    async def expire_due(self, limit: int = 200) -> int:
        """Open intents past their time: expired (the citizen may ask for a new QR)."""
        statement = (
            select(PaymentIntent)
            .where(
                PaymentIntent.status.in_([s.value for s in OPEN]),
                PaymentIntent.expires_at <= self.now,
            )
            .limit(limit)
        )
        intents = (await self.session.scalars(statement)).all()
        for intent in intents:
            await self._close(intent, IntentStatus.EXPIRED, SYSTEM, {})
        return len(intents)

    async def lapse_due(self, limit: int = 100) -> int:
        """Fees past their due date: the demand expires, and its application lapses instead of
        waiting for ever (the citizen is told; the agency cancels its case)."""
        statement = (
            select(PaymentDemand)
            .where(PaymentDemand.status == "open", PaymentDemand.due_at <= self.now)
            .limit(limit)
        )
        demands = (await self.session.scalars(statement)).all()
        for demand in demands:
            demand.status, demand.updated_at = "expired", self.now
            for intent in await open_intents(self.session, demand.id):
                await self._close(intent, IntentStatus.EXPIRED, SYSTEM, {})
            if demand.application_id is not None:
                await self.apps.transitions.lapse(demand.application_id)
        return len(demands)

    # --- shared ------------------------------------------------------------------------------

    async def _close(
        self,
        intent: PaymentIntent,
        target: IntentStatus,
        actor: str,
        data: dict[str, Any],
        *,
        paid: int | None = None,
    ) -> None:
        close_intent(self.session, intent, target, self.now, actor, data)
        await self._audit(
            at=self.now,
            actor=actor,
            action=f"payment.{target.value}",
            subject=f"payment:{intent.id}",
            data={k: v for k, v in data.items() if isinstance(v, (str, int))},
        )
        await self._tell(intent, target.value, paid=paid)

    async def _tell(self, intent: PaymentIntent, kind: str, *, paid: int | None = None) -> None:
        """The citizen hears of every change of their payment (R-11.1)."""
        demand = await self.demand_of(intent)
        template = _TELL[kind]
        values = {
            "reference": demand.reference,
            "amount": format_baht(intent.amount_satang),
            "paid": format_baht(paid if paid is not None else intent.amount_satang),
            "receipt": intent.receipt_number or "-",
        }
        message = template.filled(values)
        self.ctx.tracker.tell_citizen(
            intent.citizen_id,
            demand.application_id,
            f"payment_{kind}",
            message,
            {"payment_id": intent.id, "status": intent.status, "reference": demand.reference},
        )
        await self._on_application(demand, intent, f"payment_{kind}", {})

    async def _on_application(
        self, demand: PaymentDemand, intent: PaymentIntent, kind: str, data: dict[str, Any]
    ) -> None:
        """A line on the application's timeline for a change of its payment."""
        if demand.application_id is None:
            return
        application = await self.session.get(Application, demand.application_id)
        if application is None:
            return
        self.ctx.tracker.event(
            application.id,
            kind,
            from_status=application.status,
            to_status=application.status,
            actor_kind="system",
            actor_id="payments",
            data={"payment_id": intent.id, "payment_status": intent.status, **data},
        )


def audit_digest(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()
