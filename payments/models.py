"""The tables of "pay": what a citizen owes (demands), each attempt to pay it (intents), the
bank's money as the portal heard of it (transactions), refunds, e-receipts and each payment's
own timeline. Amounts are integer satang; times aware UTC.

Owners are referred to by id (`citizens.id`, `applications.id`): the tables share the one
metadata (persistence.Base), the packages do not import each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, BigId, UTCDateTime


class PaymentDemand(Base):
    """Something the citizen has to pay: an application's fee, or a bill of an agency that bills
    them. At most one open intent pays it at a time; once paid it stays paid."""

    __tablename__ = "payment_demands"
    __table_args__ = (
        UniqueConstraint("agency_code", "bill_id", name="uq_payment_demands_bill"),
        Index("ix_payment_demands_application", "application_id"),
        Index("ix_payment_demands_open_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))  # fee | bill
    # fee: at_filing | after_approval | agency (the agency stated it); bill: bill
    stage: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[str | None] = mapped_column(ForeignKey("applications.id"))
    bill_id: Mapped[str | None] = mapped_column(String(40))  # the biller's own number
    reference: Mapped[str] = mapped_column(String(20))  # Ref1 on the Thai QR
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # label_th, label_en, amount
    amount_satang: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # open | paid | expired | cancelled
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    paid_by: Mapped[str | None] = mapped_column(String(20))  # the intent that paid it
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PaymentIntent(Base):
    """One attempt to pay a demand through a Thai QR: its id is Ref2, the demand's reference
    Ref1. `open_demand_id` is the demand's id while the intent is open and NULL after: the
    unique index makes "one open intent per demand" a fact of the database."""

    __tablename__ = "payment_intents"
    __table_args__ = (
        Index("ix_payment_intents_citizen_created", "citizen_id", "created_at", "id"),
        Index("ix_payment_intents_open_expiry", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    demand_id: Mapped[str] = mapped_column(ForeignKey("payment_demands.id"), index=True)
    open_demand_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    agency_code: Mapped[str] = mapped_column(String(32))
    psp: Mapped[str] = mapped_column(String(16))
    biller_id: Mapped[str] = mapped_column(String(15))
    ref1: Mapped[str] = mapped_column(String(20))
    amount_satang: Mapped[int] = mapped_column(BigInteger)
    qr_payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    succeeded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    txn_id: Mapped[str | None] = mapped_column(String(40))  # the bank transaction that paid it
    channel: Mapped[str | None] = mapped_column(String(16))
    refunded_satang: Mapped[int] = mapped_column(BigInteger, default=0)
    receipt_number: Mapped[str | None] = mapped_column(String(40))
    failure: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BankTransaction(Base):
    """Money the bank says it received (or paid back), as the portal heard of it: by a webhook,
    by asking the bank, or from its statement. The bank's transaction id is the key, so a
    transaction is credited at most once however often it is reported."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        Index("ix_bank_transactions_confirm", "state", "next_check_at"),
        Index("ix_bank_transactions_refs", "biller_id", "ref1", "ref2"),
        Index("ix_bank_transactions_paid", "paid_at"),  # a day's, for reconciliation
    )

    txn_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    psp: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(12))  # payment
    biller_id: Mapped[str] = mapped_column(String(15))
    ref1: Mapped[str] = mapped_column(String(25))
    ref2: Mapped[str | None] = mapped_column(String(25))
    amount_satang: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(16))
    heard_via: Mapped[str] = mapped_column(String(12))  # webhook | status | statement
    # reported (heard, not yet confirmed with the bank) -> confirmed (the bank's status API
    # says it stands) -> applied (its effect on an intent is recorded in `outcome`)
    state: Mapped[str] = mapped_column(String(12))
    # credited | underpaid | overpaid | duplicate | late | unknown | reversed
    outcome: Mapped[str | None] = mapped_column(String(12))
    intent_id: Mapped[str | None] = mapped_column(String(20), index=True)
    checks: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(16))  # an operator's: refunded, ...
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WebhookSignature(Base):
    """A webhook signature already accepted: the same signed request again is a replay."""

    __tablename__ = "payment_webhook_signatures"

    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    psp: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class PaymentRefund(Base):
    __tablename__ = "payment_refunds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    intent_id: Mapped[str | None] = mapped_column(String(20), index=True)
    txn_id: Mapped[str] = mapped_column(String(40), index=True)
    amount_satang: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # requested | succeeded | failed
    reason: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))


class PaymentReceipt(Base):
    """The official e-receipt of a successful payment: a number in the agency's series for
    the Thai fiscal year, signed as a JWS with a key in the published JWKS."""

    __tablename__ = "payment_receipts"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    intent_id: Mapped[str] = mapped_column(String(20), unique=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    jws: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PaymentEvent(Base):
    """A payment's own timeline: every change of an intent, in order."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    intent_id: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Disbursement(Base):
    """Money the state pays a citizen (รับเงิน): ordered by an agency (idempotent per its
    payout id), sent to the bank as a PromptPay transfer to the account linked to the citizen's
    national ID, credited or returned (no linked account). The national ID is kept encrypted
    (for the bank) and as a blind index (to show the citizen their own)."""

    __tablename__ = "disbursements"
    __table_args__ = (
        UniqueConstraint("agency_code", "payout_id", name="uq_disbursements_payout"),
        Index("ix_disbursements_pid", "pid_index", "pay_on"),
        Index("ix_disbursements_due", "status", "pay_on"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    payout_id: Mapped[str] = mapped_column(String(64))
    pid_index: Mapped[str] = mapped_column(String(64))
    pid_enc: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. older_persons_allowance
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    period: Mapped[str | None] = mapped_column(String(20))  # e.g. "2026-12"
    amount_satang: Mapped[int] = mapped_column(BigInteger)
    pay_on: Mapped[dt.date] = mapped_column(Date)  # the Bangkok day it is due to be sent
    fingerprint: Mapped[str] = mapped_column(String(64))  # the order's content, for replays
    status: Mapped[str] = mapped_column(String(12))  # ordered | sent | credited | returned
    reason: Mapped[str | None] = mapped_column(String(200))  # why returned
    account_masked: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReconciliationRun(Base):
    """One reconciliation of a day's bank statement: its report, kept for the operators."""

    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    psp: Mapped[str] = mapped_column(String(16))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    lines: Mapped[int] = mapped_column(Integer)
    exceptions: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    markdown: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


TABLES = (
    PaymentDemand,
    PaymentIntent,
    BankTransaction,
    WebhookSignature,
    PaymentRefund,
    PaymentReceipt,
    PaymentEvent,
    Disbursement,
    ReconciliationRun,
)
