"""The scheduled work of "pay": confirming with the bank what it reported (retried while it is
down), finding payments whose webhook never came, expiring QRs, and lapsing unpaid fees.
Each round is safe to run from several processes at once: a transaction is applied once (its
row's version), and the bank is never asked inside an open database transaction."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from gateway.applications.context import ApplicationsRuntime
from gateway.applications.services import build
from gateway.deps import Runtime
from gateway.payments.runtime import PaymentsRuntime
from gateway.payments.service import Payments
from gateway.uow import UnitOfWork
from payments.intents import OPEN
from payments.models import BankTransaction, PaymentIntent
from payments.psp import BankError

log = logging.getLogger("gateway.payments")

#: An open payment with no word from the bank is asked about after this long, and again
#: this often (a webhook can be lost: never trust a webhook alone, nor its absence).
UNHEARD_AFTER = dt.timedelta(minutes=2)
BATCH = 50


class PaymentJobs:
    def __init__(
        self, runtime: Runtime, applications: ApplicationsRuntime, payments: PaymentsRuntime
    ) -> None:
        self.runtime = runtime
        self.applications = applications
        self.payments = payments

    def _service(self, uow: UnitOfWork) -> Payments:
        return Payments(build(uow, self.applications, self.runtime.cursors), self.payments)

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
            async with self.runtime.unit_of_work() as uow:
                payments = self._service(uow)

                async def later() -> None:
                    txn = await uow.session.get(BankTransaction, txn_id)
                    if txn is not None and txn.state != "applied":
                        payments.could_not_confirm(txn, unavailable.message)

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
                    payment_id: str = payment_id, payments: Payments = payments
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

    async def expire(self) -> int:
        async with self.runtime.unit_of_work() as uow:
            payments = self._service(uow)
            return await uow.run(payments.expire_due)

    async def lapse(self) -> int:
        async with self.runtime.unit_of_work() as uow:
            payments = self._service(uow)
            return await uow.run(payments.lapse_due)

    async def run_once(self) -> dict[str, int]:
        return {
            "payments confirmed": await self.confirm_reported(),
            "payments found without a webhook": await self.look_for_unheard(),
            "payment QRs expired": await self.expire(),
            "fees lapsed": await self.lapse(),
        }
