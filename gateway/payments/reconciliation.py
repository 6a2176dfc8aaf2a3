"""The daily reconciliation, wired: the bank's settlement statement of a Bangkok day against
the portal's books (payments.reconcile classifies; this module reads the books, acts on what
the statement shows, and keeps the report).

Acting on it: a payment the portal never heard of (a counter payment, which sends no
webhook, or a webhook lost on the way) is the bank's own settlement record, so it is applied
like a confirmed transaction: it pays its intent, or becomes an exception (underpaid, overpaid,
duplicate, late, unknown) in the operators' queue. What the statement lacks (`missing`) and
what disagrees (`mismatch`) is in the report for the operators.

    citizen-gateway payments reconcile [--date D] [--statement FILE]
    the scheduled job: yesterday's statement, once, after RECONCILE_AFTER (Bangkok time)
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_

from gateway.applications.context import ApplicationsRuntime
from gateway.applications.services import build
from gateway.deps import Runtime
from gateway.payments.runtime import PaymentsRuntime
from gateway.payments.service import Payments
from kernel.working_time import BANGKOK
from payments import reconcile as rules
from payments.models import (
    BankTransaction,
    Disbursement,
    PaymentIntent,
    PaymentRefund,
    ReconciliationRun,
)
from payments.psp import BankTxn

#: Statement payment lines the portal had not heard of are applied this many per transaction.
APPLY_BATCH = 250
#: Ids per IN (...) list (SQLite and asyncpg take up to 32,766 bound parameters).
CHUNK = 10_000
#: The scheduled job reconciles yesterday once the bank's day is surely closed.
RECONCILE_AFTER = dt.time(6, 0)

#: The classes of statement payment lines the portal acts on (it had not applied them).
_TO_APPLY = frozenset(
    {
        rules.Category.UNCONFIRMED,
        rules.Category.UNDERPAID,
        rules.Category.OVERPAID,
        rules.Category.DUPLICATE,
        rules.Category.LATE,
        rules.Category.UNKNOWN,
    }
)


@dataclass
class Timings:
    fetch: float = 0.0
    parse: float = 0.0
    books: float = 0.0
    classify: float = 0.0
    apply: float = 0.0
    store: float = 0.0

    @property
    def total(self) -> float:
        return self.fetch + self.parse + self.books + self.classify + self.apply + self.store


@dataclass
class Reconciled:
    day: dt.date
    report: rules.Report
    applied: dict[str, int] = field(default_factory=dict)  # outcome of applying -> count
    timings: Timings = field(default_factory=Timings)
    run_id: int | None = None


def day_span(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), BANGKOK).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def _chunks(values: Sequence[object], size: int = CHUNK) -> Iterable[Sequence[object]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Reconciliation:
    def __init__(
        self, runtime: Runtime, applications: ApplicationsRuntime, payments: PaymentsRuntime
    ) -> None:
        self.runtime = runtime
        self.applications = applications
        self.payments = payments

    async def run(self, day: dt.date, statement: bytes | None = None) -> Reconciled:
        timings = Timings()
        mark = time.perf_counter()
        if statement is None:
            statement = await self.payments.bank.statement(day)
        timings.fetch = time.perf_counter() - mark

        mark = time.perf_counter()
        parsed = rules.parse_statement(statement)
        timings.parse = time.perf_counter() - mark

        mark = time.perf_counter()
        intents, refunds, transfers = await self._books(day, parsed)
        timings.books = time.perf_counter() - mark

        mark = time.perf_counter()
        report = rules.reconcile(day, parsed, intents, refunds, transfers)
        timings.classify = time.perf_counter() - mark

        mark = time.perf_counter()
        applied = await self._apply(report)
        timings.apply = time.perf_counter() - mark

        mark = time.perf_counter()
        done = Reconciled(day, report, applied, timings)
        done.run_id = await self._store(done)
        timings.store = time.perf_counter() - mark
        return done

    # --- the portal's books ----------------------------------------------------------------

    async def _books(
        self, day: dt.date, statement: rules.Statement
    ) -> tuple[list[rules.Intent], list[rules.Refund], list[rules.Transfer]]:
        """The intents the statement names (by Ref2, or by biller and Ref1 for a counter
        payment without Ref2) and those credited with money paid that day; the refunds and
        transfers settled that day. Read as plain rows: no ORM objects for 100,000 lines."""
        start, end = day_span(day)
        payments = [line for line in statement.lines if line.kind is rules.StatementKind.PAYMENT]
        ids = sorted({line.ref2 for line in payments if line.ref2})
        by_ref1 = sorted({(line.biller_id, line.ref1) for line in payments if not line.ref2})
        columns = (
            PaymentIntent.id,
            PaymentIntent.ref1,
            PaymentIntent.biller_id,
            PaymentIntent.amount_satang,
            PaymentIntent.status,
            PaymentIntent.created_at,
            PaymentIntent.expires_at,
            PaymentIntent.txn_id,
            BankTransaction.amount_satang,
            BankTransaction.paid_at,
        )
        joined = select(*columns).outerjoin(
            BankTransaction, BankTransaction.txn_id == PaymentIntent.txn_id
        )
        rows: dict[str, tuple[Any, ...]] = {}
        async with self.runtime.unit_of_work() as uow:
            session = uow.session
            for chunk in _chunks(ids):
                for row in await session.execute(joined.where(PaymentIntent.id.in_(chunk))):
                    rows[row[0]] = tuple(row)
            for chunk in _chunks(by_ref1, CHUNK // 2):
                statement_ = joined.where(
                    tuple_(PaymentIntent.biller_id, PaymentIntent.ref1).in_(chunk)
                )
                for row in await session.execute(statement_):
                    rows[row[0]] = tuple(row)
            # Found from the day's credited transactions (indexed by when they were paid), not
            # by scanning every payment that ever succeeded.
            credited_that_day = (
                select(*columns)
                .select_from(BankTransaction)
                .join(PaymentIntent, PaymentIntent.id == BankTransaction.intent_id)
                .where(
                    BankTransaction.outcome == "credited",
                    BankTransaction.paid_at >= start,
                    BankTransaction.paid_at < end,
                    PaymentIntent.txn_id == BankTransaction.txn_id,
                )
            )
            for row in await session.execute(credited_that_day):
                rows[row[0]] = tuple(row)
            refund_rows = (
                await session.execute(
                    select(
                        PaymentRefund.id,
                        PaymentRefund.txn_id,
                        PaymentRefund.amount_satang,
                        PaymentRefund.done_at,
                    ).where(
                        PaymentRefund.status == "succeeded",
                        PaymentRefund.done_at >= start,
                        PaymentRefund.done_at < end,
                    )
                )
            ).all()
            transfer_rows = (
                await session.execute(
                    select(
                        Disbursement.id,
                        Disbursement.agency_code,
                        Disbursement.amount_satang,
                        Disbursement.status,
                        Disbursement.settled_at,
                    ).where(
                        Disbursement.status.in_(["credited", "returned"]),
                        Disbursement.settled_at >= start,
                        Disbursement.settled_at < end,
                    )
                )
            ).all()
        intents = [_intent(row) for row in rows.values()]
        refunds = [
            rules.Refund(refund_id, txn_id, amount, done_at)
            for refund_id, txn_id, amount, done_at in refund_rows
            if done_at is not None
        ]
        transfers = [
            rules.Transfer(transfer_id, agency, amount, rules.TransferStatus(status), settled_at)
            for transfer_id, agency, amount, status, settled_at in transfer_rows
            if settled_at is not None
        ]
        return intents, refunds, transfers

    # --- acting on it ----------------------------------------------------------------------

    async def _apply(self, report: rules.Report) -> dict[str, int]:
        """Statement payments the portal had not applied: heard from the statement (the bank's
        settlement record) and settled like any confirmed transaction, in batches."""
        todo = [
            outcome
            for outcome in report.outcomes
            if outcome.category in _TO_APPLY and outcome.kind is rules.StatementKind.PAYMENT
        ]
        counts: dict[str, int] = {}
        for start in range(0, len(todo), APPLY_BATCH):
            batch = todo[start : start + APPLY_BATCH]
            async with self.runtime.unit_of_work() as uow:
                service = Payments(
                    build(uow, self.applications, self.runtime.cursors), self.payments
                )

                async def apply_batch(
                    batch: list[rules.Outcome] = batch, service: Payments = service
                ) -> list[str]:
                    words = [_word(outcome) for outcome in batch]
                    intent_ids = sorted(
                        {o.record_id for o in batch if o.record_id}
                        | {w.ref2 for w in words if w.ref2}
                    )
                    known = await service.preload([w.txn_id for w in words], intent_ids)
                    service.deferred_audit = []  # appended together at the end of the batch
                    outcomes = []
                    # One flush at the end, not one before every look-up.
                    with service.session.no_autoflush:
                        for outcome, word in zip(batch, words, strict=True):
                            heard = await service.hear(
                                word, "statement", known_new=word.txn_id not in known
                            )
                            outcomes.append(
                                await service.settle(
                                    word.txn_id,
                                    word,
                                    intent_id=outcome.record_id,
                                    final=True,
                                    heard=heard,
                                )
                            )
                    await service.write_audit()
                    return outcomes

                for outcome_ in await uow.run(apply_batch):
                    counts[outcome_] = counts.get(outcome_, 0) + 1
        return counts

    async def _store(self, done: Reconciled) -> int:
        report = done.report
        payload = report.as_json()
        payload["applied"] = done.applied
        async with self.runtime.unit_of_work() as uow:
            run = ReconciliationRun(
                psp=self.payments.psp,
                day=done.day,
                lines=sum(tally.count for tally in report.statement.values()),
                exceptions=len(report.exceptions),
                report=payload,
                markdown=report.to_markdown(),
                started_at=uow.now,
                finished_at=uow.now,
            )
            uow.session.add(run)
            await uow.commit()
            return run.id

    async def due_day(self) -> dt.date | None:
        """Yesterday (Bangkok), when it has not been reconciled and its statement is closed."""
        async with self.runtime.unit_of_work() as uow:
            local = uow.now.astimezone(BANGKOK)
            if local.time() < RECONCILE_AFTER:
                return None
            yesterday = local.date() - dt.timedelta(days=1)
            done = await uow.session.scalar(
                select(ReconciliationRun.id).where(
                    ReconciliationRun.psp == self.payments.psp,
                    ReconciliationRun.day == yesterday,
                )
            )
        return None if done is not None else yesterday


def _intent(row: tuple[Any, ...]) -> rules.Intent:
    (payment_id, ref1, biller, amount, status, created_at, expires_at, txn_id, paid, paid_at) = row
    credits: tuple[rules.Credit, ...] = ()
    if txn_id is not None and paid is not None and paid_at is not None:
        credits = (rules.Credit(str(txn_id), int(paid), paid_at),)
    return rules.Intent(
        payment_id=str(payment_id),
        reference=str(ref1),
        biller_id=str(biller),
        amount_satang=int(amount),
        status=rules.IntentStatus(str(status)),
        created_at=created_at,
        expires_at=expires_at,
        credits=credits,
    )


def _word(outcome: rules.Outcome) -> BankTxn:
    assert outcome.txn_id is not None
    assert outcome.paid_at is not None
    return BankTxn(
        txn_id=outcome.txn_id,
        kind="payment",
        status="succeeded",
        biller_id=outcome.biller_id or "",
        ref1=outcome.ref1 or "",
        ref2=outcome.ref2,
        amount_satang=outcome.amount_satang or 0,
        paid_at=outcome.paid_at,
        channel=outcome.channel or "branch",
        refunded_satang=0,
    )
