"""Request and response bodies of "pay"."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from payments.intents import OPEN, IntentStatus
from payments.models import Disbursement, PaymentDemand, PaymentIntent, PaymentReceipt
from payments.money import format_baht


class PaidFor(BaseModel):
    kind: Literal["fee", "bill"]
    application_id: str | None
    bill_id: str | None
    agency_code: str
    title: str
    reference: str = Field(description="Ref1 of the Thai QR: the application or bill number")


class FeeItemOut(BaseModel):
    label: str
    amount_satang: int


class PaymentOut(BaseModel):
    id: str = Field(description="The payment id; Ref2 of the Thai QR")
    status: Literal["created", "pending", "succeeded", "failed", "expired", "cancelled"]
    amount_satang: int
    amount_display: str = Field(description="e.g. 1,234.50 (THB)")
    currency: Literal["THB"] = "THB"
    paid_for: PaidFor
    items: list[FeeItemOut]
    biller_id: str
    qr_payload: str | None = Field(description="The EMVCo Thai QR text; null once closed")
    qr_png: str | None = Field(description="Path of the QR as a PNG image; null once closed")
    qr_svg: str | None = Field(description="Path of the QR as SVG; null once closed")
    expires_at: dt.datetime
    created_at: dt.datetime
    succeeded_at: dt.datetime | None
    channel: str | None
    receipt_number: str | None
    receipt: str | None = Field(description="Path of the e-receipt once paid")
    refunded_satang: int
    failure: str | None = Field(description="Why it failed: underpaid or overpaid")

    @classmethod
    def of(cls, intent: PaymentIntent, demand: PaymentDemand, lang: str) -> PaymentOut:
        open_ = IntentStatus(intent.status) in OPEN
        base = f"/v1/payments/{intent.id}"
        return cls(
            id=intent.id,
            status=intent.status,
            amount_satang=intent.amount_satang,
            amount_display=format_baht(intent.amount_satang),
            paid_for=PaidFor(
                kind=demand.kind,
                application_id=demand.application_id,
                bill_id=demand.bill_id,
                agency_code=demand.agency_code,
                title=demand.title_en if lang == "en" else demand.title_th,
                reference=demand.reference,
            ),
            items=[
                FeeItemOut(
                    label=str(item["label_en"] if lang == "en" else item["label_th"]),
                    amount_satang=int(item["amount_satang"]),
                )
                for item in demand.items
            ],
            biller_id=intent.biller_id,
            qr_payload=intent.qr_payload if open_ else None,
            qr_png=f"{base}/qr.png" if open_ else None,
            qr_svg=f"{base}/qr.svg" if open_ else None,
            expires_at=intent.expires_at,
            created_at=intent.created_at,
            succeeded_at=intent.succeeded_at,
            channel=intent.channel,
            receipt_number=intent.receipt_number,
            receipt=f"{base}/receipt" if intent.receipt_number else None,
            refunded_satang=intent.refunded_satang,
            failure=intent.failure,
        )


class PaymentPage(BaseModel):
    items: list[PaymentOut]
    next_cursor: str | None


class EReceiptOut(BaseModel):
    number: str
    payload: dict[str, Any] = Field(description="The signed content, in the clear for display")
    jws: str = Field(description="Compact JWS (ES256) over the payload; key in the JWKS")

    @classmethod
    def of(cls, receipt: PaymentReceipt) -> EReceiptOut:
        return cls(number=receipt.number, payload=receipt.payload, jws=receipt.jws)


class WebhookIn(BaseModel):
    """A bank's notification (docs/mock-bank.md)."""

    model_config = ConfigDict(extra="allow")

    event_id: str = Field(min_length=1, max_length=64)
    type: Literal["payment.succeeded", "refund.succeeded"]
    txn_id: str = Field(min_length=1, max_length=40)
    biller_id: str = Field(pattern=r"^[0-9]{13,15}$")
    ref1: str = Field(min_length=1, max_length=25)
    ref2: str | None = Field(default=None, max_length=25)
    amount_satang: int = Field(ge=0, le=100_000_000_000)
    paid_at: dt.datetime
    channel: str = Field(default="mobile", max_length=16)
    refund_id: str | None = Field(default=None, max_length=64)


class WebhookOut(BaseModel):
    received: bool
    txn_id: str
    outcome: str = Field(
        description="credited, underpaid, overpaid, duplicate, late, unknown, reversed; "
        "`unconfirmed` while the bank's status API has not answered (asked again later)"
    )


class BillOut(BaseModel):
    id: str = Field(
        description="The portal's id of the bill: pay it with POST /v1/bills/{id}/payments"
    )
    agency_code: str
    bill_id: str = Field(description="The biller's own number (Ref1 of the Thai QR)")
    kind: str = Field(description="electricity, water, tax, ...")
    title: str
    account_ref: str = Field(description="What the citizen knows it by: a customer number, a meter")
    period: str | None
    amount_satang: int
    amount_display: str
    due_on: dt.date


class BillsOut(BaseModel):
    items: list[BillOut]
    unavailable: list[str] = Field(
        description="Billers that did not answer in time: their bills are not listed now"
    )


class DisbursementIn(BaseModel):
    """An agency's order to pay a citizen (idempotent per `payout_id`)."""

    model_config = ConfigDict(extra="forbid")

    payout_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    national_id: str = Field(pattern=r"^[0-9]{13}$")
    amount_satang: int = Field(gt=0, le=10_000_000_000)
    kind: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    title_th: str = Field(min_length=1, max_length=300)
    title_en: str = Field(min_length=1, max_length=300)
    period: str | None = Field(default=None, max_length=20)
    pay_on: dt.date | None = Field(default=None, description="Bangkok day to pay; default today")


class DisbursementOut(BaseModel):
    id: str
    agency_code: str
    payout_id: str
    kind: str
    title: str
    period: str | None
    amount_satang: int
    amount_display: str
    pay_on: dt.date
    status: Literal["ordered", "sent", "credited", "returned"]
    reason: str | None = Field(description="Why returned, e.g. no_promptpay_link")
    account_masked: str | None
    settled_at: dt.datetime | None


class DisbursementList(BaseModel):
    received: list[DisbursementOut] = Field(description="Credited or returned, newest first")
    coming: list[DisbursementOut] = Field(description="Ordered or on their way")


def disbursement_out(row: Disbursement, lang: str) -> DisbursementOut:
    return DisbursementOut(
        id=row.id,
        agency_code=row.agency_code,
        payout_id=row.payout_id,
        kind=row.kind,
        title=row.title_en if lang == "en" else row.title_th,
        period=row.period,
        amount_satang=row.amount_satang,
        amount_display=format_baht(row.amount_satang),
        pay_on=row.pay_on,
        status=row.status,
        reason=row.reason,
        account_masked=row.account_masked,
        settled_at=row.settled_at,
    )
