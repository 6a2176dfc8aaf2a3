"""The one error base. Each error is a small subclass with an HTTP status and a stable code.

    DomainError
    ├── BadRequest (400)             invalid_request, invalid_cursor
    ├── Unauthorized (401)           unauthorized
    ├── Forbidden (403)              forbidden, simulation_only
    ├── NotFound (404)               not_found
    ├── Conflict (409)               conflict
    ├── Gone (410)                   gone
    ├── PayloadTooLarge (413)        payload_too_large
    ├── UnsupportedMediaType (415)   unsupported_media_type
    ├── ValidationFailed (422)       validation_failed, with field errors
    ├── TooManyRequests (429)        too_many_requests, with Retry-After
    ├── HeaderFieldsTooLarge (431)   header_fields_too_large
    ├── BadGateway (502)             bad_gateway
    └── ServiceUnavailable (503)     service_unavailable, with Retry-After

Services raise these without knowing about HTTP; the gateway renders them as RFC 9457
problem+json. Clients switch on `code`, never on `detail`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    """One failing field. `pointer` is an RFC 6901 pointer into the request, e.g. /query/limit."""

    pointer: str
    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_request"
    title: ClassVar[str] = "The request is invalid"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}  # further problem members, e.g. {"registry_code": 4}
        if code is not None:
            self.code = code  # type: ignore[misc]  # a finer code for the same status


class BadRequest(DomainError):
    status, code, title = 400, "invalid_request", "The request is invalid"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication is required"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflicts with the current state"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload_too_large", "The request body is too large"


class UnsupportedMediaType(DomainError):
    status, code, title = 415, "unsupported_media_type", "The content type is not accepted"


class Gone(DomainError):
    status, code, title = 410, "gone", "No longer available"


class TooManyRequests(DomainError):
    status, code, title = 429, "too_many_requests", "Too many attempts"


class HeaderFieldsTooLarge(DomainError):
    status, code, title = 431, "header_fields_too_large", "The request headers are too large"


class BadGateway(DomainError):
    status, code, title = 502, "bad_gateway", "An agency answered in a way the gateway cannot use"


class ServiceUnavailable(DomainError):
    status, code, title = 503, "service_unavailable", "Temporarily unavailable"


class ValidationFailed(DomainError):
    status, code, title = 422, "validation_failed", "Some fields are invalid"
