"""What an API-kind agency refuses, as JSON `{"error": <stable code>, "message": …}`.

    CaseworkError                400 bad_request (the base)
    ├── InvalidRequest           400 invalid_request (body or query does not parse)
    ├── IdempotencyKeyRequired   400 idempotency_key_required
    ├── Unauthorised             401 unauthorised (no, unknown or foreign credentials)
    ├── TokenExpired             401 token_expired (60 idle minutes: validate again)
    ├── InvalidAgentId           400 invalid_agent_id
    ├── InvalidPid               400 invalid_pid
    ├── NotFound                 404 not_found
    ├── IdempotencyConflict      409 idempotency_conflict (same key, other body)
    ├── InvalidTransition        409 invalid_transition (a staff action the case's status forbids)
    ├── NotCancellable           409 not_cancellable (already decided)
    ├── NotEligible              409 not_eligible (approval refused by the agency's own rules)
    ├── AlreadyPaid              409 already_paid (+ the recorded payment's "idempotency_key",
    │                            "receipt_number"): another payment for a paid case
    ├── NotAwaitingPayment       409 not_awaiting_payment (a payment the case does not wait for)
    ├── AmountMismatch           422 amount_mismatch (+ "due_satang"): not the fees due
    ├── ReferenceMismatch        422 reference_mismatch: a payment for another application
    ├── NotOurCase               422 not_our_case (+ "responsible_agency") R-10.6
    ├── UnknownService           422 unknown_service
    ├── PayloadTooLarge          413 payload_too_large
    ├── GatewayUnknown           409 gateway_unknown (a document's case named no callback_url)
    ├── GatewayRefused           the gateway's own status, gateway_refused (+ "gateway_status",
    │                            "gateway_code"): it refused a document's new status
    └── GatewayUnavailable       502 gateway_unavailable: the gateway cannot be asked

400/404/409/422 are permanent refusals; 401 is credentials (contract: docs/agency-integration.md).
"""

from __future__ import annotations

from typing import Any


class CaseworkError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


class InvalidRequest(CaseworkError):
    status, code = 400, "invalid_request"


class IdempotencyKeyRequired(CaseworkError):
    status, code = 400, "idempotency_key_required"


class Unauthorised(CaseworkError):
    status, code = 401, "unauthorised"


class TokenExpired(CaseworkError):
    status, code = 401, "token_expired"


class InvalidAgentId(CaseworkError):
    status, code = 400, "invalid_agent_id"


class InvalidPid(CaseworkError):
    status, code = 400, "invalid_pid"


class NotFound(CaseworkError):
    status, code = 404, "not_found"


class IdempotencyConflict(CaseworkError):
    status, code = 409, "idempotency_conflict"


class InvalidTransition(CaseworkError):
    status, code = 409, "invalid_transition"


class NotCancellable(CaseworkError):
    status, code = 409, "not_cancellable"


class NotEligible(CaseworkError):
    status, code = 409, "not_eligible"


class AlreadyPaid(CaseworkError):
    status, code = 409, "already_paid"


class NotAwaitingPayment(CaseworkError):
    status, code = 409, "not_awaiting_payment"


class AmountMismatch(CaseworkError):
    status, code = 422, "amount_mismatch"


class ReferenceMismatch(CaseworkError):
    status, code = 422, "reference_mismatch"


class NotOurCase(CaseworkError):
    status, code = 422, "not_our_case"


class UnknownService(CaseworkError):
    status, code = 422, "unknown_service"


class PayloadTooLarge(CaseworkError):
    status, code = 413, "payload_too_large"


class GatewayUnknown(CaseworkError):
    status, code = 409, "gateway_unknown"


class GatewayRefused(CaseworkError):
    """The gateway refused what the agency told it; answered with the gateway's status (404
    document_not_found, 409 document_status_final...), so a script sees what the gateway saw."""

    code = "gateway_refused"

    def __init__(self, message: str, *, status: int, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.status = status


class GatewayUnavailable(CaseworkError):
    status, code = 502, "gateway_unavailable"
