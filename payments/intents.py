"""A payment intent's life, and the rules on money that moves through it. Pure: no I/O.

    created ──(the citizen's app shows the QR)──> pending ──> succeeded | failed
       └────────────────────────────┬──────────────┘
                                    └──> expired (its time ran out) | cancelled (the demand went)

An intent is one attempt to pay one demand (a fee of an application, or a bill). A demand has at
most one open intent (`created` or `pending`) at a time; a new one may be made once the last is
closed (failed, expired, cancelled). `succeeded` is final: the demand is paid. Money that
arrives for a closed intent (after expiry, twice, the wrong amount) does not reopen it: it is
an exception for reconciliation (payments.reconcile) and, usually, a refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IntentStatus(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


OPEN: frozenset[IntentStatus] = frozenset({IntentStatus.CREATED, IntentStatus.PENDING})
FINAL: frozenset[IntentStatus] = frozenset(IntentStatus) - OPEN

_NEXT: dict[IntentStatus, frozenset[IntentStatus]] = {
    IntentStatus.CREATED: frozenset(
        {
            IntentStatus.PENDING,
            IntentStatus.SUCCEEDED,
            IntentStatus.FAILED,
            IntentStatus.EXPIRED,
            IntentStatus.CANCELLED,
        }
    ),
    IntentStatus.PENDING: frozenset(
        {
            IntentStatus.SUCCEEDED,
            IntentStatus.FAILED,
            IntentStatus.EXPIRED,
            IntentStatus.CANCELLED,
        }
    ),
}


class IntentRefused(Exception):
    """The change is not possible; `code` is stable, for clients to switch on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def can_move(source: IntentStatus, target: IntentStatus) -> bool:
    return target in _NEXT.get(source, frozenset())


def move(source: IntentStatus, target: IntentStatus) -> IntentStatus:
    """`target`, or IntentRefused when an intent in `source` cannot go there."""
    if not can_move(source, target):
        raise IntentRefused(
            "payment_closed" if source in FINAL else "invalid_payment_transition",
            f"A payment that is {source.value} cannot become {target.value}.",
        )
    return target


@dataclass(frozen=True)
class Settlement:
    """What the bank's money does to an open intent: it pays it when the amount is the
    demand's; otherwise the intent stays open and the money is an exception."""

    pays: bool
    reason: str  # "exact", "underpaid", "overpaid"


def settle(due_satang: int, paid_satang: int) -> Settlement:
    if paid_satang == due_satang:
        return Settlement(True, "exact")
    return Settlement(False, "underpaid" if paid_satang < due_satang else "overpaid")


def refundable(paid_satang: int, refunded_satang: int) -> int:
    """What may still be refunded of a payment."""
    return max(paid_satang - refunded_satang, 0)


def check_refund(
    amount_satang: int, *, paid_satang: int, refunded_satang: int, expected_refundable: int
) -> int:
    """The refundable amount after refunding `amount_satang`, or IntentRefused.

    `expected_refundable` is what the operator saw as refundable when deciding (like an
    If-Match): when another refund changed it meanwhile, this one is refused with
    `refundable_changed` (HTTP 412), so two refunds racing for the same balance cannot both
    pass."""
    available = refundable(paid_satang, refunded_satang)
    if expected_refundable != available:
        raise IntentRefused(
            "refundable_changed",
            f"{available} satang is refundable now, not {expected_refundable}: "
            "another refund came first. Read the payment again.",
        )
    if amount_satang <= 0:
        raise IntentRefused("invalid_refund", "A refund is a positive amount.")
    if amount_satang > available:
        raise IntentRefused(
            "refund_exceeds_payment", f"At most {available} satang can still be refunded."
        )
    return available - amount_satang
