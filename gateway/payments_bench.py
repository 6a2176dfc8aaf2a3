"""`citizen-gateway payments bench-reconcile`: the daily reconciliation timed on a generated day
(payments.synthetic): the portal's books written straight into a fresh database (one citizen's
bills, their payments, the bank transactions credited to them, refunds and transfers), the
bank's statement as CSV bytes, then `Reconciliation.run` with where its time goes."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import insert

from gateway.config import Settings
from gateway.main import create_app
from gateway.migrations import alembic_config
from gateway.payments.reconciliation import Reconciliation
from payments import reconcile as rules
from payments.models import (
    BankTransaction,
    Disbursement,
    PaymentDemand,
    PaymentIntent,
    PaymentRefund,
)
from payments.synthetic import SyntheticDay, synthetic_day

BENCH_PID = "1100100001014"
ROWS_PER_INSERT = 2_000


def mix(lines: int) -> dict[rules.Category, int]:
    """A busy day's classes: mostly payments that match, some exceptions of every kind, the
    refunds and transfers of the day (about 3 % exceptions)."""
    share = {
        rules.Category.UNCONFIRMED: 0.002,
        rules.Category.UNDERPAID: 0.002,
        rules.Category.OVERPAID: 0.002,
        rules.Category.DUPLICATE: 0.003,
        rules.Category.LATE: 0.003,
        rules.Category.UNKNOWN: 0.003,
        rules.Category.MISSING: 0.001,
        rules.Category.REFUND_MATCHED: 0.005,
        rules.Category.TRANSFER_MATCHED: 0.02,
    }
    counts = {category: max(1, int(lines * part)) for category, part in share.items()}
    counts[rules.Category.MATCHED] = lines - sum(
        n for c, n in counts.items() if c is not rules.Category.MISSING
    )
    return counts


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), ROWS_PER_INSERT):
        yield rows[start : start + ROWS_PER_INSERT]


def books(day: SyntheticDay, citizen_id: str, now: dt.datetime) -> dict[type, list[dict[str, Any]]]:
    """The synthetic day's records as rows of the portal's tables."""
    demands: list[dict[str, Any]] = []
    intents: list[dict[str, Any]] = []
    txns: list[dict[str, Any]] = []
    for intent in day.intents:
        demand_id = str(uuid.uuid4())
        demands.append(
            {
                "id": demand_id,
                "citizen_id": citizen_id,
                "agency_code": "PEA",
                "kind": "bill",
                "stage": "bill",
                "application_id": None,
                "bill_id": f"B{intent.payment_id}"[:40],
                "reference": intent.reference,
                "title_th": "ค่าไฟฟ้า",
                "title_en": "Electricity",
                "items": [],
                "amount_satang": intent.amount_satang,
                "status": "paid" if intent.status is rules.IntentStatus.SUCCEEDED else "open",
                "due_at": intent.expires_at + dt.timedelta(days=14),
                "created_at": intent.created_at,
                "updated_at": intent.created_at,
                "version": 1,
            }
        )
        credit = intent.credits[0] if intent.credits else None
        open_ = intent.status in (rules.IntentStatus.CREATED, rules.IntentStatus.PENDING)
        intents.append(
            {
                "id": intent.payment_id,
                "demand_id": demand_id,
                "open_demand_id": demand_id if open_ else None,
                "citizen_id": citizen_id,
                "agency_code": "PEA",
                "psp": "mockbank",
                "biller_id": intent.biller_id,
                "ref1": intent.reference,
                "amount_satang": intent.amount_satang,
                "qr_payload": "-",
                "status": intent.status.value,
                "expires_at": intent.expires_at,
                "created_at": intent.created_at,
                "updated_at": intent.created_at,
                "succeeded_at": credit.paid_at if credit else None,
                "txn_id": credit.txn_id if credit else None,
                "channel": "mobile" if credit else None,
                "refunded_satang": 0,
                "version": 1,
            }
        )
        for each in intent.credits:
            txns.append(
                {
                    "txn_id": each.txn_id,
                    "psp": "mockbank",
                    "kind": "payment",
                    "biller_id": intent.biller_id,
                    "ref1": intent.reference,
                    "ref2": intent.payment_id,
                    "amount_satang": each.amount_satang,
                    "paid_at": each.paid_at,
                    "channel": "mobile",
                    "heard_via": "webhook",
                    "state": "applied",
                    "outcome": "credited",
                    "intent_id": intent.payment_id,
                    "checks": 0,
                    "created_at": each.paid_at,
                    "applied_at": each.paid_at,
                    "version": 1,
                }
            )
    refunds = [
        {
            "id": refund.refund_id,
            "intent_id": None,
            "txn_id": refund.txn_id,
            "amount_satang": refund.amount_satang,
            "status": "succeeded",
            "reason": "bench",
            "actor": "bench",
            "created_at": refund.refunded_at,
            "done_at": refund.refunded_at,
        }
        for refund in day.refunds
    ]
    transfers = [
        {
            "id": transfer.transfer_id,
            "agency_code": transfer.reference,
            "payout_id": transfer.transfer_id,
            "pid_index": "-",
            "pid_enc": "-",
            "kind": "bench",
            "title_th": "-",
            "title_en": "-",
            "period": None,
            "amount_satang": transfer.amount_satang,
            "pay_on": day.day,
            "fingerprint": "-",
            "status": transfer.status.value,
            "attempts": 1,
            "created_at": transfer.settled_at,
            "updated_at": transfer.settled_at,
            "settled_at": transfer.settled_at,
            "version": 1,
        }
        for transfer in day.transfers
    ]
    return {
        PaymentDemand: demands,
        PaymentIntent: intents,
        BankTransaction: txns,
        PaymentRefund: refunds,
        Disbursement: transfers,
    }


def bench_settings(var: Path, url: str, **changes: Any) -> Settings:
    """A gateway for a benchmark: everything it keeps under the throwaway `var`, on `url`, no
    scheduled jobs nor embedded worker (the benchmark drives the work), quiet logs."""
    return Settings(
        _env_file=None,
        database_url=url,
        var_dir=var,
        storage_dir=var / "storage",
        agency_credentials_file=var / "agency-credentials.json",
        bank_credentials_file=var / "bank-credentials.json",
        dopa_consumer_file=var / "dopa-consumer.json",
        jobs_interval_seconds=0,
        embedded_worker=False,
        log_level="WARNING",
        **changes,
    )


def bench_reconcile(lines: int, seed: int, database: str | None) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as folder:
        var = Path(folder)
        url = database or f"sqlite+aiosqlite:///{var}/bench.db"
        settings = bench_settings(var, url)
        command.upgrade(alembic_config(url), "head")
        day = dt.date(2026, 12, 6)
        mark = time.perf_counter()
        generated = synthetic_day(day, mix(lines), seed=seed)
        statement = generated.csv_bytes()
        generate = time.perf_counter() - mark
        return asyncio.run(_timed(settings, url, generated, statement, generate, seed))


async def _timed(
    settings: Settings,
    url: str,
    generated: SyntheticDay,
    statement: bytes,
    generate: float,
    seed: int,
) -> list[str]:
    day = generated.day
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state
        mark = time.perf_counter()
        async with state.runtime.unit_of_work() as uow:
            citizen_id = await state.applications.directory.enrol(
                uow.session,
                national_id=BENCH_PID,
                first_name_th="สมชาย",
                last_name_th="ใจดี",
                birth_date_be="25300115",
                assurance="IAL2.3",
                now=uow.now,
            )
            await uow.flush()
            for table, rows in books(generated, citizen_id, uow.now).items():
                for chunk in _chunks(rows):
                    await uow.session.execute(insert(table), list(chunk))
            await uow.commit()
        fill = time.perf_counter() - mark
        done = await Reconciliation(state.runtime, state.applications, state.payments).run(
            day, statement
        )
    read = sum(tally.count for tally in done.report.statement.values())
    t = done.timings
    printed = [
        f"reconciliation of a generated day on {url.partition(':')[0]}: {read} statement lines, "
        f"{len(generated.intents)} payments in the books, seed {seed}",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| generate the day (not timed below) | {generate:.2f} |",
        f"| write the books (not timed below) | {fill:.2f} |",
        f"| parse the statement | {t.parse:.2f} |",
        f"| read the books | {t.books:.2f} |",
        f"| classify | {t.classify:.2f} |",
        f"| apply what the portal had not heard of | {t.apply:.2f} |",
        f"| keep the report | {t.store:.2f} |",
        f"| **reconcile, in all** | **{t.total:.2f}** |",
        "",
        f"exceptions: {len(done.report.exceptions)}; applied: {done.applied}",
    ]
    wrong = {
        category.value: (done.report.totals[category].count, expected)
        for category, expected in generated.expected.items()
        if done.report.totals[category].count != expected
    }
    printed.append("classes as generated" if not wrong else f"classes differ: {wrong}")
    printed.append(
        "applied as classified"
        if done.applied == expected_applied(generated)
        else f"applied differs from the classes: {expected_applied(generated)}"
    )
    return printed


def expected_applied(generated: SyntheticDay) -> dict[str, int]:
    """What applying the day's unheard-of payments must do, by class."""
    as_applied = {
        rules.Category.UNCONFIRMED: "credited",
        rules.Category.UNDERPAID: "underpaid",
        rules.Category.OVERPAID: "overpaid",
        rules.Category.DUPLICATE: "duplicate",
        rules.Category.LATE: "late",
        rules.Category.UNKNOWN: "unknown",
    }
    return {
        outcome: generated.expected[category]
        for category, outcome in as_applied.items()
        if generated.expected[category]
    }
