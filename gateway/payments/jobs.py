"""The scheduled work of "pay": confirming with the bank what it reported (retried while it is
down), finding payments whose webhook never came, expiring QRs, and lapsing unpaid fees.
Each round is safe to run from several processes at once: a transaction is applied once (its
row's version), and the bank is never asked inside an open database transaction."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from sqlalchemy import or_, select

from gateway.applications.context import ApplicationsRuntime
from gateway.applications.services import build
from gateway.deps import Runtime
from gateway.payments.disbursements import Disbursements
from gateway.payments.reconciliation import Reconciliation
from gateway.payments.runtime import PaymentsRuntime
from gateway.payments.service import Payments
from gateway.uow import UnitOfWork
from kernel.working_time import BANGKOK
from payments.intents import OPEN
from payments.models import BankTransaction, Disbursement, PaymentIntent, PaymentRefund
from payments.psp import BankError, BankRefused, BankTxn, Transfer

log = logging.getLogger("gateway.payments")

#: An open payment with no word from the bank is asked about after this long, and again
#: this often (a webhook can be lost: never trust a webhook alone, nor its absence).
UNHEARD_AFTER = dt.timedelta(minutes=2)
BATCH = 50
#: A refund the bank did not confirm at once is asked about again after this long.
REFUND_RETRY_AFTER = dt.timedelta(seconds=30)
#: A payout sent without the bank's answer is sent again (same transfer id) after this long.
RESEND_AFTER = dt.timedelta(seconds=30)


class PaymentJobs:
    def __init__(
        self, runtime: Runtime, applications: ApplicationsRuntime, payments: PaymentsRuntime
    ) -> None:
        self.runtime = runtime
        self.applications = applications
        self.payments = payments

    def _service(self, uow: UnitOfWork) -> Payments:
        return Payments(build(uow, self.applications, self.runtime.cursors), self.payments)

    def _payouts(self, uow: UnitOfWork) -> Disbursements:
        return Disbursements(self._service(uow).ctx)

    async def confirm_reported(self) -> int:
        """Transactions heard but not yet settled: the bank's word, then applied."""
        async with self.runtime.unit_of_work() as uow:
            due = (
                await uow.session.scalars(
                    select(BankTransaction.txn_id)
                    .where(
                        BankTransaction.state.in_(["reported", "confirmed"]),
                        BankTransaction.next_check_at <= uow.now,
                    )
                    .order_by(BankTransaction.next_check_at)
                    .limit(BATCH)
                )
            ).all()
        settled = 0
        for txn_id in due:
            settled += await self.confirm(txn_id)
        return settled

    async def confirm(self, txn_id: str) -> int:
        try:
            word = await self.payments.bank.transaction(txn_id)
        except BankError as unavailable:
            why = unavailable.message
            async with self.runtime.unit_of_work() as uow:
                payments = self._service(uow)

                async def later() -> None:
                    txn = await uow.session.get(BankTransaction, txn_id)
                    if txn is not None and txn.state != "applied":
                        await payments.could_not_confirm(txn, why)

                await uow.run(later)
            return 0
        async with self.runtime.unit_of_work() as uow:
            payments = self._service(uow)
            outcome = await uow.run(lambda: payments.settle(txn_id, word))
        return 0 if outcome == "waiting" else 1

    async def look_for_unheard(self) -> int:
        """Open payments the bank has said nothing about: ask it (a dropped webhook)."""
        async with self.runtime.unit_of_work() as uow:
            cutoff = uow.now - UNHEARD_AFTER
            rows = (
                await uow.session.execute(
                    select(PaymentIntent.id, PaymentIntent.biller_id, PaymentIntent.ref1)
                    .where(
                        PaymentIntent.status.in_([s.value for s in OPEN]),
                        PaymentIntent.updated_at <= cutoff,
                    )
                    .order_by(PaymentIntent.updated_at)
                    .limit(BATCH)
                )
            ).all()
        found = 0
        for payment_id, biller_id, ref1 in rows:
            try:
                words = await self.payments.bank.find(biller_id, ref1, payment_id)
            except BankError:
                return found  # the bank is down: the next round asks again
            async with self.runtime.unit_of_work() as uow:
                payments = self._service(uow)

                async def record(
                    payment_id: str = payment_id,
                    payments: Payments = payments,
                    words: list[BankTxn] = words,
                ) -> None:
                    for word in words:
                        await payments.hear(word, "status")
                    intent = await uow.session.get(PaymentIntent, payment_id)
                    if intent is not None and not words:
                        intent.updated_at = uow.now  # asked: not again before UNHEARD_AFTER

                await uow.run(record)
            for word in words:
                found += await self.confirm(word.txn_id)
        return found

    async def retry_refunds(self) -> int:
        """Refunds the bank has not confirmed (it was down): asked again, once per refund id."""
        async with self.runtime.unit_of_work() as uow:
            rows = (
                await uow.session.execute(
                    select(PaymentRefund.id, PaymentRefund.txn_id, PaymentRefund.amount_satang)
                    .where(
                        PaymentRefund.status == "requested",
                        PaymentRefund.created_at <= uow.now - REFUND_RETRY_AFTER,
                    )
                    .limit(BATCH)
                )
            ).all()
        done = 0
        for refund_id, txn_id, amount in rows:
            try:
                at = await self.payments.bank.refund(refund_id, txn_id, amount)
                error = None
            except BankRefused as refused:
                at, error = None, refused.message
            except BankError:
                return done
            async with self.runtime.unit_of_work() as uow:
                payments = self._service(uow)
                await uow.run(partial(payments.refund_done, refund_id, at, error))
            done += 1
        return done

    async def send_disbursements(self) -> int:
        """Payouts due today (Bangkok) to the bank, each under its own transfer id (so sending
        again after a crash or an unanswered call pays once); the bank's answer recorded."""
        async with self.runtime.unit_of_work() as uow:
            today = uow.now.astimezone(BANGKOK).date()
            due = (
                await uow.session.scalars(
                    select(Disbursement.id)
                    .where(
                        or_(
                            (Disbursement.status == "ordered") & (Disbursement.pay_on <= today),
                            (Disbursement.status == "sent")
                            & (Disbursement.updated_at <= uow.now - RESEND_AFTER),
                        )
                    )
                    .order_by(Disbursement.pay_on, Disbursement.created_at)
                    .limit(BATCH)
                )
            ).all()
        settled = 0
        for disbursement_id in due:
            outcome = await self.send(disbursement_id)
            if outcome == "bank_down":
                return settled  # the next round sends again
            settled += outcome == "settled"
        return settled

    async def send(self, disbursement_id: str) -> str:
        """One payout to the bank (`settled`, `skipped` when it is not due or is done,
        `bank_down`); the same transfer id whenever it is sent, so it is paid once."""
        async with self.runtime.unit_of_work() as uow:
            payouts = self._payouts(uow)
            taken = await uow.run(partial(payouts.mark_sent, disbursement_id))
            if taken is None:
                return "skipped"
            pid = payouts.national_id(taken)
            call = (taken.id, pid, taken.amount_satang, taken.agency_code, taken.title_th)
        try:
            transfer = await self.payments.bank.transfer(*call)
        except BankRefused as refused:
            transfer = Transfer(call[0], "returned", refused.code, None, None)
        except BankError as unavailable:
            async with self.runtime.unit_of_work() as uow:
                payouts = self._payouts(uow)
                await uow.run(partial(payouts.failed_now, disbursement_id, unavailable.message))
            return "bank_down"
        async with self.runtime.unit_of_work() as uow:
            payouts = self._payouts(uow)
            await uow.run(partial(payouts.settle, disbursement_id, transfer))
        return "settled"

    async def expire(self) -> int:
        async with self.runtime.unit_of_work() as uow:
            payments = self._service(uow)
            return await uow.run(payments.expire_due)

    async def lapse(self) -> int:
        async with self.runtime.unit_of_work() as uow:
            payments = self._service(uow)
            return await uow.run(payments.lapse_due)

    async def reconcile_yesterday(self) -> int:
        """Yesterday's statement, once, after the bank's day closed (None due: nothing)."""
        reconciliation = Reconciliation(self.runtime, self.applications, self.payments)
        day = await reconciliation.due_day()
        if day is None:
            return 0
        try:
            await reconciliation.run(day)
        except BankError:
            return 0  # the bank is down: the next round tries again
        return 1

    async def run_once(self) -> dict[str, int]:
        return {
            "payments confirmed": await self.confirm_reported(),
            "payments found without a webhook": await self.look_for_unheard(),
            "refunds confirmed": await self.retry_refunds(),
            "disbursements settled": await self.send_disbursements(),
            "payment QRs expired": await self.expire(),
            "fees lapsed": await self.lapse(),
            "statements reconciled": await self.reconcile_yesterday(),
        }
