"""A biller's bills and the payments reported for them. In memory; no I/O.

A `Biller` knows the bills on its books: those a person still owes on a given day, and any bill
by its number (the number carries a keyed check, so a made-up one is not a bill). The
`BillBook` adds what the portal paid through the API: a paid bill is no longer owed, a payment
is recorded once per idempotency key, and a second payment of a settled bill is refused.

Errors, as the exchange's `{"error", "message"}` (mock_agencies/casework/errors.py):

    400 invalid_request, idempotency_key_required   the notice is malformed or has no key
    404 bill_not_found                              no such bill was issued
    409 idempotency_conflict                        the key was used with another notice
    409 already_paid (+ "receipt_number" when paid here)   settled before: on the portal
                                                    under another key, or at another channel
    422 reference_mismatch                          the notice's reference is another bill
    422 amount_mismatch (+ "due_satang")            not the bill's amount
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    model_validator,
)

from mock_agencies.casework.errors import (
    CaseworkError,
    IdempotencyConflict,
    IdempotencyKeyRequired,
    InvalidRequest,
)
from mock_agencies.casework.model import iso

#: Thai time (no daylight saving): a bill's month and due day are Thai calendar days.
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")
MAX_IDEMPOTENCY_KEY = 200


def thai_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BANGKOK).date()


class BillNotFound(CaseworkError):
    status, code = 404, "bill_not_found"


class AlreadyPaid(CaseworkError):
    status, code = 409, "already_paid"


class ReferenceMismatch(CaseworkError):
    status, code = 422, "reference_mismatch"


class AmountMismatch(CaseworkError):
    status, code = 422, "amount_mismatch"


@dataclass(frozen=True)
class Bill:
    bill_id: str  # the biller's number: Ref1 on the Thai QR (≤ 20 upper-case letters, digits)
    kind: str  # "electricity", "water", "tax"
    title_th: str
    title_en: str
    account_ref: str  # what the citizen knows it by: the customer number, the tax year
    period: str | None  # "2025-09" for a month, "2024" for a tax year
    amount_satang: int
    issued_on: dt.date
    due_on: dt.date
    details: dict[str, Any] = field(default_factory=dict)  # e.g. the units used

    def __post_init__(self) -> None:
        if not (len(self.bill_id) <= 20 and self.bill_id.isascii() and self.bill_id.isalnum()):
            raise ValueError(f"bill number {self.bill_id!r} is not a Ref1 (≤ 20 A-Z, 0-9)")
        if self.bill_id.upper() != self.bill_id or self.amount_satang <= 0:
            raise ValueError(f"bill {self.bill_id!r}: upper case, and a positive amount")

    def as_json(self) -> dict[str, Any]:
        return {
            "bill_id": self.bill_id,
            "kind": self.kind,
            "title_th": self.title_th,
            "title_en": self.title_en,
            "account_ref": self.account_ref,
            "period": self.period,
            "amount_satang": self.amount_satang,
            "issued_on": self.issued_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            **({"details": self.details} if self.details else {}),
        }


class Biller(Protocol):
    def bills_of(self, pid: str, today: dt.date) -> list[Bill]:
        """The bills the person owes on the biller's books on `today` (issued, not settled at
        another channel), oldest first."""
        ...

    def issued(self, bill_id: str, today: dt.date) -> tuple[Bill, bool] | None:
        """The bill numbered `bill_id` and whether it is still owed on `today` (False: settled
        at another channel); None when the biller issued no such bill by `today`."""
        ...


class Draw:
    """Stable numbers drawn from a seed, a name and the parts asked about: every start of a
    mock knows the same people, and another seed knows different ones."""

    def __init__(self, seed: int, name: str) -> None:
        self.seed = seed
        self.name = name

    def pick(self, scale: int, *parts: object) -> int:
        """A stable number in range(scale)."""
        text = ":".join(str(part) for part in (self.seed, self.name, *parts))
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % scale

    def checked(self, body: int, digits: int, *context: object) -> str:
        """`body` as `digits` digits followed by 3 check digits keyed by the seed: a number
        nobody was given fails `is_checked` 999 times in 1,000."""
        text = f"{body:0{digits}d}"
        return text + f"{self.pick(1000, 'check', text, *context):03d}"

    def is_checked(self, number: str, digits: int, *context: object) -> bool:
        if len(number) != digits + 3 or not (number.isascii() and number.isdigit()):
            return False
        return self.checked(int(number[:digits]), digits, *context) == number


class PaidFee(BaseModel):
    model_config = ConfigDict(extra="allow")

    label: Annotated[str, Field(min_length=1, max_length=500)]
    amount_satang: Annotated[StrictInt, Field(ge=0)]


Reference = Annotated[str, Field(min_length=1, max_length=64)]
Key = Annotated[str, Field(min_length=1, max_length=MAX_IDEMPOTENCY_KEY)]


class PaymentNotice(BaseModel):
    """The portal's word that a bill was paid (connectors.base.PaymentNotice as JSON).
    Unknown fields are kept, not refused: a newer gateway may send more."""

    model_config = ConfigDict(extra="allow")

    idempotency_key: Key | None = None  # or the Idempotency-Key header
    reference: Reference  # the bill's number
    payment_id: Reference  # the portal's payment (Ref2 of the QR)
    receipt_number: Reference  # the portal's e-receipt
    amount_satang: Annotated[StrictInt, Field(gt=0)]
    fees: Annotated[list[PaidFee], Field(min_length=1, max_length=20)]
    paid_at: AwareDatetime
    channel: Annotated[str, Field(min_length=1, max_length=32)]

    @model_validator(mode="after")
    def _fees_add_up(self) -> Self:
        if sum(fee.amount_satang for fee in self.fees) != self.amount_satang:
            raise ValueError("amount_satang must be the sum of the fees")
        return self


@dataclass(frozen=True)
class BillPayment:
    """A payment the portal reported, as the biller recorded it."""

    bill_id: str
    idempotency_key: str
    payment_id: str
    receipt_number: str
    amount_satang: int
    paid_at: dt.datetime
    channel: str
    recorded_at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "bill_id": self.bill_id,
            "status": "paid",
            "idempotency_key": self.idempotency_key,
            "payment_id": self.payment_id,
            "receipt_number": self.receipt_number,
            "amount_satang": self.amount_satang,
            "paid_at": iso(self.paid_at),
            "channel": self.channel,
            "recorded_at": iso(self.recorded_at),
        }


@dataclass(frozen=True)
class _Replay:
    fingerprint: str
    answer: dict[str, Any]


class BillBook:
    """The bills of `biller` and the payments reported for them. Single-loop: every change
    happens between two awaits, so no locking is needed."""

    def __init__(self, biller: Biller) -> None:
        self.biller = biller
        self.paid: dict[str, BillPayment] = {}  # by bill number
        self._replays: dict[str, _Replay] = {}  # by idempotency key

    def open_bills(self, pid: str, today: dt.date) -> list[Bill]:
        """What the person still owes: the biller's open bills less those paid here."""
        return [bill for bill in self.biller.bills_of(pid, today) if bill.bill_id not in self.paid]

    def pay(
        self, bill_id: str, header_key: str | None, raw: bytes, now: dt.datetime
    ) -> tuple[int, dict[str, Any]]:
        """(201, the recorded payment) for a new payment; (200, the same) for its key again."""
        body = _json_object(raw)
        key = _idempotency_key(header_key, body.get("idempotency_key"))
        fingerprint = hashlib.sha256(
            json.dumps([bill_id, body], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        if (replay := self._replays.get(key)) is not None:
            if replay.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    "this idempotency key was used with another payment notice",
                    bill_id=replay.answer["bill_id"],
                )
            return 200, replay.answer
        try:
            notice = PaymentNotice.model_validate(body)
        except ValidationError as error:
            raise InvalidRequest(
                "the payment notice is incomplete or malformed",
                errors=[
                    {"field": "/".join(map(str, item["loc"])), "message": item["msg"]}
                    for item in error.errors()
                ],
            ) from None
        if notice.reference != bill_id:
            raise ReferenceMismatch(f"the notice is for {notice.reference!r}, not bill {bill_id}")
        found = self.biller.issued(bill_id, thai_date(now))
        if found is None:
            raise BillNotFound(f"no bill {bill_id!r} was issued")
        bill, owed = found
        if (earlier := self.paid.get(bill_id)) is not None:
            raise AlreadyPaid(
                f"bill {bill_id} was paid on the portal already (another payment)",
                receipt_number=earlier.receipt_number,
            )
        if not owed:
            raise AlreadyPaid(f"bill {bill_id} was settled already at another channel")
        if notice.amount_satang != bill.amount_satang:
            raise AmountMismatch(
                f"bill {bill_id} is for {bill.amount_satang} satang, not {notice.amount_satang}",
                due_satang=bill.amount_satang,
            )
        payment = BillPayment(
            bill_id=bill_id,
            idempotency_key=key,
            payment_id=notice.payment_id,
            receipt_number=notice.receipt_number,
            amount_satang=notice.amount_satang,
            paid_at=notice.paid_at,
            channel=notice.channel,
            recorded_at=now,
        )
        self.paid[bill_id] = payment
        answer = payment.as_json()
        self._replays[key] = _Replay(fingerprint, answer)
        return 201, answer


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be the payment notice, a JSON object")
    return body


def _idempotency_key(header: str | None, in_body: object) -> str:
    """The payment's key: the Idempotency-Key header, the notice's `idempotency_key`, or both
    when they agree."""
    if in_body is not None and not isinstance(in_body, str):
        raise InvalidRequest("idempotency_key must be text")
    if header and in_body and header != in_body:
        raise InvalidRequest("the Idempotency-Key header and the notice's idempotency_key differ")
    key = header or in_body
    if not key:
        raise IdempotencyKeyRequired(
            "header Idempotency-Key (or the notice's idempotency_key) is required"
        )
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(f"the idempotency key is at most {MAX_IDEMPOTENCY_KEY} characters")
    return key
