"""The bank's request bodies (validated by FastAPI; a failure is 422 invalid_request)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from mock_agencies.bank.ledger import Channel, CounterChannel

Pid = Annotated[str, Field(pattern=r"^[0-9]{13}$")]
BillerId = Annotated[str, Field(pattern=r"^[0-9]{15}$")]
#: Ref1 and Ref2 are by convention up to 20 upper-case letters and digits (FACTS.md); the bank
#: takes lower case too, and nothing that would need quoting in its CSV statement.
Ref = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,20}$")]
Satang = Annotated[int, Field(gt=0, le=10**12)]
IdempotencyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,100}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScanPay(_Body):
    pid: Pid
    payload: Annotated[str, Field(min_length=1, max_length=512)]
    amount_satang: Satang | None = None


class CounterPayment(_Body):
    biller_id: BillerId
    ref1: Ref
    ref2: Ref | None = None
    amount_satang: Satang
    channel: CounterChannel


class PromptPayLink(_Body):
    linked: bool


class RefundRequest(_Body):
    refund_id: IdempotencyId
    txn_id: Annotated[str, Field(min_length=1, max_length=40)]
    amount_satang: Satang


class TransferRequest(_Body):
    transfer_id: IdempotencyId
    pid: Pid
    amount_satang: Satang
    payer: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,20}$")]  # the paying agency's code
    memo: Annotated[str, Field(max_length=200)] = ""


class WebhookTarget(_Body):
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)]


class GeneratedPayment(TypedDict):
    """One payment of a generated day: a TypedDict, so 100,000 of them validate in
    pydantic's core without building a model each."""

    biller_id: BillerId
    ref1: Ref
    ref2: NotRequired[Ref | None]
    amount_satang: Satang
    channel: NotRequired[Channel]


class Noise(_Body):
    unknown: Annotated[int, Field(ge=0, le=500_000)] = 0  # mobile payments nobody issued
    counter: Annotated[int, Field(ge=0, le=500_000)] = 0  # cash at a counter, unknown refs


class GenerateDay(_Body):
    date: dt.date
    payments: Annotated[list[GeneratedPayment], Field(max_length=900_000)] = []
    noise: Noise = Noise()


FaultShare = Annotated[float, Field(ge=0, le=1)]


class WebhookFaults(_Body):
    drop: FaultShare = 0.0  # share pretended sent and never delivered
    duplicate: FaultShare = 0.0  # share delivered twice
    reorder: bool = False  # deliver what is due newest first
    delay_seconds: Annotated[float, Field(ge=0, le=86_400)] = 0.0  # before the first attempt
    hold: bool = False  # queue, send nothing until set false again


DeliveryState = Literal["queued", "delivered", "failed", "dropped"]
