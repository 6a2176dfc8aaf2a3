"""What the bank refuses, as JSON `{"code": <stable code>, "message": …}` (the PSP contract).

BankError                    400 bad_request (the base)
├── InvalidRequest           422 invalid_request (a body or query that does not validate)
├── Unauthorized             401 unauthorized (no or a wrong Bearer API key)
├── NotFound                 404 not_found
├── InvalidPid               422 invalid_pid (not a 13-digit national ID with its check digit)
├── BadQr                    422 bad_qr (not EMVCo TLV, or the CRC does not match)
├── UnsupportedQr            422 unsupported_qr (a valid QR, but not a tag-30 bill payment)
├── AmountRequired           422 amount_required (a QR without an amount, none given)
├── InsufficientFunds        422 insufficient_funds
├── RefundExceedsPayment     422 refund_exceeds_payment
├── RefundNotPossible        422 refund_not_possible (only mobile payments are refunded)
├── DayFull                  422 day_full (a Bangkok day holds at most 999,999 transactions)
└── IdempotencyConflict      409 idempotency_conflict (a refund_id or transfer_id used again
                             with a different body)
"""

from __future__ import annotations

from typing import Any


class BankError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class InvalidRequest(BankError):
    status, code = 422, "invalid_request"


class Unauthorized(BankError):
    status, code = 401, "unauthorized"


class NotFound(BankError):
    status, code = 404, "not_found"


class InvalidPid(BankError):
    status, code = 422, "invalid_pid"


class BadQr(BankError):
    status, code = 422, "bad_qr"


class UnsupportedQr(BankError):
    status, code = 422, "unsupported_qr"


class AmountRequired(BankError):
    status, code = 422, "amount_required"


class InsufficientFunds(BankError):
    status, code = 422, "insufficient_funds"


class RefundExceedsPayment(BankError):
    status, code = 422, "refund_exceeds_payment"


class RefundNotPossible(BankError):
    status, code = 422, "refund_not_possible"


class DayFull(BankError):
    status, code = 422, "day_full"


class IdempotencyConflict(BankError):
    status, code = 409, "idempotency_conflict"
