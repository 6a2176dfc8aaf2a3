"""Operators and money: refunds (guarded by the refundable amount the operator saw), the
queue of payment exceptions (money that paid nothing) and their resolution. Every action is an
audit-chain entry (R-15.1)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from gateway.deps import AdminDep
from gateway.payments.deps import PaymentsDep
from gateway.payments.reconciliation import Reconciliation
from gateway.payments.service import Payments
from kernel.errors import NotFound, ServiceUnavailable
from kernel.problems import problem_responses
from payments.models import BankTransaction, PaymentRefund, ReconciliationRun
from payments.psp import BankError, BankRefused, BankUnavailable

router = APIRouter(prefix="/v1/admin/payments", tags=["admin"])

OPERATOR = "operator"


class RefundIn(BaseModel):
    amount_satang: int = Field(gt=0, le=100_000_000_000)
    expected_refundable_satang: int = Field(
        ge=0,
        le=100_000_000_000,
        description="What the operator saw as refundable; another refund meanwhile -> 412",
    )
    reason: str = Field(min_length=1, max_length=300)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


class RefundOut(BaseModel):
    id: str
    payment_id: str | None
    txn_id: str
    amount_satang: int
    status: Literal["requested", "succeeded", "failed"] = Field(
        description="requested: the bank has not confirmed yet (asked again by the jobs)"
    )
    reason: str
    created_at: dt.datetime
    done_at: dt.datetime | None


class ExceptionOut(BaseModel):
    txn_id: str
    outcome: Literal["underpaid", "overpaid", "duplicate", "late", "unknown"]
    payment_id: str | None
    biller_id: str
    ref1: str
    ref2: str | None
    amount_satang: int
    paid_at: dt.datetime
    channel: str
    heard_via: str
    resolution: str | None


class ExceptionPage(BaseModel):
    items: list[ExceptionOut]


def _refund(row: PaymentRefund) -> RefundOut:
    return RefundOut(
        id=row.id,
        payment_id=row.intent_id,
        txn_id=row.txn_id,
        amount_satang=row.amount_satang,
        status=row.status,
        reason=row.reason,
        created_at=row.created_at,
        done_at=row.done_at,
    )


def _exception(row: BankTransaction) -> ExceptionOut:
    return ExceptionOut(
        txn_id=row.txn_id,
        outcome=row.outcome,
        payment_id=row.intent_id,
        biller_id=row.biller_id,
        ref1=row.ref1,
        ref2=row.ref2,
        amount_satang=row.amount_satang,
        paid_at=row.paid_at,
        channel=row.channel,
        heard_via=row.heard_via,
        resolution=row.resolution,
    )


async def pay_back(payments: Payments, refund: PaymentRefund) -> PaymentRefund:
    """Ask the bank to pay the reserved refund back (no transaction open meanwhile); its
    answer recorded. The bank down: left `requested`, asked again by the jobs."""
    uow = payments.apps.uow
    try:
        at = await payments.runtime.bank.refund(refund.id, refund.txn_id, refund.amount_satang)
    except BankUnavailable:
        return refund
    except BankRefused as refused:
        why = refused.message
        return await uow.run(lambda: payments.refund_done(refund.id, None, why))
    return await uow.run(lambda: payments.refund_done(refund.id, at, None))


@router.post(
    "/{payment_id}/refunds",
    status_code=201,
    response_model=RefundOut,
    responses=problem_responses(
        "payment_not_found",
        "payment_closed",
        "refundable_changed",
        "refund_exceeds_payment",
        "invalid_refund",
        "concurrent_change",
    ),
)
async def refund_payment(
    payment_id: str, body: RefundIn, _: AdminDep, payments: PaymentsDep
) -> RefundOut:
    """Refund all or part of a payment. `expected_refundable_satang` is what the operator saw
    as refundable: when another refund changed it meanwhile this one is refused with 412
    `refundable_changed` (two refunds racing for the same balance: one wins)."""
    refund = await payments.apps.uow.run(
        lambda: payments.reserve_refund(
            payment_id,
            body.amount_satang,
            body.expected_refundable_satang,
            body.reason,
            OPERATOR,
        )
    )
    return _refund(await pay_back(payments, refund))


@router.get("/exceptions", response_model=ExceptionPage)
async def list_exceptions(
    _: AdminDep,
    payments: PaymentsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ExceptionPage:
    """Money the bank received that paid nothing, oldest first, waiting for an operator."""
    return ExceptionPage(items=[_exception(t) for t in await payments.exceptions(limit)])


@router.post(
    "/exceptions/{txn_id}/refund",
    status_code=201,
    response_model=RefundOut,
    responses=problem_responses("payment_not_found", "payment_closed", "concurrent_change"),
)
async def refund_exception(
    txn_id: str, body: ReasonIn, _: AdminDep, payments: PaymentsDep
) -> RefundOut:
    """Give the whole amount back to the payer."""
    refund = await payments.apps.uow.run(
        lambda: payments.reserve_exception_refund(txn_id, body.reason, OPERATOR)
    )
    return _refund(await pay_back(payments, refund))


@router.post(
    "/exceptions/{txn_id}/{decision}",
    response_model=ExceptionOut,
    responses=problem_responses("payment_not_found", "payment_closed", "concurrent_change"),
)
async def decide_exception(
    txn_id: str,
    decision: Literal["accept", "write-off"],
    body: ReasonIn,
    _: AdminDep,
    payments: PaymentsDep,
) -> ExceptionOut:
    """`accept`: the money stands (a fee paid late credits the fee when it is still due);
    `write-off`: closed without a refund (e.g. the payer cannot be reached)."""
    resolution = "accepted" if decision == "accept" else "written_off"
    txn = await payments.apps.uow.run(
        lambda: payments.resolve_exception(txn_id, resolution, body.reason, OPERATOR)
    )
    return _exception(txn)


class ReconciliationIn(BaseModel):
    day: dt.date = Field(description="The Bangkok day whose statement to reconcile")


class ReconciliationOut(BaseModel):
    day: dt.date
    lines: int
    exceptions: int
    report: dict[str, Any] = Field(description="Totals per class and every exception")
    markdown: str = Field(description="The same report for people")
    finished_at: dt.datetime


def _run(row: ReconciliationRun) -> ReconciliationOut:
    return ReconciliationOut(
        day=row.day,
        lines=row.lines,
        exceptions=row.exceptions,
        report=row.report,
        markdown=row.markdown,
        finished_at=row.finished_at,
    )


@router.post(
    "/reconciliations",
    status_code=201,
    response_model=ReconciliationOut,
    responses=problem_responses("bank_unavailable"),
)
async def reconcile_now(
    body: ReconciliationIn, _: AdminDep, payments: PaymentsDep, request: Request
) -> ReconciliationOut:
    """Reconcile a day's statement now (the scheduled job does yesterday's every morning):
    payments the portal had not heard of are applied, exceptions queue for operators."""
    state = request.app.state
    try:
        done = await Reconciliation(state.runtime, state.applications, payments.runtime).run(
            body.day
        )
    except BankError as down:
        raise ServiceUnavailable(
            "The bank's statement cannot be read now; try again later.", code="bank_unavailable"
        ) from down
    row = await payments.session.get(ReconciliationRun, done.run_id)
    assert row is not None
    return _run(row)


@router.get(
    "/reconciliations/{day}",
    response_model=ReconciliationOut,
    responses=problem_responses("reconciliation_not_found"),
)
async def read_reconciliation(
    day: dt.date, _: AdminDep, payments: PaymentsDep
) -> ReconciliationOut:
    """The latest reconciliation of a day: totals per class, every exception, the report."""
    row = await payments.session.scalar(
        select(ReconciliationRun)
        .where(ReconciliationRun.day == day)
        .order_by(ReconciliationRun.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"{day} has not been reconciled.", code="reconciliation_not_found")
    return _run(row)
